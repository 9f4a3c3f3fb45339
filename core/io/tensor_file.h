// Reading and writing tensor files of every supported format through one API.
// Readers are safe by construction: nothing read from a file is executed.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/tensor.h"

namespace corrlens::io {

class ByteSource;

enum class TensorFormat { kTorchZip, kTorchLegacy, kSafetensors, kNpy, kNpz, kPickle };
// "torch zip", "torch legacy", "safetensors", "npy", "npz", "pickle".
std::string FormatName(TensorFormat format);

struct ReadOptions {
  // false: dtypes, shapes and metadata only; every TensorData::storage is null.
  bool load_data = true;
  // When set, only tensors whose path it accepts get their data (others keep
  // storage == nullptr). Lets `inspect --tensor` read one tensor of a big file.
  std::function<bool(const std::string& path)> load_only;
  // Verify CRC-32 of zip entries that are read.
  bool verify_crc = true;
  // Memory budget for the pickled object tree (bytes); tensor data is not counted.
  uint64_t max_pickle_bytes = uint64_t{1} << 30;
  // Deepest container nesting accepted in pickles and JSON headers.
  size_t max_depth = 200;
  // Largest single inflated (deflate-compressed) npz entry, bytes.
  uint64_t max_inflated_bytes = uint64_t{16} << 30;

  bool Check() const { return max_pickle_bytes > 0 && max_depth > 0 && max_inflated_bytes > 0; }
  // True when the tensor at `path` should get its bytes.
  bool WantsData(const std::string& path) const { return load_data && (!load_only || load_only(path)); }
};

// All tensors of a file in file order plus the non-tensor metadata tree
// (pickle values as JSON: dicts, lists, numbers, strings; opaque objects as
// {"__opaque__": "module.Name", "args": [...], "state": ...}; tensors as
// {"__tensor__": "path", "dtype": "float32", "shape": [...]}). For
// safetensors the tree is {"__metadata__": {...}}; for npy/npz it is {}.
struct TensorFile {
  TensorFormat format = TensorFormat::kTorchZip;
  std::string source;  // path it was read from
  std::vector<NamedTensor> tensors;
  std::shared_ptr<nlohmann::json> metadata;
  // Classes/functions the pickle referenced that are not on the allowlist;
  // they were never imported or called ("__main__.MyConfig", "os.system").
  std::vector<std::string> opaque_classes;

  // Tensor by exact dotted path, or nullptr.
  const TensorData* Find(const std::string& path) const;
  // Up to `limit` paths similar to `path` (for "did you mean" messages).
  std::vector<std::string> Suggest(const std::string& path, size_t limit = 5) const;
};

// Detects the format from the content (not the extension).
TensorFormat DetectTensorFormat(const ByteSource& source);

// Detects the format from the content (not the extension) and reads it.
// Throws corrlens::Error naming the file, byte offset or key and likely cause.
TensorFile ReadTensorFile(const std::string& path, const ReadOptions& options = {});
// Same for bytes that are already open (tests, archives in memory).
TensorFile ReadTensorSource(std::shared_ptr<const ByteSource> source, const ReadOptions& options = {});

// Options of the torch.save-compatible writer.
struct TorchWriteOptions {
  // Dotted paths become nested dicts ("a.b" -> {"a": {"b": t}}) instead of
  // one flat dict.
  bool nest = false;
  // Dicts that hold tensors are collections.OrderedDict (like
  // module.state_dict()); plain dicts otherwise.
  bool ordered_dict = true;
  // Extra top-level entries (a JSON object: ints, strings, bools, null,
  // lists, nested objects, floats). Objects merge with nested tensor dicts.
  // Note: torch 1.13's weights_only loader cannot read floats (torch >= 2.0 can).
  std::shared_ptr<const nlohmann::json> extra;
  // Top-level folder inside the zip (torch uses the file's stem).
  std::string archive_name = "archive";
  // Force zip64 records (interop tests).
  bool force_zip64 = false;

  bool Check() const;
};

// Writers. Each writes atomically (temporary file + rename).
// torch.save-compatible zip (pickle protocol 2); loads with
// torch.load(weights_only=True). Tensors that share a storage keep sharing
// it (views keep their offset and strides).
void WriteTorchCheckpoint(const std::string& path, const std::vector<NamedTensor>& tensors,
                          const TorchWriteOptions& options);
void WriteTorchCheckpoint(const std::string& path, const std::vector<NamedTensor>& tensors, bool nest = false);
// safetensors with an optional "__metadata__" string map.
void WriteSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
// .npy version 1.0 (2.0 for huge headers), C order. bfloat16 is refused.
void WriteNpy(const std::string& path, const TensorData& tensor);
// .npz: one "<path>.npy" entry per tensor, stored or deflated.
void WriteNpz(const std::string& path, const std::vector<NamedTensor>& tensors, bool compress = false);

}  // namespace corrlens::io
