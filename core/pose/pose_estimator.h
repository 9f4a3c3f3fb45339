// Pose of a query image against an object's reference set, as the
// 3DCorrEnhance pose benchmark computes it: descriptors of the reference
// keypoints (the template database), dense query descriptors every few
// pixels, mutual nearest neighbours, then EPnP RANSAC (core/pose/pnp.h).
// Used by the pose benchmark task, `corrlens-cli pose` and the GUI.
#pragma once

#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/feature/feature_provider.h"
#include "core/pose/onepose_dataset.h"
#include "core/pose/pnp.h"

namespace corrlens::pose {

// The reference's model input for a W x H image: (W / 8 * 14, H / 8 * 14),
// one token per 8 image pixels; the rest of `base` is kept.
ExtractOptions PoseExtractOptions(const ExtractOptions& base, int width, int height);

struct TemplateOptions {
  int max_templates = 120000;  // random subset beyond this many (0 = keep all)
  uint64_t seed = 0;           // seed of that subset (the reference's is unseeded)
  ExtractOptions extract;      // input size set per image by PoseExtractOptions

  bool Check() const { return max_templates >= 0 && extract.Check(); }
};

struct TemplateDescriptors;  // the descriptor tensor, private to the .cpp

// L2-normalised descriptors of every reference keypoint for one model.
struct TemplateDatabase {
  std::string model;
  std::vector<cv::Point3d> points;  // object frame, metres; one per template
  std::vector<int> view;            // index into ReferenceSet::views
  std::vector<int> keypoint;        // index into that view's keypoints
  size_t available = 0;             // templates before the subset was drawn
  uint64_t seed = 0;                // seed of the subset
  std::shared_ptr<const TemplateDescriptors> descriptors;

  size_t Size() const { return points.size(); }
  bool Subsampled() const { return available > points.size(); }
};

// Extracts every view with keypoints and samples descriptors at them.
// Throws Error (unreadable image, empty reference set) or Cancelled.
TemplateDatabase BuildTemplateDatabase(const ReferenceSet& reference, FeatureProvider& provider,
                                       const std::string& model, const TemplateOptions& options, Progress& progress,
                                       const CancelToken& cancel);

struct PoseEstimateOptions {
  int grid_stride = 4;     // query points at x, y = 0, stride, 2 * stride, ... pixels
  ExtractOptions extract;  // input size set per image by PoseExtractOptions
  PnpOptions pnp;

  bool Check() const { return grid_stride > 0 && extract.Check() && pnp.Check(); }
};

// One mutual match between a query pixel and a template.
struct PoseMatch {
  cv::Point2d query;  // query image pixels
  cv::Point3d point;  // object frame, metres
  int view = 0;       // reference view of the template
  int keypoint = 0;   // keypoint index in that view
  float score = 0.f;  // cosine similarity
  bool inlier = false;
};

struct PoseEstimate {
  cv::Matx44d cam_from_object = cv::Matx44d::eye();  // identity when not solved
  bool solved = false;                               // false: the identity fallback
  int inliers = 0;
  std::vector<PoseMatch> matches;  // every mutual match, grid order
  double seconds = 0.0;            // query features + matching + PnP
  double extract_seconds = 0.0;    // query feature map (or cache hit) + descriptors at the grid
  double match_seconds = 0.0;      // mutual nearest neighbours and match list
  double pnp_seconds = 0.0;        // EPnP RANSAC
};

// Estimates the pose of `query_rgb` (CV_8UC3 RGB) with `intrinsics` against
// `templates`. Throws Error (singular intrinsics, empty database) or Cancelled.
PoseEstimate EstimatePose(const TemplateDatabase& templates, const cv::Mat& query_rgb, const cv::Matx33d& intrinsics,
                          FeatureProvider& provider, const PoseEstimateOptions& options, const CancelToken& cancel);

}  // namespace corrlens::pose
