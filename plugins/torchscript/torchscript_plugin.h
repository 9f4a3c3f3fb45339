// Registration of TorchScript backbones: one backend per corrlens.json found
// in the model folders ($CORRLENS_MODELS, each folder and its subfolders),
// named by its manifest, plus "torchscript", which runs the folder given as
// its weights (the CLI's --weights DIR, the GUI's Add Custom Model...).
#pragma once

#include <string>
#include <vector>

#include "core/feature/backend_registry.h"

namespace corrlens {

// Adds "torchscript" and the models of $CORRLENS_MODELS.
void RegisterTorchScriptBackends(BackendRegistry& registry);

// Adds a backend for every manifest in `dirs` (and their subfolders) that is
// not registered yet; returns the names added. A manifest whose name is taken
// by another backend is skipped with one line on stderr; a broken manifest is
// registered as unavailable, its error shown where the weights would be.
std::vector<std::string> RegisterTorchScriptModels(BackendRegistry& registry, const std::vector<std::string>& dirs);

}  // namespace corrlens
