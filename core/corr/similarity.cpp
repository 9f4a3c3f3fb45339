#include "core/corr/similarity.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "core/util/check.h"

namespace corrlens {
namespace {

// Affine map image pixel -> grid_sample coordinate along x and y:
// normalised = a * pixel + b (PROTOCOLS.md section 2 after the input scale).
struct AxisMap {
  double ax = 0, bx = 0, ay = 0, by = 0;
};

AxisMap NormalisedFromImage(const GridGeometry& g) {
  double x0, y0, x1, y1;
  g.NormalizedFromInput(0.0, 0.0, &x0, &y0);
  g.NormalizedFromInput(g.ScaleX(), g.ScaleY(), &x1, &y1);
  return {x1 - x0, x0, y1 - y0, y0};
}

void CheckMap(const FeatureMap& map) {
  CL_CHECK(map.Valid()) << "invalid feature map (tensor [C,Hg,Wg] must match its grid geometry)";
}

// Bilinear, border padding, align_corners: the reference sampling.
at::Tensor GridSample(const at::Tensor& input, const at::Tensor& grid) {
  return at::grid_sampler(input, grid, /*interpolation_mode=*/0, /*padding_mode=*/1,
                          /*align_corners=*/true);
}

// Weights [out, in] of 1-D bilinear resampling with border clamping, as
// grid_sample (align_corners) does along one axis for output pixels p with
// normalised coordinate a * p + b.
at::Tensor AxisWeights(int64_t out, int64_t in, double a, double b, const torch::TensorOptions& options) {
  std::vector<float> weights(static_cast<size_t>(out * in), 0.f);
  for (int64_t p = 0; p < out; ++p) {
    const float normalised = static_cast<float>(a * p + b);  // grid_sample gets float32 coordinates
    const double u = std::clamp((normalised + 1.0) * 0.5 * (in - 1), 0.0, static_cast<double>(in - 1));
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(u), in - 1);
    const double f = u - i0;
    weights[p * in + i0] += static_cast<float>(1.0 - f);
    if (i0 + 1 < in) weights[p * in + i0 + 1] += static_cast<float>(f);
  }
  return torch::from_blob(weights.data(), {out, in}, torch::kFloat32).to(options, false, true);
}

}  // namespace

at::Tensor SampleDescriptors(const FeatureMap& map, const std::vector<cv::Point2d>& points, bool normalize) {
  CheckMap(map);
  const int64_t channels = map.Channels();
  if (points.empty()) return torch::empty({0, channels}, map.features.options());
  const AxisMap axis = NormalisedFromImage(map.geometry);
  std::vector<float> coords;
  coords.reserve(points.size() * 2);
  for (const cv::Point2d& p : points) {
    coords.push_back(static_cast<float>(axis.ax * p.x + axis.bx));
    coords.push_back(static_cast<float>(axis.ay * p.y + axis.by));
  }
  const int64_t n = static_cast<int64_t>(points.size());
  at::Tensor grid = torch::from_blob(coords.data(), {1, 1, n, 2}, torch::kFloat32)
                        .to(map.features.device(), map.features.scalar_type(), false, true);
  // [1, C, 1, N] -> [N, C]
  at::Tensor sampled = GridSample(map.features.unsqueeze(0), grid).view({channels, n}).t();
  if (normalize)
    sampled = torch::nn::functional::normalize(sampled, torch::nn::functional::NormalizeFuncOptions().dim(1));
  return sampled.contiguous();
}

at::Tensor TokenMatrix(const FeatureMap& map) {
  CheckMap(map);
  // Normalise along channels on the [C, HW] layout (a contiguous outer-dim
  // reduction) and transpose once: normalising the transposed view directly
  // is a strided reduction, ~50x slower on CPU.
  at::Tensor channels = map.features.reshape({map.Channels(), -1});
  at::Tensor norms = channels.norm(2, /*dim=*/0, /*keepdim=*/true).clamp_min(1e-12);
  return (channels / norms).t().contiguous();
}

