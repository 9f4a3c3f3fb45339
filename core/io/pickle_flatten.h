// Turns a parsed pickle into what callers want from a checkpoint: every
// tensor with a dotted path ("state_dict.refine_conv.weight",
// "optimizer_states.0.state.0.exp_avg") and a JSON tree of everything else.
// The dotted path of a tensor is its location in that tree.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/io/pickle_value.h"
#include "core/io/tensor.h"

namespace corrlens::io::pickle {

// Returns the bytes of a torch storage (kStorage value) for a tensor at
// `path`, or nullptr to leave that tensor without data. May throw Error.
using StorageResolver = std::function<Storage(const Value& storage, const std::string& path)>;

struct FlattenOptions {
  // Deepest nesting of containers followed (deeper input is refused).
  size_t max_depth = 200;
  // Most tree nodes visited; shared references are visited once per
  // reference, so this bounds crafted "billion laughs" structures.
  uint64_t max_nodes = 20'000'000;

  bool Check() const { return max_depth > 0 && max_nodes > 0; }
};

struct FlattenResult {
  std::vector<NamedTensor> tensors;  // in pickle order
  nlohmann::json metadata;           // tensors appear as {"__tensor__": path, "dtype", "shape"}
};

// Walks `root`. Cycles are cut ({"__cycle__": true}); nothing is executed.
FlattenResult Flatten(const Value& root, const StorageResolver& resolver, const FlattenOptions& options = {});

}  // namespace corrlens::io::pickle
