#include "core/corr/mutual_nn.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/corr/similarity.h"
#include "core/util/check.h"

namespace corrlens {
namespace {

void CheckPair(const at::Tensor& a, const at::Tensor& b) {
  CL_CHECK(a.defined() && b.defined() && a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1))
      << "descriptor sets must be [N, C] and [M, C] with the same C";
  CL_CHECK(a.device() == b.device()) << "descriptor sets must be on one device";
  CL_CHECK(a.size(0) > 0 && b.size(0) > 0) << "descriptor sets must not be empty";
}

// Running best (value, index) over a slice; strictly greater wins, so the
// earliest tile (lowest index) keeps ties, as a single argmax would. Used for
// tensors off the CPU (the CPU path fuses this into ReduceTileCpu).
void UpdateBest(at::Tensor best, at::Tensor best_index, const at::Tensor& value, const at::Tensor& index,
                int64_t offset, at::Tensor better) {
  at::gt_out(better, value, best);
  best.copy_(torch::where(better, value, best));
  best_index.copy_(torch::where(better, index + offset, best_index));
}

// The CPU reduction works on kLanes floats at a time with GCC/Clang vector
// extensions (one SSE2 register on x86-64, NEON on ARM):
// compares and bitwise blends, exact (no fast-math) since lanes are separate.
constexpr int64_t kLanes = 4;
using VecF = float __attribute__((vector_size(4 * kLanes)));
using VecI = int32_t __attribute__((vector_size(4 * kLanes)));

// Bit patterns of float lanes, and back (for the blends below). Vectors stay
// local to ReduceRowsCpu: none crosses a function boundary.
#define CORRLENS_BITS(x) reinterpret_cast<VecI>(x)
#define CORRLENS_FLOATS(x) reinterpret_cast<VecF>(x)

// Scratch of the CPU reduction: per part (a contiguous range of tile rows) the
// best value and its tile row for every tile column.
struct CpuScratch {
  int64_t parts = 1;
  int64_t cols = 0;
  std::vector<float> col_best;   // [parts * cols]
  std::vector<int32_t> col_row;  // [parts * cols]
};

// Rows [r0, r1) of one tile: for each row its best column (merged into the
// running row maxima), and the best row per column of this part. One read of
// each tile element serves both directions.
void ReduceRowsCpu(const float* tile, int64_t nj, int64_t r0, int64_t r1, int64_t j0, float* __restrict pbest,
                   int32_t* __restrict prow, float* __restrict row_best, int64_t* __restrict row_index) {
  const float lowest = -std::numeric_limits<float>::infinity();
  std::fill(pbest, pbest + nj, lowest);
  std::fill(prow, prow + nj, 0);
  const int64_t full = nj - nj % kLanes;
  for (int64_t i = r0; i < r1; ++i) {
    const float* __restrict row = tile + i * nj;
    const int32_t ii = static_cast<int32_t>(i);
    VecF lane_best = VecF{} + lowest;
    VecI lane_col = VecI{};
    VecI col_v = VecI{};
    for (int64_t l = 0; l < kLanes; ++l) col_v[l] = static_cast<int32_t>(l);
    const VecI row_v = VecI{} + ii;
    for (int64_t jb = 0; jb < full; jb += kLanes) {
      VecF v, pb;
      VecI pr;
      std::memcpy(&v, row + jb, sizeof(v));
      std::memcpy(&pb, pbest + jb, sizeof(pb));
      std::memcpy(&pr, prow + jb, sizeof(pr));
      // Blends: mask ? x : y as (mask & x) | (~mask & y), lanes all ones or zeros.
      const VecI col_better = v > pb;
      pb = CORRLENS_FLOATS((col_better & CORRLENS_BITS(v)) | (~col_better & CORRLENS_BITS(pb)));
      pr = (col_better & row_v) | (~col_better & pr);
      std::memcpy(pbest + jb, &pb, sizeof(pb));
      std::memcpy(prow + jb, &pr, sizeof(pr));
      const VecI row_better = v > lane_best;
      lane_best = CORRLENS_FLOATS((row_better & CORRLENS_BITS(v)) | (~row_better & CORRLENS_BITS(lane_best)));
      lane_col = (row_better & col_v) | (~row_better & lane_col);
      col_v += static_cast<int32_t>(kLanes);
    }
    // Each lane kept its first best; the lowest column among the lanes that
    // hold the maximum is the row's first best, as argmax gives.
    float best = lane_best[0];
    int32_t col = lane_col[0];
    for (int64_t l = 1; l < kLanes; ++l) {
      if (lane_best[l] > best || (lane_best[l] == best && lane_col[l] < col)) {
        best = lane_best[l];
        col = lane_col[l];
      }
    }
    for (int64_t j = full; j < nj; ++j) {  // columns after the last full lane block
      const float v = row[j];
      if (v > pbest[j]) {
        pbest[j] = v;
        prow[j] = ii;
      }
      if (v > best) {
        best = v;
        col = static_cast<int32_t>(j);
      }
    }
    if (best > row_best[i]) {
      row_best[i] = best;
      row_index[i] = j0 + col;
    }
  }
}

#undef CORRLENS_BITS
#undef CORRLENS_FLOATS

// One [ni, nj] tile (row-major) at (i0, j0): updates the running row maxima
// of rows i0.. and column maxima of columns j0.. in one parallel pass.
void ReduceTileCpu(const float* tile, int64_t ni, int64_t nj, int64_t i0, int64_t j0, CpuScratch& scratch,
                   float* row_best, int64_t* row_index, float* col_best, int64_t* col_index) {
  const int64_t parts = std::min(scratch.parts, ni);
  const int64_t rows_per_part = (ni + parts - 1) / parts;
  at::parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t r0 = p * rows_per_part, r1 = std::min(ni, r0 + rows_per_part);
      if (r0 >= r1) continue;
      ReduceRowsCpu(tile, nj, r0, r1, j0, scratch.col_best.data() + p * scratch.cols,
                    scratch.col_row.data() + p * scratch.cols, row_best + i0, row_index + i0);
    }
  });
  // Merge the parts in row order with strict >: lower rows (earlier parts,
  // earlier tiles) keep ties.
  at::parallel_for(0, nj, 2048, [&](int64_t c0, int64_t c1) {
    for (int64_t p = 0; p < parts; ++p) {
      if (p * rows_per_part >= ni) break;
      const float* pb = scratch.col_best.data() + p * scratch.cols;
      const int32_t* pr = scratch.col_row.data() + p * scratch.cols;
      for (int64_t j = c0; j < c1; ++j) {
        if (pb[j] > col_best[j0 + j]) {
          col_best[j0 + j] = pb[j];
          col_index[j0 + j] = i0 + pr[j];
        }
      }
    }
  });
}

