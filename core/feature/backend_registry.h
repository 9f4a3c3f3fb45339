// The registration table of feature backends: each plugin adds its entries
// (name, family, factory, availability check) and every consumer creates
// backends through it, so adding a backend touches only its own folder and
// one line of CMake (plugins/CMakeLists.txt).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/feature/feature_backend.h"

namespace corrlens {

// How backends are created: device, explicit weights, extra model folders.
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

// Whether a backend can run here and with which files.
struct BackendStatus {
  bool available = true;
  std::string weights = "not needed";  // weight file(s) found, or "missing"
  std::vector<std::string> searched;   // where discovery looked (when missing)
};

// One runnable name and whether it can run here.
struct BackendDescription {
  std::string name;                   // what a model list takes: "dense_sift", "dinov2_vitb14+3dcorr", ...
  std::string family;                 // "classical", "vit", ...
  std::string display_name;           // for the GUI
  bool available = false;             // weights found (always true when none are needed)
  std::string weights;                // weight file(s) found, or "missing"/"not needed"
  std::vector<std::string> searched;  // where discovery looked (when missing)
  bool is_architecture = false;       // accepts explicit weights (custom models)
};

// One table entry, filled by a plugin.
struct BackendRegistration {
  std::string name;
  std::string family;
  std::string display_name;
  // True for plain architectures that can load a user's weights file.
  bool is_architecture = false;
  // Creates an instance; throws corrlens::Error (missing weights, bad file).
  std::function<std::unique_ptr<FeatureBackend>(const BackendCreateOptions&)> create;
  // Availability with these extra model folders; empty = always available.
  std::function<BackendStatus(const std::vector<std::string>& model_dirs)> status;
};

class BackendRegistry {
 public:
  // Adds an entry; throws corrlens::Error for a duplicate or unnamed entry.
  void Add(BackendRegistration registration);
  // Every entry with its status, in registration order.
  std::vector<BackendDescription> List(const std::vector<std::string>& model_dirs = {}) const;
  std::vector<std::string> Names() const;
  bool Contains(const std::string& name) const;
  // True when any entry belongs to `family` ("vit", "classical", ...).
  bool HasFamily(const std::string& family) const;
  // Creates `name`; throws corrlens::Error listing the known names for an
  // unknown one (key "model"), or what the factory throws.
  std::unique_ptr<FeatureBackend> Create(const std::string& name, const BackendCreateOptions& options = {}) const;

 private:
  std::shared_ptr<const BackendRegistration> Find(const std::string& name) const;

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const BackendRegistration>> entries_;
};

}  // namespace corrlens
