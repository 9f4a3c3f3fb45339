// The one way every consumer (pair comparison, trackers, benchmark tasks, the
// GUI) gets a dense feature map: by model name, for an image and extraction
// options. Implementations put a cache behind it (core/corr/feature_service.h);
// tests implement it directly (oracles, random maps).
#pragma once

#include <memory>
#include <string>

#include "core/feature/feature_backend.h"

namespace cv {
class Mat;
}

namespace corrlens {

class FeatureProvider {
 public:
  virtual ~FeatureProvider() = default;
  // The feature map of `rgb` (CV_8UC3, RGB) from model `model`. Thread-safe.
  // Throws corrlens::Error (unknown model, missing weights, bad image) or
  // Cancelled.
  virtual std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& model,
                                                const ExtractOptions& options, const CancelToken& cancel) = 0;
  // Get for a map the caller copies and drops at once (video frames copied
  // into a feature volume): a cache may keep it on disk but not in memory.
  virtual std::shared_ptr<const FeatureMap> GetTransient(const cv::Mat& rgb, const std::string& model,
                                                         const ExtractOptions& options, const CancelToken& cancel) {
    return Get(rgb, model, options, cancel);
  }
  // Identity of `model` (creates the backend when needed; throws like Get).
  virtual BackendInfo Info(const std::string& model) = 0;
};

}  // namespace corrlens
