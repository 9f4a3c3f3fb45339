#include "plugins/registry/builtin_backends.h"

namespace corrlens {

// Defined in the generated registered_plugins.cpp.
void RegisterBuiltinPlugins(BackendRegistry& registry);

BackendRegistry& BuiltinBackends() {
  static BackendRegistry* registry = [] {
    auto* r = new BackendRegistry();  // never destroyed: used until exit
    RegisterBuiltinPlugins(*r);
    return r;
  }();
  return *registry;
}

std::vector<BackendDescription> ListBackends(const std::vector<std::string>& model_dirs) {
  return BuiltinBackends().List(model_dirs);
}

std::vector<std::string> BackendNames() { return BuiltinBackends().Names(); }

std::unique_ptr<FeatureBackend> CreateBackend(const std::string& name, const BackendCreateOptions& options) {
  return BuiltinBackends().Create(name, options);
}

bool VitBackendsBuilt() { return BuiltinBackends().HasFamily("vit"); }

}  // namespace corrlens
