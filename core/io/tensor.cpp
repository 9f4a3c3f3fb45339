#include "core/io/tensor.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/io/view_limits.h"
#include "core/util/error.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "core/io stores element bytes little-endian and assumes a little-endian host");

namespace corrlens::io {
namespace {

bool MulOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }

template <typename T>
T Load(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

template <typename T>
void Store(uint8_t* p, T value) {
  std::memcpy(p, &value, sizeof(T));
}

double ElementToDouble(DType dtype, const uint8_t* p) {
  switch (dtype) {
    case DType::kFloat32: return Load<float>(p);
    case DType::kFloat16: return HalfToFloat(Load<uint16_t>(p));
    case DType::kBFloat16: return BFloat16ToFloat(Load<uint16_t>(p));
    case DType::kFloat64: return Load<double>(p);
    case DType::kInt64: return static_cast<double>(Load<int64_t>(p));
    case DType::kInt32: return Load<int32_t>(p);
    case DType::kInt16: return Load<int16_t>(p);
    case DType::kInt8: return Load<int8_t>(p);
    case DType::kUInt8: return *p;
    case DType::kBool: return *p != 0 ? 1.0 : 0.0;
  }
  return 0.0;
}

template <typename T>
T SaturatingCast(double value) {
  if (std::isnan(value)) return T(0);
  if (value <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
  if (value >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(value);
}

void DoubleToElement(DType dtype, double value, uint8_t* p) {
  switch (dtype) {
    case DType::kFloat32: Store<float>(p, static_cast<float>(value)); break;
    case DType::kFloat16: Store<uint16_t>(p, FloatToHalf(static_cast<float>(value))); break;
    case DType::kBFloat16: Store<uint16_t>(p, FloatToBFloat16(static_cast<float>(value))); break;
    case DType::kFloat64: Store<double>(p, value); break;
    case DType::kInt64: Store<int64_t>(p, SaturatingCast<int64_t>(value)); break;
    case DType::kInt32: Store<int32_t>(p, SaturatingCast<int32_t>(value)); break;
    case DType::kInt16: Store<int16_t>(p, SaturatingCast<int16_t>(value)); break;
    case DType::kInt8: Store<int8_t>(p, SaturatingCast<int8_t>(value)); break;
    case DType::kUInt8: Store<uint8_t>(p, SaturatingCast<uint8_t>(value)); break;
    case DType::kBool: *p = value != 0.0 ? 1 : 0; break;
  }
}

std::string Bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) return std::to_string(n) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(n);
  int u = -1;
  while (v >= 1024 && u < 5) v /= 1024, ++u;
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

void CheckMaterialisable(const TensorData& tensor, size_t out_size) {
  const uint64_t numel = static_cast<uint64_t>(tensor.NumElements());
  const uint64_t stored = tensor.storage ? tensor.storage->size() / DTypeSize(tensor.dtype) : 0;
  if (numel <= stored) return;
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(out_size), &bytes) || bytes > kMaxExpandedBytes)
    throw Error("tensor view " + ShapeString(tensor.shape) + " repeats its " + std::to_string(stored) +
                    " stored elements to " + std::to_string(numel) + "; a copy would take " +
                    (bytes ? Bytes(bytes) : std::string("more than 16 EiB")) + ", above the " +
                    Bytes(kMaxExpandedBytes) + " allowed for expanded views",
                {}, "a stride-0 (expand) or overlapping view; export a slice of it, or expand it after loading");
}

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kFloat64:
    case DType::kInt64: return 8;
    case DType::kFloat32:
    case DType::kInt32: return 4;
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kInt16: return 2;
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kBool: return 1;
  }
  return 1;
}

std::string DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kBFloat16: return "bfloat16";
    case DType::kFloat64: return "float64";
    case DType::kInt64: return "int64";
    case DType::kInt32: return "int32";
    case DType::kInt16: return "int16";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kBool: return "bool";
  }
  return "?";
}

