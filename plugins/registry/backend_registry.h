// Names of every feature backend CorrLens can run and a factory for them:
// classical backends (always available) and the ViT catalog (available when
// its weights are found on disk). The CLI, the GUI and the benchmarks create
// backends only through here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/feature/feature_backend.h"

namespace corrlens {

// One runnable name and whether it can run here.
struct BackendDescription {
  std::string name;          // what --model takes: "dense_sift", "dinov2_vitb14+3dcorr", ...
  std::string kind;          // "classical" or "vit"
  std::string display_name;  // for the GUI
  bool available = false;    // weights found (always true for classical)
  std::string weights;       // weight file(s) found, or "missing"/"not needed"
  std::vector<std::string> searched;  // where discovery looked (when missing)
};

struct BackendCreateOptions {
  // Torch device: "cpu", "cuda", "cuda:1".
  std::string device = "cpu";
  // Explicit weight files; override discovery for ViTs ("" = discover).
  std::string weights_path;
  std::string adapter_path;
  // Extra folders searched for weight files before the standard caches.
  std::vector<std::string> model_dirs;

  bool Check() const { return !device.empty(); }
};

// Every known backend name with its status, classical first.
std::vector<BackendDescription> ListBackends(const std::vector<std::string>& model_dirs = {});

// Just the names, in ListBackends order.
std::vector<std::string> BackendNames();

// Creates the backend `name`. Throws corrlens::Error listing the known names
// for an unknown one, and the places searched for missing weights.
std::unique_ptr<FeatureBackend> CreateBackend(const std::string& name,
                                              const BackendCreateOptions& options = {});

// True when this build can run ViT backends (plugins/vit was built).
bool VitBackendsBuilt();

}  // namespace corrlens
