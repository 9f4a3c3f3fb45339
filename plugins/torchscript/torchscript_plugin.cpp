#include "plugins/torchscript/torchscript_plugin.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <utility>

#include "core/model/model_catalog.h"
#include "core/util/error.h"
#include "plugins/torchscript/torchscript_backend.h"
#include "plugins/torchscript/torchscript_manifest.h"

namespace corrlens {
namespace {

// Which manifest each registered name came from, per registry (a record is
// trusted only while that registry still holds the name).
std::mutex registered_mutex;
std::map<std::pair<const BackendRegistry*, std::string>, std::string> registered;

BackendStatus ManifestStatus(const std::string& manifest_path) {
  BackendStatus status;
  try {
    const torchscript::Manifest m = torchscript::ReadManifest(manifest_path);
    status.weights = m.model_path + (m.adapter_path.empty() ? "" : " + " + m.adapter_path);
  } catch (const Error& e) {
    status.available = false;
    status.weights = "missing";
    status.searched = {e.what()};
  }
  return status;
}

BackendRegistration ManifestRegistration(const std::string& manifest_path, const std::string& name,
                                         const std::string& display_name) {
  BackendRegistration r;
  r.name = name;
  r.family = "torchscript";
  r.display_name = display_name;
  r.create = [manifest_path](const BackendCreateOptions& options) {
    TorchScriptBackendOptions ts;
    ts.path = manifest_path;
    ts.device = options.device;
    return CreateTorchScriptBackend(ts);
  };
  r.status = [manifest_path](const std::vector<std::string>&) { return ManifestStatus(manifest_path); };
  return r;
}

BackendRegistration GenericRegistration() {
  BackendRegistration r;
  r.name = "torchscript";
  r.family = "torchscript";
  r.display_name = "TorchScript backbone (a folder with corrlens.json)";
  r.is_architecture = true;
  r.create = [](const BackendCreateOptions& options) {
    if (options.weights_path.empty())
      throw Error("the torchscript model needs its folder", {"", std::nullopt, "weights"},
                  "give the folder holding the .pt file and corrlens.json as the weights, or put it in a "
                  "$CORRLENS_MODELS folder and use the manifest's name");
    TorchScriptBackendOptions ts;
    ts.path = options.weights_path;
    ts.device = options.device;
    return CreateTorchScriptBackend(ts);
  };
  r.status = [](const std::vector<std::string>&) {
    BackendStatus status;
    status.available = false;
    status.weights = "missing";
    status.searched = {
        "a folder with a TorchScript module and its corrlens.json, given as the weights "
        "(Add Custom Model..., or --weights DIR)"};
    return status;
  };
  return r;
}

// The manifest's name, or its folder's name when the manifest is broken.
std::pair<std::string, std::string> NameOf(const std::string& manifest_path) {
  try {
    const torchscript::Manifest m = torchscript::ReadManifest(manifest_path);
    return {m.name, m.display_name};
  } catch (const Error&) {
    const std::string folder = std::filesystem::path(manifest_path).parent_path().filename().string();
    const std::string name = torchscript::ValidModelName(folder) ? folder : "torchscript_model";
    return {name, name + " (TorchScript, invalid manifest)"};
  }
}

}  // namespace

std::vector<std::string> RegisterTorchScriptModels(BackendRegistry& registry, const std::vector<std::string>& dirs) {
  std::vector<std::string> added;
  std::lock_guard<std::mutex> lock(registered_mutex);
  for (const std::string& dir : dirs) {
    for (const std::string& manifest : torchscript::FindManifests(dir)) {
      const auto [name, display_name] = NameOf(manifest);
      const auto key = std::make_pair(static_cast<const BackendRegistry*>(&registry), name);
      if (registry.Contains(name)) {
        const auto it = registered.find(key);
        if (it != registered.end() && it->second == manifest) continue;  // already there
        std::cerr << "corrlens: " << manifest << ": a model named '" << name
                  << "' already exists; this TorchScript model is skipped (rename it in the manifest)\n";
        continue;
      }
      registry.Add(ManifestRegistration(manifest, name, display_name));
      registered[key] = manifest;
      added.push_back(name);
    }
  }
  return added;
}

void RegisterTorchScriptBackends(BackendRegistry& registry) {
  registry.Add(GenericRegistration());
  RegisterTorchScriptModels(registry, model::DiscoveryOptions::FromEnvironment().models_dirs);
}

}  // namespace corrlens
