#include "core/io/pickle_flatten.h"

#include <cmath>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/io/utf8.h"
#include "core/util/error.h"

namespace corrlens::io::pickle {
namespace {

using nlohmann::json;
using Entries = std::vector<std::pair<Value*, Value*>>;

// Estimated heap cost of what Flatten builds, in bytes: a JSON value, an
// array slot (vector growth included), an object member (map node), a string
// (header and allocation) and a tensor (NamedTensor, path, sizes, strides).
constexpr uint64_t kNodeCost = 16;
constexpr uint64_t kSlotCost = 16;
constexpr uint64_t kMemberCost = 80;
constexpr uint64_t kStringCost = 32;
constexpr uint64_t kTensorCost = sizeof(NamedTensor) + 64;
// A value reached again is copied when its first expansion cost at most
// this; larger ones become {"__shared__": "<first path>"}.
constexpr uint64_t kCopyLimit = 1024;

std::string Hex(const std::string& bytes, size_t limit) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    out += kDigits[static_cast<unsigned char>(bytes[i]) >> 4];
    out += kDigits[static_cast<unsigned char>(bytes[i]) & 15];
  }
  return out;
}

// Values that are written out by value at every reference (a few bytes each).
bool IsScalar(Kind kind) {
  return kind == Kind::kNone || kind == Kind::kBool || kind == Kind::kInt || kind == Kind::kFloat ||
         kind == Kind::kComplex;
}

// The values Flatten descends into, in one order (dict keys are not among
// them: they only give path text).
size_t ChildCount(const Value& v) {
  switch (v.kind) {
    case Kind::kList:
    case Kind::kTuple:
    case Kind::kSet:
    case Kind::kSlice: return v.items.size();
    case Kind::kDict: return v.entries.size();
    case Kind::kObject: return v.items.size() + (v.kwargs ? 1 : 0) + (v.state ? 1 : 0) + v.entries.size();
    default: return 0;
  }
}

const Value* Child(const Value& v, size_t i) {
  if (v.kind == Kind::kDict) return v.entries[i].second;
  if (i < v.items.size()) return v.items[i];
  if (v.kind != Kind::kObject) return nullptr;
  i -= v.items.size();
  if (v.kwargs && i-- == 0) return v.kwargs;
  if (v.state && i-- == 0) return v.state;
  return v.entries[i].second;
}

class Flattener {
 public:
  Flattener(const StorageResolver& resolver, const FlattenOptions& options)
      : resolver_(resolver), options_(options), used_(options.already_used) {}

  // Marks every value reachable from `root` with how often it is referenced
  // (once / more) and whether a tensor may lie below it. Iterative, so the
  // depth of the input does not matter; each value is entered once.
  void Prepass(const Value& root) {
    struct Frame {
      const Value* value;
      size_t next;
    };
    std::vector<Frame> stack;
    auto reach = [&](const Value& v, const Value* parent) {
      const uint8_t flags = Flags(v);
      if (flags & (kOnce | kMany)) {
        Flags(v) |= kMany;
        // A value still open is an ancestor (a cycle): assume it may hold tensors.
        if (parent && (flags & (kTensorBelow | kOpen))) Flags(*parent) |= kTensorBelow;
        return;
      }
      Flags(v) |= kOnce;
      if (v.kind == Kind::kTensor) {
        Flags(v) |= kTensorBelow;
        if (parent) Flags(*parent) |= kTensorBelow;
        return;
      }
      Flags(v) |= kOpen;
      stack.push_back({&v, 0});
    };
    reach(root, nullptr);
    while (!stack.empty()) {
      const Value* value = stack.back().value;
      if (stack.back().next < ChildCount(*value)) {
        const Value* child = Child(*value, stack.back().next++);
        if (child) reach(*child, value);
        continue;
      }
      stack.pop_back();
      Flags(*value) &= static_cast<uint8_t>(~kOpen);
      if ((Flags(*value) & kTensorBelow) && !stack.empty()) Flags(*stack.back().value) |= kTensorBelow;
    }
  }

