#include "tests/fuzz/mutator.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace corrlens::fuzz {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The quoted value of one dictionary line; `what` names the line in errors.
Bytes ParseToken(const std::string& line, const std::string& what) {
  const size_t open = line.find('"');
  if (open == std::string::npos || line.size() < open + 2 || line.back() != '"')
    throw std::runtime_error(what + ": expected name=\"value\" or \"value\"");
  Bytes token;
  for (size_t i = open + 1; i + 1 < line.size(); ++i) {
    if (line[i] != '\\') {
      token.push_back(static_cast<uint8_t>(line[i]));
      continue;
    }
    if (i + 2 >= line.size()) throw std::runtime_error(what + ": escape at the end of the value");
    const char next = line[++i];
    if (next == '\\' || next == '"') {
      token.push_back(static_cast<uint8_t>(next));
    } else if (next == 'x' && i + 3 < line.size() && HexDigit(line[i + 1]) >= 0 && HexDigit(line[i + 2]) >= 0) {
      token.push_back(static_cast<uint8_t>(HexDigit(line[i + 1]) * 16 + HexDigit(line[i + 2])));
      i += 2;
    } else {
      throw std::runtime_error(what + ": unknown escape \\" + std::string(1, next));
    }
  }
  return token;
}

constexpr std::array<int64_t, 12> kInteresting = {0, 1, -1, 2, 16, 64, 127, 128, 255, 256, 65535, 0x7fffffff};

}  // namespace

std::vector<Bytes> ReadDictionary(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the dictionary");
  std::vector<Bytes> tokens;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    tokens.push_back(ParseToken(line.substr(start), path + ":" + std::to_string(number)));
  }
  return tokens;
}

Mutator::Mutator(uint64_t seed, std::vector<Bytes> dictionary, size_t max_len)
    : rng_(seed), dictionary_(std::move(dictionary)), max_len_(max_len) {}

Bytes Mutator::Mutate(const Bytes& input, const std::vector<Bytes>& pool) {
  Bytes data = input;
  const size_t limit = std::max(max_len_, input.size());
  for (size_t n = 1 + Below(5); n > 0; --n) MutateOnce(data, pool, limit);
  return data;
}

void Mutator::MutateOnce(Bytes& data, const std::vector<Bytes>& pool, size_t limit) {
  const size_t size = data.size();
  const size_t room = limit - std::min(limit, size);
  switch (Below(10)) {
    case 0:  // flip a bit
      if (size > 0) data[Below(size)] ^= static_cast<uint8_t>(1u << Below(8));
      break;
    case 1:  // a random or interesting byte
      if (size > 0)
        data[Below(size)] = static_cast<uint8_t>(Below(2) ? Below(256) : kInteresting[Below(kInteresting.size())]);
      break;
    case 2: {  // a 1/2/4/8-byte integer plus a small delta, or set to an interesting value
      const size_t width = size_t{1} << Below(4);
      if (size < width) break;
      const size_t at = Below(size - width + 1);
      const bool big_endian = Below(2) != 0;
      uint64_t value = 0;
      for (size_t i = 0; i < width; ++i) value |= uint64_t{data[at + (big_endian ? width - 1 - i : i)]} << (8 * i);
      value = Below(2) ? value + static_cast<uint64_t>(static_cast<int64_t>(Below(33)) - 16)
                       : static_cast<uint64_t>(kInteresting[Below(kInteresting.size())]);
      for (size_t i = 0; i < width; ++i)
        data[at + (big_endian ? width - 1 - i : i)] = static_cast<uint8_t>(value >> (8 * i));
      break;
    }
    case 3: {  // an ASCII number: +-1, doubled, halved, zero or huge
      if (size == 0) break;
      size_t begin = Below(size);
      while (begin < size && (data[begin] < '0' || data[begin] > '9')) ++begin;
      if (begin == size) break;
      size_t end = begin;
      while (end < size && end - begin < 18 && data[end] >= '0' && data[end] <= '9') ++end;
      const uint64_t value = std::stoull(std::string(data.begin() + begin, data.begin() + end));
      const std::array<std::string, 6> options = {std::to_string(value + 1),
                                                  std::to_string(value - 1),
                                                  std::to_string(value * 2),
                                                  std::to_string(value / 2),
                                                  "0",
                                                  "99999999999999999999"};
      const std::string text = options[Below(options.size())];
      if (text.size() > end - begin + room) break;
      data.erase(data.begin() + begin, data.begin() + end);
      data.insert(data.begin() + begin, text.begin(), text.end());
      break;
    }
    case 4: {  // erase a range
      if (size == 0) break;
      const size_t count = 1 + Below(std::min<size_t>(size, std::max<size_t>(1, size / 8)));
      const size_t at = Below(size - count + 1);
      data.erase(data.begin() + at, data.begin() + at + count);
      break;
    }
    case 5: {  // insert random bytes or a run of one byte
      const size_t count = std::min(room, 1 + Below(Below(2) ? 8 : 128));
      if (count == 0) break;
      const uint8_t fill = static_cast<uint8_t>(Below(256));
      Bytes insert(count, fill);
      if (count <= 8)
        for (uint8_t& b : insert) b = static_cast<uint8_t>(Below(256));
      data.insert(data.begin() + Below(size + 1), insert.begin(), insert.end());
      break;
    }
    case 6: {  // copy a range of the input over or into another place
      if (size < 2) break;
      const size_t count = 1 + Below(std::min<size_t>(size - 1, 256));
      const size_t from = Below(size - count + 1);
      const Bytes part(data.begin() + from, data.begin() + from + count);
      if (Below(2) || count > room) {
        std::copy(part.begin(), part.end(), data.begin() + Below(size - count + 1));
      } else {
        data.insert(data.begin() + Below(size + 1), part.begin(), part.end());
      }
      break;
    }
    case 7:
    case 8: {  // insert or overwrite a dictionary token
      if (dictionary_.empty()) break;
      const Bytes& token = dictionary_[Below(dictionary_.size())];
      if (Below(2) && token.size() <= size) {
        std::copy(token.begin(), token.end(), data.begin() + Below(size - token.size() + 1));
      } else if (token.size() <= room) {
        data.insert(data.begin() + Below(size + 1), token.begin(), token.end());
      }
      break;
    }
    default: {  // cross-over: this input's head with another seed's tail
      if (pool.empty()) break;
      const Bytes& other = pool[Below(pool.size())];
      const size_t head = Below(size + 1);
      const size_t from = Below(other.size() + 1);
      const size_t tail = std::min(other.size() - from, limit - head);
      data.resize(head);
      data.insert(data.end(), other.begin() + from, other.begin() + from + tail);
      break;
    }
  }
}

}  // namespace corrlens::fuzz
