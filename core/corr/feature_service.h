// The cached FeatureProvider used by the CLI, the GUI and the benchmarks:
// backends are created once per name through a BackendRegistry and used one
// extraction at a time each; results go through a FeatureCache (memory LRU +
// disk). Any number of threads may call Get concurrently.
#pragma once

#include <memory>
#include <string>

#include "core/corr/feature_cache.h"
#include "core/feature/backend_registry.h"
#include "core/feature/feature_provider.h"

namespace corrlens {

struct FeatureServiceOptions {
  // Cache levels and sizes.
  FeatureCacheOptions cache;
  // How backends are created (device, explicit weights, model folders).
  BackendCreateOptions backend;
  // Bypass the cache entirely (always extract).
  bool use_cache = true;
};

class FeatureService : public FeatureProvider {
 public:
  // `registry` must outlive the service.
  explicit FeatureService(const BackendRegistry& registry, FeatureServiceOptions options = {});
  ~FeatureService() override;
  FeatureService(const FeatureService&) = delete;
  FeatureService& operator=(const FeatureService&) = delete;

  // From the cache, or extracted (serialised per backend) and cached.
  std::shared_ptr<const FeatureMap> Get(const cv::Mat& rgb, const std::string& name, const ExtractOptions& options,
                                        const CancelToken& cancel) override;
  // Like Get, but a map not already in memory is not added to the memory LRU.
  std::shared_ptr<const FeatureMap> GetTransient(const cv::Mat& rgb, const std::string& name,
                                                 const ExtractOptions& options, const CancelToken& cancel) override;
  BackendInfo Info(const std::string& name) override;
  FeatureCache& Cache();
  const FeatureServiceOptions& Options() const;

 private:
  struct Impl;
  std::shared_ptr<const FeatureMap> Fetch(const cv::Mat& rgb, const std::string& name, const ExtractOptions& options,
                                          const CancelToken& cancel, bool keep_in_memory);
  std::unique_ptr<Impl> impl_;
};

}  // namespace corrlens
