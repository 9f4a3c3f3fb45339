// Pinhole intrinsics and rigid poses in the OpenCV camera convention
// (x right, y down, z forward; metres). Pixel centres sit at integer
// coordinates: u = fx * X / Z + cx addresses column round(u).
#pragma once

#include <opencv2/core/matx.hpp>

namespace corrlens::render {

// Image size and pinhole parameters of a rendering camera.
struct Intrinsics {
  int width = 512;    // image columns
  int height = 512;   // image rows
  double fx = 560.0;  // focal length in pixels along x (35 * 512 / 32)
  double fy = 560.0;  // focal length in pixels along y
  double cx = 256.0;  // principal point column
  double cy = 256.0;  // principal point row

  bool Check() const;
  // The 3x3 matrix K.
  cv::Matx33d K() const;
  // The reference camera (512 px, fx = fy = 560, c = 256) scaled to a square
  // image of `size` pixels (same field of view).
  static Intrinsics Square(int size);
};

// A rigid transform as a 4x4 matrix: `obj_to_cam` maps object points
// (normalised mesh coordinates) to camera points.
using Pose = cv::Matx44d;

// Inverse of a rigid transform (rotation transposed), exact for poses.
Pose InvertRigid(const Pose& pose);
// pose * point (homogeneous w = 1).
cv::Vec3d Transform(const Pose& pose, const cv::Vec3d& point);
// Pixel of a camera point (Z > 0); returns false when Z <= 0.
bool Project(const Intrinsics& k, const cv::Vec3d& cam_point, double* u, double* v);
// Camera point at depth z (along the optical axis) through pixel (u, v).
cv::Vec3d BackProject(const Intrinsics& k, double u, double v, double z);
// Rotation angle of `a`'s rotation relative to `b`'s, in degrees.
double RotationAngleDeg(const Pose& a, const Pose& b);

}  // namespace corrlens::render
