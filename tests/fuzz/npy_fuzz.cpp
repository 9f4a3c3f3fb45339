// Fuzz target: .npy and .npz (core/io/npy, npz, zip_reader), listing and
// loading, and a write/read round trip of each array accepted.
#include <cstdint>
#include <vector>

#include "core/io/byte_source.h"
#include "core/io/npy.h"
#include "core/io/zip_reader.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"

using namespace corrlens;

namespace {

io::TensorFile Read(const std::shared_ptr<io::ByteSource>& source, const io::ReadOptions& options) {
  if (io::LooksLikeZip(source->ReadVector(0, std::min<uint64_t>(source->Size(), 64)).data(),
                       std::min<uint64_t>(source->Size(), 64)))
    return io::ReadNpz(*io::ZipReader::Open(source), options);
  return io::ReadNpy(*source, options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = io::ByteSource::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz.npy");
  io::ReadOptions listing;
  listing.load_data = false;
  try {
    fuzz::CheckTensorFile(Read(source, listing));
  } catch (const Error&) {
  }
  io::TensorFile file;
  try {
    file = Read(source, io::ReadOptions{});
  } catch (const Error&) {
    return 0;
  }
  fuzz::CheckTensorFile(file);
  for (const io::NamedTensor& t : file.tensors) {
    if (t.tensor.NumBytes() > (uint64_t{1} << 20)) continue;
    try {
      const std::vector<uint8_t> npy = io::EncodeNpy(t.tensor);
      const io::TensorData back = io::ReadNpyArray(*io::ByteSource::FromBytes(npy, "again.npy"), 0, npy.size(), true);
      fuzz::Require(back.shape == t.tensor.shape && back.ContiguousBytes() == t.tensor.ContiguousBytes(),
                    "npy round trip changed the array");
    } catch (const Error&) {
      // bfloat16 cannot be written as .npy
    }
  }
  return 0;
}
