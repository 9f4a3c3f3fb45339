// Drawing estimated poses on a query image: the projected 3D bounding box,
// the object axes (x red, y green, z blue) and the 2D side of the matches.
// Torch-free; images are CV_8UC3 RGB.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <optional>
#include <string>
#include <vector>

namespace corrlens::pose {

// The 12 edges of 8 corners in the OnePose order, drawn in `rgb` colour.
void DrawBox(cv::Mat& image, const cv::Matx33d& intrinsics, const cv::Matx44d& cam_from_object,
             const std::vector<cv::Point3d>& corners, const cv::Scalar& rgb, int thickness = 2);
// The object's x, y, z axes from its origin, `length` metres long.
void DrawAxes(cv::Mat& image, const cv::Matx33d& intrinsics, const cv::Matx44d& cam_from_object, double length,
              int thickness = 2);

struct PoseOverlayInput {
  cv::Matx33d intrinsics = cv::Matx33d::eye();
  std::vector<cv::Point3d> box;               // 8 corners (ReferenceSet::BoundingBox)
  cv::Matx44d estimate = cv::Matx44d::eye();  // drawn in yellow with axes
  bool solved = true;                         // false: no box (identity fallback), a note instead
  std::optional<cv::Matx44d> truth;           // drawn in green when known
  std::vector<cv::Point2d> match_pixels;      // query pixels of the matches
  std::vector<bool> inlier;                   // per match
  bool show_outliers = false;                 // outliers as small red dots
  std::string label;                          // top-left text (model name, errors)
  // Mesh outlines (core/pose/pose_silhouette.h) at the estimate (yellow) and
  // the truth (green); empty when the reference has no mesh.
  std::vector<std::vector<cv::Point>> estimate_silhouette;
  std::vector<std::vector<cv::Point>> truth_silhouette;
};

// A copy of `rgb` with everything in `input` drawn on it.
cv::Mat DrawPoseOverlay(const cv::Mat& rgb, const PoseOverlayInput& input);

}  // namespace corrlens::pose
