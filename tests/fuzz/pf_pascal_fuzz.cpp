// Fuzz target: PF-PASCAL pair CSVs (core/bench/pf_pascal).
#include <cstdint>
#include <string>

#include "core/bench/pf_pascal.h"
#include "core/util/error.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/temp_input.h"

using namespace corrlens;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::WriteTempInput(data, size, "pairs.csv");
  bench::PfPascalPairs pairs;
  try {
    pairs = bench::ReadPfPascalPairs(path);
  } catch (const Error&) {
    return 0;
  }
  const int classes = static_cast<int>(bench::PfPascalClasses().size());
  int mismatched = 0;
  for (const bench::PfPascalPair& pair : pairs.pairs) {
    fuzz::Require(pair.category >= 0 && pair.category < classes, "category out of range");
    fuzz::Require(!pair.source_image.empty() && !pair.target_image.empty(), "accepted a pair without images");
    if (pair.source_points.size() != pair.target_points.size()) ++mismatched;
  }
  fuzz::Require(mismatched == pairs.mismatched_rows, "mismatched_rows differs from the pairs");
  return 0;
}
