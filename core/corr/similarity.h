// Point sampling and cosine-similarity maps on a FeatureMap. All tensor work
// runs on the map's device; results stay there unless a function says otherwise.
#pragma once

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <vector>

#include "core/corr/heatmap.h"
#include "core/feature/feature_map.h"

namespace corrlens {

// Descriptors [N, C] at image pixels of `map`, as the reference
// `interpolate_features`: pixel -> model input (GridGeometry scale) ->
// NormalizedFromInput -> bilinear grid_sample (align_corners, border
// padding), then L2-normalised per row when `normalize`. Points outside the
// image are clamped to the border tokens.
at::Tensor SampleDescriptors(const FeatureMap& map, const std::vector<cv::Point2d>& points, bool normalize = true);

// The map's tokens as an L2-normalised matrix [Hg*Wg, C] (row-major grid order).
at::Tensor TokenMatrix(const FeatureMap& map);

// Token centres in image pixels, [Hg*Wg, 2] float32 (x, y) on `map`'s device.
at::Tensor TokenCentres(const FeatureMap& map);

// Cosine similarity of descriptors `queries` ([N, C] or [C]; normalised here)
// with every token of `map`: [N, Hg, Wg]. `tokens` may pass TokenMatrix(map)
// computed earlier (interactive use); when undefined it is computed here.
at::Tensor SimilarityGrid(const at::Tensor& queries, const FeatureMap& map, const at::Tensor& tokens = {});

// Resamples grid-resolution scores [N, Hg, Wg] to image pixels [N, H, W]
// with the same pixel <-> grid mapping as SampleDescriptors (bilinear,
// border), so a peak in the image-size map sits where matching puts it.
at::Tensor UpsampleToImage(const at::Tensor& grid_scores, const GridGeometry& geometry);

// Colour-mapped cosine similarity of `source` sampled at `point` (image
// pixels) with every pixel of the target image: SampleDescriptors ->
// SimilarityGrid -> UpsampleToImage -> ColorizeScores. `target_tokens` as in
// SimilarityGrid.
Heatmap PointHeatmap(const FeatureMap& source, const cv::Point2d& point, const FeatureMap& target,
                     const HeatmapOptions& options = {}, const at::Tensor& target_tokens = {});

// A [H, W] (or [1, H, W]) float tensor copied into a CV_32F matrix.
cv::Mat ScoresToMat(const at::Tensor& scores);

// True when (x, y) lies inside an image of `width` x `height` pixels,
// i.e. 0 <= x <= width - 1 and 0 <= y <= height - 1.
bool InsideImage(const cv::Point2d& point, int width, int height);

}  // namespace corrlens
