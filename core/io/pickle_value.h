// The value tree produced by the safe pickle reader. Every value lives in an
// Arena owned by the parse result; values point at each other with raw
// pointers, so shared references and even cycles (legal in pickles) cost
// nothing and never leak. Nothing here can execute code: a global that is not
// on the allowlist stays an inert `kObject` recording its class name.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/io/tensor.h"

namespace corrlens::io::pickle {

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,
  kBigInt,  // integer beyond int64; `text` holds a display form ("0x..." or decimal)
  kFloat,
  kComplex,  // real + imag
  kString,   // UTF-8 text (invalid sequences are kept and sanitised on output)
  kBytes,    // raw bytes (bytes, bytearray, protocol-2 str)
  kList,
  kTuple,
  kDict,     // `ordered` for collections.OrderedDict
  kSet,      // `frozen` for frozenset
  kGlobal,   // a class or function reference "module.name" (never resolved)
  kObject,   // opaque instance of a non-allowlisted class; nothing was called
  kStorage,  // a torch storage reference from persistent_load
  kTensor,   // torch tensor / Parameter or numpy array
  kDType,    // torch.float32 etc. (`dtype`), or a numpy dtype (`text` = descr)
  kSlice,
};

// Human-readable name of a kind ("dict", "tensor", ...).
const char* KindName(Kind kind);

struct Value;

// Details of a storage reference (torch persistent id).
struct StorageInfo {
  std::string key;  // record name inside the checkpoint ("0", "1", ...)
  DType dtype = DType::kUInt8;
  int64_t numel = 0;        // elements of `dtype`
  std::string location;     // "cpu", "cuda:0", ...
  int64_t view_offset = 0;  // legacy format: element offset of a storage view
  uint64_t id = 0;          // unique per storage within a parse
};

// Details of a tensor: a view of `storage` (torch) or of `data` (numpy).
struct TensorInfo {
  TensorData data;           // dtype/shape/strides/offset; storage set for numpy
  Value* storage = nullptr;  // kStorage for torch tensors
  bool requires_grad = false;
  bool parameter = false;  // torch.nn.Parameter
  bool numpy = false;
};

struct Value {
  Kind kind = Kind::kNone;
  uint32_t id = 0;                // index in the arena (cycle detection)
  bool boolean = false;           // kBool
  bool ordered = false;           // kDict: OrderedDict; kSet: frozenset
  int64_t integer = 0;            // kInt
  double real = 0.0, imag = 0.0;  // kFloat / kComplex
  std::string text;               // kString/kBytes/kBigInt; kGlobal/kObject: "module.name"; kDType name
  std::vector<Value*> items;      // list/tuple/set elements; kObject: constructor args; kSlice: 3 items
  std::vector<std::pair<Value*, Value*>> entries;  // kDict items; kObject: items set on it
  Value* state = nullptr;                          // kObject: BUILD state; kObject kwargs are in `kwargs`
  Value* kwargs = nullptr;                         // kObject created by NEWOBJ_EX
  DType dtype = DType::kFloat32;                   // kDType (torch), when `dtype_known`
  bool dtype_known = false;
  std::unique_ptr<StorageInfo> storage;                                 // kStorage
  std::unique_ptr<TensorInfo> tensor;                                   // kTensor
  std::unique_ptr<std::unordered_map<std::string, size_t>> dict_index;  // kDict key -> entry

  // Convenience accessors; they throw Error naming `what` on a kind mismatch.
  int64_t AsInt(const char* what) const;
  const std::string& AsString(const char* what) const;
  bool IsSequence() const { return kind == Kind::kTuple || kind == Kind::kList; }
};

// Owns every value of one parse and enforces an allocation budget.
class Arena {
 public:
  explicit Arena(uint64_t budget_bytes) : budget_(budget_bytes) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // New value of `kind`; charges its size against the budget.
  Value* New(Kind kind);
  // Charges `bytes` of payload (strings, container slots); throws Error when
  // the budget would be exceeded.
  void Charge(uint64_t bytes);
  uint64_t Used() const { return used_; }
  size_t Count() const { return values_.size(); }

  // Helpers that build common values.
  Value* NewInt(int64_t value);
  Value* NewString(std::string text, Kind kind = Kind::kString);
  Value* NewTuple(std::vector<Value*> items);

 private:
  uint64_t budget_;
  uint64_t used_ = 0;
  std::vector<std::unique_ptr<Value>> values_;
};

// Inserts or replaces dict[key] = value (Python dict semantics for hashable
// scalar and tuple keys; other keys are appended).
void DictSet(Arena& arena, Value* dict, Value* key, Value* value);
// dict[key] for a string key, or nullptr.
Value* DictGet(const Value& dict, const std::string& key);

// Longest key text in a dotted path; longer keys are cut on a character
// boundary and end with "...".
constexpr size_t kMaxKeyText = 1024;

// Text used for a dict key in a dotted path: strings as is (valid UTF-8),
// ints in decimal, tuples as "(a, b)" (16 items at most), others as "<kind>";
// at most kMaxKeyText bytes plus "...".
std::string KeyText(const Value& key);
// Same, for a key nested `depth` tuples deep (deeper than 8 shows "(...)").
std::string KeyText(const Value& key, int depth);

// Makes `text` valid UTF-8 (invalid bytes become U+FFFD).
std::string SanitizeUtf8(const std::string& text);

}  // namespace corrlens::io::pickle
