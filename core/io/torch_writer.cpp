// WriteTorchCheckpoint: pickle protocol 2 + the torch.save zip layout
// (<archive>/data.pkl, <archive>/data/<key>, <archive>/byteorder,
// <archive>/version), loadable with torch.load(weights_only=True).
#include <nlohmann/json.hpp>

#include <map>

#include "core/io/pickle_writer.h"
#include "core/io/tensor_file.h"
#include "core/io/zip_writer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::io {
namespace {

// One dict of the output: children in insertion order.
struct Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> children;
  const NamedTensor* tensor = nullptr;
  const nlohmann::json* value = nullptr;  // extra metadata leaf (or object merged into a dict)
  bool from_tensors = false;

  Node* Child(const std::string& key) {
    for (auto& [k, child] : children) {
      if (k == key) return child.get();
    }
    children.emplace_back(key, std::make_unique<Node>());
    return children.back().second.get();
  }
};

std::vector<std::string> SplitPath(const std::string& path, bool nest) {
  if (!nest) return {path};
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
    parts.push_back(path.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(path.substr(start));
  for (const std::string& part : parts) {
    if (part.empty()) throw Error("tensor path has an empty component", {"", std::nullopt, path}, "bad tensor name");
  }
  return parts;
}

[[noreturn]] void Collision(const std::string& where) {
  throw Error("extra metadata collides with a tensor path", {"", std::nullopt, where}, "rename the entry");
}

// Adds the members of the JSON object `value` as children of `node`.
void MergeJson(Node& node, const nlohmann::json& value, const std::string& where) {
  for (const auto& [key, item] : value.items()) {
    Node* child = node.Child(key);
    const std::string path = where.empty() ? key : where + "." + key;
    if (child->tensor || (child->value && !(child->value->is_object() && item.is_object()))) Collision(path);
    child->value = &item;
    if (item.is_object()) MergeJson(*child, item, path);
  }
}

struct StorageRecord {
  std::string key;
  DType dtype;
  Storage bytes;
};

// Assigns storage keys; tensors sharing a storage share its record.
class StorageTable {
 public:
  // Returns (record index, storage offset, strides) for `tensor`.
  std::tuple<size_t, int64_t, std::vector<int64_t>> Add(const NamedTensor& named) {
    const TensorData& t = named.tensor;
    if (!t.storage)
      throw Error("tensor has no data", {"", std::nullopt, named.path}, "it was read with load_data = false");
    try {
      t.Validate();
    } catch (const Error& e) {
      throw Error(e.message(), {"", std::nullopt, named.path}, e.cause());
    }
    const size_t elem = DTypeSize(t.dtype);
    auto it = index_.find(t.storage.get());
    if (it != index_.end() && records_[it->second].dtype == t.dtype)
      return {it->second, t.storage_offset, t.EffectiveStrides()};
    if (it == index_.end() && t.storage->size() % elem == 0) {
      index_[t.storage.get()] = records_.size();
      records_.push_back({std::to_string(records_.size()), t.dtype, t.storage});
      return {records_.size() - 1, t.storage_offset, t.EffectiveStrides()};
    }
    // Shared with another dtype or ragged: write a contiguous copy of its own.
    TensorData copy = t.Contiguous();
    records_.push_back({std::to_string(records_.size()), t.dtype, copy.storage});
    return {records_.size() - 1, 0, ContiguousStrides(t.shape)};
  }
  const std::vector<StorageRecord>& Records() const { return records_; }

 private:
  std::map<const void*, size_t> index_;
  std::vector<StorageRecord> records_;
};

const char* StorageClass(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "FloatStorage";
    case DType::kFloat16: return "HalfStorage";
    case DType::kBFloat16: return "BFloat16Storage";
    case DType::kFloat64: return "DoubleStorage";
    case DType::kInt64: return "LongStorage";
    case DType::kInt32: return "IntStorage";
    case DType::kInt16: return "ShortStorage";
    case DType::kInt8: return "CharStorage";
    case DType::kUInt8: return "ByteStorage";
    case DType::kBool: return "BoolStorage";
  }
  return "ByteStorage";
}

class Emitter {
 public:
  Emitter(pickle::PickleWriter& out, StorageTable& storages, bool ordered)
      : out_(out), storages_(storages), ordered_(ordered) {}

