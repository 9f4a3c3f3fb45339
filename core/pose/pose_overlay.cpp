#include "core/pose/pose_overlay.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "core/pose/pnp.h"

namespace corrlens::pose {
namespace {

constexpr int kEdges[12][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 5}, {5, 6},
                               {6, 7}, {7, 4}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};

void Line(cv::Mat& image, const cv::Matx33d& k, const cv::Matx44d& pose, const cv::Point3d& a, const cv::Point3d& b,
          const cv::Scalar& color, int thickness) {
  cv::Point2d pa, pb;
  if (!ProjectPoint(k, pose, a, &pa) || !ProjectPoint(k, pose, b, &pb)) return;
  const double limit = 1e5;  // keep far-away projections drawable
  if (std::abs(pa.x) > limit || std::abs(pa.y) > limit || std::abs(pb.x) > limit || std::abs(pb.y) > limit) return;
  cv::line(image, pa, pb, color, thickness, cv::LINE_AA);
}

double Extent(const std::vector<cv::Point3d>& corners) {
  double extent = 0.0;
  for (const cv::Point3d& a : corners)
    for (const cv::Point3d& b : corners) extent = std::max(extent, cv::norm(a - b));
  return extent;
}

}  // namespace

void DrawBox(cv::Mat& image, const cv::Matx33d& intrinsics, const cv::Matx44d& cam_from_object,
             const std::vector<cv::Point3d>& corners, const cv::Scalar& rgb, int thickness) {
  if (corners.size() != 8) return;
  for (const auto& edge : kEdges)
    Line(image, intrinsics, cam_from_object, corners[edge[0]], corners[edge[1]], rgb, thickness);
}

void DrawAxes(cv::Mat& image, const cv::Matx33d& intrinsics, const cv::Matx44d& cam_from_object, double length,
              int thickness) {
  const cv::Point3d origin(0, 0, 0);
  Line(image, intrinsics, cam_from_object, origin, {length, 0, 0}, {255, 40, 40}, thickness);
  Line(image, intrinsics, cam_from_object, origin, {0, length, 0}, {40, 220, 40}, thickness);
  Line(image, intrinsics, cam_from_object, origin, {0, 0, length}, {60, 90, 255}, thickness);
}

cv::Mat DrawPoseOverlay(const cv::Mat& rgb, const PoseOverlayInput& input) {
  cv::Mat image = rgb.clone();
  const int radius = std::max(2, image.cols / 200);
  for (size_t i = 0; i < input.match_pixels.size(); ++i) {
    const bool inlier = i < input.inlier.size() && input.inlier[i];
    if (inlier)
      cv::circle(image, input.match_pixels[i], radius, {0, 200, 255}, cv::FILLED, cv::LINE_AA);
    else if (input.show_outliers)
      cv::circle(image, input.match_pixels[i], std::max(1, radius / 2), {230, 40, 40}, cv::FILLED, cv::LINE_AA);
  }
  if (!input.truth_silhouette.empty())
    cv::polylines(image, input.truth_silhouette, true, {40, 220, 40}, 1, cv::LINE_AA);
  if (input.solved && !input.estimate_silhouette.empty())
    cv::polylines(image, input.estimate_silhouette, true, {255, 220, 0}, 1, cv::LINE_AA);
  if (input.truth) DrawBox(image, input.intrinsics, *input.truth, input.box, {40, 220, 40}, 2);
  if (input.solved) {
    DrawBox(image, input.intrinsics, input.estimate, input.box, {255, 220, 0}, 2);
    DrawAxes(image, input.intrinsics, input.estimate, 0.5 * Extent(input.box), 2);
  }
  const std::string label = input.solved ? input.label : input.label + (input.label.empty() ? "" : "  ") + "no pose";
  if (!label.empty()) {
    const double scale = std::max(0.4, image.cols / 900.0);
    cv::putText(image, label, {8, static_cast<int>(24 * scale)}, cv::FONT_HERSHEY_SIMPLEX, scale, {0, 0, 0}, 3,
                cv::LINE_AA);
    cv::putText(image, label, {8, static_cast<int>(24 * scale)}, cv::FONT_HERSHEY_SIMPLEX, scale, {255, 255, 255}, 1,
                cv::LINE_AA);
  }
  return image;
}

}  // namespace corrlens::pose
