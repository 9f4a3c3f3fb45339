// The limit on materialising tensor views that repeat stored elements
// (stride 0 from torch's expand(), overlapping strides). Internal to core/io.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/io/tensor.h"

namespace corrlens::io {

// Largest copy (in memory or in an exported file) made of a view that
// repeats stored elements. Views that do not repeat elements are never
// larger than the data the file holds and are not limited.
constexpr uint64_t kMaxExpandedBytes = uint64_t{1} << 30;

// Throws Error, before anything is allocated, when `tensor` repeats stored
// elements and a copy with `out_size` bytes per element would exceed
// kMaxExpandedBytes. `tensor` must have its storage.
void CheckMaterialisable(const TensorData& tensor, size_t out_size);

}  // namespace corrlens::io
