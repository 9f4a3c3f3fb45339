// Throwing checks: a failed check raises corrlens::Error, never aborts.
#pragma once

#include <sstream>

#include "core/util/error.h"

// CL_CHECK(cond) << "message";  throws corrlens::Error when cond is false.
#define CL_CHECK(cond) \
  if (cond) {          \
  } else               \
    ::corrlens::internal::Thrower(#cond, __FILE__, __LINE__) & ::corrlens::internal::MessageStream()

// CL_CHECK_EQ/LT/LE/GT/GE(a, b) << "message";  include both values.
#define CL_CHECK_OP(a, op, b)                                                                                    \
  if ((a)op(b)) {                                                                                                \
  } else                                                                                                         \
    ::corrlens::internal::Thrower(#a " " #op " " #b, __FILE__, __LINE__) & ::corrlens::internal::MessageStream() \
                                                                               << "(" << (a) << " vs " << (b) << ") "
#define CL_CHECK_EQ(a, b) CL_CHECK_OP(a, ==, b)
#define CL_CHECK_NE(a, b) CL_CHECK_OP(a, !=, b)
#define CL_CHECK_LT(a, b) CL_CHECK_OP(a, <, b)
#define CL_CHECK_LE(a, b) CL_CHECK_OP(a, <=, b)
#define CL_CHECK_GT(a, b) CL_CHECK_OP(a, >, b)
#define CL_CHECK_GE(a, b) CL_CHECK_OP(a, >=, b)

namespace corrlens::internal {

class MessageStream {
 public:
  template <typename T>
  MessageStream& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  std::string str() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
};

class Thrower {
 public:
  Thrower(const char* condition, const char* file, int line) : condition_(condition), file_(file), line_(line) {}
  // Throws; `&` binds looser than `<<`, so the whole message is collected first.
  [[noreturn]] void operator&(const MessageStream& message) const;

 private:
  const char* condition_;
  const char* file_;
  int line_;
};

}  // namespace corrlens::internal
