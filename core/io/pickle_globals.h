// The allowlist of the safe pickle reader: what GLOBAL/STACK_GLOBAL, REDUCE,
// NEWOBJ and BUILD do for each known name. Nothing is ever imported or
// called; allowlisted names build typed values (tensors, OrderedDict, numpy
// arrays, sets...), any other name gives inert opaque objects.
#pragma once

#include <string>
#include <vector>

#include "core/io/pickle_value.h"

namespace corrlens::io::pickle {

// State shared by the opcode handlers of one parse.
struct GlobalsContext {
  Arena& arena;
  std::vector<std::string>& opaque_globals;  // non-allowlisted names seen
};

// "module.name" with Python 2 aliases normalised (__builtin__ -> builtins).
std::string QualifiedName(const std::string& module, const std::string& name);
// True when `qualified` maps to a typed value.
bool IsAllowlisted(const std::string& qualified);

// GLOBAL / STACK_GLOBAL: a kGlobal (or kDType for torch dtypes).
Value* LoadGlobal(GlobalsContext& ctx, const std::string& module, const std::string& name);
// REDUCE: callable(*args).
Value* Reduce(GlobalsContext& ctx, Value* callable, Value* args);
// NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args, **kwargs).
Value* NewObject(GlobalsContext& ctx, Value* cls, Value* args, Value* kwargs);
// BUILD: obj.__setstate__(state) or obj.__dict__.update(state).
void Build(GlobalsContext& ctx, Value* object, Value* state);
// INST / OBJ (protocols 0-1): an opaque instance of `cls`.
Value* Instantiate(GlobalsContext& ctx, Value* cls, std::vector<Value*> args);

}  // namespace corrlens::io::pickle
