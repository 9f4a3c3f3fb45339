#include "core/render/view_sampling.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/util/error.h"

namespace corrlens::render {
namespace {

cv::Vec3d Normalized(const cv::Vec3d& v) { return v * (1.0 / cv::norm(v)); }

// Uniform random rotation (Shoemake) as a 3x3 matrix.
cv::Matx33d RandomRotation(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double u1 = uniform(rng), u2 = uniform(rng), u3 = uniform(rng);
  const double a = std::sqrt(1.0 - u1), b = std::sqrt(u1);
  const double w = a * std::sin(2 * M_PI * u2), x = a * std::cos(2 * M_PI * u2);
  const double y = b * std::sin(2 * M_PI * u3), z = b * std::cos(2 * M_PI * u3);
  return {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
          2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
          2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
}

}  // namespace

bool ViewSetOptions::Check() const { return count > 0 && count <= 100000 && margin >= 1.0 && std::isfinite(margin); }

std::vector<cv::Vec3d> FibonacciSphere(int n) {
  std::vector<cv::Vec3d> dirs;
  dirs.reserve(std::max(n, 0));
  const double golden = M_PI * (3.0 - std::sqrt(5.0));
  for (int i = 0; i < n; ++i) {
    const double y = 1.0 - 2.0 * (i + 0.5) / n;  // never exactly at a pole
    const double r = std::sqrt(std::max(0.0, 1.0 - y * y));
    const double phi = golden * i;
    dirs.emplace_back(r * std::cos(phi), y, r * std::sin(phi));
  }
  return dirs;
}

Pose LookAtOrigin(const cv::Vec3d& dir, double distance) {
  const cv::Vec3d z = -Normalized(dir);  // forward: towards the origin
  cv::Vec3d down(0.0, -1.0, 0.0);        // image rows grow away from +y
  if (std::abs(z.dot(down)) > 0.999) down = cv::Vec3d(0.0, 0.0, -1.0);
  const cv::Vec3d y = Normalized(down - z * z.dot(down));
  const cv::Vec3d x = y.cross(z);
  const cv::Vec3d centre = Normalized(dir) * distance;
  Pose pose = Pose::eye();
  for (int c = 0; c < 3; ++c) {
    pose(0, c) = x[c];
    pose(1, c) = y[c];
    pose(2, c) = z[c];
  }
  for (int r = 0; r < 3; ++r) pose(r, 3) = -(pose(r, 0) * centre[0] + pose(r, 1) * centre[1] + pose(r, 2) * centre[2]);
  return pose;
}

double FitDistance(const Intrinsics& k, double radius) {
  // Angles from the optical axis to each border (pixel edges at -0.5, W - 0.5).
  const double tan_half = std::min(
      {(k.cx + 0.5) / k.fx, (k.width - 0.5 - k.cx) / k.fx, (k.cy + 0.5) / k.fy, (k.height - 0.5 - k.cy) / k.fy});
  if (!(tan_half > 0.0)) throw Error("principal point lies outside the image", {}, "check cx, cy");
  const double half_angle = std::atan(tan_half);
  return radius / std::sin(half_angle);
}

std::vector<Pose> SampleViews(const ViewSetOptions& options, const Intrinsics& k, double radius) {
  if (!options.Check()) throw Error("invalid view set options", {}, "count > 0 and margin >= 1");
  const double distance = FitDistance(k, std::max(radius, 1e-6)) * options.margin;
  std::vector<Pose> poses;
  if (options.sampling == ViewSampling::kFibonacci) {
    for (const cv::Vec3d& dir : FibonacciSphere(options.count)) poses.push_back(LookAtOrigin(dir, distance));
    return poses;
  }
  std::mt19937_64 rng(options.seed);
  for (int i = 0; i < options.count; ++i) {
    const cv::Matx33d rotation = RandomRotation(rng);  // uniform on SO(3)
    Pose pose = Pose::eye();
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) pose(a, b) = rotation(a, b);
    }
    pose(2, 3) = distance;
    poses.push_back(pose);
  }
  return poses;
}

}  // namespace corrlens::render
