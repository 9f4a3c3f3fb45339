// The interface every dense-descriptor backend implements (ViTs, dense SIFT).
#pragma once

#include <memory>
#include <string>

#include "core/feature/feature_map.h"
#include "core/util/progress.h"

namespace cv {
class Mat;
}

namespace corrlens {

// Which token sequence a ViT exposes.
enum class FeatureLayer {
  kNorm,     // x_norm_patchtokens (after the final LayerNorm)
  kPrenorm,  // x_prenorm without CLS/register tokens
};

// Options of one extraction; defaults reproduce the reference get_feature.
struct ExtractOptions {
  // Long side the image is scaled to before the grid is chosen.
  int resolution = 640;
  // Image pixels (at `resolution`) per token: grid = (H/8, W/8).
  int downsample = 8;
  // Exact model input size (width, height); overrides resolution/downsample.
  // When the image already has this size it is not resampled.
  int input_width = 0;
  int input_height = 0;
  // Patch-embedding stride; 0 = the patch size (no overlap).
  int stride = 0;
  FeatureLayer layer = FeatureLayer::kNorm;
  // Apply the adapter's refine conv when an adapter is loaded.
  bool refine = true;

  bool Check() const;
  // Canonical text form, part of feature-cache keys.
  std::string Key() const;
};

// Identity of a backend instance, stable across runs for the same weights.
struct BackendInfo {
  std::string id;            // e.g. "dinov2_vitb14+3dcorr", "dense_sift"
  std::string display_name;  // for the GUI
  int dim = 0;               // descriptor channels
  std::string weights_hash;  // content hash of weights (+ adapter); "" if none
  std::string device;        // "cpu", "cuda:0", ...
};

// Extracts a dense feature map; thread-compatible, one instance per device.
class FeatureBackend {
 public:
  virtual ~FeatureBackend() = default;
  virtual const BackendInfo& Info() const = 0;
  // `rgb` is CV_8UC3 in RGB order. Throws corrlens::Error or Cancelled.
  virtual FeatureMap Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) = 0;
};

}  // namespace corrlens