  json Visit(const Value& value, size_t depth) {
    Step(depth);
    if (IsScalar(value.kind)) return Scalar(value);
    if (value.kind == Kind::kTensor) return Tensor(value, true);
    if (on_path_.count(&value)) {
      Charge(2 * kNodeCost + kMemberCost);
      return json{{"__cycle__", true}};
    }
    if (!(Flags(value) & kMany)) return Expand(value, depth);
    auto found = shared_.find(&value);
    if (found == shared_.end()) {
      Charge(kMemberCost + kStringCost + path_.size());
      Shared& record = shared_[&value];  // stays valid when the map rehashes
      record.path = path_;
      const uint64_t before = used_;
      json out = Expand(value, depth);
      record.cost = used_ - before;
      return out;
    }
    if (found->second.cost <= kCopyLimit) return Expand(value, depth);
    const std::string& first = found->second.path;
    if (Flags(value) & kTensorBelow) CollectTensors(value, depth);
    Charge(2 * kNodeCost + kMemberCost + kStringCost + first.size());
    return json{{"__shared__", first.empty() ? "<root>" : first}};
  }

  std::vector<NamedTensor> tensors;

 private:
  enum : uint8_t { kOnce = 1, kMany = 2, kOpen = 4, kTensorBelow = 8 };
  struct Shared {
    std::string path;   // where it was written out in full
    uint64_t cost = 0;  // bytes that took
  };

  uint8_t& Flags(const Value& v) {
    if (v.id >= flags_.size()) flags_.resize(static_cast<size_t>(v.id) + 1, 0);
    return flags_[v.id];
  }
  bool TensorBelow(const Value* v) { return v && (v->kind == Kind::kTensor || (Flags(*v) & kTensorBelow)); }

  void Step(size_t depth) {
    if (++visited_ > options_.max_nodes)
      throw Error("pickle expands to more than " + std::to_string(options_.max_nodes) + " values",
                  {"", std::nullopt, path_}, "crafted file (shared references that multiply)");
    if (depth > options_.max_depth)
      throw Error("pickle nests deeper than " + std::to_string(options_.max_depth) + " levels",
                  {"", std::nullopt, path_}, "crafted or corrupted file");
  }

  void Charge(uint64_t bytes) {
    if (used_ > options_.max_bytes || bytes > options_.max_bytes - used_)
      throw Error(
          "pickle expands to more than the allowed " + std::to_string(options_.max_bytes >> 20) +
              " MiB of memory (metadata and tensor paths)",
          {"", std::nullopt, path_},
          "crafted file (shared references that multiply), or raise ReadOptions::max_pickle_bytes if it is genuine");
    used_ += bytes;
  }
  void Release(uint64_t bytes) { used_ -= std::min(used_, bytes); }

  // The dotted path is one string; a segment is appended for a child and
  // cut off again afterwards.
  size_t Enter(std::string_view segment) {
    const size_t old = path_.size();
    if (!path_.empty()) path_ += '.';
    path_ += segment;
    return old;
  }
  void Leave(size_t old) { path_.resize(old); }

  std::string Text(const std::string& text) {
    std::string out = ValidUtf8(text);
    Charge(kStringCost + out.size());
    return out;
  }

  json Scalar(const Value& value) {
    Charge(kNodeCost);
    switch (value.kind) {
      case Kind::kBool: return value.boolean;
      case Kind::kInt: return value.integer;
      case Kind::kFloat: return Float(value.real);
      case Kind::kComplex:
        Charge(3 * kNodeCost + kMemberCost);
        return json{{"__complex__", {Float(value.real), Float(value.imag)}}};
      default: return nullptr;
    }
  }

