#include "core/finetune/smooth_ap_loss.h"

#include <torch/torch.h>

#include "core/util/check.h"

namespace corrlens::finetune {

at::Tensor TemperedSigmoid(const at::Tensor& x, double temp) {
  const at::Tensor exponent = at::clamp(-x / temp, -50.0, 50.0);
  return 1.0 / (1.0 + at::exp(exponent));
}

at::Tensor SampleTokenMap(const at::Tensor& map, const at::Tensor& points, int height, int width, int patch) {
  CL_CHECK(map.dim() == 4 && points.dim() == 3 && points.size(2) == 2) << "expected map [B,C,h,w], points [B,N,2]";
  const double half = patch / 2.0;
  // Affine map from pixel coordinates to grid_sample's [-1, 1] (first and
  // last token centres), written as the reference writes it.
  const double last_h = ((height - patch) / patch) * patch + half;
  const double last_w = ((width - patch) / patch) * patch + half;
  const double ah = 2.0 / (last_h - half), aw = 2.0 / (last_w - half);
  const double bh = 1.0 - last_h * 2.0 / (last_h - half), bw = 1.0 - last_w * 2.0 / (last_w - half);
  const auto opts = points.options().dtype(at::kFloat);
  const at::Tensor a = torch::tensor({static_cast<float>(aw), static_cast<float>(ah)}, opts).view({1, 2});
  const at::Tensor b = torch::tensor({static_cast<float>(bw), static_cast<float>(bh)}, opts).view({1, 2});
  const at::Tensor grid = (a * points.to(at::kFloat) + b).unsqueeze(-3);  // [B, 1, N, 2]
  const at::Tensor sampled = at::grid_sampler(map, grid.to(map.scalar_type()), /*bilinear=*/0, /*border=*/1,
                                              /*align_corners=*/true);
  return sampled.squeeze(-2).permute({0, 2, 1});  // [B, N, C]
}

SmoothApResult SmoothApLoss(const at::Tensor& desc1, const at::Tensor& desc2, const at::Tensor& points1,
                            const at::Tensor& points2, const SmoothApOptions& options) {
  CL_CHECK(options.Check()) << "invalid loss options";
  CL_CHECK(desc1.dim() == 3 && desc2.dim() == 3 && points1.dim() == 3 && points2.dim() == 3)
      << "expected descriptors [B,N,C] and points [B,N,3]";
  const double t = options.temperature;
  const at::Tensor dist = at::cdist(points1, points2);  // [B, S, T]
  const at::Tensor sim = at::bmm(desc1, desc2.transpose(-1, -2));
  const at::Tensor pos = at::nonzero(dist < options.positive_distance);  // [P, 3]
  SmoothApResult result;
  result.positives = pos.size(0);
  if (result.positives == 0) return result;
  const at::Tensor ib = pos.select(1, 0), is = pos.select(1, 1), it = pos.select(1, 2);
  using at::indexing::TensorIndex;
  const at::Tensor pos_sim = sim.index({ib, is, it});  // [P]
  const at::Tensor rows = sim.index({ib, is});         // [P, T]
  const at::Tensor neg = (dist.index({ib, is}) > options.negative_distance).to(sim.scalar_type());
  at::Tensor rpos = TemperedSigmoid(pos_sim - 1.0, t) + 1.0;
  at::Tensor rall = rpos + at::sum(TemperedSigmoid(rows - 1.0, t) * neg, -1);
  const at::Tensor ap1 = rpos / rall;
  rpos = TemperedSigmoid(1.0 - pos_sim, t) + 1.0;
  rall = rpos + at::sum(TemperedSigmoid(rows - pos_sim.unsqueeze(1), t) * neg, -1);
  const at::Tensor ap2 = rpos / rall;
  result.loss = at::mean(1.0 - (ap1 + ap2) / 2.0);
  return result;
}

}  // namespace corrlens::finetune
