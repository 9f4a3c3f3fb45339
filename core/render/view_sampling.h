// Object poses for multiview rendering: cameras spread uniformly on a sphere
// (Fibonacci lattice) or random rotations, all looking at the object centre.
#pragma once

#include <cstdint>
#include <vector>

#include "core/render/camera.h"

namespace corrlens::render {

// How a view set is chosen.
enum class ViewSampling {
  kFibonacci,  // n directions of a Fibonacci sphere, deterministic
  kRandom,     // n uniformly random rotations from a seed
};

// Options of SampleViews.
struct ViewSetOptions {
  int count = 42;  // number of views
  ViewSampling sampling = ViewSampling::kFibonacci;
  uint64_t seed = 0;  // for kRandom
  // Camera distance = this factor times the distance at which the object's
  // bounding sphere just touches the nearest image border.
  double margin = 1.05;

  bool Check() const;
};

// n unit vectors spread evenly over the sphere (golden-angle spiral).
std::vector<cv::Vec3d> FibonacciSphere(int n);

// obj_to_cam of a camera at `distance` along unit direction `dir` (object
// frame) looking at the origin, with image "up" close to the object's +y.
Pose LookAtOrigin(const cv::Vec3d& dir, double distance);

// Distance at which a sphere of `radius` centred on the optical axis fits
// inside the image of `k` (every border, principal point honoured).
double FitDistance(const Intrinsics& k, double radius);

// The poses of a view set for an object of bounding radius `radius`.
std::vector<Pose> SampleViews(const ViewSetOptions& options, const Intrinsics& k, double radius);

}  // namespace corrlens::render
