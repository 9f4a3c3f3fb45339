// Dense SIFT: OpenCV SIFT descriptors computed on a regular grid of upright
// keypoints, exposed as a FeatureMap with the same GridGeometry conventions as
// the ViT backends, so sampling, matching and heatmaps work unchanged.
#pragma once

#include <memory>
#include <string>

#include "core/feature/feature_backend.h"

namespace corrlens {

struct DenseSiftOptions {
  // Width of one of the 4x4 SIFT spatial bins in model-input pixels; the
  // descriptor covers 4 * bin_size pixels (the grid's "patch").
  int bin_size = 8;
  // RootSIFT (L1-normalise, then square root: Hellinger kernel) instead of
  // plain SIFT.
  bool root_sift = false;
  // Torch device of the output tensor ("cpu", "cuda:0", ...).
  std::string device = "cpu";

  bool Check() const { return bin_size >= 2 && bin_size <= 64 && !device.empty(); }
};

// Grid (ExtractOptions): the image is resized so its long side is
// `resolution` (or to input_width x input_height); keypoints sit at
// patch/2 + i*stride with patch = 4 * bin_size and stride = options.stride,
// or options.downsample when stride is 0 (8 px by default, as the ViTs'
// token spacing at 640 px). Layer/refine options do not apply.
class DenseSiftBackend : public FeatureBackend {
 public:
  static std::unique_ptr<FeatureBackend> Create(const DenseSiftOptions& options = {});
};

}  // namespace corrlens
