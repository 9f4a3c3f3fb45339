// A target with a planted bug for the replay harness's own test
// (fuzz_replay_selftest): it aborts on any input that contains "BOOM", a
// token of selftest.dict that the seed lacks, so only the mutation phase can
// find it. The test passes when the run fails and the saved input has it.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bug = "BOOM";
  if (std::search(data, data + size, bug, bug + std::strlen(bug)) != data + size) std::abort();
  return 0;
}
