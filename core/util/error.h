// Error reporting for core: one exception type that says what failed, where
// (file, byte offset or key) and the likely cause. Core never aborts.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace corrlens {

// Where an error happened; every field is optional.
struct ErrorLocation {
  ErrorLocation(std::string file_ = {}, std::optional<uint64_t> offset_ = std::nullopt, std::string key_ = {})
      : file(std::move(file_)), offset(offset_), key(std::move(key_)) {}
  std::string file;                // file path or archive entry
  std::optional<uint64_t> offset;  // byte offset inside `file`
  std::string key;                 // tensor path, JSON key, option name...
};

// The exception thrown by every core module. what() is one line:
// "<file>: <message> (at byte N, key K; likely cause: ...)".
class Error : public std::runtime_error {
 public:
  Error(std::string message, ErrorLocation where = {}, std::string cause = {});

  const std::string& message() const { return message_; }
  const ErrorLocation& where() const { return where_; }
  const std::string& cause() const { return cause_; }

  // Returns a copy with `file` filled in when it was empty (used by readers
  // that parse in-memory buffers and learn the path only at the top).
  Error WithFile(const std::string& file) const;

 private:
  static std::string Format(const std::string& message, const ErrorLocation& where, const std::string& cause);
  std::string message_;
  ErrorLocation where_;
  std::string cause_;
};

// Thrown by CancelToken::ThrowIfCancelled(); not an error for the user.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace corrlens
