#include "core/corr/pca.h"

#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include "core/corr/similarity.h"
#include "core/util/check.h"

namespace corrlens {
namespace {

// Top-3 principal axes [C, 3] of centred rows `x` (zero columns when C < 3),
// each with its largest-magnitude loading made positive.
at::Tensor PrincipalAxes(const at::Tensor& x) {
  const at::Tensor xd = x.to(torch::kFloat64);
  const at::Tensor cov = torch::mm(xd.t(), xd) / std::max<int64_t>(1, x.size(0) - 1);
  auto [values, vectors] = at::linalg_eigh(cov, "L");  // ascending eigenvalues
  const int64_t k = std::min<int64_t>(3, x.size(1));
  at::Tensor axes = vectors.narrow(1, x.size(1) - k, k).flip(1);
  const at::Tensor peak = axes.abs().argmax(0);
  const at::Tensor sign = axes.gather(0, peak.unsqueeze(0)).sign();
  axes = axes * torch::where(sign == 0, torch::ones_like(sign), sign);
  if (k < 3) axes = torch::cat({axes, torch::zeros({x.size(1), 3 - k}, axes.options())}, 1);
  return axes.to(x.scalar_type());
}

// Scales each projection column to [0, 1] between its clip quantiles. A
// column's span is at least 10% of the first (largest) one's, so components
// with next to no variance stay near grey instead of stretching noise.
at::Tensor ScaleColumns(const at::Tensor& p, double clip) {
  std::vector<at::Tensor> columns;
  double first_span = 0.0;
  for (int64_t c = 0; c < 3; ++c) {
    const at::Tensor col = p.select(1, c);
    double lo = clip > 0 ? col.quantile(clip).item<double>() : col.min().item<double>();
    double hi = clip > 0 ? col.quantile(1.0 - clip).item<double>() : col.max().item<double>();
    if (c == 0) first_span = hi - lo;
    const double span = std::max(hi - lo, 0.1 * first_span);
    if (span < 1e-12) {
      columns.push_back(torch::full_like(col, 0.5));
      continue;
    }
    const double mid = 0.5 * (lo + hi);
    columns.push_back(((col - mid) / span + 0.5).clamp(0.0, 1.0));
  }
  return torch::stack(columns, 1);
}

cv::Mat ToImage(const at::Tensor& unit_rgb, const GridGeometry& g, bool image_size) {
  const at::Tensor bytes = (unit_rgb * 255.0).round().to(torch::kCPU, torch::kUInt8).contiguous();
  cv::Mat grid(g.grid_height, g.grid_width, CV_8UC3);
  std::memcpy(grid.data, bytes.data_ptr<uint8_t>(), static_cast<size_t>(bytes.numel()));
  if (!image_size) return grid;
  cv::Mat full;
  cv::resize(grid, full, cv::Size(g.image_width, g.image_height), 0, 0, cv::INTER_LINEAR);
  return full;
}

}  // namespace

std::vector<cv::Mat> PcaImages(const std::vector<const FeatureMap*>& maps, const PcaOptions& options) {
  CL_CHECK(options.Check()) << "invalid PcaOptions (clip_fraction in [0, 0.5))";
  CL_CHECK(!maps.empty()) << "no feature maps to colour";
  c10::InferenceMode guard;
  std::vector<at::Tensor> tokens;
  for (const FeatureMap* map : maps) {
    CL_CHECK(map != nullptr && map->Valid()) << "invalid feature map";
    CL_CHECK_EQ(map->Channels(), maps.front()->Channels()) << "maps must share the channel count";
    // Normalised tokens: the same space the cosine similarities live in.
    tokens.push_back(TokenMatrix(*map).to(maps.front()->features.device()));
  }
  const at::Tensor all = torch::cat(tokens, 0);
  const at::Tensor centred = all - all.mean(0, /*keepdim=*/true);
  const at::Tensor rgb = ScaleColumns(torch::mm(centred, PrincipalAxes(centred)), options.clip_fraction);
  std::vector<cv::Mat> images;
  int64_t offset = 0;
  for (size_t i = 0; i < maps.size(); ++i) {
    const int64_t count = tokens[i].size(0);
    images.push_back(ToImage(rgb.narrow(0, offset, count), maps[i]->geometry, options.image_size));
    offset += count;
  }
  return images;
}

cv::Mat PcaImage(const FeatureMap& map, const PcaOptions& options) { return PcaImages({&map}, options).front(); }

}  // namespace corrlens
