// Fuzz target: torch.save zip and legacy checkpoints (core/io/torch_checkpoint,
// zip_reader), tensor data included. CRC checks are off so that mutated
// archives reach the pickle and the storages.
#include <cstdint>
#include <vector>

#include "core/io/byte_source.h"
#include "core/io/torch_checkpoint.h"
#include "core/io/zip_reader.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"

using namespace corrlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = io::ByteSource::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz.pth");
  io::ReadOptions options;
  options.verify_crc = false;
  try {
    if (io::LooksLikeZip(data, size)) {
      io::ZipReadOptions zip_options;
      zip_options.verify_crc = false;
      fuzz::CheckTensorFile(io::ReadTorchZip(*io::ZipReader::Open(source, zip_options), options));
    } else {
      fuzz::CheckTensorFile(io::ReadTorchLegacy(*source, options));
    }
  } catch (const Error&) {
  }
  return 0;
}