  void Emit(const Node& node, int depth = 0) {
    if (depth > 200) throw Error("tensor paths nest too deeply");
    if (node.tensor) return Tensor(*node.tensor);
    if (node.value && !node.value->is_object()) return out_.Json(*node.value);
    if (ordered_ && node.from_tensors) {
      out_.Global("collections", "OrderedDict");
      out_.Tuple(0);
      out_.Reduce();
    } else {
      out_.EmptyDict();
    }
    out_.Put();
    if (node.children.empty()) return;
    out_.Mark();
    for (const auto& [key, child] : node.children) {
      out_.String(key);
      Emit(*child, depth + 1);
    }
    out_.SetItems();
  }

 private:
  void IntTuple(const std::vector<int64_t>& values) {
    if (values.size() > 3) out_.Mark();
    for (int64_t v : values) out_.Int(v);
    if (values.size() > 3) {
      out_.TupleFromMark();
    } else {
      out_.Tuple(values.size());
    }
  }

  void Tensor(const NamedTensor& named) {
    const auto [index, offset, strides] = storages_.Add(named);
    const StorageRecord& record = storages_.Records()[index];
    out_.Global("torch._utils", "_rebuild_tensor_v2");
    out_.Mark();
    out_.Mark();  // persistent id ('storage', type, key, location, numel)
    out_.String("storage");
    out_.Global("torch", StorageClass(record.dtype));
    out_.String(record.key);
    out_.String("cpu");
    out_.Int(static_cast<int64_t>(record.bytes->size() / DTypeSize(record.dtype)));
    out_.TupleFromMark();
    out_.BinPersId();
    out_.Int(offset);
    IntTuple(named.tensor.shape);
    IntTuple(strides);
    out_.Bool(false);  // requires_grad
    out_.Global("collections", "OrderedDict");
    out_.Tuple(0);
    out_.Reduce();  // backward hooks
    out_.TupleFromMark();
    out_.Reduce();
  }

  pickle::PickleWriter& out_;
  StorageTable& storages_;
  bool ordered_;
};

}  // namespace

bool TorchWriteOptions::Check() const {
  return !archive_name.empty() && archive_name.find('/') == std::string::npos &&
         (!extra || extra->is_object() || extra->is_null());
}

void WriteTorchCheckpoint(const std::string& path, const std::vector<NamedTensor>& tensors,
                          const TorchWriteOptions& options) {
  if (!options.Check())
    throw Error("invalid checkpoint writer options", {path},
                "archive_name must be a plain name and extra a JSON object");
  Node root;
  const bool has_extra = options.extra && options.extra->is_object() && !options.extra->empty();
  root.from_tensors = !has_extra;  // a bare state dict is an OrderedDict; a checkpoint dict is a dict
  if (has_extra) MergeJson(root, *options.extra, "");
  for (const NamedTensor& named : tensors) {
    const std::vector<std::string> parts = SplitPath(named.path, options.nest);
    Node* node = &root;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (node->tensor || (node->value && !node->value->is_object()))
        throw Error("tensor path nests under another tensor or value", {path, std::nullopt, named.path},
                    "rename the tensor");
      node = node->Child(parts[i]);
      if (i + 1 < parts.size() && !node->value) node->from_tensors = true;
    }
    if (node->tensor || node->value || !node->children.empty())
      throw Error("two entries share the path", {path, std::nullopt, named.path}, "duplicate tensor names");
    node->tensor = &named;
  }
  pickle::PickleWriter pickler;
  StorageTable storages;
  try {
    Emitter(pickler, storages, options.ordered_dict).Emit(root);
  } catch (const Error& e) {
    throw e.WithFile(path);
  }
  pickler.Stop();
  ZipWriteOptions zip_options;
  zip_options.force_zip64 = options.force_zip64;
  ZipWriter zip(zip_options);
  const std::string prefix = options.archive_name + "/";
  zip.Add(prefix + "data.pkl", pickler.Bytes().data(), pickler.Bytes().size());
  zip.Add(prefix + "byteorder", "little");
  for (const StorageRecord& record : storages.Records())
    zip.Add(prefix + "data/" + record.key, record.bytes->data(), record.bytes->size());
  zip.Add(prefix + "version", "3\n");
  const std::vector<uint8_t> bytes = zip.Finish();
  fs::WriteFileAtomic(path, bytes.data(), bytes.size());
}

void WriteTorchCheckpoint(const std::string& path, const std::vector<NamedTensor>& tensors, bool nest) {
  TorchWriteOptions options;
  options.nest = nest;
  WriteTorchCheckpoint(path, tensors, options);
}

}  // namespace corrlens::io
