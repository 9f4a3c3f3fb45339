#include "core/io/pickle_literals.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace corrlens::io::pickle {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | ((cp >> 18) & 0x07));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string DecodeRawUnicodeEscape(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    const size_t digits = (in[i] == '\\' && i + 1 < in.size()) ? (in[i + 1] == 'u' ? 4 : in[i + 1] == 'U' ? 8 : 0) : 0;
    uint32_t cp = 0;
    bool ok = digits > 0 && i + 2 + digits <= in.size();
    for (size_t k = 0; ok && k < digits; ++k) {
      const int d = HexDigit(in[i + 2 + k]);
      ok = d >= 0;
      cp = (cp << 4) | static_cast<uint32_t>(d < 0 ? 0 : d);
    }
    if (ok && cp <= 0x10ffff) {
      AppendUtf8(out, cp);
      i += 1 + digits;
    } else {
      AppendUtf8(out, static_cast<unsigned char>(in[i]));
    }
  }
  return out;
}

bool DecodeReprString(const std::string& line, std::string* out) {
  if (line.size() < 2 || (line[0] != '\'' && line[0] != '"') || line.back() != line[0]) return false;
  const std::string body = line.substr(1, line.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      *out += body[i];
      continue;
    }
    const char c = body[++i];
    static const char kFrom[] = "nrtabfv\\'\"";
    static const char kTo[] = "\n\r\t\a\b\f\v\\'\"";
    if (const char* hit = std::strchr(kFrom, c); hit && c) {
      *out += kTo[hit - kFrom];
    } else if (c == 'x' && i + 2 < body.size() && HexDigit(body[i + 1]) >= 0 && HexDigit(body[i + 2]) >= 0) {
      *out += static_cast<char>(HexDigit(body[i + 1]) * 16 + HexDigit(body[i + 2]));
      i += 2;
    } else if (c >= '0' && c <= '7') {
      int v = 0, n = 0;
      while (n < 3 && i < body.size() && body[i] >= '0' && body[i] <= '7') v = v * 8 + (body[i++] - '0'), ++n;
      --i;
      *out += static_cast<char>(v & 0xff);
    } else {
      *out += '\\';
      *out += c;
    }
  }
  return true;
}

bool DecodeLong(const uint8_t* bytes, uint64_t n, int64_t* value, std::string* big) {
  const bool negative = n > 0 && (bytes[n - 1] & 0x80);
  bool fits = n <= 8;
  if (n > 8) {  // fits when the extra bytes only sign-extend
    fits = true;
    for (uint64_t i = 8; i < n && fits; ++i) fits = bytes[i] == (negative ? 0xff : 0x00);
    fits = fits && ((bytes[7] & 0x80) != 0) == negative;
  }
  if (fits) {
    uint64_t v = negative ? ~uint64_t{0} : 0;
    for (uint64_t i = 0; i < std::min<uint64_t>(n, 8); ++i) {
      v &= ~(uint64_t{0xff} << (8 * i));
      v |= static_cast<uint64_t>(bytes[i]) << (8 * i);
    }
    *value = static_cast<int64_t>(v);
    return true;
  }
  if (n > 32) {
    *big = "<" + std::to_string(n) + "-byte integer>";
    return false;
  }
  std::vector<uint8_t> magnitude(bytes, bytes + n);
  if (negative) {  // two's complement negate
    int carry = 1;
    for (auto& b : magnitude) {
      const int v = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
  }
  std::string hex = negative ? "-0x" : "0x";
  bool leading = true;
  for (uint64_t i = n; i-- > 0;) {
    char buf[3];
    std::snprintf(buf, sizeof(buf), "%02x", magnitude[i]);
    if (leading && magnitude[i] == 0) continue;
    hex += leading && buf[0] == '0' ? std::string(1, buf[1]) : std::string(buf);
    leading = false;
  }
  *big = hex;
  return false;
}

}  // namespace corrlens::io::pickle