  json Float(double v) {
    if (std::isfinite(v)) return v;
    return json{{"__float__", std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")}};
  }

  json Expand(const Value& value, size_t depth) {
    on_path_.insert(&value);
    json out = Inner(value, depth);
    on_path_.erase(&value);
    return out;
  }

  json Inner(const Value& value, size_t depth) {
    Charge(kNodeCost);
    switch (value.kind) {
      case Kind::kBigInt: Charge(kMemberCost); return json{{"__int__", Text(value.text)}};
      case Kind::kString: return Text(value.text);
      case Kind::kBytes:
        Charge(2 * kMemberCost + 2 * kNodeCost + kStringCost + 64);
        return json{{"__bytes__", value.text.size()}, {"head", Hex(value.text, 32)}};
      case Kind::kList:
      case Kind::kTuple: return Sequence(value.items, depth);
      case Kind::kDict: return Dict(value.entries, depth);
      case Kind::kSet:
        Charge(kMemberCost);
        return json{{value.ordered ? "__frozenset__" : "__set__", Sequence(value.items, depth)}};
      case Kind::kGlobal: Charge(kMemberCost); return json{{"__global__", Text(value.text)}};
      case Kind::kObject: return Object(value, depth);
      case Kind::kStorage:
        Charge(3 * kMemberCost + 2 * kNodeCost + kStringCost);
        return json{{"__storage__", Text(value.storage->key)},
                    {"dtype", DTypeName(value.storage->dtype)},
                    {"numel", value.storage->numel}};
      case Kind::kDType: return Text(value.text);
      case Kind::kSlice: Charge(kMemberCost); return json{{"__slice__", Sequence(value.items, depth)}};
      default: return nullptr;  // scalars and tensors are handled by Visit
    }
  }

  json Sequence(const std::vector<Value*>& items, size_t depth) {
    json array = json::array();
    for (size_t i = 0; i < items.size(); ++i) {
      const size_t old = Enter(std::to_string(i));
      Charge(kSlotCost);
      array.push_back(Visit(*items[i], depth + 1));
      Leave(old);
    }
    return array;
  }

  // Key texts of a dict's entries, made unique with "#2", "#3"... in entry
  // order. Charged while in use (Release afterwards).
  struct Keys {
    std::deque<std::string> texts;
    uint64_t cost = 0;
  };
  Keys DictKeys(const Entries& entries) {
    Keys keys;
    std::unordered_set<std::string_view> used;
    std::unordered_map<std::string, int> next;
    for (size_t i = 0; i < entries.size(); ++i) {
      ++visited_;
      std::string base = entries[i].first ? KeyText(*entries[i].first) : std::to_string(i);
      std::string text = base;
      if (used.count(text)) {
        int& n = next.try_emplace(base, 2).first->second;
        do {
          text = base + "#" + std::to_string(n++);
        } while (used.count(text));
      }
      const uint64_t cost = 2 * (kStringCost + text.size()) + kMemberCost;
      Charge(cost);
      keys.cost += cost;
      keys.texts.push_back(std::move(text));
      used.insert(keys.texts.back());
    }
    if (visited_ > options_.max_nodes) Step(0);
    return keys;
  }

  json Dict(const Entries& entries, size_t depth) {
    json object = json::object();
    Keys keys = DictKeys(entries);
    for (size_t i = 0; i < entries.size(); ++i) {
      const size_t old = Enter(keys.texts[i]);
      Charge(kMemberCost + keys.texts[i].size());
      object[keys.texts[i]] = Visit(*entries[i].second, depth + 1);
      Leave(old);
    }
    Release(keys.cost);
    return object;
  }

  void SplitEntries(const Value& object, std::vector<Value*>* appended, Entries* keyed) {
    for (const auto& entry : object.entries) {
      if (entry.first) {
        keyed->push_back(entry);
      } else {
        appended->push_back(entry.second);
      }
    }
  }

  json Object(const Value& object, size_t depth) {
    json out = json::object();
    Charge(kMemberCost);
    out["__opaque__"] = Text(object.text);
    auto part = [&](const char* name, auto&& build) {
      const size_t old = Enter(name);
      Charge(kMemberCost);
      out[name] = build();
      Leave(old);
    };
    if (!object.items.empty()) part("args", [&] { return Sequence(object.items, depth + 1); });
    if (object.kwargs) part("kwargs", [&] { return Visit(*object.kwargs, depth + 1); });
    if (object.state) part("state", [&] { return Visit(*object.state, depth + 1); });
    std::vector<Value*> appended;
    Entries keyed;
    SplitEntries(object, &appended, &keyed);
    if (!appended.empty()) part("items", [&] { return Sequence(appended, depth + 1); });
    if (!keyed.empty()) part("entries", [&] { return Dict(keyed, depth + 1); });
    return out;
  }

  json Tensor(const Value& value, bool with_json) {
    const TensorInfo& info = *value.tensor;
    if (info.numpy && !info.data.storage) {
      if (!with_json) return nullptr;
      Charge(2 * kMemberCost + 3 * kNodeCost + 2 * kStringCost + 32);
      return json{{"__opaque__", "numpy.ndarray"}, {"reason", "array without data"}};
    }
    const uint64_t dims = info.data.shape.size() + info.data.strides.size();
    Charge(kTensorCost + path_.size() + 8 * dims);
    NamedTensor named{path_, info.data};
    if (!info.numpy) {
      named.tensor.storage = resolver_ ? resolver_(*info.storage, path_) : nullptr;
    }
    if (named.tensor.storage) {
      try {
        named.tensor.Validate();
      } catch (const Error& e) {
        throw Error(e.message(), {"", std::nullopt, path_}, e.cause());
      }
    }
    json out;
    if (with_json) {
      Charge(5 * kMemberCost + kStringCost + path_.size() + (kNodeCost + kSlotCost) * info.data.shape.size());
      out = {{"__tensor__", path_}, {"dtype", DTypeName(named.tensor.dtype)}, {"shape", named.tensor.shape}};
      if (info.parameter) out["parameter"] = true;
      if (info.numpy) out["numpy"] = true;
    }
    tensors.push_back(std::move(named));
    return out;
  }

  // Lists the tensors below a value that was already written out elsewhere,
  // under the current path, without building metadata. Only children that
  // may hold tensors are entered; the paths are those Visit would give.
  void CollectTensors(const Value& value, size_t depth) {
    Step(depth);
    if (value.kind == Kind::kTensor) {
      Tensor(value, false);
      return;
    }
    if (!TensorBelow(&value) || on_path_.count(&value)) return;
    on_path_.insert(&value);
    auto items = [&](const std::vector<Value*>& list, size_t at) {
      for (size_t i = 0; i < list.size(); ++i) {
        if (!TensorBelow(list[i])) continue;
        const size_t old = Enter(std::to_string(i));
        CollectTensors(*list[i], at);
        Leave(old);
      }
    };
    auto entries = [&](const Entries& list, size_t at) {
      bool any = false;
      for (const auto& entry : list) any = any || TensorBelow(entry.second);
      if (!any) return;
      Keys keys = DictKeys(list);
      for (size_t i = 0; i < list.size(); ++i) {
        if (!TensorBelow(list[i].second)) continue;
        const size_t old = Enter(keys.texts[i]);
        CollectTensors(*list[i].second, at);
        Leave(old);
      }
      Release(keys.cost);
    };
    auto part = [&](const char* name, auto&& walk) {
      const size_t old = Enter(name);
      walk();
      Leave(old);
    };
    switch (value.kind) {
      case Kind::kList:
      case Kind::kTuple:
      case Kind::kSet:
      case Kind::kSlice: items(value.items, depth + 1); break;
      case Kind::kDict: entries(value.entries, depth + 1); break;
      case Kind::kObject: {
        if (!value.items.empty()) part("args", [&] { items(value.items, depth + 2); });
        if (TensorBelow(value.kwargs)) part("kwargs", [&] { CollectTensors(*value.kwargs, depth + 1); });
        if (TensorBelow(value.state)) part("state", [&] { CollectTensors(*value.state, depth + 1); });
        std::vector<Value*> appended;
        Entries keyed;
        SplitEntries(value, &appended, &keyed);
        if (!appended.empty()) part("items", [&] { items(appended, depth + 2); });
        if (!keyed.empty()) part("entries", [&] { entries(keyed, depth + 2); });
        break;
      }
      default: break;
    }
    on_path_.erase(&value);
  }

  const StorageResolver& resolver_;
  const FlattenOptions& options_;
  uint64_t visited_ = 0;
  uint64_t used_ = 0;
  std::string path_;
  std::vector<uint8_t> flags_;  // by Value::id
  std::unordered_set<const Value*> on_path_;
  std::unordered_map<const Value*, Shared> shared_;
};

}  // namespace

FlattenResult Flatten(const Value& root, const StorageResolver& resolver, const FlattenOptions& options) {
  if (!options.Check()) throw Error("invalid flatten options");
  Flattener flattener(resolver, options);
  flattener.Prepass(root);
  FlattenResult result;
  result.metadata = flattener.Visit(root, 0);
  result.tensors = std::move(flattener.tensors);
  return result;
}

}  // namespace corrlens::io::pickle
