// Emits pickle protocol 2 opcodes, the way Python's pickler does, for the
// small set of values our checkpoints need: None, bools, ints, floats,
// strings, lists, tuples, dicts, globals, REDUCE, persistent ids and numpy
// arrays. Used by the torch checkpoint writer (the output loads with
// torch.load(weights_only=True)) and the TAP-Vid sequence writer.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace corrlens::io::pickle {

class PickleWriter {
 public:
  // Starts with PROTO 2.
  PickleWriter();

  void None();
  void Bool(bool value);
  void Int(int64_t value);
  void UInt(uint64_t value);
  void Float(double value);
  void String(const std::string& utf8);
  // GLOBAL "module\nname\n", memoized so repeated globals cost one BINGET.
  void Global(const std::string& module, const std::string& name);
  void Mark();
  // TUPLE1/2/3 for `count` items already pushed (0 = EMPTY_TUPLE), else TUPLE after a Mark().
  void Tuple(size_t count);
  void TupleFromMark();
  void EmptyList();
  void Appends();  // after Mark() + items
  void EmptyDict();
  void SetItems();  // after Mark() + key/value pairs
  void Reduce();
  void Build();  // BUILD: sets the state of the object below the top
  void BinPersId();
  // Memoizes the top of the stack (BINPUT / LONG_BINPUT).
  void Put();
  void Stop();

  // Raw bytes as protocol 2 does it: _codecs.encode(latin-1 text, "latin1").
  void Latin1Bytes(const void* data, size_t size);
  // A C-contiguous numpy array as numpy pickles one (_reconstruct + BUILD);
  // `descr` is a dtype string such as "|u1", "<f4" or "|b1", `data` holds
  // exactly prod(shape) items.
  void NumpyArray(const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t size);

  // Any JSON value: objects -> dict, arrays -> list, numbers, strings, bools, null.
  void Json(const nlohmann::json& value, int depth = 0);

  const std::vector<uint8_t>& Bytes() const { return out_; }

 private:
  void Op(uint8_t op) { out_.push_back(op); }
  void U32(uint32_t v);
  std::vector<uint8_t> out_;
  uint32_t next_memo_ = 0;
  std::map<std::string, uint32_t> globals_;
};

}  // namespace corrlens::io::pickle
