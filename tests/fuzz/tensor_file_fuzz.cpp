// Fuzz target: what `corrlens-cli inspect` does with a file. The format is
// detected from the content (every reader is reachable), the file is listed
// (metadata only) and then read with --verify semantics (every tensor's
// bytes, CRC-checked), and both results go through the JSON and text
// printers of app/cli/cmd_inspect.cpp. The JSON must parse back.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <sstream>
#include <vector>

#include "core/io/byte_source.h"
#include "core/io/tensor_file.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"

namespace corrlens::cli {
void PrintInspection(const io::TensorFile& file, bool json, std::ostream& out);
}

using namespace corrlens;

namespace {

void Print(const io::TensorFile& file) {
  std::ostringstream json, text;
  cli::PrintInspection(file, true, json);
  cli::PrintInspection(file, false, text);
  fuzz::Require(io::IsValidUtf8(json.str()) && io::IsValidUtf8(text.str()), "printer output is not valid UTF-8");
  try {
    const nlohmann::json parsed = nlohmann::json::parse(json.str());
    fuzz::Require(parsed["tensors"].size() == file.tensors.size(), "JSON lists another number of tensors");
  } catch (const nlohmann::json::exception& e) {
    fuzz::Fail(std::string("JSON output does not parse: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = io::ByteSource::FromBytes(std::vector<uint8_t>(data, data + size), "fuzz.bin");
  for (const bool verify : {false, true}) {
    io::ReadOptions options;
    options.load_data = verify;
    io::TensorFile file;
    try {
      file = io::ReadTensorSource(source, options);
      if (verify) {
        for (const io::NamedTensor& t : file.tensors) t.tensor.Validate();
      }
    } catch (const Error&) {
      continue;
    }
    fuzz::CheckTensorFile(file);
    Print(file);
  }
  return 0;
}
