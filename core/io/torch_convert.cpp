#include "core/io/torch_convert.h"

#include <torch/types.h>  // torch::kFloat32..., torch::empty (also builds without the PCH)

#include <cstring>

#include "core/util/error.h"

namespace corrlens::io {

c10::ScalarType ToScalarType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return torch::kFloat32;
    case DType::kFloat16: return torch::kFloat16;
    case DType::kBFloat16: return torch::kBFloat16;
    case DType::kFloat64: return torch::kFloat64;
    case DType::kInt64: return torch::kInt64;
    case DType::kInt32: return torch::kInt32;
    case DType::kInt16: return torch::kInt16;
    case DType::kInt8: return torch::kInt8;
    case DType::kUInt8: return torch::kUInt8;
    case DType::kBool: return torch::kBool;
  }
  return torch::kFloat32;
}

DType FromScalarType(c10::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return DType::kFloat32;
    case torch::kFloat16: return DType::kFloat16;
    case torch::kBFloat16: return DType::kBFloat16;
    case torch::kFloat64: return DType::kFloat64;
    case torch::kInt64: return DType::kInt64;
    case torch::kInt32: return DType::kInt32;
    case torch::kInt16: return DType::kInt16;
    case torch::kInt8: return DType::kInt8;
    case torch::kUInt8: return DType::kUInt8;
    case torch::kBool: return DType::kBool;
    default: break;
  }
  throw Error(std::string("tensor type ") + c10::toString(type) + " cannot be stored by core/io", {},
              "convert it to a supported dtype first");
}

at::Tensor ToTorch(const TensorData& tensor, c10::Device device) {
  tensor.Validate();
  const size_t elem = DTypeSize(tensor.dtype);
  std::vector<uint8_t> bytes = tensor.ContiguousBytes();
  if (tensor.dtype == DType::kBool) {
    for (uint8_t& b : bytes) b = b != 0;
  }
  at::Tensor out = torch::empty(tensor.shape, torch::TensorOptions().dtype(ToScalarType(tensor.dtype)));
  if (!bytes.empty()) std::memcpy(out.data_ptr(), bytes.data(), static_cast<size_t>(out.numel()) * elem);
  return device.is_cpu() ? out : out.to(device);
}

TensorData FromTorch(const at::Tensor& tensor) {
  if (!tensor.defined()) throw Error("undefined tensor");
  const DType dtype = FromScalarType(tensor.scalar_type());
  const at::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
  std::vector<uint8_t> bytes(static_cast<size_t>(cpu.numel()) * DTypeSize(dtype));
  if (!bytes.empty()) std::memcpy(bytes.data(), cpu.data_ptr(), bytes.size());
  return TensorData::FromBytes(dtype, cpu.sizes().vec(), std::move(bytes));
}

}  // namespace corrlens::io
