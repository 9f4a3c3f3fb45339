// A SAFE reader for Python pickles (protocols 0-5). It interprets the opcode
// stream into a pickle::Value tree without ever calling anything: globals on
// a short allowlist (torch tensor rebuilds, OrderedDict, numpy arrays, ...)
// become typed values, every other global becomes an inert opaque object
// that only records its class name. Sizes are checked against the bytes
// present, memory is budgeted, and errors name file, byte offset and cause.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/io/pickle_value.h"

namespace corrlens::io::pickle {

// Resolves a persistent id (torch storages) into a value; may throw Error.
using PersistentLoad = std::function<Value*(Arena& arena, Value* pid)>;

struct PickleOptions {
  // Memory budget for all values of the parse (bytes).
  uint64_t max_bytes = uint64_t{1} << 30;
  // Most MARKs open at the same time.
  size_t max_marks = 100000;
  // Handler for PERSID/BINPERSID; when empty, persistent ids are an error.
  PersistentLoad persistent_load;
  // For error messages: file name, archive entry (key) and the absolute
  // offset of the first pickle byte inside `file`.
  std::string file;
  std::string key;
  uint64_t base_offset = 0;

  bool Check() const { return max_bytes > 0 && max_marks > 0; }
};

struct PickleResult {
  std::shared_ptr<Arena> arena;  // owns every value
  Value* root = nullptr;         // the value returned by STOP
  uint64_t end = 0;              // bytes consumed (position after STOP)
  int protocol = 0;              // from PROTO, 0 when absent
  // Globals that are not on the allowlist, in first-seen order ("os.system").
  std::vector<std::string> opaque_globals;
};

// Parses one pickle starting at data[0]; stops at STOP (trailing bytes are
// left alone, see `end`). `arena` may be shared between several pickles of
// one file; a new one is made when null. Throws Error on malformed input.
PickleResult ParsePickle(const uint8_t* data, uint64_t size, const PickleOptions& options,
                         std::shared_ptr<Arena> arena = nullptr);

}  // namespace corrlens::io::pickle