std::optional<DType> DTypeFromName(const std::string& name) {
  static const std::pair<const char*, DType> kNames[] = {
      {"float32", DType::kFloat32}, {"float", DType::kFloat32},     {"float16", DType::kFloat16},
      {"half", DType::kFloat16},    {"bfloat16", DType::kBFloat16}, {"float64", DType::kFloat64},
      {"double", DType::kFloat64},  {"int64", DType::kInt64},       {"long", DType::kInt64},
      {"int32", DType::kInt32},     {"int", DType::kInt32},         {"int16", DType::kInt16},
      {"short", DType::kInt16},     {"int8", DType::kInt8},         {"uint8", DType::kUInt8},
      {"bool", DType::kBool}};
  for (const auto& [text, dtype] : kNames) {
    if (name == text) return dtype;
  }
  return std::nullopt;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  const uint32_t mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

float BFloat16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float out;
  std::memcpy(&out, &wide, 4);
  return out;
}

uint16_t FloatToBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  const uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

uint16_t FloatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const float magnitude = std::fabs(value);
  if (std::isnan(value)) return sign | 0x7e00;
  if (magnitude >= 65520.0f) return sign | 0x7c00;  // rounds to infinity
  if (magnitude < std::ldexp(1.0f, -14)) {          // subnormal half
    const float scaled = magnitude * std::ldexp(1.0f, 24);
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  int exponent = 0;
  const float fraction = std::frexp(magnitude, &exponent);                        // in [0.5, 1)
  uint32_t mantissa = static_cast<uint32_t>(std::nearbyint(fraction * 2048.0f));  // 11 bits
  if (mantissa == 2048) {
    mantissa = 1024;
    ++exponent;
  }
  const uint32_t biased = static_cast<uint32_t>(exponent - 1 + 15);
  if (biased >= 31) return sign | 0x7c00;
  return sign | static_cast<uint16_t>((biased << 10) | (mantissa & 0x3ff));
}

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  int64_t running = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = running;
    if (shape[i] > 0 && MulOverflows(running, shape[i], &running)) {
      throw Error("tensor shape " + ShapeString(shape) + " overflows 64-bit element counts", {},
                  "corrupted or crafted file");
    }
  }
  return strides;
}

int64_t ViewExtent(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides, int64_t storage_offset) {
  if (shape.size() != strides.size())
    throw Error(
        "tensor has " + std::to_string(shape.size()) + " sizes but " + std::to_string(strides.size()) + " strides", {},
        "corrupted file");
  if (storage_offset < 0) throw Error("negative storage offset", {}, "corrupted file");
  int64_t last = storage_offset;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) throw Error("negative tensor size in " + ShapeString(shape), {}, "corrupted file");
    if (strides[i] < 0) throw Error("negative tensor stride", {}, "unsupported or corrupted file");
    if (shape[i] == 0) return 0;
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t span = 0;
    if (MulOverflows(shape[i] - 1, strides[i], &span) || __builtin_add_overflow(last, span, &last))
      throw Error("tensor view " + ShapeString(shape) + " overflows 64-bit offsets", {}, "corrupted or crafted file");
  }
  if (last == std::numeric_limits<int64_t>::max()) throw Error("tensor view overflows", {}, "crafted file");
  return last + 1;
}

int64_t TensorData::NumElements() const {
  // The product of the non-zero sizes must fit even when a size is 0: the
  // contiguous strides of an empty tensor are built from it.
  int64_t count = 1;
  bool empty = false;
  for (int64_t size : shape) {
    if (size < 0) throw Error("negative tensor size in " + ShapeString(shape), {}, "corrupted file");
    empty = empty || size == 0;
    if (size > 0 && MulOverflows(count, size, &count))
      throw Error("tensor shape " + ShapeString(shape) + " overflows", {}, "corrupted or crafted file");
  }
  // Bytes at the widest dtype (8), so that converting never overflows.
  int64_t bytes = 0;
  if (MulOverflows(count, int64_t{8}, &bytes))
    throw Error("tensor shape " + ShapeString(shape) + " overflows", {}, "corrupted or crafted file");
  return empty ? 0 : count;
}

