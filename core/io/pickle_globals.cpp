#include "core/io/pickle_globals.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/io/numpy_dtype.h"
#include "core/io/utf8.h"
#include "core/util/error.h"

namespace corrlens::io::pickle {
namespace {

constexpr const char* kBadArgs = "corrupted file (arguments do not match the allowlisted function)";

// What an allowlisted name does. Everything not listed is opaque.
enum class Builtin {
  kRebuildTensor,
  kRebuildParameter,
  kRebuildFromType,
  kTorchSize,
  kTorchDevice,
  kStorageType,
  kTorchDType,
  kOrderedDict,
  kDefaultDict,
  kSet,
  kFrozenSet,
  kSlice,
  kComplex,
  kByteArray,
  kCodecsEncode,
  kNumpyReconstruct,
  kNumpyNdarray,
  kNumpyDType,
  kNumpyScalar,
  kNumpyFromBuffer,
  kReconstructor,
  kNewObj,
};

struct Entry {
  Builtin builtin;
  DType dtype = DType::kUInt8;  // storage / dtype names
  bool dtype_known = true;
};

const std::unordered_map<std::string, Entry>& Allowlist() {
  static const std::unordered_map<std::string, Entry> table = [] {
    std::unordered_map<std::string, Entry> t;
    for (const char* name : {"torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor"})
      t[name] = {Builtin::kRebuildTensor};
    for (const char* name : {"torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state"})
      t[name] = {Builtin::kRebuildParameter};
    for (const char* name : {"torch._tensor._rebuild_from_type_v2", "torch._tensor._rebuild_from_type"})
      t[name] = {Builtin::kRebuildFromType};
    t["torch.Size"] = {Builtin::kTorchSize};
    t["torch.device"] = {Builtin::kTorchDevice};
    const std::pair<const char*, DType> storages[] = {{"Float", DType::kFloat32},     {"Half", DType::kFloat16},
                                                      {"BFloat16", DType::kBFloat16}, {"Double", DType::kFloat64},
                                                      {"Long", DType::kInt64},        {"Int", DType::kInt32},
                                                      {"Short", DType::kInt16},       {"Char", DType::kInt8},
                                                      {"Byte", DType::kUInt8},        {"Bool", DType::kBool}};
    for (const auto& [prefix, dtype] : storages)
      t[std::string("torch.") + prefix + "Storage"] = {Builtin::kStorageType, dtype};
    for (const char* name : {"torch.UntypedStorage", "torch.storage.UntypedStorage", "torch.storage._UntypedStorage",
                             "torch.storage.TypedStorage", "torch.TypedStorage"})
      t[name] = {Builtin::kStorageType, DType::kUInt8};
    for (const char* name : {"float32", "float", "float16", "half", "bfloat16", "float64", "double", "int64", "long",
                             "int32", "int", "int16", "short", "int8", "uint8", "bool"})
      t[std::string("torch.") + name] = {Builtin::kTorchDType, *DTypeFromName(name)};
    for (const char* name : {"complex32", "complex64", "complex128", "cfloat", "cdouble", "qint8", "quint8", "qint32",
                             "quint4x2", "uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2"})
      t[std::string("torch.") + name] = {Builtin::kTorchDType, DType::kUInt8, false};
    t["collections.OrderedDict"] = {Builtin::kOrderedDict};
    t["collections.defaultdict"] = {Builtin::kDefaultDict};
    t["builtins.set"] = {Builtin::kSet};
    t["builtins.frozenset"] = {Builtin::kFrozenSet};
    t["builtins.slice"] = {Builtin::kSlice};
    t["builtins.complex"] = {Builtin::kComplex};
    t["builtins.bytearray"] = {Builtin::kByteArray};
    t["builtins.bytes"] = {Builtin::kByteArray};
    t["_codecs.encode"] = {Builtin::kCodecsEncode};
    t["copyreg._reconstructor"] = {Builtin::kReconstructor};
    t["copyreg.__newobj__"] = {Builtin::kNewObj};
    t["numpy.ndarray"] = {Builtin::kNumpyNdarray};
    t["numpy.dtype"] = {Builtin::kNumpyDType};
    for (const char* core : {"numpy.core", "numpy._core"}) {
      t[std::string(core) + ".multiarray._reconstruct"] = {Builtin::kNumpyReconstruct};
      t[std::string(core) + ".multiarray.scalar"] = {Builtin::kNumpyScalar};
      t[std::string(core) + ".numeric._frombuffer"] = {Builtin::kNumpyFromBuffer};
    }
    return t;
  }();
  return table;
}

const Entry* Lookup(const Value* callable) {
  if (callable->kind != Kind::kGlobal && callable->kind != Kind::kDType) return nullptr;
  auto it = Allowlist().find(callable->text);
  return it == Allowlist().end() ? nullptr : &it->second;
}

[[noreturn]] void Bad(const std::string& what, const std::string& detail) {
  throw Error(what + ": " + detail, {}, kBadArgs);
}

Value* Arg(const Value* args, size_t index, const std::string& what) {
  if (index >= args->items.size())
    Bad(what,
        "expected at least " + std::to_string(index + 1) + " arguments, got " + std::to_string(args->items.size()));
  return args->items[index];
}

std::vector<int64_t> IntTuple(const Value* value, const std::string& what) {
  if (!value->IsSequence()) Bad(what, std::string("expected a tuple of ints, found ") + KindName(value->kind));
  std::vector<int64_t> out;
  for (const Value* item : value->items) out.push_back(item->AsInt(what.c_str()));
  return out;
}

Value* NewObjectValue(GlobalsContext& ctx, const std::string& name, const Value* args, Value* kwargs) {
  Value* object = ctx.arena.New(Kind::kObject);
  // Capped: calling an opaque object again ("x(...)(...)") would otherwise
  // grow the name by a few bytes per REDUCE, quadratically in total.
  object->text = name.size() > 512 ? ValidUtf8(name, 512) : name;
  ctx.arena.Charge(object->text.size());
  if (args) {
    ctx.arena.Charge(args->items.size() * sizeof(Value*));
    object->items = args->items;
  }
  object->kwargs = kwargs;
  return object;
}

Value* RebuildTensor(GlobalsContext& ctx, const Value* args, const std::string& what) {
  Value* storage = Arg(args, 0, what);
  if (storage->kind != Kind::kStorage)
    Bad(what, std::string("first argument is a ") + KindName(storage->kind) + ", not a storage");
  const StorageInfo& info = *storage->storage;
  Value* tensor = ctx.arena.New(Kind::kTensor);
  tensor->tensor = std::make_unique<TensorInfo>();
  TensorData& data = tensor->tensor->data;
  data.dtype = info.dtype;
  const int64_t offset = Arg(args, 1, what)->AsInt("storage offset");
  data.shape = IntTuple(Arg(args, 2, what), what + " size");
  data.strides = IntTuple(Arg(args, 3, what), what + " stride");
  ctx.arena.Charge((data.shape.size() + data.strides.size()) * 8);
  const int64_t extent = ViewExtent(data.shape, data.strides, offset);
  if (extent > info.numel)
    throw Error("tensor view " + ShapeString(data.shape) + " with offset " + std::to_string(offset) + " needs " +
                    std::to_string(extent) + " elements but storage '" + info.key + "' holds " +
                    std::to_string(info.numel),
                {"", std::nullopt, info.key}, "corrupted checkpoint");
  data.storage_offset = offset + info.view_offset;
  if (args->items.size() > 4 && args->items[4]->kind == Kind::kBool)
    tensor->tensor->requires_grad = args->items[4]->boolean;
  tensor->tensor->storage = storage;
  return tensor;
}

Value* RebuildParameter(GlobalsContext& ctx, const Value* args) {
  const Value* data = Arg(args, 0, "_rebuild_parameter");
  if (data->kind != Kind::kTensor) return NewObjectValue(ctx, "torch.nn.Parameter", args, nullptr);
  Value* param = ctx.arena.New(Kind::kTensor);
  // A copy of the view: its sizes and strides count against the budget again.
  ctx.arena.Charge((data->tensor->data.shape.size() + data->tensor->data.strides.size()) * 8 + sizeof(TensorInfo));
  param->tensor = std::make_unique<TensorInfo>(*data->tensor);
  param->tensor->parameter = true;
  if (args->items.size() > 1 && args->items[1]->kind == Kind::kBool)
    param->tensor->requires_grad = args->items[1]->boolean;
  return param;
}

Value* MakeDict(GlobalsContext& ctx, const Value* args, size_t items_arg, bool ordered) {
  Value* dict = ctx.arena.New(Kind::kDict);
  dict->ordered = ordered;
  if (args->items.size() <= items_arg) return dict;
  const Value* source = args->items[items_arg];
  if (source->kind == Kind::kDict) {
    for (const auto& [k, v] : source->entries) DictSet(ctx.arena, dict, k, v);
  } else if (source->IsSequence()) {
    for (const Value* pair : source->items) {
      if (!pair->IsSequence() || pair->items.size() != 2) Bad("OrderedDict", "items are not key/value pairs");
      DictSet(ctx.arena, dict, pair->items[0], pair->items[1]);
    }
  } else if (source->kind != Kind::kNone) {
    Bad("OrderedDict", std::string("cannot build a dict from a ") + KindName(source->kind));
  }
  return dict;
}

Value* MakeSet(GlobalsContext& ctx, const Value* args, bool frozen) {
  Value* set = ctx.arena.New(Kind::kSet);
  set->ordered = frozen;
  if (args->items.empty()) return set;
  const Value* source = args->items[0];
  if (source->kind != Kind::kList && source->kind != Kind::kTuple && source->kind != Kind::kSet)
    Bad("set", std::string("cannot build a set from a ") + KindName(source->kind));
  ctx.arena.Charge(source->items.size() * sizeof(Value*));
  set->items = source->items;
  return set;
}

// UTF-8 text whose code points are all < 256, as latin-1 bytes.
Value* Latin1(GlobalsContext& ctx, const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xe0) == 0xc0 && i + 1 < text.size() && c <= 0xc3) {
      out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3f));
    } else {
      Bad("_codecs.encode", "text is not encodable as latin-1");
    }
  }
  return ctx.arena.NewString(std::move(out), Kind::kBytes);
}

