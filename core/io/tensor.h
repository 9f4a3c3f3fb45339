// A torch-free tensor description used by every reader and writer in core/io:
// dtype, shape, strides and a shared byte storage. Convert to and from
// torch::Tensor with core/io/torch_convert.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace corrlens::io {

enum class DType { kFloat32, kFloat16, kBFloat16, kFloat64, kInt64, kInt32, kInt16, kInt8, kUInt8, kBool };

// Bytes per element of `dtype`.
size_t DTypeSize(DType dtype);
// Short name as torch prints it: "float32", "bfloat16", "int64", "bool", ...
std::string DTypeName(DType dtype);
// Inverse of DTypeName (also accepts "float", "half", "long", "int", "double"...).
std::optional<DType> DTypeFromName(const std::string& name);

// IEEE half / bfloat16 bit patterns to float and back (round to nearest even).
float HalfToFloat(uint16_t bits);
float BFloat16ToFloat(uint16_t bits);
uint16_t FloatToHalf(float value);
uint16_t FloatToBFloat16(float value);

// Raw little-endian element bytes shared between tensors (torch storages).
using Storage = std::shared_ptr<const std::vector<uint8_t>>;

// Row-major strides for `shape` (elements).
std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& shape);

// Number of storage elements a view needs: storage_offset + 1 + sum((size-1)*stride),
// or 0 for an empty view. Throws Error on negative sizes/strides/offset or overflow.
int64_t ViewExtent(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides, int64_t storage_offset);

// A strided view into a storage. Offsets and strides count elements.
struct TensorData {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // empty = contiguous row-major
  int64_t storage_offset = 0;
  Storage storage;  // may be null when a reader was asked for metadata only

  // Product of the shape (1 for a scalar); throws Error on overflow.
  int64_t NumElements() const;
  uint64_t NumBytes() const { return static_cast<uint64_t>(NumElements()) * DTypeSize(dtype); }
  // Strides as stored, or the row-major strides when `strides` is empty.
  std::vector<int64_t> EffectiveStrides() const;
  // True when the elements are row-major and dense (size-1 dims ignored).
  bool IsContiguous() const;
  // Throws Error when the storage is missing or the view does not fit in it.
  void Validate() const;
  // Row-major contiguous copy of the elements (validates bounds; throws Error).
  std::vector<uint8_t> ContiguousBytes() const;
  // Contiguous tensor sharing nothing with this one (a no-op copy of the view
  // when it is contiguous already and covers its whole storage).
  TensorData Contiguous() const;
  // Builds a contiguous tensor owning a copy of `bytes`.
  static TensorData FromBytes(DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes);
  // Elements converted to double in row-major order (tests, printing, small tensors).
  std::vector<double> ToDoubles() const;
  // Same elements converted to `dtype` (float types round to nearest; bool is != 0).
  TensorData ConvertTo(DType dtype) const;
};

// One tensor with its dotted path, e.g. "state_dict.refine_conv.weight".
struct NamedTensor {
  std::string path;
  TensorData tensor;
};

// "[2, 3, 4]".
std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace corrlens::io
