#include "core/io/pickle_reader.h"

#include <charconv>
#include <cstring>
#include <unordered_map>

#include "core/io/byte_source.h"
#include "core/io/pickle_globals.h"
#include "core/io/pickle_literals.h"
#include "core/util/error.h"

namespace corrlens::io::pickle {
namespace {

constexpr const char* kCorrupt = "corrupted or truncated file";

class Machine {
 public:
  Machine(const uint8_t* data, uint64_t size, const PickleOptions& options, std::shared_ptr<Arena> arena)
      : options_(options),
        cursor_(data, size, options.file, options.base_offset, options.key),
        arena_(arena ? std::move(arena) : std::make_shared<Arena>(options.max_bytes)),
        ctx_{*arena_, result_.opaque_globals} {}

  PickleResult Run() {
    while (!done_) {
      op_offset_ = cursor_.AbsoluteOffset();
      if (cursor_.AtEnd()) Fail("pickle ends before its STOP opcode", "truncated download or corrupted file");
      const uint8_t op = cursor_.U8();
      try {
        Step(op);
      } catch (const Error& e) {
        if (e.where().offset) throw;
        throw Error(e.message(), {options_.file, op_offset_, options_.key},
                    e.cause().empty() ? std::string(kCorrupt) : e.cause());
      }
    }
    result_.arena = arena_;
    result_.end = cursor_.Position();
    return std::move(result_);
  }

