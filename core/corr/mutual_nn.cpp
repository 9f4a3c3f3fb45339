#include "core/corr/mutual_nn.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

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
// earliest tile (lowest index) keeps ties, as a single argmax would.
void UpdateBest(at::Tensor best, at::Tensor best_index, const at::Tensor& value, const at::Tensor& index,
                int64_t offset) {
  const at::Tensor better = value > best;
  best.copy_(torch::where(better, value, best));
  best_index.copy_(torch::where(better, index + offset, best_index));
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
  const int64_t rows = options.tile_rows > 0 ? std::min(n, options.tile_rows) : std::min<int64_t>(n, 1024);
  const int64_t cols = std::clamp<int64_t>(options.tile_bytes / (4 * rows), 1, m);

  auto f32 = a.options();
  auto i64 = a.options().dtype(torch::kInt64);
  const float lowest = -std::numeric_limits<float>::infinity();
  at::Tensor row_best = torch::full({n}, lowest, f32), row_index = torch::zeros({n}, i64);
  at::Tensor col_best = torch::full({m}, lowest, f32), col_index = torch::zeros({m}, i64);
  // One flat tile buffer reused for every tile (edge tiles view its prefix).
  at::Tensor tile_buffer = torch::empty({rows * cols}, f32);
  at::Tensor rmax = torch::empty({rows}, f32), rarg = torch::empty({rows}, i64);
  at::Tensor cmax = torch::empty({cols}, f32), carg = torch::empty({cols}, i64);

  const int64_t row_tiles = (n + rows - 1) / rows, col_tiles = (m + cols - 1) / cols;
  int64_t done = 0;
  for (int64_t i0 = 0; i0 < n; i0 += rows) {
    const int64_t ni = std::min(rows, n - i0);
    const at::Tensor ai = a.narrow(0, i0, ni);
    for (int64_t j0 = 0; j0 < m; j0 += cols) {
      cancel.ThrowIfCancelled();
      const int64_t nj = std::min(cols, m - j0);
      at::Tensor tile = tile_buffer.narrow(0, 0, ni * nj).view({ni, nj});
      at::mm_out(tile, ai, b.narrow(0, j0, nj).t());
      at::Tensor rv = rmax.narrow(0, 0, ni), ri = rarg.narrow(0, 0, ni);
      at::max_out(rv, ri, tile, 1);
      UpdateBest(row_best.narrow(0, i0, ni), row_index.narrow(0, i0, ni), rv, ri, j0);
      at::Tensor cv = cmax.narrow(0, 0, nj), ci = carg.narrow(0, 0, nj);
      at::max_out(cv, ci, tile, 0);
      UpdateBest(col_best.narrow(0, j0, nj), col_index.narrow(0, j0, nj), cv, ci, i0);
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
