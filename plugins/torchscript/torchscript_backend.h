// A FeatureBackend running a user's TorchScript module (torch.jit.script or
// torch.jit.trace) that maps a normalised [1, 3, H, W] image to a
// [1, C, h, w] feature map, as its corrlens.json manifest describes it.
#pragma once

#include <memory>
#include <string>

#include "core/feature/feature_backend.h"
#include "plugins/torchscript/torchscript_manifest.h"

namespace corrlens {

struct TorchScriptBackendOptions {
  // A model folder, its corrlens.json, or the .pt file next to it.
  std::string path;
  // Torch device: "cpu", "cuda", "cuda:1".
  std::string device = "cpu";
  // Run the module once on a small input at load time, so that a wrong
  // output rank or a manifest that does not match the output fails here.
  bool probe = true;

  bool Check() const { return !path.empty() && !device.empty(); }
};

// Loads the manifest and the module(s); throws corrlens::Error naming the
// file and the reason (not TorchScript, wrong output rank, grid or channels
// that do not match the manifest). Info().weights_hash hashes the module
// files and the manifest.
std::unique_ptr<FeatureBackend> CreateTorchScriptBackend(const TorchScriptBackendOptions& options);

// The model input and token grid of an image of `width` x `height` pixels:
// the manifest's fixed input size, else the caller's exact input size, else
// the long side scaled to the manifest's resolution (or the caller's), a grid
// of that size / downsample tokens and an input of (grid - 1) * stride + patch.
GridGeometry PlanTorchScriptGeometry(const torchscript::Manifest& manifest, int width, int height,
                                     const ExtractOptions& options);

}  // namespace corrlens
