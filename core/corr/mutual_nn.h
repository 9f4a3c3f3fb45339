// Nearest neighbours in both directions between two descriptor sets in ONE
// tiled pass: each similarity tile is computed once (at::mm_out into one
// reused buffer) and, on the CPU, read once by a fused SIMD loop that updates
// the row and column maxima together, so the pass runs near the GEMM rate and
// memory stays at tens of MB whatever the sizes (the reference computes two
// full chunked passes of ~1 GB each).
#pragma once

#include <ATen/core/Tensor.h>
#include <opencv2/core/types.hpp>

#include <cstdint>
#include <vector>

#include "core/feature/feature_map.h"
#include "core/util/progress.h"

namespace corrlens {

struct MutualNNOptions {
  // Bytes of one similarity tile (float32 rows x cols). 32 MB (2048 x 4096)
  // gives GEMM calls large enough to run at the BLAS rate; the reduction reads
  // the tile once, so a tile larger than the caches costs little. Temporary
  // memory is the tile plus a few KB per thread.
  int64_t tile_bytes = int64_t{32} << 20;
  // Rows of `a` per tile; 0 = min(N, 2048). Columns follow from tile_bytes.
  int64_t tile_rows = 0;

  bool Check() const { return tile_bytes >= 4 && tile_rows >= 0; }
};

// Both nearest-neighbour maps. Similarity is the dot product (pass
// L2-normalised descriptors for cosine). Ties go to the lowest index, as
// argmax does. Tensors live on the inputs' device.
struct NearestNeighbors {
  at::Tensor a_to_b;        // [N] int64: nearest b of each a
  at::Tensor a_to_b_score;  // [N] float: its similarity
  at::Tensor b_to_a;        // [M] int64: nearest a of each b
  at::Tensor b_to_a_score;  // [M] float
  at::Tensor mutual;        // [N] bool: b_to_a[a_to_b[i]] == i
};

// One tiled pass over a [N, C] x b [M, C]. Checks `cancel` between tiles and
// reports tile progress. Off the CPU (e.g. CUDA) the tiles are reduced with
// at::max_out into preallocated buffers; results are the same.
NearestNeighbors MutualNearestNeighbors(const at::Tensor& a, const at::Tensor& b, const MutualNNOptions& options = {},
                                        const CancelToken& cancel = CancelToken(), Progress* progress = nullptr);

// The reference approach, kept for benchmarks and tests: two separate passes
// (a->b, then b->a), each split into chunks of about `chunk_elements`
// similarities (25000 * 10000 in the reference, ~1 GB in float32).
NearestNeighbors MutualNearestNeighborsTwoPass(const at::Tensor& a, const at::Tensor& b,
                                               int64_t chunk_elements = int64_t{25000} * 10000);

struct MutualMatchOptions {
  // Keep at most this many matches, evenly spaced in source grid order; 0 = all.
  int max_matches = 500;
  // Drop matches whose cosine similarity is below this.
  float min_score = -1.f;
  MutualNNOptions nn;

  bool Check() const { return max_matches >= 0 && nn.Check(); }
};

// A pair of matched pixels.
struct MatchPair {
  cv::Point2d source;  // source image pixels (a token centre)
  cv::Point2d target;  // target image pixels (a token centre)
  float score = 0.f;   // cosine similarity
};

// Mutual nearest neighbours between the tokens of two maps (for display).
std::vector<MatchPair> MutualMatches(const FeatureMap& source, const FeatureMap& target,
                                     const MutualMatchOptions& options = {}, const CancelToken& cancel = CancelToken());

}  // namespace corrlens
