#include "plugins/registry/backend_registry.h"

#include <sstream>

#include "core/util/error.h"
#include "plugins/classical/dense_sift.h"

#ifdef CORRLENS_HAVE_MODEL_CATALOG
#include "core/model/model_catalog.h"
#endif
#ifdef CORRLENS_HAVE_VIT_PLUGIN
#include "plugins/vit/vit_backend.h"
#endif

namespace corrlens {
namespace {

struct ClassicalEntry {
  const char* name;
  const char* display_name;
  bool root_sift;
};
constexpr ClassicalEntry kClassical[] = {
    {"dense_sift", "Dense SIFT (OpenCV, no weights)", false},
    {"dense_rootsift", "Dense RootSIFT (OpenCV, no weights)", true},
};

std::string JoinNames(const std::vector<std::string>& names) {
  std::ostringstream out;
  for (size_t i = 0; i < names.size(); ++i) out << (i ? ", " : "") << names[i];
  return out.str();
}

#ifdef CORRLENS_HAVE_MODEL_CATALOG
model::DiscoveryOptions Discovery(const std::vector<std::string>& model_dirs) {
  model::DiscoveryOptions discovery = model::DiscoveryOptions::FromEnvironment();
  discovery.extra_dirs.insert(discovery.extra_dirs.begin(), model_dirs.begin(), model_dirs.end());
  return discovery;
}

BackendDescription Describe(const model::CatalogEntry& entry, const model::DiscoveryOptions& discovery) {
  const model::ResolvedModel resolved = model::ResolveModel(entry, discovery);
  BackendDescription d;
  d.name = entry.name;
  d.kind = "vit";
  d.display_name = entry.display_name;
  d.available = resolved.Complete() && VitBackendsBuilt();
  if (resolved.Complete()) {
    d.weights = resolved.backbone.path + (entry.has_adapter() ? " + " + resolved.adapter.path : "");
  } else {
    d.weights = "missing";
    d.searched = resolved.backbone.searched;
    d.searched.insert(d.searched.end(), resolved.adapter.searched.begin(), resolved.adapter.searched.end());
  }
  return d;
}
#endif

// Creates a catalog ViT; throws when it cannot.
std::unique_ptr<FeatureBackend> CreateVit(const std::string& name, const BackendCreateOptions& options) {
#if defined(CORRLENS_HAVE_MODEL_CATALOG) && defined(CORRLENS_HAVE_VIT_PLUGIN)
  VitBackendOptions vit;
  vit.name = name;
  vit.device = options.device;
  vit.weights_path = options.weights_path;
  vit.adapter_path = options.adapter_path;
  vit.model_dirs = options.model_dirs;
  return CreateVitBackend(vit);
#else
  throw Error("model '" + name + "' is a ViT, but this build has no ViT backends",
              {"", std::nullopt, "--model"}, "rebuild with plugins/vit, or use dense_sift");
#endif
}

bool IsCatalogName(const std::string& name) {
#ifdef CORRLENS_HAVE_MODEL_CATALOG
  return model::FindCatalogEntry(name) != nullptr;
#else
  (void)name;
  return false;
#endif
}

}  // namespace

bool VitBackendsBuilt() {
#ifdef CORRLENS_HAVE_VIT_PLUGIN
  return true;
#else
  return false;
#endif
}

std::vector<BackendDescription> ListBackends(const std::vector<std::string>& model_dirs) {
  std::vector<BackendDescription> list;
  for (const ClassicalEntry& entry : kClassical) {
    list.push_back({entry.name, "classical", entry.display_name, true, "not needed", {}});
  }
#ifdef CORRLENS_HAVE_MODEL_CATALOG
  const model::DiscoveryOptions discovery = Discovery(model_dirs);
  for (const model::CatalogEntry& entry : model::CatalogEntries()) list.push_back(Describe(entry, discovery));
#else
  (void)model_dirs;
#endif
  return list;
}

std::vector<std::string> BackendNames() {
  std::vector<std::string> names;
  for (const ClassicalEntry& entry : kClassical) names.push_back(entry.name);
#ifdef CORRLENS_HAVE_MODEL_CATALOG
  for (const model::CatalogEntry& entry : model::CatalogEntries()) names.push_back(entry.name);
#endif
  return names;
}

std::unique_ptr<FeatureBackend> CreateBackend(const std::string& name, const BackendCreateOptions& options) {
  if (!options.Check()) throw Error("invalid backend options: empty device", {"", std::nullopt, "--device"});
  for (const ClassicalEntry& entry : kClassical) {
    if (name != entry.name) continue;
    DenseSiftOptions sift;
    sift.root_sift = entry.root_sift;
    sift.device = options.device;
    return DenseSiftBackend::Create(sift);
  }
  if (IsCatalogName(name)) return CreateVit(name, options);
  throw Error("unknown model '" + name + "'", {"", std::nullopt, "--model"},
              "known models: " + JoinNames(BackendNames()));
}

}  // namespace corrlens
