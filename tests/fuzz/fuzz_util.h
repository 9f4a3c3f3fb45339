// Shared by the core/io fuzz targets: invariants that must hold for every
// input a reader accepts. A violated invariant aborts (a finding); a file
// refused with corrlens::Error is the expected outcome for most inputs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/io/tensor_file.h"
#include "core/io/utf8.h"

namespace corrlens::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what.c_str());
  std::abort();
}

inline void Require(bool ok, const std::string& what) {
  if (!ok) Fail(what);
}

// Strict UTF-8 everywhere: nlohmann's default dump throws on invalid UTF-8.
inline void RequireDumpable(const nlohmann::json& value, const std::string& what) {
  try {
    (void)value.dump();
  } catch (const nlohmann::json::exception& e) {
    Fail(what + ": " + e.what());
  }
}

// What every accepted file must satisfy: valid UTF-8 names and metadata,
// tensors whose loaded views fit their storage, small ones materialisable.
inline void CheckTensorFile(const io::TensorFile& file) {
  for (const io::NamedTensor& t : file.tensors) {
    Require(io::IsValidUtf8(t.path), "tensor path is not valid UTF-8");
    (void)t.tensor.NumBytes();  // shapes were checked for overflow
    if (!t.tensor.storage) continue;
    t.tensor.Validate();
    if (t.tensor.NumBytes() <= (uint64_t{1} << 20)) {
      Require(t.tensor.ContiguousBytes().size() == t.tensor.NumBytes(), "contiguous copy has the wrong size");
      (void)t.tensor.ConvertTo(io::DType::kFloat32);
    }
  }
  for (const std::string& name : file.opaque_classes) Require(io::IsValidUtf8(name), "opaque class is not valid UTF-8");
  if (file.metadata) RequireDumpable(*file.metadata, "metadata");
}

}  // namespace corrlens::fuzz