Value* NumpyDTypeValue(GlobalsContext& ctx, const std::string& descr) {
  Value* dtype = ctx.arena.New(Kind::kDType);
  dtype->text = ValidUtf8(descr, 64);
  dtype->integer = '=';
  return dtype;
}

// numpy dtype value -> full descriptor with byte order ("<f4").
std::string NumpyDescrOf(const Value* dtype) {
  if (dtype->kind != Kind::kDType) Bad("numpy", std::string("expected a dtype, found ") + KindName(dtype->kind));
  std::string descr = dtype->text;
  if (!descr.empty() && std::string("<>|=").find(descr[0]) != std::string::npos) return descr;
  return std::string(1, static_cast<char>(dtype->integer)) + descr;
}

// Turns a numpy placeholder into an inert object when its content is unsupported.
void MakeOpaqueArray(GlobalsContext& ctx, Value* array, const std::string& why, Value* state) {
  array->kind = Kind::kObject;
  array->text = "numpy.ndarray";
  array->tensor.reset();
  array->state = state;
  Value* reason = ctx.arena.NewString(why);
  array->items = {reason};
}

void FillNumpyArray(GlobalsContext& ctx, Value* array, const std::vector<int64_t>& shape, const Value* dtype,
                    bool fortran, const Value* raw, Value* state) {
  std::string why;
  const std::string descr = NumpyDescrOf(dtype);
  const auto parsed = ParseNumpyDescr(descr, &why);
  if (!parsed) return MakeOpaqueArray(ctx, array, why, state);
  if (raw->kind != Kind::kBytes && raw->kind != Kind::kString)
    return MakeOpaqueArray(ctx, array, "array data is not raw bytes (object array?)", state);
  TensorData& data = array->tensor->data;
  data.dtype = parsed->dtype;
  data.shape = shape;
  const uint64_t expected = data.NumBytes();
  if (expected != raw->text.size())
    Bad("numpy array", "shape " + ShapeString(shape) + " of " + descr + " needs " + std::to_string(expected) +
                           " bytes, the pickle holds " + std::to_string(raw->text.size()));
  ctx.arena.Charge(expected);
  std::vector<uint8_t> bytes(raw->text.begin(), raw->text.end());
  if (parsed->big_endian) SwapBytes(bytes, DTypeSize(parsed->dtype));
  data.storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  if (fortran && shape.size() > 1) {
    std::vector<int64_t> reversed(shape.rbegin(), shape.rend());
    std::vector<int64_t> strides = ContiguousStrides(reversed);
    data.strides.assign(strides.rbegin(), strides.rend());
  }
}

