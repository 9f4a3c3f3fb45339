// A small libFuzzer-style mutator for the replay build: CI has no clang, so
// after replaying its corpus each fuzz_replay_<target> mutates the seeds for
// a bounded time (bit and byte changes, integer tweaks, erased, inserted and
// copied ranges, dictionary tokens, cross-over of two seeds). Deterministic:
// the same seed gives the same sequence of inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace corrlens::fuzz {

using Bytes = std::vector<uint8_t>;

// The tokens of a libFuzzer dictionary (`name="value"` or `"value"` lines,
// `#` comments, escapes \\ \" \xNN). Throws std::runtime_error naming the
// file and the line of a malformed entry.
std::vector<Bytes> ReadDictionary(const std::string& path);

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<Bytes> dictionary, size_t max_len);

  // 1-5 stacked mutations of `input`; `pool` (the seeds) feeds cross-over.
  // The result is never longer than max(max_len, input.size()).
  Bytes Mutate(const Bytes& input, const std::vector<Bytes>& pool);

  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

 private:
  void MutateOnce(Bytes& data, const std::vector<Bytes>& pool, size_t limit);

  std::mt19937_64 rng_;
  std::vector<Bytes> dictionary_;
  size_t max_len_;
};

}  // namespace corrlens::fuzz
