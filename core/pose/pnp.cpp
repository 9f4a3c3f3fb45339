#include "core/pose/pnp.h"

#include <opencv2/calib3d.hpp>

#include "core/util/error.h"

namespace corrlens::pose {

PnpResult SolvePnpRansac(const std::vector<cv::Point3d>& object_points, const std::vector<cv::Point2d>& image_points,
                         const cv::Matx33d& intrinsics, const PnpOptions& options) {
  if (!options.Check()) throw Error("invalid PnP options", {"", std::nullopt, "pnp"});
  if (object_points.size() != image_points.size())
    throw Error("PnP needs as many 3D points as 2D points", {"", std::nullopt, "matches"});
  PnpResult result;
  if (static_cast<int>(object_points.size()) < options.min_matches) return result;
  std::vector<cv::Point3d> scaled(object_points.size());
  for (size_t i = 0; i < object_points.size(); ++i) scaled[i] = object_points[i] * options.point_scale;
  cv::Mat rvec, tvec, inliers;
  try {
    const bool ok =
        cv::solvePnPRansac(scaled, image_points, cv::Mat(intrinsics), cv::noArray(), rvec, tvec,
                           /*useExtrinsicGuess=*/false, options.iterations, static_cast<float>(options.reprojection_px),
                           options.confidence, inliers, cv::SOLVEPNP_EPNP);
    if (!ok || rvec.empty() || tvec.empty()) return result;
  } catch (const cv::Exception&) {
    return result;  // degenerate configuration: the identity, as OnePose++ does
  }
  for (int i = 0; i < inliers.rows * inliers.cols; ++i) result.inliers.push_back(inliers.at<int>(i));
  if (static_cast<int>(result.inliers.size()) < options.min_inliers) return result;
  cv::Matx33d rotation;
  cv::Rodrigues(rvec, rotation);
  cv::Mat translation;
  tvec.convertTo(translation, CV_64F);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) result.cam_from_object(r, c) = rotation(r, c);
    result.cam_from_object(r, 3) = translation.at<double>(r) / options.point_scale;
  }
  result.solved = true;
  return result;
}

bool ProjectPoint(const cv::Matx33d& intrinsics, const cv::Matx44d& cam_from_object, const cv::Point3d& point,
                  cv::Point2d* pixel) {
  const cv::Vec4d cam = cam_from_object * cv::Vec4d(point.x, point.y, point.z, 1.0);
  if (cam[2] <= 1e-9) return false;
  const cv::Vec3d p = intrinsics * cv::Vec3d(cam[0] / cam[2], cam[1] / cam[2], 1.0);
  *pixel = cv::Point2d(p[0], p[1]);
  return true;
}

}  // namespace corrlens::pose
