// The finetuning loss of 3DCorrEnhance (PROTOCOLS.md section 3, the
// reference's training_step): a smooth-AP ranking loss on cosine
// similarities of sampled descriptors, with positives and negatives decided
// by the distance of the pixels' 3D object points.
#pragma once

#include <ATen/core/Tensor.h>

namespace corrlens::finetune {

// Thresholds and temperature of the loss (the reference's values).
struct SmoothApOptions {
  double positive_distance = 5e-3;  // 3D distance below which a pair is positive
  double negative_distance = 0.1;   // 3D distance above which a pair is negative
  double temperature = 0.01;        // sigmoid temperature
  bool Check() const { return positive_distance > 0 && negative_distance >= positive_distance && temperature > 0; }
};

// sigmoid(x / temp) with the exponent -x/temp clamped to [-50, 50], as the
// reference computes it (so its gradient is 0 outside that range).
at::Tensor TemperedSigmoid(const at::Tensor& x, double temp);

// Bilinear lookup of a [B, C, h, w] token map at pixel positions `points`
// ([B, N, 2], x then y, in an image of `height` x `width` pixels whose token
// centres sit at patch/2 + k*patch) with border padding, as the reference's
// interpolate_features (normalize=False). Result: [B, N, C].
at::Tensor SampleTokenMap(const at::Tensor& map, const at::Tensor& points, int height, int width, int patch);

// Result of one loss evaluation.
struct SmoothApResult {
  at::Tensor loss;        // scalar; undefined when there is no positive pair
  int64_t positives = 0;  // number of positive pairs
};

// desc1 [B, S, C], desc2 [B, T, C] (L2-normalised), points1 [B, S, 3],
// points2 [B, T, 3]. The two halves follow the reference exactly, including
// their asymmetry: AP1 ranks sim - 1 against the negatives' sim - 1, AP2
// ranks 1 - sim against the negatives' sim - sim_pos.
SmoothApResult SmoothApLoss(const at::Tensor& desc1, const at::Tensor& desc2, const at::Tensor& points1,
                            const at::Tensor& points2, const SmoothApOptions& options = {});

}  // namespace corrlens::finetune
