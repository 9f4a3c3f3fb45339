// Registers every catalog ViT (DINOv2 family, timm ViTs, +3dcorr adapters);
// each is available when its weight files are found on disk.
#include "core/feature/backend_registry.h"
#include "core/model/model_catalog.h"
#include "plugins/vit/vit_backend.h"

namespace corrlens {
namespace {

BackendStatus CatalogStatus(const model::CatalogEntry& entry, const std::vector<std::string>& model_dirs) {
  model::DiscoveryOptions discovery = model::DiscoveryOptions::FromEnvironment();
  discovery.extra_dirs.insert(discovery.extra_dirs.begin(), model_dirs.begin(), model_dirs.end());
  const model::ResolvedModel resolved = model::ResolveModel(entry, discovery);
  BackendStatus status;
  status.available = resolved.Complete();
  if (status.available) {
    status.weights = resolved.backbone.path + (entry.has_adapter() ? " + " + resolved.adapter.path : "");
  } else {
    status.weights = "missing";
    status.searched = resolved.backbone.searched;
    status.searched.insert(status.searched.end(), resolved.adapter.searched.begin(), resolved.adapter.searched.end());
  }
  return status;
}

}  // namespace

void RegisterVitBackends(BackendRegistry& registry) {
  for (const model::CatalogEntry& entry : model::CatalogEntries()) {
    BackendRegistration r;
    r.name = entry.name;
    r.family = "vit";
    r.display_name = entry.display_name;
    r.is_architecture = !entry.has_adapter();
    r.create = [name = entry.name](const BackendCreateOptions& options) {
      VitBackendOptions vit;
      vit.name = name;
      vit.device = options.device;
      vit.weights_path = options.weights_path;
      vit.adapter_path = options.adapter_path;
      vit.model_dirs = options.model_dirs;
      return CreateVitBackend(vit);
    };
    r.status = [entry](const std::vector<std::string>& model_dirs) { return CatalogStatus(entry, model_dirs); };
    registry.Add(std::move(r));
  }
}

}  // namespace corrlens
