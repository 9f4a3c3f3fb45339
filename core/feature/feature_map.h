// A dense feature map: tensor [C, Hg, Wg] (float32, any device) plus the
// geometry that ties its grid to the source image.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "core/feature/grid_geometry.h"

namespace corrlens {

struct FeatureMap {
  at::Tensor features;     // [C, Hg, Wg], float32, not normalised
  GridGeometry geometry;   // grid_height/grid_width match features.size(1/2)
  std::string backend_id;  // which backend and options produced it

  int64_t Channels() const { return features.defined() ? features.size(0) : 0; }
  bool Valid() const;
};

}  // namespace corrlens
