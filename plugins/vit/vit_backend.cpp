#include "plugins/vit/vit_backend.h"

#include <ATen/core/Tensor.h>

#include "core/model/model_catalog.h"
#include "core/model/vit_extractor.h"
#include "core/util/error.h"

namespace corrlens {
namespace {

class VitBackend : public FeatureBackend {
 public:
  VitBackend(std::unique_ptr<model::VitFeatureExtractor> extractor, BackendInfo info)
      : extractor_(std::move(extractor)), info_(std::move(info)) {}

  const BackendInfo& Info() const override { return info_; }

  FeatureMap Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) override {
    FeatureMap map = extractor_->Extract(rgb, options, cancel);
    map.backend_id = info_.id + "/" + options.Key();
    return map;
  }

 private:
  std::unique_ptr<model::VitFeatureExtractor> extractor_;
  BackendInfo info_;
};

}  // namespace

std::unique_ptr<FeatureBackend> CreateVitBackend(const VitBackendOptions& options) {
  if (!options.Check())
    throw Error("ViT backend needs a model name, or an architecture and a weights file", {"", std::nullopt, "model"});
  model::DiscoveryOptions discovery = model::DiscoveryOptions::FromEnvironment();
  discovery.extra_dirs = options.model_dirs;
  const model::CatalogEntry* entry = options.name.empty() ? nullptr : model::FindCatalogEntry(options.name);
  if (!options.name.empty() && !entry) model::RequireModel(options.name, discovery);  // throws "unknown model"
  model::VitExtractorOptions extractor;
  extractor.arch = !options.arch.empty() ? options.arch : entry->arch;
  extractor.device = options.device;
  extractor.dtype = options.dtype;
  extractor.weights_path = options.weights_path;
  extractor.adapter_path = options.adapter_path;
  if (entry) {
    // Discover only what was not given explicitly.
    model::CatalogEntry wanted = *entry;
    if (!extractor.weights_path.empty()) wanted.backbone.clear();
    if (!extractor.adapter_path.empty()) wanted.adapter.clear();
    const model::ResolvedModel resolved = model::RequireModel(wanted, discovery);
    if (extractor.weights_path.empty()) extractor.weights_path = resolved.backbone.path;
    if (extractor.adapter_path.empty()) extractor.adapter_path = resolved.adapter.path;
  }
  BackendInfo info;
  info.id = entry ? entry->name : extractor.arch;
  if (!options.adapter_path.empty() && !(entry && entry->has_adapter())) info.id += "+adapter";
  info.display_name = entry ? entry->display_name : info.id;
  auto loaded = model::VitFeatureExtractor::Create(extractor);
  info.dim = loaded->config().embed_dim;
  info.weights_hash = loaded->weights_hash();
  info.device = loaded->device();
  return std::make_unique<VitBackend>(std::move(loaded), std::move(info));
}

}  // namespace corrlens
