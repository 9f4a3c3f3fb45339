// The corrlens.json manifest of a TorchScript backbone: its name, the module
// file, the input normalisation, the token geometry (patch size and stride,
// so that sampling maps image pixels to the grid), the preferred resolution
// or a fixed input size, and an optional adapter module. Torch-free.
//
//   {"name": "my_dinov2_vits14", "model": "model.pt", "patch_size": 14, "stride": 14,
//    "input": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
//    "resolution": 640, "channels": 384, "adapter": "refine.pt"}
#pragma once

#include <array>
#include <string>
#include <vector>

namespace corrlens::torchscript {

// File name of the manifest inside a model folder.
inline constexpr const char* kManifestFile = "corrlens.json";

struct Manifest {
  std::string path;          // the corrlens.json (absolute)
  std::string name;          // backend name ("--model", the GUI's id)
  std::string display_name;  // for the GUI ("<name> (TorchScript)" when absent)
  std::string model_path;    // the TorchScript module (absolute)
  std::string adapter_path;  // optional module [1, C, h, w] -> [1, C', h, w]; "" = none
  // Normalisation of the RGB image scaled to [0, 1]: (x - mean) / std.
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  int patch = 0;        // token (receptive cell) size in model-input pixels
  int stride = 0;       // distance between token centres in model-input pixels
  int resolution = 0;   // long side the grid is planned at; 0 = the caller's (--resolution)
  int input_width = 0;  // fixed model input (traced modules); 0 = any size
  int input_height = 0;
  int channels = 0;  // expected output channels; 0 = not checked
  std::string text;  // the manifest as read, for content hashes

  bool FixedInput() const { return input_width > 0; }
};

// Reads and checks a manifest; throws corrlens::Error naming the file and the
// key at fault (bad JSON, missing or mistyped key, missing module file).
Manifest ReadManifest(const std::string& path);

// The manifest a user points at: a folder holding corrlens.json, the
// manifest itself, or a file next to it (the .pt). Throws when none exists.
std::string ManifestPathFor(const std::string& path);

// Manifests in `dir` itself and in its immediate subfolders, sorted; none
// when `dir` does not exist.
std::vector<std::string> FindManifests(const std::string& dir);

// True for names a registry entry may take: 1-64 of [A-Za-z0-9_.+-].
bool ValidModelName(const std::string& name);

}  // namespace corrlens::torchscript
