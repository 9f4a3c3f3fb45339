// numpy dtype descriptors ("<f4", "|b1", ">i8") mapped to DType, shared by
// the npy reader/writer and the pickle reader's numpy support.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/io/tensor.h"

namespace corrlens::io {

struct NumpyDType {
  DType dtype = DType::kFloat32;
  bool big_endian = false;  // elements must be byte-swapped to little-endian
};

// Parses a descriptor such as "<f4"; returns nullopt and a reason in `why`
// ("unsupported numpy dtype '<u2' (uint16)", "object arrays are refused") for
// anything else.
std::optional<NumpyDType> ParseNumpyDescr(const std::string& descr, std::string* why);

// Descriptor numpy writes for `dtype` ("<f4", "|u1", ...); bfloat16 has none
// and throws Error.
std::string NumpyDescr(DType dtype);

// Reverses the bytes of every element of size `element_size` in place.
void SwapBytes(std::vector<uint8_t>& bytes, size_t element_size);

}  // namespace corrlens::io
