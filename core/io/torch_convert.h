// Conversion between the torch-free TensorData of core/io and torch::Tensor
// (library corrlens_io_torch). Both directions copy, so a tensor never
// aliases a file storage that other TensorData share.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "core/io/tensor.h"

namespace corrlens::io {

// torch scalar type of `dtype`.
c10::ScalarType ToScalarType(DType dtype);
// DType of a torch scalar type; throws Error for types core/io cannot hold.
DType FromScalarType(c10::ScalarType type);

// Copies the view (shape, strides, offset) into a new contiguous tensor on
// `device`. Validates the view against its storage; bool bytes other than
// 0/1 become true. Throws Error when the tensor has no data.
at::Tensor ToTorch(const TensorData& tensor, c10::Device device = c10::Device(c10::kCPU));

// Contiguous CPU copy of any tensor (moved off its device first).
TensorData FromTorch(const at::Tensor& tensor);

}  // namespace corrlens::io