Value* NumpyScalar(GlobalsContext& ctx, const Value* args) {
  const Value* dtype = Arg(args, 0, "numpy scalar");
  std::string why;
  const std::string descr = NumpyDescrOf(dtype);
  const auto parsed = ParseNumpyDescr(descr, &why);
  const Value* raw = args->items.size() > 1 ? args->items[1] : nullptr;
  if (!parsed || !raw || (raw->kind != Kind::kBytes && raw->kind != Kind::kString))
    return NewObjectValue(ctx, "numpy.scalar", args, nullptr);
  std::vector<uint8_t> bytes(raw->text.begin(), raw->text.end());
  if (bytes.size() != DTypeSize(parsed->dtype)) Bad("numpy scalar", "wrong number of bytes for " + descr);
  if (parsed->big_endian) SwapBytes(bytes, bytes.size());
  const double value = TensorData::FromBytes(parsed->dtype, {}, bytes).ToDoubles()[0];
  Value* out;
  if (parsed->dtype == DType::kBool) {
    out = ctx.arena.New(Kind::kBool);
    out->boolean = value != 0.0;
  } else if (parsed->dtype == DType::kInt64) {
    int64_t v;
    std::memcpy(&v, bytes.data(), 8);
    out = ctx.arena.NewInt(v);
  } else if (parsed->dtype == DType::kFloat32 || parsed->dtype == DType::kFloat64 || parsed->dtype == DType::kFloat16) {
    out = ctx.arena.New(Kind::kFloat);
    out->real = value;
  } else {
    out = ctx.arena.NewInt(static_cast<int64_t>(value));
  }
  return out;
}

