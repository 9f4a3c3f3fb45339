// Nearest-neighbour matching of query descriptors in a target FeatureMap,
// with the tracker's soft-argmax refinement (PROTOCOLS.md section 4):
// cosine map -> ReLU -> softmax over all positions -> soft-argmax over the
// tokens within a radius of the argmax. Results are plain structs.
#pragma once

#include <ATen/core/Tensor.h>
#include <opencv2/core/types.hpp>

#include <cstdint>
#include <vector>

#include "core/feature/feature_map.h"

namespace corrlens {

struct MatchOptions {
  // Refine the argmax token with the soft-argmax of the tracker rule.
  bool refine = true;
  // Radius of the soft-argmax window around the argmax token, in target
  // image pixels (the reference uses 35 px on 854x476 frames).
  double radius_px = 35.0;
  // Queries matched per similarity batch (bounds memory: batch * Hg * Wg).
  int64_t batch = 256;

  bool Check() const { return radius_px >= 0.0 && batch > 0; }
};

// One match in the target image.
struct PointMatch {
  cv::Point2d query;          // query point in source image pixels (when known)
  cv::Point2d match;          // matched position in target pixels (refined when enabled)
  cv::Point2d peak;           // centre of the most similar target token (pixels)
  float score = 0.f;          // cosine similarity at the peak token
  float refined_score = 0.f;  // cosine similarity of the query with the target
                              // descriptor sampled at `match`
};

// Matches descriptors `queries` [N, C] (normalised here) against `target`.
// `query` fields of the results are left at (0, 0). `target_tokens` may pass
// TokenMatrix(target) computed earlier; when undefined it is computed here.
std::vector<PointMatch> MatchDescriptors(const at::Tensor& queries, const FeatureMap& target,
                                         const MatchOptions& options, const at::Tensor& target_tokens = {});

// Samples `source` at `points` (image pixels) and matches them in `target`.
std::vector<PointMatch> MatchPoints(const FeatureMap& source, const std::vector<cv::Point2d>& points,
                                    const FeatureMap& target, const MatchOptions& options = {},
                                    const at::Tensor& target_tokens = {});

// Soft-argmax positions (tracker rule) for cosine maps `sims` [N, Hg*Wg] on
// the token grid of `geometry`: returns [N, 2] (x, y) in image pixels. Only
// the tokens within `radius_px` (image pixels) of each argmax are visited:
// the softmax normaliser cancels in the weighted mean, and the reference's
// "vanishing window" guard cannot fire (the window holds the maximum, so its
// softmax mass is at least 1 / (Hg*Wg)).
at::Tensor SoftArgmax(const at::Tensor& sims, const GridGeometry& geometry, double radius_px);

}  // namespace corrlens
