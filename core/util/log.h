// Minimal levelled logging to stderr for core and the CLI (fmt-formatted).
#pragma once

#include <fmt/format.h>

#include <string>

namespace corrlens::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kQuiet = 4 };

// Messages below this level are dropped. Default: kInfo, or $CORRLENS_LOG.
void SetLevel(Level level);
Level GetLevel();
void Write(Level level, const std::string& message);

template <typename... Args>
void Info(fmt::format_string<Args...> format, Args&&... args) {
  if (GetLevel() <= Level::kInfo) Write(Level::kInfo, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void Warn(fmt::format_string<Args...> format, Args&&... args) {
  if (GetLevel() <= Level::kWarning) Write(Level::kWarning, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void Debug(fmt::format_string<Args...> format, Args&&... args) {
  if (GetLevel() <= Level::kDebug) Write(Level::kDebug, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace corrlens::log
