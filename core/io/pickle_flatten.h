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
  // Most values visited (metadata, copies of small shared values, tensor
  // paths inside shared values); bounds the time a crafted file can take.
  uint64_t max_nodes = 20'000'000;
  // Memory budget for everything Flatten builds (JSON nodes, strings, tensor
  // paths and views), estimated in bytes. `already_used` counts what the
  // parse took from the same budget (Arena::Used()).
  uint64_t max_bytes = uint64_t{1} << 30;
  uint64_t already_used = 0;

  bool Check() const { return max_depth > 0 && max_nodes > 0 && max_bytes > 0; }
};

struct FlattenResult {
  std::vector<NamedTensor> tensors;  // in pickle order
  nlohmann::json metadata;           // tensors appear as {"__tensor__": path, "dtype", "shape"}
};

// Walks `root`; nothing is executed. Cycles are cut ({"__cycle__": true}).
// A value reached through several references (pickle memo) is written out
// in full at its first path; later references to it are copied when small
// (at most a kilobyte of JSON) and otherwise become
// {"__shared__": "<first path>"}, so metadata grows with the pickle, not with
// the number of paths. Tensors are listed at every path that reaches them
// (tied weights keep both names), each one charged to the budget.
// Throws Error when the depth, visit or memory limits are exceeded.
FlattenResult Flatten(const Value& root, const StorageResolver& resolver, const FlattenOptions& options = {});

}  // namespace corrlens::io::pickle
