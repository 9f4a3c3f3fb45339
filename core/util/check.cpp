#include "core/util/check.h"

#include <cstring>

namespace corrlens::internal {

void Thrower::operator&(const MessageStream& message) const {
  std::string text = message.str();
  const char* base = std::strrchr(file_, '/');
  std::string origin = std::string(base ? base + 1 : file_) + ":" + std::to_string(line_);
  if (text.empty()) text = std::string("check failed: ") + condition_;
  throw Error(text + " [" + origin + "]");
}

}  // namespace corrlens::internal
