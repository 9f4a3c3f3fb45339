#include "core/io/numpy_dtype.h"

#include <algorithm>

#include "core/util/error.h"

namespace corrlens::io {

std::optional<NumpyDType> ParseNumpyDescr(const std::string& descr, std::string* why) {
  std::string body = descr;
  char order = '=';
  if (!body.empty() && std::string("<>|=!").find(body[0]) != std::string::npos) {
    order = body[0];
    body = body.substr(1);
  }
  static const std::pair<const char*, DType> kTypes[] = {
      {"f4", DType::kFloat32}, {"f2", DType::kFloat16}, {"f8", DType::kFloat64}, {"i8", DType::kInt64},
      {"i4", DType::kInt32},   {"i2", DType::kInt16},   {"i1", DType::kInt8},    {"u1", DType::kUInt8},
      {"b1", DType::kBool},    {"?", DType::kBool},     {"b", DType::kInt8},     {"B", DType::kUInt8},
      {"f", DType::kFloat32},  {"d", DType::kFloat64},  {"e", DType::kFloat16},  {"q", DType::kInt64},
      {"l", DType::kInt64},    {"i", DType::kInt32},    {"h", DType::kInt16}};
  for (const auto& [code, dtype] : kTypes) {
    if (body == code) return NumpyDType{dtype, (order == '>' || order == '!') && DTypeSize(dtype) > 1};
  }
  if (why) {
    std::string meaning;
    if (!body.empty() && (body[0] == 'O')) {
      *why = "object arrays are refused (they would need arbitrary pickled Python objects)";
      return std::nullopt;
    }
    if (body == "u2") meaning = " (uint16)";
    if (body == "u4") meaning = " (uint32)";
    if (body == "u8") meaning = " (uint64)";
    if (body == "c8" || body == "c16") meaning = " (complex)";
    if (!body.empty() && (body[0] == 'U' || body[0] == 'S')) meaning = " (strings)";
    *why = "unsupported numpy dtype '" + descr + "'" + meaning;
  }
  return std::nullopt;
}

std::string NumpyDescr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "<f4";
    case DType::kFloat16: return "<f2";
    case DType::kFloat64: return "<f8";
    case DType::kInt64: return "<i8";
    case DType::kInt32: return "<i4";
    case DType::kInt16: return "<i2";
    case DType::kInt8: return "|i1";
    case DType::kUInt8: return "|u1";
    case DType::kBool: return "|b1";
    case DType::kBFloat16: break;
  }
  throw Error("numpy has no bfloat16 dtype", {}, "convert the tensor to float32 first");
}

void SwapBytes(std::vector<uint8_t>& bytes, size_t element_size) {
  if (element_size <= 1) return;
  for (size_t i = 0; i + element_size <= bytes.size(); i += element_size)
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i + element_size));
}

}  // namespace corrlens::io
