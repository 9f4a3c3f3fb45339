// The ViT FeatureBackend: any catalog model (DINOv2 S/B/L/g, _reg, CLIP,
// MAE, DeiT3, each optionally "+3dcorr") or an explicit architecture and
// weight file, on any torch device. Built on core/model's VitFeatureExtractor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/feature/feature_backend.h"

namespace corrlens {

struct VitBackendOptions {
  // Catalog name ("dinov2_vitb14", "dinov2_vitb14+3dcorr", ...). May be
  // empty when `arch` and `weights_path` are given.
  std::string name;
  // Architecture (VitConfig::ForArch) for explicit weights; "" = from `name`.
  std::string arch;
  // Backbone weights; "" = discover (torch-hub / Hugging Face caches,
  // $CORRLENS_MODELS, `model_dirs`).
  std::string weights_path;
  // 3DCorrEnhance adapter (.ckpt); "" = discover for "+3dcorr" names, none otherwise.
  std::string adapter_path;
  // Extra folders searched first for weight files.
  std::vector<std::string> model_dirs;
  // Torch device: "cpu", "cuda", "cuda:1".
  std::string device = "cpu";
  // "float32" or "bfloat16" (weights and activations).
  std::string dtype = "float32";

  bool Check() const { return (!name.empty() || (!arch.empty() && !weights_path.empty())) && !device.empty(); }
};

// Loads the weights (throws corrlens::Error naming the file or the missing
// download) and returns a backend whose Info().weights_hash is a content hash
// of the backbone weights and the adapter.
std::unique_ptr<FeatureBackend> CreateVitBackend(const VitBackendOptions& options);

}  // namespace corrlens
