#include "core/corr/feature_service.h"

#include <opencv2/core/mat.hpp>

#include <map>
#include <mutex>

#include "core/util/check.h"

namespace corrlens {

struct FeatureService::Impl {
  struct Slot {
    std::mutex create_mutex;   // guards `backend` creation
    std::mutex extract_mutex;  // one extraction at a time per backend
    std::unique_ptr<FeatureBackend> backend;
  };
  explicit Impl(const BackendRegistry& r) : registry(r) {}
  const BackendRegistry& registry;
  FeatureServiceOptions options;
  std::unique_ptr<FeatureCache> cache;
  std::mutex slots_mutex;
  std::map<std::string, std::unique_ptr<Slot>> slots;

  Slot& SlotFor(const std::string& name) {
    Slot* slot = nullptr;
    {
      std::lock_guard<std::mutex> lock(slots_mutex);
      auto& entry = slots[name];
      if (!entry) entry = std::make_unique<Slot>();
      slot = entry.get();
    }
    std::lock_guard<std::mutex> lock(slot->create_mutex);
    if (!slot->backend) slot->backend = registry.Create(name, options.backend);  // may throw; retried next time
    return *slot;
  }
};

FeatureService::FeatureService(const BackendRegistry& registry, FeatureServiceOptions options)
    : impl_(std::make_unique<Impl>(registry)) {
  impl_->options = std::move(options);
  impl_->cache = std::make_unique<FeatureCache>(impl_->options.cache);
}

FeatureService::~FeatureService() = default;

std::shared_ptr<const FeatureMap> FeatureService::Get(const cv::Mat& rgb, const std::string& name,
                                                      const ExtractOptions& options, const CancelToken& cancel) {
  return Fetch(rgb, name, options, cancel, true);
}

std::shared_ptr<const FeatureMap> FeatureService::GetTransient(const cv::Mat& rgb, const std::string& name,
                                                               const ExtractOptions& options,
                                                               const CancelToken& cancel) {
  return Fetch(rgb, name, options, cancel, false);
}

std::shared_ptr<const FeatureMap> FeatureService::Fetch(const cv::Mat& rgb, const std::string& name,
                                                        const ExtractOptions& options, const CancelToken& cancel,
                                                        bool keep_in_memory) {
  CL_CHECK(options.Check()) << "invalid ExtractOptions";
  Impl::Slot& slot = impl_->SlotFor(name);
  FeatureBackend& backend = *slot.backend;
  auto extract = [&]() {
    std::lock_guard<std::mutex> lock(slot.extract_mutex);
    return backend.Extract(rgb, options, cancel);
  };
  if (!impl_->options.use_cache) return std::make_shared<const FeatureMap>(extract());
  const BackendInfo& info = backend.Info();
  const std::string key = FeatureCache::MakeKey(FeatureCache::ImageHash(rgb), info, options);
  return impl_->cache->GetOrCompute(key, info.device.empty() ? "cpu" : info.device, extract, cancel, keep_in_memory);
}

BackendInfo FeatureService::Info(const std::string& name) { return impl_->SlotFor(name).backend->Info(); }

FeatureCache& FeatureService::Cache() { return *impl_->cache; }

const FeatureServiceOptions& FeatureService::Options() const { return impl_->options; }

}  // namespace corrlens
