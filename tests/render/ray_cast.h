// Test helper: exact ray casting against a loaded mesh (Moller-Trumbore over
// every triangle), an independent reference for rendered depth and for
// ground-truth correspondences.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "core/render/camera.h"
#include "core/render/mesh.h"

namespace corrlens::render::testing {

// Triangles of a mesh moved into one camera frame.
class RayCaster {
 public:
  RayCaster(const Mesh& mesh, const Pose& obj_to_cam) {
    for (const MeshPart& part : mesh.parts) {
      for (uint32_t index : part.indices) {
        const float* p = &part.positions[size_t(index) * 3];
        vertices_.push_back(Transform(obj_to_cam, cv::Vec3d(p[0], p[1], p[2])));
      }
    }
  }

  // Distance along unit `direction` from the camera centre to the first hit;
  // infinity when the ray misses. `normal` (optional) gets the unit normal of
  // the triangle that was hit.
  double Cast(const cv::Vec3d& direction, cv::Vec3d* normal = nullptr) const {
    double best = std::numeric_limits<double>::infinity();
    for (size_t t = 0; t + 2 < vertices_.size(); t += 3) {
      const cv::Vec3d& a = vertices_[t];
      const cv::Vec3d e1 = vertices_[t + 1] - a, e2 = vertices_[t + 2] - a;
      const cv::Vec3d p = direction.cross(e2);
      const double det = e1.dot(p);
      if (std::abs(det) < 1e-14) continue;
      const double inv = 1.0 / det;
      const cv::Vec3d s = -a;  // ray origin is the camera centre
      const double u = s.dot(p) * inv;
      if (u < 0.0 || u > 1.0) continue;
      const cv::Vec3d q = s.cross(e1);
      const double v = direction.dot(q) * inv;
      if (v < 0.0 || u + v > 1.0) continue;
      const double distance = e2.dot(q) * inv;
      if (distance > 1e-9 && distance < best) {
        best = distance;
        if (normal != nullptr) *normal = e1.cross(e2) * (1.0 / cv::norm(e1.cross(e2)));
      }
    }
    return best;
  }

  // Camera point seen through pixel (u, v), or false when the ray misses.
  bool Hit(const Intrinsics& k, double u, double v, cv::Vec3d* point) const {
    cv::Vec3d dir = BackProject(k, u, v, 1.0);
    dir *= 1.0 / cv::norm(dir);
    const double distance = Cast(dir);
    if (!std::isfinite(distance)) return false;
    *point = dir * distance;
    return true;
  }

 private:
  std::vector<cv::Vec3d> vertices_;
};

}  // namespace corrlens::render::testing
