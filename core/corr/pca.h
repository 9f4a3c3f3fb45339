// PCA colouring of feature maps for display: the first three principal
// components of the tokens become R, G and B.
#pragma once

#include <opencv2/core/mat.hpp>

#include <vector>

#include "core/feature/feature_map.h"

namespace corrlens {

struct PcaOptions {
  // Resize the colour image to the map's image size (else grid size).
  bool image_size = false;
  // Share of extreme projections clipped at each end before scaling to
  // [0, 255] (robust to outliers); 0 = plain min/max. Weak components
  // (span < 10% of the first) are not stretched to the full range.
  double clip_fraction = 0.01;

  bool Check() const { return clip_fraction >= 0.0 && clip_fraction < 0.5; }
};

// RGB (CV_8UC3) images of `maps` from ONE basis fitted on all their tokens,
// so the same feature gets the same colour in every image. Signs are fixed
// (largest loading positive) so colours are stable across runs.
std::vector<cv::Mat> PcaImages(const std::vector<const FeatureMap*>& maps, const PcaOptions& options = {});

// PcaImages for one map.
cv::Mat PcaImage(const FeatureMap& map, const PcaOptions& options = {});

}  // namespace corrlens
