// Thread-safe access to feature maps by backend NAME for the GUI and the CLI:
// backends are created once per name (through the registry) and used one
// extraction at a time each; results go through a FeatureCache (memory LRU +
// disk). Any number of threads may call Get concurrently.
#pragma once

#include <memory>
#include <string>

#include "core/corr/feature_cache.h"
#include "core/feature/feature_backend.h"
#include "plugins/registry/backend_registry.h"

namespace cv {
class Mat;
}

namespace corrlens {

struct FeatureServiceOptions {
  // Cache levels and sizes.
  FeatureCacheOptions cache;
  // How backends are created (device, explicit weights, model folders).
  BackendCreateOptions backend;
  // Bypass the cache entirely (always extract).
  bool use_cache = true;
};

class FeatureService {
 public:
  explicit FeatureService(FeatureServiceOptions options = {});
  ~FeatureService();
  FeatureService(const FeatureService&) = delete;
  FeatureService& operator=(const FeatureService&) = delete;

  // The feature map of `rgb` (CV_8UC3, RGB) from backend `name`: from the
  // cache, or extracted (serialised per backend) and cached. Throws Error
  // (unknown name, missing weights, bad image) or Cancelled.
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& name,
                                        const ExtractOptions& options, const CancelToken& cancel);
  // Info of backend `name` (creates it when needed).
  BackendInfo Info(const std::string& name);
  FeatureCache& Cache();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corrlens
