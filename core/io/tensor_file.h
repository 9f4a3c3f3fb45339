// Reading and writing tensor files of every supported format through one API.
// Readers are safe by construction: nothing read from a file is executed.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/io/tensor.h"

namespace corrlens::io {

enum class TensorFormat { kTorchZip, kTorchLegacy, kSafetensors, kNpy, kNpz };
std::string FormatName(TensorFormat format);

// All tensors of a file in file order plus the non-tensor metadata tree
// (pickle values as JSON: dicts, lists, numbers, strings; opaque objects as
// {"__opaque__": "module.Name", ...}; tensors as {"__tensor__": "path"}).
struct TensorFile {
  TensorFormat format = TensorFormat::kTorchZip;
  std::string source;  // path it was read from
  std::vector<NamedTensor> tensors;
  std::shared_ptr<nlohmann::json> metadata;

  // Tensor by exact dotted path, or nullptr.
  const TensorData* Find(const std::string& path) const;
};

// Detects the format from the content (not the extension) and reads it.
// Throws corrlens::Error naming the file, byte offset or key and likely cause.
TensorFile ReadTensorFile(const std::string& path);

// Writers. Each writes atomically (temporary file + rename).
// torch.save-compatible zip (pickle protocol 2); loads with
// torch.load(weights_only=True). Dotted paths become nested dicts when
// `nest` is true ("a.b" -> {"a": {"b": t}}), else a flat OrderedDict.
void WriteTorchCheckpoint(const std::string& path, const std::vector<NamedTensor>& tensors,
                          bool nest = false);
void WriteSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors);
void WriteNpy(const std::string& path, const TensorData& tensor);
void WriteNpz(const std::string& path, const std::vector<NamedTensor>& tensors);

}  // namespace corrlens::io