at::Tensor MutualMask(const at::Tensor& a_to_b, const at::Tensor& b_to_a) {
  const at::Tensor back = b_to_a.index_select(0, a_to_b);
  return back == torch::arange(a_to_b.size(0), a_to_b.options());
}

}  // namespace

NearestNeighbors MutualNearestNeighbors(const at::Tensor& a_in, const at::Tensor& b_in, const MutualNNOptions& options,
                                        const CancelToken& cancel, Progress* progress) {
  CheckPair(a_in, b_in);
  CL_CHECK(options.Check()) << "invalid MutualNNOptions";
  c10::InferenceMode guard;
  const at::Tensor a = a_in.to(torch::kFloat32).contiguous();
  const at::Tensor b = b_in.to(torch::kFloat32).contiguous();
  const int64_t n = a.size(0), m = b.size(0);
  const int64_t rows = options.tile_rows > 0 ? std::min(n, options.tile_rows) : std::min<int64_t>(n, 2048);
  const int64_t cols = std::clamp<int64_t>(options.tile_bytes / (4 * rows), 1, m);
  // The CPU reduction keeps tile-local indices in int32 lanes.
  const bool cpu = a.device().is_cpu() && std::max(rows, cols) <= std::numeric_limits<int32_t>::max();

  auto f32 = a.options();
  auto i64 = a.options().dtype(torch::kInt64);
  const float lowest = -std::numeric_limits<float>::infinity();
  at::Tensor row_best = torch::full({n}, lowest, f32), row_index = torch::zeros({n}, i64);
  at::Tensor col_best = torch::full({m}, lowest, f32), col_index = torch::zeros({m}, i64);
  // One flat tile buffer reused for every tile (edge tiles view its prefix):
  // at::mm_out writes into it, nothing is allocated per tile.
  at::Tensor tile_buffer = torch::empty({rows * cols}, f32);
  CpuScratch scratch;
  at::Tensor rmax, rarg, cmax, carg, rbetter, cbetter;
  if (cpu) {
    scratch.parts = std::max(1, at::get_num_threads());
    scratch.cols = cols;
    scratch.col_best.resize(static_cast<size_t>(scratch.parts * cols));
    scratch.col_row.resize(static_cast<size_t>(scratch.parts * cols));
  } else {
    rmax = torch::empty({rows}, f32), rarg = torch::empty({rows}, i64);
    cmax = torch::empty({cols}, f32), carg = torch::empty({cols}, i64);
    rbetter = torch::empty({rows}, f32.dtype(torch::kBool)), cbetter = torch::empty({cols}, f32.dtype(torch::kBool));
  }

  const int64_t row_tiles = (n + rows - 1) / rows, col_tiles = (m + cols - 1) / cols;
  int64_t done = 0;
  for (int64_t i0 = 0; i0 < n; i0 += rows) {
    const int64_t ni = std::min(rows, n - i0);
    const at::Tensor ai = a.narrow(0, i0, ni);
    for (int64_t j0 = 0; j0 < m; j0 += cols) {
      cancel.ThrowIfCancelled();
      const int64_t nj = std::min(cols, m - j0);
      at::Tensor tile = tile_buffer.narrow(0, 0, ni * nj).view({ni, nj});
      at::mm_out(tile, ai, b.narrow(0, j0, nj).t());  // b^T is a view: no copy
      if (cpu) {
        ReduceTileCpu(tile.data_ptr<float>(), ni, nj, i0, j0, scratch, row_best.data_ptr<float>(),
                      row_index.data_ptr<int64_t>(), col_best.data_ptr<float>(), col_index.data_ptr<int64_t>());
      } else {
        at::Tensor rv = rmax.narrow(0, 0, ni), ri = rarg.narrow(0, 0, ni);
        at::max_out(rv, ri, tile, 1);
        UpdateBest(row_best.narrow(0, i0, ni), row_index.narrow(0, i0, ni), rv, ri, j0, rbetter.narrow(0, 0, ni));
        at::Tensor cv = cmax.narrow(0, 0, nj), ci = carg.narrow(0, 0, nj);
        at::max_out(cv, ci, tile, 0);
        UpdateBest(col_best.narrow(0, j0, nj), col_index.narrow(0, j0, nj), cv, ci, i0, cbetter.narrow(0, 0, nj));
      }
      if (progress) progress->Step(static_cast<size_t>(++done), static_cast<size_t>(row_tiles * col_tiles));
    }
  }
  NearestNeighbors result;
  result.a_to_b = row_index;
  result.a_to_b_score = row_best;
  result.b_to_a = col_index;
  result.b_to_a_score = col_best;
  result.mutual = MutualMask(row_index, col_index);
  return result;
}

