#include "core/io/pickle_flatten.h"

#include <cmath>
#include <unordered_set>

#include "core/util/error.h"

namespace corrlens::io::pickle {
namespace {

using nlohmann::json;

std::string Join(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }

std::string Hex(const std::string& bytes, size_t limit) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    out += kDigits[static_cast<unsigned char>(bytes[i]) >> 4];
    out += kDigits[static_cast<unsigned char>(bytes[i]) & 15];
  }
  return out;
}

class Flattener {
 public:
  Flattener(const StorageResolver& resolver, const FlattenOptions& options) : resolver_(resolver), options_(options) {}

  json Visit(const Value& value, const std::string& path, size_t depth) {
    if (++visited_ > options_.max_nodes)
      throw Error("pickle expands to more than " + std::to_string(options_.max_nodes) + " values", {"", std::nullopt, path},
                  "crafted file (shared references that multiply)");
    if (depth > options_.max_depth)
      throw Error("pickle nests deeper than " + std::to_string(options_.max_depth) + " levels", {"", std::nullopt, path},
                  "crafted or corrupted file");
    if (!on_path_.insert(&value).second) return json{{"__cycle__", true}};
    json out = VisitInner(value, path, depth);
    on_path_.erase(&value);
    return out;
  }

  std::vector<NamedTensor> tensors;

 private:
  json Sequence(const std::vector<Value*>& items, const std::string& path, size_t depth) {
    json array = json::array();
    for (size_t i = 0; i < items.size(); ++i) array.push_back(Visit(*items[i], Join(path, std::to_string(i)), depth + 1));
    return array;
  }

  json Dict(const Value& dict, const std::string& path, size_t depth) {
    json object = json::object();
    for (const auto& [key, item] : dict.entries) {
      std::string text = key ? KeyText(*key) : std::to_string(object.size());
      for (int n = 2; object.contains(text); ++n) text = KeyText(*key) + "#" + std::to_string(n);
      object[text] = Visit(*item, Join(path, text), depth + 1);
    }
    return object;
  }

  json Object(const Value& object, const std::string& path, size_t depth) {
    json out = json::object();
    out["__opaque__"] = SanitizeUtf8(object.text);
    if (!object.items.empty()) out["args"] = Sequence(object.items, Join(path, "args"), depth + 1);
    if (object.kwargs) out["kwargs"] = Visit(*object.kwargs, Join(path, "kwargs"), depth + 1);
    if (object.state) out["state"] = Visit(*object.state, Join(path, "state"), depth + 1);
    std::vector<Value*> appended;
    Value fake;
    fake.kind = Kind::kDict;
    for (const auto& entry : object.entries) {
      if (entry.first) {
        fake.entries.push_back(entry);
      } else {
        appended.push_back(entry.second);
      }
    }
    if (!appended.empty()) out["items"] = Sequence(appended, Join(path, "items"), depth + 1);
    if (!fake.entries.empty()) out["entries"] = Dict(fake, Join(path, "entries"), depth + 1);
    return out;
  }

  json Tensor(const Value& value, const std::string& path) {
    const TensorInfo& info = *value.tensor;
    if (info.numpy && !info.data.storage) return json{{"__opaque__", "numpy.ndarray"}, {"reason", "array without data"}};
    NamedTensor named{path, info.data};
    if (!info.numpy) {
      named.tensor.storage = resolver_ ? resolver_(*info.storage, path) : nullptr;
    }
    if (named.tensor.storage) {
      try {
        named.tensor.Validate();
      } catch (const Error& e) {
        throw Error(e.message(), {"", std::nullopt, path}, e.cause());
      }
    }
    json out = {{"__tensor__", path}, {"dtype", DTypeName(named.tensor.dtype)}, {"shape", named.tensor.shape}};
    if (info.parameter) out["parameter"] = true;
    if (info.numpy) out["numpy"] = true;
    tensors.push_back(std::move(named));
    return out;
  }

  json Float(double v) {
    if (std::isfinite(v)) return v;
    return json{{"__float__", std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")}};
  }

  json VisitInner(const Value& value, const std::string& path, size_t depth) {
    switch (value.kind) {
      case Kind::kNone: return nullptr;
      case Kind::kBool: return value.boolean;
      case Kind::kInt: return value.integer;
      case Kind::kBigInt: return json{{"__int__", value.text}};
      case Kind::kFloat: return Float(value.real);
      case Kind::kComplex: return json{{"__complex__", {Float(value.real), Float(value.imag)}}};
      case Kind::kString: return SanitizeUtf8(value.text);
      case Kind::kBytes: return json{{"__bytes__", value.text.size()}, {"head", Hex(value.text, 32)}};
      case Kind::kList:
      case Kind::kTuple: return Sequence(value.items, path, depth);
      case Kind::kDict: return Dict(value, path, depth);
      case Kind::kSet: return json{{value.ordered ? "__frozenset__" : "__set__", Sequence(value.items, path, depth)}};
      case Kind::kGlobal: return json{{"__global__", SanitizeUtf8(value.text)}};
      case Kind::kObject: return Object(value, path, depth);
      case Kind::kStorage:
        return json{{"__storage__", SanitizeUtf8(value.storage->key)},
                    {"dtype", DTypeName(value.storage->dtype)},
                    {"numel", value.storage->numel}};
      case Kind::kTensor: return Tensor(value, path);
      case Kind::kDType: return SanitizeUtf8(value.text);
      case Kind::kSlice: return json{{"__slice__", Sequence(value.items, path, depth)}};
    }
    return nullptr;
  }

  const StorageResolver& resolver_;
  const FlattenOptions& options_;
  uint64_t visited_ = 0;
  std::unordered_set<const Value*> on_path_;
};

}  // namespace

FlattenResult Flatten(const Value& root, const StorageResolver& resolver, const FlattenOptions& options) {
  if (!options.Check()) throw Error("invalid flatten options");
  Flattener flattener(resolver, options);
  FlattenResult result;
  result.metadata = flattener.Visit(root, "", 0);
  result.tensors = std::move(flattener.tensors);
  return result;
}

}  // namespace corrlens::io::pickle