 private:
  [[noreturn]] void Fail(const std::string& message, const std::string& cause = kCorrupt) const {
    throw Error(message, {options_.file, op_offset_, options_.key}, cause);
  }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void Push(Value* v) {
    // Pushing a value that already exists (memo GET, DUP) allocates nothing
    // in the arena, but the stack itself grows: charge each new high-water slot.
    if (stack_.size() >= stack_high_) {
      arena_->Charge(2 * sizeof(Value*));
      ++stack_high_;
    }
    stack_.push_back(v);
  }
  Value* Pop() {
    if (stack_.size() <= Floor()) Fail("pickle stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* Top() {
    if (stack_.size() <= Floor()) Fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<Value*> PopMark() {
    if (marks_.empty()) Fail("pickle opcode needs a MARK but none is open");
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    arena_->Charge(items.size() * sizeof(Value*));
    return items;
  }
  Value* New(Kind kind) { return arena_->New(kind); }

  void Step(uint8_t op);
  bool StepScalar(uint8_t op);
  bool StepString(uint8_t op);
  bool StepContainer(uint8_t op);
  bool StepMemo(uint8_t op);
  bool StepCall(uint8_t op);
  Value* Long(const uint8_t* bytes, uint64_t n);
  Value* IntFromText(std::string text);
  void Memo(uint64_t index) {
    arena_->Charge(32);
    memo_[index] = Top();
  }
  Value* Recall(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) Fail("pickle refers to memo entry " + std::to_string(index) + " that was never stored");
    return it->second;
  }
  uint64_t LineIndex() {
    const std::string text = cursor_.Line("memo index");
    uint64_t index = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
    if (ec != std::errc() || end != text.data() + text.size()) Fail("bad memo index '" + text.substr(0, 32) + "'");
    return index;
  }
  void Append(Value* target, std::vector<Value*> items);
  void SetItems(Value* target, const std::vector<Value*>& items);
  Value* PersistentLoad(Value* pid) {
    if (!options_.persistent_load)
      Fail("pickle holds a persistent id (external data) but no loader is available",
           "a torch checkpoint pickle read outside its archive");
    return options_.persistent_load(*arena_, pid);
  }

  const PickleOptions& options_;
  ByteCursor cursor_;
  std::shared_ptr<Arena> arena_;
  PickleResult result_;
  GlobalsContext ctx_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  size_t stack_high_ = 0;  // stack slots charged so far
  std::unordered_map<uint64_t, Value*> memo_;
  uint64_t op_offset_ = 0;
  bool done_ = false;
};

Value* Machine::Long(const uint8_t* bytes, uint64_t n) {
  int64_t value = 0;
  std::string big;
  if (DecodeLong(bytes, n, &value, &big)) return arena_->NewInt(value);
  return arena_->NewString(std::move(big), Kind::kBigInt);
}

Value* Machine::IntFromText(std::string text) {
  if (!text.empty() && text.back() == 'L') text.pop_back();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return arena_->NewInt(value);
  const bool digits = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos;
  if (ec == std::errc::result_out_of_range && digits) return arena_->NewString(text, Kind::kBigInt);
  Fail("bad integer literal '" + text.substr(0, 32) + "'");
}

bool Machine::StepScalar(uint8_t op) {
  switch (op) {
    case 'N': Push(New(Kind::kNone)); return true;
    case 0x88:
    case 0x89: {
      Value* v = New(Kind::kBool);
      v->boolean = op == 0x88;
      Push(v);
      return true;
    }
    case 'J': Push(arena_->NewInt(cursor_.I32())); return true;
    case 'K': Push(arena_->NewInt(cursor_.U8())); return true;
    case 'M': Push(arena_->NewInt(cursor_.U16())); return true;
    case 0x8a: {
      const uint64_t n = cursor_.U8();
      Push(Long(cursor_.Take(n, "LONG1"), n));
      return true;
    }
    case 0x8b: {
      const int32_t n = cursor_.I32();
      if (n < 0) Fail("LONG4 with negative length");
      arena_->Charge(static_cast<uint64_t>(n));
      Push(Long(cursor_.Take(static_cast<uint64_t>(n), "LONG4"), static_cast<uint64_t>(n)));
      return true;
    }
    case 'I': {
      const std::string text = cursor_.Line("INT");
      if (text == "01" || text == "00") {
        Value* v = New(Kind::kBool);
        v->boolean = text == "01";
        Push(v);
      } else {
        Push(IntFromText(text));
      }
      return true;
    }
    case 'L': Push(IntFromText(cursor_.Line("LONG"))); return true;
    case 'G': {
      Value* v = New(Kind::kFloat);
      v->real = cursor_.F64BigEndian();
      Push(v);
      return true;
    }
    case 'F': {
      const std::string text = cursor_.Line("FLOAT");
      Value* v = New(Kind::kFloat);
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v->real);
      if (ec != std::errc() || end != text.data() + text.size()) Fail("bad float literal '" + text.substr(0, 32) + "'");
      Push(v);
      return true;
    }
    default: return false;
  }
}

bool Machine::StepString(uint8_t op) {
  uint64_t n = 0;
  Kind kind = Kind::kString;
  switch (op) {
    case 'X': n = cursor_.U32(); break;
    case 0x8c: n = cursor_.U8(); break;
    case 0x8d: n = cursor_.U64(); break;
    case 'U': n = cursor_.U8(); break;
    case 'T': {
      const int32_t len = cursor_.I32();
      if (len < 0) Fail("BINSTRING with negative length");
      n = static_cast<uint64_t>(len);
      break;
    }
    case 'C': n = cursor_.U8(), kind = Kind::kBytes; break;
    case 'B': n = cursor_.U32(), kind = Kind::kBytes; break;
    case 0x8e:
    case 0x96: n = cursor_.U64(), kind = Kind::kBytes; break;
    case 'S': {
      std::string decoded;
      if (!DecodeReprString(cursor_.Line("STRING"), &decoded)) Fail("bad STRING literal");
      Push(arena_->NewString(std::move(decoded)));
      return true;
    }
    case 'V': Push(arena_->NewString(DecodeRawUnicodeEscape(cursor_.Line("UNICODE")))); return true;
    default: return false;
  }
  const uint8_t* bytes = cursor_.Take(n, "string");  // checks n against the bytes left
  arena_->Charge(n);                                 // before the copy is made
  Value* value = New(kind);
  value->text.assign(reinterpret_cast<const char*>(bytes), n);
  Push(value);
  return true;
}

void Machine::Append(Value* target, std::vector<Value*> items) {
  if (target->kind == Kind::kList || (target->kind == Kind::kSet && !target->ordered)) {
    target->items.insert(target->items.end(), items.begin(), items.end());
  } else if (target->kind == Kind::kObject) {
    for (Value* item : items) target->entries.emplace_back(nullptr, item);
  } else {
    Fail(std::string("pickle appends to a value of type ") + KindName(target->kind));
  }
}

void Machine::SetItems(Value* target, const std::vector<Value*>& items) {
  if (items.size() % 2) Fail("pickle dict items are not key/value pairs");
  if (target->kind != Kind::kDict && target->kind != Kind::kObject)
    Fail(std::string("pickle sets items on a value of type ") + KindName(target->kind));
  for (size_t i = 0; i < items.size(); i += 2) {
    if (target->kind == Kind::kDict) {
      DictSet(*arena_, target, items[i], items[i + 1]);
    } else {
      target->entries.emplace_back(items[i], items[i + 1]);
    }
  }
}

bool Machine::StepContainer(uint8_t op) {
  switch (op) {
    case ']': Push(New(Kind::kList)); return true;
    case '}': Push(New(Kind::kDict)); return true;
    case ')': Push(arena_->NewTuple({})); return true;
    case 0x8f: Push(New(Kind::kSet)); return true;
    case 0x85: Push(arena_->NewTuple({Pop()})); return true;
    case 0x86: {
      Value* b = Pop();
      Value* a = Pop();
      Push(arena_->NewTuple({a, b}));
      return true;
    }
    case 0x87: {
      Value* c = Pop();
      Value* b = Pop();
      Value* a = Pop();
      Push(arena_->NewTuple({a, b, c}));
      return true;
    }
    case 't': Push(arena_->NewTuple(PopMark())); return true;
    case 'l': {
      Value* list = New(Kind::kList);
      list->items = PopMark();
      Push(list);
      return true;
    }
    case 0x91: {
      Value* set = New(Kind::kSet);
      set->ordered = true;  // frozenset
      set->items = PopMark();
      Push(set);
      return true;
    }
    case 'd': {
      std::vector<Value*> items = PopMark();
      Value* dict = New(Kind::kDict);
      SetItems(dict, items);
      Push(dict);
      return true;
    }
    case 'a': {
      Value* item = Pop();
      Append(Top(), {item});
      return true;
    }
    case 'e':
    case 0x90: {
      std::vector<Value*> items = PopMark();
      Append(Top(), std::move(items));
      return true;
    }
    case 's': {
      Value* value = Pop();
      Value* key = Pop();
      SetItems(Top(), {key, value});
      return true;
    }
    case 'u': {
      std::vector<Value*> items = PopMark();
      SetItems(Top(), items);
      return true;
    }
    default: return false;
  }
}

bool Machine::StepMemo(uint8_t op) {
  switch (op) {
    case 'p': Memo(LineIndex()); return true;
    case 'q': Memo(cursor_.U8()); return true;
    case 'r': Memo(cursor_.U32()); return true;
    case 0x94: Memo(memo_.size()); return true;
    case 'g': Push(Recall(LineIndex())); return true;
    case 'h': Push(Recall(cursor_.U8())); return true;
    case 'j': Push(Recall(cursor_.U32())); return true;
    default: return false;
  }
}

bool Machine::StepCall(uint8_t op) {
  switch (op) {
    case 'c': {
      const std::string module = cursor_.Line("GLOBAL module");
      const std::string name = cursor_.Line("GLOBAL name");
      Push(LoadGlobal(ctx_, module, name));
      return true;
    }
    case 0x93: {
      Value* name = Pop();
      Value* module = Pop();
      if (name->kind != Kind::kString || module->kind != Kind::kString) Fail("STACK_GLOBAL needs two strings");
      Push(LoadGlobal(ctx_, module->text, name->text));
      return true;
    }
    case 'R': {
      Value* args = Pop();
      Value* callable = Pop();
      Push(Reduce(ctx_, callable, args));
      return true;
    }
    case 0x81: {
      Value* args = Pop();
      Value* cls = Pop();
      Push(NewObject(ctx_, cls, args, nullptr));
      return true;
    }
    case 0x92: {
      Value* kwargs = Pop();
      Value* args = Pop();
      Value* cls = Pop();
      Push(NewObject(ctx_, cls, args, kwargs));
      return true;
    }
    case 'b': {
      Value* state = Pop();
      Build(ctx_, Top(), state);
      return true;
    }
    case 'i': {
      const std::string module = cursor_.Line("INST module");
      const std::string name = cursor_.Line("INST name");
      std::vector<Value*> args = PopMark();
      Push(Instantiate(ctx_, LoadGlobal(ctx_, module, name), std::move(args)));
      return true;
    }
    case 'o': {
      std::vector<Value*> items = PopMark();
      if (items.empty()) Fail("OBJ without a class");
      Value* cls = items.front();
      Push(Instantiate(ctx_, cls, std::vector<Value*>(items.begin() + 1, items.end())));
      return true;
    }
    case 'Q': Push(PersistentLoad(Pop())); return true;
    case 'P': Push(PersistentLoad(arena_->NewString(cursor_.Line("PERSID")))); return true;
    default: return false;
  }
}

void Machine::Step(uint8_t op) {
  if (StepScalar(op) || StepString(op) || StepContainer(op) || StepMemo(op) || StepCall(op)) return;
  switch (op) {
    case 0x80: {
      const int protocol = cursor_.U8();
      if (protocol > 5)
        Fail("unsupported pickle protocol " + std::to_string(protocol), "not a pickle, or a newer Python");
      result_.protocol = protocol;
      return;
    }
    case 0x95: {
      const uint64_t frame = cursor_.U64();
      if (frame > cursor_.Remaining())
        Fail("pickle frame of " + std::to_string(frame) + " bytes but only " + std::to_string(cursor_.Remaining()) +
                 " are left",
             "truncated download or corrupted file");
      return;
    }
    case '(':
      if (marks_.size() >= options_.max_marks) Fail("pickle nests MARKs too deeply", "crafted or corrupted file");
      marks_.push_back(stack_.size());
      return;
    case '.':
      result_.root = Pop();
      done_ = true;
      return;
    case '0':
      if (stack_.size() > Floor()) {
        stack_.pop_back();
      } else {
        PopMark();
      }
      return;
    case '1': PopMark(); return;
    case '2': Push(Top()); return;
    case 0x98: Top(); return;  // READONLY_BUFFER: no effect on our values
    case 0x82:
    case 0x83:
    case 0x84: Fail("pickle uses the copyreg extension registry (EXT opcodes)", "unsupported pickle feature");
    case 0x97: Fail("pickle needs out-of-band buffers (NEXT_BUFFER)", "unsupported pickle feature");
    default: {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", op);
      Fail(std::string("unknown pickle opcode ") + hex, "not a pickle or a corrupted file");
    }
  }
}

}  // namespace

PickleResult ParsePickle(const uint8_t* data, uint64_t size, const PickleOptions& options,
                         std::shared_ptr<Arena> arena) {
  if (!options.Check()) throw Error("invalid pickle options");
  Machine machine(data, size, options, std::move(arena));
  return machine.Run();
}

}  // namespace corrlens::io::pickle