Value* NumpyFromBuffer(GlobalsContext& ctx, const Value* args) {
  const Value* raw = Arg(args, 0, "numpy _frombuffer");
  Value* array = ctx.arena.New(Kind::kTensor);
  array->tensor = std::make_unique<TensorInfo>();
  array->tensor->numpy = true;
  const Value* order = args->items.size() > 3 ? args->items[3] : nullptr;
  const bool fortran = order && order->kind == Kind::kString && order->text == "F";
  FillNumpyArray(ctx, array, IntTuple(Arg(args, 2, "numpy _frombuffer"), "numpy shape"),
                 Arg(args, 1, "numpy _frombuffer"), fortran, raw, nullptr);
  return array;
}

Value* CallBuiltin(GlobalsContext& ctx, const Entry& entry, const std::string& name, Value* args) {
  switch (entry.builtin) {
    case Builtin::kRebuildTensor: return RebuildTensor(ctx, args, name);
    case Builtin::kRebuildParameter: return RebuildParameter(ctx, args);
    case Builtin::kRebuildFromType: {
      const Entry* inner_entry = Lookup(Arg(args, 0, name));
      if (!inner_entry || inner_entry->builtin == Builtin::kRebuildFromType)
        return NewObjectValue(ctx, name, args, nullptr);  // only plain rebuild functions are followed
      Value* inner = Reduce(ctx, Arg(args, 0, name), Arg(args, 2, name));
      const Value* type = Arg(args, 1, name);
      if (inner->kind == Kind::kTensor && type->kind == Kind::kGlobal && type->text == "torch.nn.parameter.Parameter")
        inner->tensor->parameter = true;
      return inner;
    }
    case Builtin::kTorchSize:
      return ctx.arena.NewTuple(args->items.empty() ? std::vector<Value*>{} : Arg(args, 0, name)->items);
    case Builtin::kTorchDevice: {
      std::string device = Arg(args, 0, name)->AsString("torch.device");
      if (args->items.size() > 1 && args->items[1]->kind == Kind::kInt)
        device += ":" + std::to_string(args->items[1]->integer);
      return ctx.arena.NewString(device);
    }
    case Builtin::kOrderedDict: return MakeDict(ctx, args, 0, true);
    case Builtin::kDefaultDict: return MakeDict(ctx, args, 1, false);
    case Builtin::kSet: return MakeSet(ctx, args, false);
    case Builtin::kFrozenSet: return MakeSet(ctx, args, true);
    case Builtin::kSlice: {
      Value* slice = ctx.arena.New(Kind::kSlice);
      ctx.arena.Charge(args->items.size() * sizeof(Value*));
      slice->items = args->items;
      return slice;
    }
    case Builtin::kComplex: {
      Value* c = ctx.arena.New(Kind::kComplex);
      for (size_t i = 0; i < args->items.size() && i < 2; ++i) {
        const Value* part = args->items[i];
        const double v = part->kind == Kind::kFloat ? part->real : static_cast<double>(part->AsInt("complex"));
        (i ? c->imag : c->real) = v;
      }
      return c;
    }
    case Builtin::kByteArray:
    case Builtin::kCodecsEncode: {
      if (args->items.empty()) return ctx.arena.NewString("", Kind::kBytes);
      const Value* source = args->items[0];
      if (source->kind == Kind::kBytes) return ctx.arena.NewString(source->text, Kind::kBytes);
      const std::string encoding = args->items.size() > 1 ? args->items[1]->AsString("encoding") : "utf-8";
      if (encoding == "latin1" || encoding == "latin-1" || encoding == "iso-8859-1")
        return Latin1(ctx, source->AsString(name.c_str()));
      if (encoding == "utf-8" || encoding == "utf8")
        return ctx.arena.NewString(source->AsString("encode"), Kind::kBytes);
      return NewObjectValue(ctx, name, args, nullptr);
    }
    case Builtin::kNumpyReconstruct: {
      Value* array = ctx.arena.New(Kind::kTensor);
      array->tensor = std::make_unique<TensorInfo>();
      array->tensor->numpy = true;  // filled by BUILD
      return array;
    }
    case Builtin::kNumpyDType: return NumpyDTypeValue(ctx, Arg(args, 0, name)->AsString("numpy dtype"));
    case Builtin::kNumpyScalar: return NumpyScalar(ctx, args);
    case Builtin::kNumpyFromBuffer: return NumpyFromBuffer(ctx, args);
    case Builtin::kReconstructor: {
      Value* object = NewObject(ctx, Arg(args, 0, name), ctx.arena.NewTuple({}), nullptr);
      return object;
    }
    case Builtin::kNewObj: {
      std::vector<Value*> rest(args->items.begin() + (args->items.empty() ? 0 : 1), args->items.end());
      return NewObject(ctx, Arg(args, 0, name), ctx.arena.NewTuple(std::move(rest)), nullptr);
    }
    default: return NewObjectValue(ctx, name, args, nullptr);
  }
}

}  // namespace

