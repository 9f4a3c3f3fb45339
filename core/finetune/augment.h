// The reference's training augmentations (AugmentedDataset in
// data_utils/dataset.py, albumentations 1.3.1 there, OpenCV here): a random
// ShiftScaleRotate of image, mask and points (p = 0.5), then GaussianBlur,
// ISONoise, GaussNoise, CLAHE and RandomBrightnessContrast (each p = 0.5,
// albumentations' defaults); pixels outside the moved mask are set to black
// and points that left the image are dropped.
//
// Each transform is split into drawing its parameters (our RNG) and applying
// them (the functions below): applied to the same parameters, they give
// albumentations 1.3.1's output bit for bit (tests/finetune/augment_test.cpp
// against tests/finetune/augment_reference.py, same OpenCV).
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

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

// --- albumentations 1.3.1 at given parameters (RGB CV_8UC3 in and out) ---

struct ShiftScaleRotateParams {
  double angle_deg = 0, scale = 1, dx = 0, dy = 0;
};
// F.shift_scale_rotate's matrix: rotation and scale about ((w - 1) / 2,
// (h - 1) / 2), then a shift of (dx w, dy h) pixels.
cv::Matx23d ShiftScaleRotateMatrix(const ShiftScaleRotateParams& p, cv::Size size);
// Image bilinear, mask nearest (both constant 0 border), every point moved
// by the same matrix (none removed: remove_invisible=False).
void ApplyShiftScaleRotate(ViewSample& view, const ShiftScaleRotateParams& p);
// cv2.GaussianBlur with sigma 0 (ksize 1 is the identity).
cv::Mat GaussianBlurImage(const cv::Mat& rgb, int ksize);
// ISONoise: the Poisson mean of the luminance noise, stddev(L of HLS) *
// intensity * 255; the hue noise has sigma color_shift * 360 * intensity.
double IsoNoiseLambda(const cv::Mat& rgb, double intensity);
// luminance_noise CV_32SC1 (Poisson draws), hue_noise CV_64FC1 (degrees).
cv::Mat IsoNoiseImage(const cv::Mat& rgb, const cv::Mat& luminance_noise, const cv::Mat& hue_noise);
// GaussNoise: rgb + gauss (CV_64FC3), clipped to [0, 255] and truncated.
cv::Mat GaussNoiseImage(const cv::Mat& rgb, const cv::Mat& gauss);
// CLAHE on L of LAB, 8x8 tiles.
cv::Mat ClaheImage(const cv::Mat& rgb, double clip_limit);
// RandomBrightnessContrast (brightness_by_max): a float32 lookup table
// i * alpha + beta * 255, clipped and truncated.
cv::Mat BrightnessContrastImage(const cv::Mat& rgb, double alpha, double beta);

}  // namespace corrlens::finetune
