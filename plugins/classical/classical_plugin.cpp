#include "plugins/classical/classical_plugin.h"

#include "plugins/classical/dense_sift.h"

namespace corrlens {

void RegisterClassicalBackends(BackendRegistry& registry) {
  for (const bool root : {false, true}) {
    BackendRegistration r;
    r.name = root ? "dense_rootsift" : "dense_sift";
    r.family = "classical";
    r.display_name = root ? "Dense RootSIFT (OpenCV, no weights)" : "Dense SIFT (OpenCV, no weights)";
    r.create = [root](const BackendCreateOptions& options) {
      DenseSiftOptions sift;
      sift.root_sift = root;
      sift.device = options.device;
      return DenseSiftBackend::Create(sift);
    };
    registry.Add(std::move(r));
  }
}

}  // namespace corrlens
