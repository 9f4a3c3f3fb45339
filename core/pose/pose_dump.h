// The inputs and CorrLens's answer of each pose estimate, written as .npy
// files when CORRLENS_POSE_DUMP names a folder, so the reference pipeline can
// be run on the same descriptors (scripts/bench/pose_reference.py):
//
//   DIR/templates_<d>/templates.npy  (N, C) float32, L2-normalised
//                     points3d.npy   (N, 3) float64, object frame, metres
//   DIR/frame_<f>/query.png          the query image
//                 queries.npy        (M, C) float32, L2-normalised
//                 grid.npy           (M, 2) float64, query pixels (x, y)
//                 K.npy              (3, 3) float64
//                 matches.npy        (K, 2) int64: grid index, template index
//                 corrlens.json      templates folder, pose, inliers, times
//
// <d> numbers template databases and <f> estimates in the order they are
// first dumped in this process.
#pragma once

#include <torch/types.h>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <string>
#include <vector>

#include "core/pose/pose_estimator.h"

namespace corrlens::pose {

// CORRLENS_POSE_DUMP, or empty when unset.
std::string PoseDumpDir();

// Writes one estimate as above: the templates once per database (keyed by
// `database_key`), `match_pairs` = grid index, template index per match.
// Throws Error naming the file that cannot be written.
void DumpPoseEstimate(const std::string& dir, const void* database_key, const at::Tensor& templates,
                      const std::vector<cv::Point3d>& points, const cv::Mat& query_rgb, const at::Tensor& queries,
                      const std::vector<cv::Point2d>& grid, const std::vector<int64_t>& match_pairs,
                      const cv::Matx33d& intrinsics, const PoseEstimate& estimate);

}  // namespace corrlens::pose
