// Synthetic feature maps with known geometry for the corr tests.
#pragma once

#include <torch/torch.h>

#include "core/feature/feature_map.h"

namespace corrlens::test {

// A map over `features` [C, Hg, Wg] whose model input is exactly covered by
// the grid ((G-1)*stride + patch pixels) and whose image is `image_scale`
// times smaller than the input (1 = same size).
inline FeatureMap MakeMap(const at::Tensor& features, int patch = 14, int stride = 14, int image_width = 0,
                          int image_height = 0) {
  FeatureMap map;
  map.features = features.to(torch::kFloat32).contiguous();
  GridGeometry& g = map.geometry;
  g.patch = patch;
  g.stride = stride;
  g.grid_height = static_cast<int>(features.size(1));
  g.grid_width = static_cast<int>(features.size(2));
  g.input_width = (g.grid_width - 1) * stride + patch;
  g.input_height = (g.grid_height - 1) * stride + patch;
  g.image_width = image_width > 0 ? image_width : g.input_width;
  g.image_height = image_height > 0 ? image_height : g.input_height;
  map.backend_id = "synthetic";
  return map;
}

// Image-pixel centre of token (i, j) (column i, row j).
inline std::pair<double, double> TokenCentre(const GridGeometry& g, int i, int j) {
  double x, y;
  g.ImageFromGrid(i, j, &x, &y);
  return {x, y};
}

}  // namespace corrlens::test
