#include "core/corr/matching.h"

#include <torch/torch.h>

#include <cmath>

#include "core/corr/similarity.h"
#include "core/util/check.h"

namespace corrlens {
namespace {

namespace F = torch::nn::functional;

// Copies an [N, 2] tensor into points.
std::vector<cv::Point2d> ToPoints(const at::Tensor& xy) {
  at::Tensor cpu = xy.to(torch::kCPU, torch::kFloat64).contiguous();
  const double* p = cpu.data_ptr<double>();
  std::vector<cv::Point2d> points(static_cast<size_t>(cpu.size(0)));
  for (size_t i = 0; i < points.size(); ++i) points[i] = {p[2 * i], p[2 * i + 1]};
  return points;
}

std::vector<float> ToFloats(const at::Tensor& t) {
  at::Tensor cpu = t.to(torch::kCPU, torch::kFloat32).contiguous();
  return {cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()};
}

}  // namespace

at::Tensor SoftArgmax(const at::Tensor& sims, const GridGeometry& g, double radius_px) {
  CL_CHECK(g.Valid() && sims.dim() == 2 && sims.size(1) == int64_t{g.grid_width} * g.grid_height)
      << "SoftArgmax expects sims [N, Hg*Wg] on a valid grid, got " << sims.sizes();
  CL_CHECK_GE(radius_px, 0.0) << "radius";
  // Grid offsets whose token centres lie within the radius (image pixels).
  const double step_x = g.stride / g.ScaleX(), step_y = g.stride / g.ScaleY();
  const int reach_x = static_cast<int>(std::floor(radius_px / step_x));
  const int reach_y = static_cast<int>(std::floor(radius_px / step_y));
  std::vector<int64_t> offsets_x, offsets_y;
  for (int dy = -reach_y; dy <= reach_y; ++dy) {
    for (int dx = -reach_x; dx <= reach_x; ++dx) {
      const double d2 = (dx * step_x) * (dx * step_x) + (dy * step_y) * (dy * step_y);
      if (d2 <= radius_px * radius_px * (1.0 + 1e-9)) {
        offsets_x.push_back(dx);
        offsets_y.push_back(dy);
      }
    }
  }
  auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(sims.device());
  const at::Tensor off_x = torch::tensor(offsets_x, i64).unsqueeze(0);
  const at::Tensor off_y = torch::tensor(offsets_y, i64).unsqueeze(0);
  const at::Tensor peak = sims.argmax(1, /*keepdim=*/true);    // [N, 1]
  const at::Tensor tx = peak.remainder(g.grid_width) + off_x;  // [N, K]
  const at::Tensor ty = peak.div(g.grid_width, "floor") + off_y;
  const at::Tensor inside = (tx >= 0) & (tx < g.grid_width) & (ty >= 0) & (ty < g.grid_height);
  const at::Tensor index = ty.clamp(0, g.grid_height - 1) * g.grid_width + tx.clamp(0, g.grid_width - 1);
  // softmax(relu(s)) up to its normaliser, which cancels in the mean.
  const at::Tensor window = torch::relu(sims.gather(1, index)) - torch::relu(sims.gather(1, peak));
  const at::Tensor weights = window.exp() * inside.to(sims.scalar_type());
  const at::Tensor total = weights.sum(1);  // >= 1: the argmax itself
  const at::Tensor x = (tx.to(sims.scalar_type()) * g.stride + g.patch / 2.0) / g.ScaleX();
  const at::Tensor y = (ty.to(sims.scalar_type()) * g.stride + g.patch / 2.0) / g.ScaleY();
  return torch::stack({(weights * x).sum(1) / total, (weights * y).sum(1) / total}, 1);
}

std::vector<PointMatch> MatchDescriptors(const at::Tensor& queries, const FeatureMap& target,
                                         const MatchOptions& options, const at::Tensor& target_tokens) {
  CL_CHECK(options.Check()) << "invalid MatchOptions (radius_px >= 0, batch > 0)";
  CL_CHECK(target.Valid()) << "invalid target feature map";
  at::Tensor q = queries.dim() == 1 ? queries.unsqueeze(0) : queries;
  CL_CHECK(q.dim() == 2 && q.size(1) == target.Channels())
      << "query descriptors must be [N, " << target.Channels() << "], got " << queries.sizes();
  c10::InferenceMode guard;
  q = F::normalize(q.to(target.features.device(), target.features.scalar_type()), F::NormalizeFuncOptions().dim(1));
  const at::Tensor tokens = target_tokens.defined() ? target_tokens : TokenMatrix(target);
  CL_CHECK(tokens.dim() == 2 && tokens.size(1) == target.Channels() &&
           tokens.size(0) == int64_t{target.geometry.grid_height} * target.geometry.grid_width)
      << "target token matrix must be [Hg*Wg, C], got " << tokens.sizes();
  const at::Tensor centres = TokenCentres(target);
  std::vector<PointMatch> matches;
  matches.reserve(static_cast<size_t>(q.size(0)));
  for (int64_t begin = 0; begin < q.size(0); begin += options.batch) {
    const at::Tensor qb = q.slice(0, begin, std::min(q.size(0), begin + options.batch));
    // A single query (interactive clicks) is a GEMV: no packing of the tokens.
    const at::Tensor sims = qb.size(0) == 1 ? torch::mv(tokens, qb[0]).unsqueeze(0) : torch::mm(qb, tokens.t());
    auto [score, peak] = sims.max(1);
    const at::Tensor peak_xy = centres.index_select(0, peak);
    const at::Tensor match_xy = options.refine ? SoftArgmax(sims, target.geometry, options.radius_px) : peak_xy;
    const std::vector<cv::Point2d> match_points = ToPoints(match_xy);
    const at::Tensor refined = (SampleDescriptors(target, match_points) * qb).sum(1);
    const std::vector<cv::Point2d> peaks = ToPoints(peak_xy);
    const std::vector<float> scores = ToFloats(score), refined_scores = ToFloats(refined);
    for (size_t i = 0; i < peaks.size(); ++i) {
      PointMatch m;
      m.match = match_points[i];
      m.peak = peaks[i];
      m.score = scores[i];
      m.refined_score = refined_scores[i];
      matches.push_back(m);
    }
  }
  return matches;
}

std::vector<PointMatch> MatchPoints(const FeatureMap& source, const std::vector<cv::Point2d>& points,
                                    const FeatureMap& target, const MatchOptions& options,
                                    const at::Tensor& target_tokens) {
  c10::InferenceMode guard;
  const at::Tensor queries = SampleDescriptors(source, points);
  std::vector<PointMatch> matches = MatchDescriptors(queries, target, options, target_tokens);
  for (size_t i = 0; i < matches.size(); ++i) matches[i].query = points[i];
  return matches;
}

}  // namespace corrlens
