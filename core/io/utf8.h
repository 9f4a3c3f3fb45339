// UTF-8 hygiene for every string that comes from a file: readers store only
// valid UTF-8 (invalid bytes become U+FFFD) and shorten text on a character
// boundary, so JSON output and terminals never see a broken sequence.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corrlens::io {

// `text` as valid UTF-8: each byte that does not start a well-formed sequence
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) becomes
// U+FFFD. The result is cut on a character boundary so that it is at most
// `max_bytes` long; only the part of `text` that is needed is read.
std::string ValidUtf8(std::string_view text, size_t max_bytes = std::string::npos);

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// Length of the longest prefix of valid UTF-8 `text` that is at most
// `max_bytes` long and ends on a character boundary.
size_t Utf8Boundary(std::string_view text, size_t max_bytes);

}  // namespace corrlens::io
