// safetensors: 8-byte little-endian header length, a JSON header (at most
// 100 MB) mapping names to {dtype, shape, data_offsets} plus an optional
// "__metadata__" string map, then the tensor bytes, contiguous and without
// holes. The reader enforces every rule of the format.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/io/tensor_file.h"

namespace corrlens::io {

class ByteSource;

// Largest accepted JSON header.
constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

// Tensors in data-offset order; metadata {"__metadata__": {...}} when present.
TensorFile ReadSafetensors(const ByteSource& source, const ReadOptions& options);

// True when the first bytes look like a safetensors header.
bool LooksLikeSafetensors(const uint8_t* bytes, uint64_t size, uint64_t file_size);

// The whole file content for `tensors` (contiguous copies, 8-byte aligned header).
std::vector<uint8_t> EncodeSafetensors(const std::vector<NamedTensor>& tensors,
                                       const std::map<std::string, std::string>& metadata);

// "F32", "BF16", ... for `dtype`.
std::string SafetensorsDTypeName(DType dtype);

}  // namespace corrlens::io
