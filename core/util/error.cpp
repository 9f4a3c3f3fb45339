#include "core/util/error.h"

#include <sstream>

namespace corrlens {

Error::Error(std::string message, ErrorLocation where, std::string cause)
    : std::runtime_error(Format(message, where, cause)),
      message_(std::move(message)),
      where_(std::move(where)),
      cause_(std::move(cause)) {}

Error Error::WithFile(const std::string& file) const {
  if (!where_.file.empty()) return *this;
  ErrorLocation where = where_;
  where.file = file;
  return Error(message_, where, cause_);
}

std::string Error::Format(const std::string& message, const ErrorLocation& where, const std::string& cause) {
  std::ostringstream out;
  if (!where.file.empty()) out << where.file << ": ";
  out << message;
  std::string details;
  if (where.offset) details += "at byte " + std::to_string(*where.offset);
  if (!where.key.empty()) details += (details.empty() ? "" : ", ") + std::string("key '") + where.key + "'";
  if (!cause.empty()) details += (details.empty() ? "" : "; ") + std::string("likely cause: ") + cause;
  if (!details.empty()) out << " (" << details << ")";
  std::string line = out.str();
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace corrlens
