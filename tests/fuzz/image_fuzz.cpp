// Fuzz target: image header sniffing (core/io/image SniffImageSize), which
// runs on every image before OpenCV decodes it.
#include <cstdint>
#include <vector>

#include "core/io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  const auto sniffed = corrlens::io::SniffImageSize(bytes);
  if (sniffed) (void)(sniffed->first + sniffed->second);
  return 0;
}
