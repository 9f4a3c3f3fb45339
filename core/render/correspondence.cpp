#include "core/render/correspondence.h"

#include <cmath>
#include <limits>

#include "core/util/error.h"

namespace corrlens::render {
namespace {

void CheckView(const ViewGeometry& view, const char* which) {
  if (view.depth.type() != CV_32FC1 || view.depth.cols != view.intrinsics.width ||
      view.depth.rows != view.intrinsics.height || !view.intrinsics.Check()) {
    throw Error(std::string("the ") + which + " view's depth does not match its intrinsics", {},
                "expected CV_32FC1 depth in metres of the intrinsics' size");
  }
}

// How far depth z is from the surface seen around continuous pixel (u, v):
// the smaller of (a) the gap to the bilinearly interpolated inverse depth of
// the 2x2 footprint when all four pixels are on the object (exact for planes,
// so slanted surfaces need no loose tolerance) and (b) the smallest gap to
// any of the footprint's object pixels (thin parts, silhouettes).
// Infinity when the footprint holds no object pixel.
double DepthGap(const cv::Mat& depth, double u, double v, double z) {
  const int x0 = static_cast<int>(std::floor(u)), y0 = static_cast<int>(std::floor(v));
  const double ax = u - x0, ay = v - y0;
  double best = std::numeric_limits<double>::infinity();
  double inverse = 0.0;
  bool complete = true;
  for (int dy = 0; dy <= 1; ++dy) {
    for (int dx = 0; dx <= 1; ++dx) {
      const int x = x0 + dx, y = y0 + dy;
      const float d = (x < 0 || y < 0 || x >= depth.cols || y >= depth.rows) ? 0.f : depth.at<float>(y, x);
      if (!(d > 0.f)) {
        complete = false;
        continue;
      }
      best = std::min(best, std::abs(double(d) - z));
      inverse += (dx ? ax : 1.0 - ax) * (dy ? ay : 1.0 - ay) / d;
    }
  }
  if (complete && inverse > 0.0) best = std::min(best, std::abs(1.0 / inverse - z));
  return best;
}

// Maps a view-i camera point into view j (precomputed j_from_i).
PointCorrespondence Carry(const cv::Vec3d& cam_i, const Pose& j_from_i, const ViewGeometry& target,
                          const CorrespondenceOptions& options) {
  PointCorrespondence out;
  const cv::Vec3d cam_j = Transform(j_from_i, cam_i);
  double u = 0.0, v = 0.0;
  if (!Project(target.intrinsics, cam_j, &u, &v)) return out;
  out.valid = true;
  out.target = cv::Point2f(static_cast<float>(u), static_cast<float>(v));
  out.target_depth = static_cast<float>(cam_j[2]);
  const Intrinsics& k = target.intrinsics;
  if (u < -0.5 || v < -0.5 || u >= k.width - 0.5 || v >= k.height - 0.5) return out;
  const double tolerance = options.depth_tolerance + options.relative_tolerance * cam_j[2];
  out.visible = DepthGap(target.depth, u, v, cam_j[2]) <= tolerance;
  return out;
}

}  // namespace

cv::Vec3d ObjectPoint(const ViewGeometry& view, double u, double v, double z) {
  return Transform(InvertRigid(view.obj_to_cam), BackProject(view.intrinsics, u, v, z));
}

std::vector<PointCorrespondence> Correspond(const std::vector<cv::Point2f>& pixels, const ViewGeometry& source,
                                            const ViewGeometry& target, const CorrespondenceOptions& options) {
  CheckView(source, "source");
  CheckView(target, "target");
  if (!options.Check()) throw Error("invalid correspondence options", {}, "tolerances must be >= 0");
  const Pose j_from_i = target.obj_to_cam * InvertRigid(source.obj_to_cam);
  std::vector<PointCorrespondence> out(pixels.size());
  for (size_t p = 0; p < pixels.size(); ++p) {
    const int x = static_cast<int>(std::lround(pixels[p].x)), y = static_cast<int>(std::lround(pixels[p].y));
    if (x < 0 || y < 0 || x >= source.depth.cols || y >= source.depth.rows) continue;
    const float z = source.depth.at<float>(y, x);
    if (!(z > 0.f)) continue;
    out[p] = Carry(BackProject(source.intrinsics, pixels[p].x, pixels[p].y, z), j_from_i, target, options);
  }
  return out;
}

DenseCorrespondence DenseCorrespondences(const ViewGeometry& source, const ViewGeometry& target,
                                         const CorrespondenceOptions& options) {
  CheckView(source, "source");
  CheckView(target, "target");
  if (!options.Check()) throw Error("invalid correspondence options", {}, "tolerances must be >= 0");
  const Pose j_from_i = target.obj_to_cam * InvertRigid(source.obj_to_cam);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  DenseCorrespondence dense;
  dense.target = cv::Mat(source.depth.size(), CV_32FC2, cv::Scalar(nan, nan));
  dense.visible = cv::Mat::zeros(source.depth.size(), CV_8UC1);
  for (int y = 0; y < source.depth.rows; ++y) {
    const float* depth = source.depth.ptr<float>(y);
    auto* target_row = dense.target.ptr<cv::Vec2f>(y);
    auto* visible_row = dense.visible.ptr<uint8_t>(y);
    for (int x = 0; x < source.depth.cols; ++x) {
      if (!(depth[x] > 0.f)) continue;
      ++dense.foreground;
      const PointCorrespondence c = Carry(BackProject(source.intrinsics, x, y, depth[x]), j_from_i, target, options);
      if (!c.valid) continue;
      target_row[x] = cv::Vec2f(c.target.x, c.target.y);
      if (c.visible) {
        visible_row[x] = 255;
        ++dense.visible_count;
      }
    }
  }
  return dense;
}

}  // namespace corrlens::render
