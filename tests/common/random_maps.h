// Random feature maps on an 8-px token grid for tests that need a
// FeatureProvider without a real backend (header-only; needs LibTorch).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "core/feature/feature_map.h"

namespace corrlens::test {

// A [channels, H/8, W/8] map of N(0, 1) features for an image of `width` x
// `height` whose model input is the image itself; the same seed gives the
// same map, so identical images match point for point.
inline std::shared_ptr<const FeatureMap> RandomGridMap(int width, int height, int channels, uint64_t seed,
                                                       const std::string& backend_id) {
  auto map = std::make_shared<FeatureMap>();
  torch::manual_seed(seed);
  GridGeometry& g = map->geometry;
  g.image_width = g.input_width = width;
  g.image_height = g.input_height = height;
  g.patch = g.stride = 8;
  g.grid_width = width / 8;
  g.grid_height = height / 8;
  map->features = torch::randn({channels, g.grid_height, g.grid_width});
  map->backend_id = backend_id;
  return map;
}

}  // namespace corrlens::test