NearestNeighbors MutualNearestNeighborsTwoPass(const at::Tensor& a_in, const at::Tensor& b_in, int64_t chunk_elements) {
  CheckPair(a_in, b_in);
  CL_CHECK_GT(chunk_elements, 0) << "chunk size";
  c10::InferenceMode guard;
  const at::Tensor a = a_in.to(torch::kFloat32).contiguous();
  const at::Tensor b = b_in.to(torch::kFloat32).contiguous();
  // One direction: chunks of x against all of y, as the reference's loops.
  auto pass = [chunk_elements](const at::Tensor& x, const at::Tensor& y, at::Tensor* score) {
    const int64_t chunk = (chunk_elements - 1) / y.size(0) + 1;
    std::vector<at::Tensor> values, indices;
    for (const at::Tensor& part : x.split(chunk)) {
      auto [v, i] = torch::mm(part, y.t()).max(1);
      values.push_back(v);
      indices.push_back(i);
    }
    *score = torch::cat(values);
    return torch::cat(indices);
  };
  NearestNeighbors result;
  result.a_to_b = pass(a, b, &result.a_to_b_score);
  result.b_to_a = pass(b, a, &result.b_to_a_score);
  result.mutual = MutualMask(result.a_to_b, result.b_to_a);
  return result;
}

std::vector<MatchPair> MutualMatches(const FeatureMap& source, const FeatureMap& target,
                                     const MutualMatchOptions& options, const CancelToken& cancel) {
  CL_CHECK(options.Check()) << "invalid MutualMatchOptions";
  c10::InferenceMode guard;
  const NearestNeighbors nn = MutualNearestNeighbors(TokenMatrix(source), TokenMatrix(target), options.nn, cancel);
  const at::Tensor keep = nn.mutual & (nn.a_to_b_score >= options.min_score);
  const at::Tensor src_index = keep.nonzero().view(-1);
  const at::Tensor tgt_index = nn.a_to_b.index_select(0, src_index);
  const at::Tensor src_xy = TokenCentres(source).index_select(0, src_index).to(torch::kCPU).contiguous();
  const at::Tensor tgt_xy = TokenCentres(target).index_select(0, tgt_index).to(torch::kCPU).contiguous();
  const at::Tensor score = nn.a_to_b_score.index_select(0, src_index).to(torch::kCPU).contiguous();
  const int64_t count = src_index.size(0);
  const int64_t step =
      options.max_matches > 0 ? std::max<int64_t>(1, (count + options.max_matches - 1) / options.max_matches) : 1;
  std::vector<MatchPair> pairs;
  const float* s = src_xy.data_ptr<float>();
  const float* t = tgt_xy.data_ptr<float>();
  const float* c = score.data_ptr<float>();
  for (int64_t k = 0; k < count; k += step) {
    pairs.push_back({{s[2 * k], s[2 * k + 1]}, {t[2 * k], t[2 * k + 1]}, c[k]});
  }
  return pairs;
}

}  // namespace corrlens
