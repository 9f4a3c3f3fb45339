// Decoders for the literal encodings inside pickles: protocol-0 STRING
// (a Python repr) and UNICODE (raw-unicode-escape), and LONG1/LONG4
// two's-complement integers of any length.
#pragma once

#include <cstdint>
#include <string>

namespace corrlens::io::pickle {

// Appends code point `cp` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);
// raw-unicode-escape: \uXXXX and \UXXXXXXXX escapes, every other byte latin-1.
std::string DecodeRawUnicodeEscape(const std::string& in);
// A quoted Python repr ('...' or "...") with \n, \xHH, \ooo... escapes; false when unquoted.
bool DecodeReprString(const std::string& line, std::string* out);
// Little-endian two's complement of `n` bytes. Returns true and sets `value`
// when it fits int64; otherwise sets `big` to "0x..."/"-0x..." (or
// "<N-byte integer>" beyond 32 bytes) and returns false.
bool DecodeLong(const uint8_t* bytes, uint64_t n, int64_t* value, std::string* big);

}  // namespace corrlens::io::pickle