std::vector<int64_t> TensorData::EffectiveStrides() const {
  return strides.empty() ? ContiguousStrides(shape) : strides;
}

bool TensorData::IsContiguous() const {
  if (strides.empty()) return true;
  if (strides.size() != shape.size()) return false;
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) return true;
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

void TensorData::Validate() const {
  const int64_t numel = NumElements();
  if (!storage) throw Error("tensor has no data loaded", {}, "file read with metadata only");
  const int64_t extent = ViewExtent(shape, EffectiveStrides(), storage_offset);
  const uint64_t elem = DTypeSize(dtype);
  const uint64_t available = storage->size() / elem;
  if (numel > 0 && static_cast<uint64_t>(extent) > available)
    throw Error("tensor view " + ShapeString(shape) + " at offset " + std::to_string(storage_offset) + " needs " +
                    std::to_string(extent) + " elements but its storage holds " + std::to_string(available),
                {}, "corrupted file");
}

std::vector<uint8_t> TensorData::ContiguousBytes() const {
  Validate();
  CheckMaterialisable(*this, DTypeSize(dtype));
  const size_t elem = DTypeSize(dtype);
  const int64_t numel = NumElements();
  std::vector<uint8_t> out(static_cast<size_t>(numel) * elem);
  if (numel == 0) return out;
  const uint8_t* base = storage->data();
  if (IsContiguous()) {
    std::memcpy(out.data(), base + storage_offset * elem, out.size());
    return out;
  }
  const std::vector<int64_t> st = EffectiveStrides();
  const size_t dims = shape.size();
  std::vector<int64_t> index(dims, 0);
  const int64_t inner = dims ? shape[dims - 1] : 1;
  const int64_t inner_stride = dims ? st[dims - 1] : 1;
  uint8_t* dst = out.data();
  for (int64_t row = 0; row < numel / inner; ++row) {
    int64_t offset = storage_offset;
    for (size_t d = 0; d + 1 < dims; ++d) offset += index[d] * st[d];
    if (inner_stride == 1) {
      std::memcpy(dst, base + offset * elem, inner * elem);
      dst += inner * elem;
    } else {
      for (int64_t k = 0; k < inner; ++k, dst += elem)
        std::memcpy(dst, base + (offset + k * inner_stride) * elem, elem);
    }
    for (size_t d = dims - 1; d-- > 0;) {  // odometer over all but the last dim
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

TensorData TensorData::Contiguous() const { return FromBytes(dtype, shape, ContiguousBytes()); }

TensorData TensorData::FromBytes(DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes) {
  TensorData tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  if (bytes.size() != tensor.NumBytes())
    throw Error("tensor " + ShapeString(tensor.shape) + " of " + DTypeName(dtype) + " needs " +
                std::to_string(tensor.NumBytes()) + " bytes, got " + std::to_string(bytes.size()));
  tensor.storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  return tensor;
}

std::vector<double> TensorData::ToDoubles() const {
  Validate();
  CheckMaterialisable(*this, sizeof(double));
  const std::vector<uint8_t> bytes = ContiguousBytes();
  const size_t elem = DTypeSize(dtype);
  std::vector<double> out(bytes.size() / elem);
  for (size_t i = 0; i < out.size(); ++i) out[i] = ElementToDouble(dtype, bytes.data() + i * elem);
  return out;
}

TensorData TensorData::ConvertTo(DType target) const {
  if (target == dtype) return Contiguous();
  Validate();
  CheckMaterialisable(*this, DTypeSize(target));
  const std::vector<uint8_t> bytes = ContiguousBytes();
  const size_t from = DTypeSize(dtype), to = DTypeSize(target);
  const size_t count = bytes.size() / from;
  std::vector<uint8_t> out(count * to);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* src = bytes.data() + i * from;
    uint8_t* dst = out.data() + i * to;
    DoubleToElement(target, ElementToDouble(dtype, src), dst);
  }
  return FromBytes(target, shape, std::move(out));
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace corrlens::io
