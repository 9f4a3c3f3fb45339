// Options shared by the commands that run registry backends by name
// (match, eval): which models, where their weights are, device and cache.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/feature/feature_backend.h"

namespace corrlens {
class FeatureService;
}  // namespace corrlens

namespace corrlens::cli {

struct BackendArgs {
  std::vector<std::string> models;      // --model (repeatable, required)
  std::string device = "cpu";           // --device cpu|cuda|cuda:N
  std::string weights, adapter;         // explicit ViT files (override discovery)
  std::vector<std::string> model_dirs;  // --models-dir (repeatable)
  int resolution = 640;                 // --resolution: long side of the model input
  bool no_cache = false;                // --no-cache

  // Reference extraction options at this resolution.
  ExtractOptions Extract() const;
};

// Adds --model, --device, --weights, --adapter, --models-dir, --resolution
// and --no-cache to `app`; --model is required unless told otherwise.
void AddBackendOptions(CLI::App* app, BackendArgs* args, bool model_required = true);

// A cached feature service over the built-in backends for `args`; every
// model name is checked here, so unknown names and missing weights fail
// before any work.
std::shared_ptr<FeatureService> OpenFeatureService(const BackendArgs& args);

}  // namespace corrlens::cli
