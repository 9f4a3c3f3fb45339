#include "core/render/camera.h"

#include <algorithm>
#include <cmath>

namespace corrlens::render {

bool Intrinsics::Check() const {
  return width > 0 && height > 0 && width <= 16384 && height <= 16384 && fx > 0.0 && fy > 0.0 && std::isfinite(fx) &&
         std::isfinite(fy) && std::isfinite(cx) && std::isfinite(cy);
}

cv::Matx33d Intrinsics::K() const { return {fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0}; }

Intrinsics Intrinsics::Square(int size) {
  Intrinsics k;
  const double scale = size / 512.0;
  k.width = k.height = size;
  k.fx = k.fy = 560.0 * scale;
  k.cx = k.cy = 256.0 * scale;
  return k;
}

Pose InvertRigid(const Pose& pose) {
  Pose inv = Pose::eye();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) inv(r, c) = pose(c, r);
  }
  for (int r = 0; r < 3; ++r) {
    inv(r, 3) = -(inv(r, 0) * pose(0, 3) + inv(r, 1) * pose(1, 3) + inv(r, 2) * pose(2, 3));
  }
  return inv;
}

cv::Vec3d Transform(const Pose& pose, const cv::Vec3d& p) {
  cv::Vec3d out;
  for (int r = 0; r < 3; ++r) {
    out[r] = pose(r, 0) * p[0] + pose(r, 1) * p[1] + pose(r, 2) * p[2] + pose(r, 3);
  }
  return out;
}

bool Project(const Intrinsics& k, const cv::Vec3d& p, double* u, double* v) {
  if (!(p[2] > 0.0)) return false;
  *u = k.fx * p[0] / p[2] + k.cx;
  *v = k.fy * p[1] / p[2] + k.cy;
  return true;
}

cv::Vec3d BackProject(const Intrinsics& k, double u, double v, double z) {
  return {(u - k.cx) / k.fx * z, (v - k.cy) / k.fy * z, z};
}

double RotationAngleDeg(const Pose& a, const Pose& b) {
  double trace = 0.0;  // trace(Ra * Rb^T)
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) trace += a(r, c) * b(r, c);
  }
  const double cosine = std::clamp((trace - 1.0) / 2.0, -1.0, 1.0);
  return std::acos(cosine) * 180.0 / M_PI;
}

}  // namespace corrlens::render
