// The reference's training augmentations (albumentations there, OpenCV
// here): a random shift/scale/rotate of image, mask and points (p = 0.5),
// then blur, ISO-like noise, Gaussian noise, CLAHE and brightness/contrast
// (each p = 0.5); pixels outside the moved mask are set to black and points
// that left the image are dropped.
#pragma once

#include <opencv2/core/mat.hpp>

#include <random>
#include <vector>

namespace corrlens::finetune {

struct AugmentOptions {
  bool enabled = true;
  double geometric_probability = 0.5;  // ShiftScaleRotate p
  double shift = 0.25;                 // fraction of the image size
  double scale = 0.25;                 // scale in [1 - s, 1 + s]
  double rotate_deg = 45.0;            // rotation in [-r, r]
  double color_probability = 0.5;      // p of each colour augmentation
  bool Check() const;
};

// One view: rgb CV_8UC3, mask CV_8UC1, pixel points (x, y) and their 3D
// object points (same count). Updated in place.
struct ViewSample {
  cv::Mat rgb, mask;
  std::vector<cv::Point2f> points2d;
  std::vector<cv::Point3f> points3d;
};

void AugmentView(ViewSample& view, const AugmentOptions& options, std::mt19937_64& rng);

}  // namespace corrlens::finetune
