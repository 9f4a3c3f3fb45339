#include "core/util/log.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

namespace corrlens::log {
namespace {

Level InitialLevel() {
  const char* env = std::getenv("CORRLENS_LOG");
  if (!env) return Level::kInfo;
  if (!std::strcmp(env, "debug")) return Level::kDebug;
  if (!std::strcmp(env, "warning")) return Level::kWarning;
  if (!std::strcmp(env, "error")) return Level::kError;
  if (!std::strcmp(env, "quiet")) return Level::kQuiet;
  return Level::kInfo;
}

std::atomic<Level>& CurrentLevel() {
  static std::atomic<Level> level{InitialLevel()};
  return level;
}

}  // namespace

void SetLevel(Level level) { CurrentLevel().store(level); }
Level GetLevel() { return CurrentLevel().load(); }

void Write(Level level, const std::string& message) {
  static std::mutex mutex;
  static const char* kNames[] = {"debug", "info", "warning", "error", ""};
  std::lock_guard<std::mutex> lock(mutex);
  std::cerr << "[" << kNames[static_cast<int>(level)] << "] " << message << '\n';
}

}  // namespace corrlens::log