std::string QualifiedName(const std::string& module, const std::string& name) {
  std::string m = module;
  if (m == "__builtin__") m = "builtins";
  if (m == "copy_reg") m = "copyreg";
  return m + "." + name;
}

bool IsAllowlisted(const std::string& qualified) { return Allowlist().count(qualified) > 0; }

Value* LoadGlobal(GlobalsContext& ctx, const std::string& module, const std::string& name) {
  // Valid UTF-8, cut on a character boundary: the name is stored and printed.
  const std::string qualified = ValidUtf8(QualifiedName(module, name), 512);
  auto it = Allowlist().find(qualified);
  if (it == Allowlist().end()) {
    auto& seen = ctx.opaque_globals;
    if (seen.size() < 1000 && std::find(seen.begin(), seen.end(), qualified) == seen.end()) seen.push_back(qualified);
  }
  const bool is_dtype = it != Allowlist().end() && it->second.builtin == Builtin::kTorchDType;
  Value* value = ctx.arena.NewString(qualified, is_dtype ? Kind::kDType : Kind::kGlobal);
  if (it != Allowlist().end() && (is_dtype || it->second.builtin == Builtin::kStorageType)) {
    value->dtype = it->second.dtype;
    value->dtype_known = it->second.dtype_known;
  }
  return value;
}

