// Object-to-camera pose from 2D-3D matches, as the 3DCorrEnhance pose
// benchmark solves it: OpenCV EPnP inside RANSAC (solvePnPRansac) on 3D
// points scaled for conditioning, with the reference's identity fallback.
#pragma once

#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <vector>

namespace corrlens::pose {

struct PnpOptions {
  double reprojection_px = 8.0;  // RANSAC inlier threshold in pixels
  int iterations = 10000;        // RANSAC iterations
  double confidence = 0.99;      // RANSAC confidence (OpenCV's default)
  double point_scale = 1000.0;   // 3D points are multiplied by this, the translation divided after
  int min_matches = 4;           // fewer matches: identity
  int min_inliers = 6;           // fewer inliers: identity (the reference accepts > 5)

  bool Check() const {
    return reprojection_px > 0 && iterations > 0 && confidence > 0 && confidence < 1 && point_scale > 0 &&
           min_matches >= 4 && min_inliers >= 0;
  }
};

struct PnpResult {
  cv::Matx44d cam_from_object = cv::Matx44d::eye();  // identity when not solved
  bool solved = false;                               // false: the identity fallback
  std::vector<int> inliers;                          // indices into the matches (RANSAC's set even when rejected)
};

// Solves the pose of `object_points` (object frame, metres) seen at
// `image_points` (pixels) by a pinhole camera `intrinsics` without
// distortion. Fewer than min_matches matches, an OpenCV failure or fewer than
// min_inliers inliers give the identity with solved = false.
PnpResult SolvePnpRansac(const std::vector<cv::Point3d>& object_points, const std::vector<cv::Point2d>& image_points,
                         const cv::Matx33d& intrinsics, const PnpOptions& options = {});

// Pinhole projection of `point` (object frame) with `cam_from_object` into
// `pixel`; false when the point is not in front of the camera.
bool ProjectPoint(const cv::Matx33d& intrinsics, const cv::Matx44d& cam_from_object, const cv::Point3d& point,
                  cv::Point2d* pixel);

}  // namespace corrlens::pose