at::Tensor TokenCentres(const FeatureMap& map) {
  CheckMap(map);
  const GridGeometry& g = map.geometry;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(map.features.device());
  // Token i sits at patch/2 + i*stride input pixels; divide by the input scale.
  at::Tensor xs = (torch::arange(g.grid_width, options) * g.stride + g.patch / 2.0) / g.ScaleX();
  at::Tensor ys = (torch::arange(g.grid_height, options) * g.stride + g.patch / 2.0) / g.ScaleY();
  std::vector<at::Tensor> mesh = torch::meshgrid({ys, xs}, "ij");
  return torch::stack({mesh[1].reshape(-1), mesh[0].reshape(-1)}, 1);
}

at::Tensor SimilarityGrid(const at::Tensor& queries, const FeatureMap& map, const at::Tensor& tokens) {
  CheckMap(map);
  at::Tensor q = queries.dim() == 1 ? queries.unsqueeze(0) : queries;
  CL_CHECK(q.dim() == 2 && q.size(1) == map.Channels())
      << "query descriptors must be [N, " << map.Channels() << "], got " << q.sizes();
  q = torch::nn::functional::normalize(q.to(map.features.device(), map.features.scalar_type()),
                                       torch::nn::functional::NormalizeFuncOptions().dim(1));
  const int64_t count = int64_t{map.geometry.grid_height} * map.geometry.grid_width;
  CL_CHECK(!tokens.defined() || (tokens.dim() == 2 && tokens.size(0) == count && tokens.size(1) == map.Channels()))
      << "token matrix must be [" << count << ", " << map.Channels() << "], got " << tokens.sizes();
  const at::Tensor matrix = tokens.defined() ? tokens : TokenMatrix(map);
  // One query (heatmaps, hover): a GEMV reads the tokens once, a GEMM would
  // also pack them.
  at::Tensor sims = q.size(0) == 1 ? torch::mv(matrix, q[0]).unsqueeze(0) : torch::mm(q, matrix.t());
  return sims.view({q.size(0), map.geometry.grid_height, map.geometry.grid_width});
}

at::Tensor UpsampleToImage(const at::Tensor& grid_scores, const GridGeometry& geometry) {
  CL_CHECK(geometry.Valid()) << "invalid grid geometry";
  at::Tensor scores = grid_scores.dim() == 2 ? grid_scores.unsqueeze(0) : grid_scores;
  CL_CHECK(scores.dim() == 3 && scores.size(1) == geometry.grid_height && scores.size(2) == geometry.grid_width)
      << "scores must be [N, Hg, Wg] matching the geometry, got " << scores.sizes();
  // The pixel -> grid mapping is affine per axis, so bilinear grid_sample
  // (border, align_corners) is separable: Wy [H, Hg] x scores x Wx^T [Wg, W],
  // two small GEMMs instead of sampling every pixel (~10x faster at 640 px).
  const AxisMap axis = NormalisedFromImage(geometry);
  auto options = torch::TensorOptions().dtype(scores.scalar_type()).device(scores.device());
  const at::Tensor wy = AxisWeights(geometry.image_height, geometry.grid_height, axis.ay, axis.by, options);
  const at::Tensor wx = AxisWeights(geometry.image_width, geometry.grid_width, axis.ax, axis.bx, options);
  return torch::matmul(torch::matmul(wy, scores), wx.t());  // [N, H, W]
}

Heatmap PointHeatmap(const FeatureMap& source, const cv::Point2d& point, const FeatureMap& target,
                     const HeatmapOptions& options, const at::Tensor& target_tokens) {
  c10::InferenceMode guard;
  const at::Tensor grid = SimilarityGrid(SampleDescriptors(source, {point}), target, target_tokens);
  return ColorizeScores(ScoresToMat(UpsampleToImage(grid, target.geometry)[0]), options);
}

cv::Mat ScoresToMat(const at::Tensor& scores) {
  at::Tensor s = scores.dim() == 3 ? scores.squeeze(0) : scores;
  CL_CHECK(s.dim() == 2) << "expected a [H, W] score tensor, got " << scores.sizes();
  s = s.to(torch::kCPU, torch::kFloat32).contiguous();
  cv::Mat out(static_cast<int>(s.size(0)), static_cast<int>(s.size(1)), CV_32F);
  std::memcpy(out.data, s.data_ptr<float>(), sizeof(float) * s.numel());
  return out;
}

bool InsideImage(const cv::Point2d& point, int width, int height) {
  return point.x >= 0.0 && point.y >= 0.0 && point.x <= width - 1.0 && point.y <= height - 1.0;
}

}  // namespace corrlens