Value* Reduce(GlobalsContext& ctx, Value* callable, Value* args) {
  if (args->kind != Kind::kTuple)
    Bad("REDUCE", std::string("arguments are a ") + KindName(args->kind) + ", not a tuple");
  if (const Entry* entry = Lookup(callable); entry && callable->kind == Kind::kGlobal)
    return CallBuiltin(ctx, *entry, callable->text, args);
  if (callable->kind == Kind::kGlobal) return NewObjectValue(ctx, callable->text, args, nullptr);
  if (callable->kind == Kind::kObject || callable->kind == Kind::kDType)
    return NewObjectValue(ctx, callable->text + "(...)", args, nullptr);
  Bad("REDUCE", std::string("a ") + KindName(callable->kind) + " is not callable");
}

Value* NewObject(GlobalsContext& ctx, Value* cls, Value* args, Value* kwargs) {
  if (args->kind != Kind::kTuple)
    Bad("NEWOBJ", std::string("arguments are a ") + KindName(args->kind) + ", not a tuple");
  if (const Entry* entry = Lookup(cls); entry && cls->kind == Kind::kGlobal) {
    switch (entry->builtin) {
      case Builtin::kOrderedDict: return MakeDict(ctx, ctx.arena.NewTuple({}), 0, true);
      case Builtin::kDefaultDict: return MakeDict(ctx, ctx.arena.NewTuple({}), 0, false);
      case Builtin::kSet: return MakeSet(ctx, ctx.arena.NewTuple({}), false);
      case Builtin::kFrozenSet: return MakeSet(ctx, args, true);
      case Builtin::kTorchSize: return CallBuiltin(ctx, *entry, cls->text, args);
      case Builtin::kNumpyNdarray: return CallBuiltin(ctx, {Builtin::kNumpyReconstruct}, cls->text, args);
      default: break;
    }
  }
  if (cls->kind != Kind::kGlobal && cls->kind != Kind::kObject)
    Bad("NEWOBJ", std::string("a ") + KindName(cls->kind) + " is not a class");
  return NewObjectValue(ctx, cls->text, args, kwargs);
}

void Build(GlobalsContext& ctx, Value* object, Value* state) {
  switch (object->kind) {
    case Kind::kObject: object->state = state; return;
    case Kind::kTensor: {
      if (!object->tensor->numpy || object->tensor->data.storage) return;  // torch tensors: state is bookkeeping
      if (!state->IsSequence() || state->items.size() < 4) Bad("numpy array", "unexpected array state");
      const size_t base = state->items.size() >= 5 ? 1 : 0;  // (version, shape, dtype, fortran, data)
      FillNumpyArray(ctx, object, IntTuple(state->items[base], "numpy shape"), state->items[base + 1],
                     state->items[base + 2]->kind == Kind::kBool && state->items[base + 2]->boolean,
                     state->items[base + 3], state);
      return;
    }
    case Kind::kDType:
      if (state->IsSequence() && state->items.size() > 1 && state->items[1]->kind == Kind::kString &&
          state->items[1]->text.size() == 1)
        object->integer = state->items[1]->text[0];
      if (state->IsSequence() && state->items.size() > 3 && state->items[3]->kind != Kind::kNone)
        object->text = "V(structured)";  // named fields: refused when used by an array
      return;
    case Kind::kDict:
    case Kind::kList:
    case Kind::kSet: return;  // subclass attributes; nothing to keep
    default: Bad("BUILD", std::string("cannot set the state of a ") + KindName(object->kind));
  }
}

Value* Instantiate(GlobalsContext& ctx, Value* cls, std::vector<Value*> args) {
  return NewObject(ctx, cls, ctx.arena.NewTuple(std::move(args)), nullptr);
}

}  // namespace corrlens::io::pickle
