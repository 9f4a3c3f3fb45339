#include "core/io/pickle_writer.h"

#include <nlohmann/json.hpp>

#include <cstring>

#include "core/util/error.h"

namespace corrlens::io::pickle {

PickleWriter::PickleWriter() {
  Op(0x80);
  Op(2);
}

void PickleWriter::U32(uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void PickleWriter::None() { Op('N'); }
void PickleWriter::Bool(bool value) { Op(value ? 0x88 : 0x89); }

void PickleWriter::Int(int64_t value) {
  if (value >= 0 && value < 256) {
    Op('K');
    out_.push_back(static_cast<uint8_t>(value));
  } else if (value >= 0 && value < 65536) {
    Op('M');
    out_.push_back(static_cast<uint8_t>(value));
    out_.push_back(static_cast<uint8_t>(value >> 8));
  } else if (value >= INT32_MIN && value <= INT32_MAX) {
    Op('J');
    U32(static_cast<uint32_t>(static_cast<int32_t>(value)));
  } else {  // LONG1: minimal little-endian two's complement
    std::vector<uint8_t> bytes;
    uint64_t bits = static_cast<uint64_t>(value);
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(bits >> (8 * i)));
    while (bytes.size() > 1) {
      const uint8_t last = bytes.back(), prev = bytes[bytes.size() - 2];
      if ((last == 0x00 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80))) {
        bytes.pop_back();
      } else {
        break;
      }
    }
    Op(0x8a);
    out_.push_back(static_cast<uint8_t>(bytes.size()));
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
}

void PickleWriter::UInt(uint64_t value) {
  if (value <= static_cast<uint64_t>(INT64_MAX)) return Int(static_cast<int64_t>(value));
  Op(0x8a);
  out_.push_back(9);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  out_.push_back(0);  // positive sign byte
}

void PickleWriter::Float(double value) {
  Op('G');
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void PickleWriter::String(const std::string& utf8) {
  if (utf8.size() > 0xffffffffu) throw Error("string too long for pickle protocol 2");
  Op('X');
  U32(static_cast<uint32_t>(utf8.size()));
  out_.insert(out_.end(), utf8.begin(), utf8.end());
}

void PickleWriter::Global(const std::string& module, const std::string& name) {
  const std::string key = module + "\n" + name + "\n";
  auto it = globals_.find(key);
  if (it != globals_.end()) {
    Op('j');  // LONG_BINGET
    U32(it->second);
    return;
  }
  Op('c');
  out_.insert(out_.end(), key.begin(), key.end());
  globals_[key] = next_memo_;
  Put();
}

void PickleWriter::Mark() { Op('('); }

void PickleWriter::Tuple(size_t count) {
  static const uint8_t kOps[] = {')', 0x85, 0x86, 0x87};
  if (count > 3) throw Error("PickleWriter::Tuple supports up to 3 items; use Mark() + TupleFromMark()");
  Op(kOps[count]);
}

void PickleWriter::TupleFromMark() { Op('t'); }
void PickleWriter::EmptyList() { Op(']'); }
void PickleWriter::Appends() { Op('e'); }
void PickleWriter::EmptyDict() { Op('}'); }
void PickleWriter::SetItems() { Op('u'); }
void PickleWriter::Reduce() { Op('R'); }
void PickleWriter::Build() { Op('b'); }
void PickleWriter::BinPersId() { Op('Q'); }
void PickleWriter::Stop() { Op('.'); }

void PickleWriter::Put() {
  if (next_memo_ < 256) {
    Op('q');
    out_.push_back(static_cast<uint8_t>(next_memo_));
  } else {
    Op('r');
    U32(next_memo_);
  }
  ++next_memo_;
}

void PickleWriter::Latin1Bytes(const void* data, size_t size) {
  const auto* in = static_cast<const uint8_t*>(data);
  std::string text;
  text.reserve(size + size / 2);
  for (size_t i = 0; i < size; ++i) {  // code point = byte value, as UTF-8
    if (in[i] < 0x80) {
      text += static_cast<char>(in[i]);
    } else {
      text += static_cast<char>(0xc0 | (in[i] >> 6));
      text += static_cast<char>(0x80 | (in[i] & 0x3f));
    }
  }
  Global("_codecs", "encode");
  String(text);
  String("latin1");
  Tuple(2);
  Reduce();
}

void PickleWriter::NumpyArray(const std::string& descr, const std::vector<int64_t>& shape, const void* data,
                              size_t size) {
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '>' && descr[0] != '|' && descr[0] != '='))
    throw Error("numpy dtype '" + descr + "' needs a byte order and a kind, e.g. <f4");
  Global("numpy.core.multiarray", "_reconstruct");
  Global("numpy", "ndarray");
  Int(0);
  Tuple(1);
  Latin1Bytes("b", 1);
  Tuple(3);
  Reduce();
  Mark();  // state: (1, shape, dtype, fortran, data)
  Int(1);
  Mark();
  for (int64_t d : shape) Int(d);
  TupleFromMark();
  Global("numpy", "dtype");
  String(descr.substr(1));
  Bool(false);
  Bool(true);
  Tuple(3);
  Reduce();
  Mark();  // dtype state: (3, byte order, None, None, None, -1, -1, 0)
  Int(3);
  String(descr.substr(0, 1) == "=" ? "<" : descr.substr(0, 1));
  None();
  None();
  None();
  Int(-1);
  Int(-1);
  Int(0);
  TupleFromMark();
  Build();
  Bool(false);
  Latin1Bytes(data, size);
  TupleFromMark();
  Build();
}

void PickleWriter::Json(const nlohmann::json& value, int depth) {
  if (depth > 200) throw Error("metadata nests too deeply to pickle");
  switch (value.type()) {
    case nlohmann::json::value_t::null: return None();
    case nlohmann::json::value_t::boolean: return Bool(value.get<bool>());
    case nlohmann::json::value_t::number_integer: return Int(value.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return UInt(value.get<uint64_t>());
    case nlohmann::json::value_t::number_float: return Float(value.get<double>());
    case nlohmann::json::value_t::string: return String(value.get<std::string>());
    case nlohmann::json::value_t::array:
      EmptyList();
      if (value.empty()) return;
      Mark();
      for (const auto& item : value) Json(item, depth + 1);
      return Appends();
    case nlohmann::json::value_t::object:
      EmptyDict();
      if (value.empty()) return;
      Mark();
      for (const auto& [key, item] : value.items()) {
        String(key);
        Json(item, depth + 1);
      }
      return SetItems();
    default: throw Error("metadata value of JSON type '" + std::string(value.type_name()) + "' cannot be pickled");
  }
}

}  // namespace corrlens::io::pickle
