// The catalog of ViT backbones and 3DCorrEnhance adapters CorrLens knows, the
// official download URLs, and discovery of weight files that are already on
// disk (torch-hub cache, Hugging Face cache, $CORRLENS_MODELS, explicit
// folders). Nothing here downloads. Torch-free.
#pragma once

#include <string>
#include <vector>

namespace corrlens::model {

// One way to obtain a weight file.
struct WeightSource {
  std::string kind;       // "torch-hub", "huggingface" or "timm" (a Hugging Face repo)
  std::string file_name;  // name on disk: "dinov2_vitb14_pretrain.pth", "model.safetensors", "dinov2_base.ckpt"
  std::string repo;       // Hugging Face repo ("facebook/dinov2-base"); "" for torch-hub
  std::string url;        // official download URL
  // Name to use in a flat folder ($CORRLENS_MODELS): file_name for torch-hub
  // and adapters, "<repo name>.safetensors" for Hugging Face backbones.
  std::string LocalName() const;
};

// A runnable model: a backbone, optionally with an adapter ("+3dcorr").
struct CatalogEntry {
  std::string name;                    // "dinov2_vitb14", "dinov2_vitb14+3dcorr"
  std::string arch;                    // VitConfig::ForArch name
  std::string display_name;            // for the GUI
  std::vector<WeightSource> backbone;  // alternatives, preferred first
  std::vector<WeightSource> adapter;   // empty for plain backbones
  bool has_adapter() const { return !adapter.empty(); }
};

// Where discovery looks; FromEnvironment() reads HOME, XDG_CACHE_HOME,
// TORCH_HOME, HF_HOME, HF_HUB_CACHE and CORRLENS_MODELS (':'-separated).
struct DiscoveryOptions {
  std::vector<std::string> extra_dirs;   // searched first (explicit folders)
  std::vector<std::string> models_dirs;  // $CORRLENS_MODELS
  std::string torch_hub_dir;             // .../torch/hub/checkpoints
  std::string hf_hub_dir;                // .../huggingface/hub

  static DiscoveryOptions FromEnvironment();
};

// A weight file found on disk (or not) for one WeightSource list.
struct FoundWeights {
  std::string path;                   // "" when not found
  WeightSource source;                // the alternative that matched (empty kind when none)
  std::string location;               // "torch-hub cache", "huggingface cache", "$CORRLENS_MODELS", "folder"
  std::vector<std::string> searched;  // every path or glob looked at
};

// The model with its files resolved.
struct ResolvedModel {
  CatalogEntry entry;
  FoundWeights backbone;
  FoundWeights adapter;  // path "" for plain backbones
  bool Complete() const { return !backbone.path.empty() && (!entry.has_adapter() || !adapter.path.empty()); }
};

// Every catalog entry: each arch, then each arch + "+3dcorr".
const std::vector<CatalogEntry>& CatalogEntries();
// Entry by name (also accepts arch aliases like "dinov2_vitb14_reg4");
// nullptr when unknown.
const CatalogEntry* FindCatalogEntry(const std::string& name);
// Looks for the files of `entry`.
ResolvedModel ResolveModel(const CatalogEntry& entry, const DiscoveryOptions& options);
FoundWeights FindWeights(const std::vector<WeightSource>& sources, const DiscoveryOptions& options);

// Resolves a name for running: throws corrlens::Error listing the searched
// places and the download URL when a file is missing or the name unknown.
ResolvedModel RequireModel(const std::string& name, const DiscoveryOptions& options);
// Same for an entry; an empty `backbone` or `adapter` list is not required.
ResolvedModel RequireModel(const CatalogEntry& entry, const DiscoveryOptions& options);

}  // namespace corrlens::model
