// Fuzz target: the safetensors reader (core/io/safetensors), data included,
// and a write/read round trip of what it accepts.
#include <cstdint>
#include <vector>

#include "core/io/byte_source.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"

using namespace corrlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = io::ByteSource::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz.safetensors");
  io::TensorFile file;
  try {
    file = io::ReadSafetensors(*source, io::ReadOptions{});
  } catch (const Error&) {
    return 0;
  }
  fuzz::CheckTensorFile(file);
  try {
    const std::vector<uint8_t> again = io::EncodeSafetensors(file.tensors, {});
    const io::TensorFile back = io::ReadSafetensors(*io::ByteSource::FromBytes(again, "again"), io::ReadOptions{});
    fuzz::Require(back.tensors.size() == file.tensors.size(), "round trip lost tensors");
  } catch (const Error&) {
    // names the writer refuses ("__metadata__" is reserved)
  }
  return 0;
}
