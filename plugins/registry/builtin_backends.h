// The backend registration table of this binary: every plugin built with
// corrlens_add_plugin, registered once on first use. The CLI, the GUI and the
// tests create backends only through here (or a FeatureService on top).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/feature/backend_registry.h"

namespace corrlens {

// The table, filled with the built-in plugins on first call. Thread-safe.
BackendRegistry& BuiltinBackends();

// Shorthands for BuiltinBackends().List / Names / Create.
std::vector<BackendDescription> ListBackends(const std::vector<std::string>& model_dirs = {});
std::vector<std::string> BackendNames();
std::unique_ptr<FeatureBackend> CreateBackend(const std::string& name, const BackendCreateOptions& options = {});

// True when a ViT plugin registered backends in this build.
bool VitBackendsBuilt();

}  // namespace corrlens
