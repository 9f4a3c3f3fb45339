#include "core/io/pickle_value.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/io/utf8.h"
#include "core/util/error.h"

namespace corrlens::io::pickle {
namespace {

// Longest signature built for a dict key; larger keys (crafted tuples that
// nest shared references) are kept without de-duplication.
constexpr size_t kMaxSignature = size_t{1} << 20;

// Identity of a hashable key as Python's dict would see it (1 == 1.0 == True).
// False for unhashable keys and for keys whose signature would exceed
// kMaxSignature (the size is checked before every append, so a key made of
// shared references cannot make this expand without bound).
bool KeySignature(const Value& key, std::string* out, int depth = 0) {
  if (depth > 32 || out->size() > kMaxSignature) return false;
  switch (key.kind) {
    case Kind::kNone: *out += "N"; return true;
    case Kind::kBool: *out += "I" + std::to_string(key.boolean ? 1 : 0); return true;
    case Kind::kInt: *out += "I" + std::to_string(key.integer); return true;
    case Kind::kFloat:
      if (std::isfinite(key.real) && std::floor(key.real) == key.real && std::fabs(key.real) < 9.2e18) {
        *out += "I" + std::to_string(static_cast<int64_t>(key.real));
      } else {
        uint64_t bits;
        std::memcpy(&bits, &key.real, 8);
        *out += "F" + std::to_string(bits);
      }
      return true;
    case Kind::kBigInt:
    case Kind::kString:
    case Kind::kBytes:
    case Kind::kGlobal:
      if (key.text.size() > kMaxSignature - out->size()) return false;
      *out += key.kind == Kind::kBigInt ? "L" : key.kind == Kind::kString ? "S" : key.kind == Kind::kBytes ? "B" : "G";
      *out += std::to_string(key.text.size()) + ":";
      *out += key.text;
      return true;
    case Kind::kTuple:
      *out += "T(";
      for (const Value* item : key.items) {
        if (!KeySignature(*item, out, depth + 1)) return false;
        *out += ",";
      }
      *out += ")";
      return true;
    case Kind::kObject:
    case Kind::kTensor:
    case Kind::kDType:
      *out += "P" + std::to_string(key.id);  // identity hash, like object.__hash__
      return true;
    default: return false;  // unhashable in Python (list, dict, set)
  }
}

// Appends the display text of `key` to `out`, stopping once `out` holds
// `limit` bytes (every call appends at least one byte or returns, so shared
// references inside tuple keys cannot make this expand).
void AppendKeyText(const Value& key, int depth, size_t limit, std::string& out) {
  if (out.size() >= limit) return;
  if (depth > 8) {
    out += "(...)";
    return;
  }
  switch (key.kind) {
    case Kind::kString: out += ValidUtf8(key.text, limit - out.size()); return;
    case Kind::kInt: out += std::to_string(key.integer); return;
    case Kind::kBigInt:
    case Kind::kGlobal: out += ValidUtf8(key.text, limit - out.size()); return;
    case Kind::kBool: out += key.boolean ? "True" : "False"; return;
    case Kind::kNone: out += "None"; return;
    case Kind::kFloat: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", key.real);
      out += buf;
      return;
    }
    case Kind::kBytes:
      out += "b'";
      out += ValidUtf8(key.text, limit > out.size() ? limit - out.size() : 0);
      out += "'";
      return;
    case Kind::kTuple:
      out += "(";
      for (size_t i = 0; i < key.items.size() && i < 16 && out.size() < limit; ++i) {
        if (i) out += ", ";
        AppendKeyText(*key.items[i], depth + 1, limit, out);
      }
      out += key.items.size() == 1 ? ",)" : ")";
      return;
    default: out += std::string("<") + KindName(key.kind) + ">"; return;
  }
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kBigInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kComplex: return "complex";
    case Kind::kString: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kList: return "list";
    case Kind::kTuple: return "tuple";
    case Kind::kDict: return "dict";
    case Kind::kSet: return "set";
    case Kind::kGlobal: return "global";
    case Kind::kObject: return "object";
    case Kind::kStorage: return "storage";
    case Kind::kTensor: return "tensor";
    case Kind::kDType: return "dtype";
    case Kind::kSlice: return "slice";
  }
  return "?";
}

int64_t Value::AsInt(const char* what) const {
  if (kind == Kind::kInt) return integer;
  if (kind == Kind::kBool) return boolean ? 1 : 0;
  throw Error(std::string(what) + ": expected an int, found " + KindName(kind), {}, "corrupted or unsupported file");
}

const std::string& Value::AsString(const char* what) const {
  if (kind == Kind::kString || kind == Kind::kBytes) return text;
  throw Error(std::string(what) + ": expected a string, found " + KindName(kind), {}, "corrupted or unsupported file");
}

Value* Arena::New(Kind kind) {
  Charge(sizeof(Value) + 16);
  if (values_.size() >= 0xffffffffu) throw Error("pickle has too many values", {}, "crafted file");
  values_.push_back(std::make_unique<Value>());
  Value* value = values_.back().get();
  value->kind = kind;
  value->id = static_cast<uint32_t>(values_.size() - 1);
  return value;
}

void Arena::Charge(uint64_t bytes) {
  if (bytes > budget_ || used_ > budget_ - bytes)
    throw Error("pickle needs more than the allowed " + std::to_string(budget_ >> 20) + " MiB of memory", {},
                "crafted or corrupted file (raise ReadOptions::max_pickle_bytes if it is genuine)");
  used_ += bytes;
}

Value* Arena::NewInt(int64_t value) {
  Value* v = New(Kind::kInt);
  v->integer = value;
  return v;
}

Value* Arena::NewString(std::string text, Kind kind) {
  Charge(text.size());
  Value* v = New(kind);
  v->text = std::move(text);
  return v;
}

Value* Arena::NewTuple(std::vector<Value*> items) {
  Charge(items.size() * sizeof(Value*));
  Value* v = New(Kind::kTuple);
  v->items = std::move(items);
  return v;
}

void DictSet(Arena& arena, Value* dict, Value* key, Value* value) {
  std::string signature;
  arena.Charge(2 * sizeof(Value*));
  if (KeySignature(*key, &signature)) {
    if (!dict->dict_index) dict->dict_index = std::make_unique<std::unordered_map<std::string, size_t>>();
    auto [it, inserted] = dict->dict_index->emplace(std::move(signature), dict->entries.size());
    if (!inserted) {
      dict->entries[it->second].second = value;
      return;
    }
    arena.Charge(it->first.size() + 48);
  }
  dict->entries.emplace_back(key, value);
}

Value* DictGet(const Value& dict, const std::string& key) {
  for (const auto& [k, v] : dict.entries) {
    if (k->kind == Kind::kString && k->text == key) return v;
  }
  return nullptr;
}

std::string KeyText(const Value& key) { return KeyText(key, 0); }

std::string KeyText(const Value& key, int depth) {
  std::string out;
  AppendKeyText(key, depth, kMaxKeyText + 1, out);  // one byte more tells that it was cut
  if (out.size() > kMaxKeyText) {
    out.resize(Utf8Boundary(out, kMaxKeyText));
    out += "...";
  }
  return out;
}

std::string SanitizeUtf8(const std::string& text) { return ValidUtf8(text); }

}  // namespace corrlens::io::pickle
