#include "core/finetune/augment.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace corrlens::finetune {
namespace {

double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
bool Chance(std::mt19937_64& rng, double p) { return Uniform(rng, 0.0, 1.0) < p; }

// ShiftScaleRotate: returns the 2x3 matrix applied (identity when skipped).
cv::Matx23d Geometric(ViewSample& v, const AugmentOptions& o, std::mt19937_64& rng) {
  cv::Matx23d m(1, 0, 0, 0, 1, 0);
  if (!Chance(rng, o.geometric_probability)) return m;
  const double angle = Uniform(rng, -o.rotate_deg, o.rotate_deg), scale = Uniform(rng, 1 - o.scale, 1 + o.scale);
  const double dx = Uniform(rng, -o.shift, o.shift), dy = Uniform(rng, -o.shift, o.shift);
  const cv::Point2f centre(v.rgb.cols / 2.0f, v.rgb.rows / 2.0f);
  cv::Mat r = cv::getRotationMatrix2D(centre, angle, scale);
  r.at<double>(0, 2) += dx * v.rgb.cols;
  r.at<double>(1, 2) += dy * v.rgb.rows;
  m = cv::Matx23d(r);
  cv::Mat rgb, mask;
  cv::warpAffine(v.rgb, rgb, r, v.rgb.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  cv::warpAffine(v.mask, mask, r, v.mask.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  v.rgb = rgb;
  v.mask = mask;
  return m;
}

void Colour(cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64& rng) {
  const double p = o.color_probability;
  if (Chance(rng, p)) {  // GaussianBlur, kernel 1 or 3
    const int k = Chance(rng, 0.5) ? 3 : 1;
    if (k > 1) cv::GaussianBlur(rgb, rgb, cv::Size(k, k), 0);
  }
  cv::Mat f;
  rgb.convertTo(f, CV_32FC3);
  if (Chance(rng, p)) {  // ISO-like noise: luminance and colour noise
    const double intensity = Uniform(rng, 0.1, 0.5), shift = Uniform(rng, 0.01, 0.05);
    cv::Mat lum(f.size(), CV_32FC1), col(f.size(), CV_32FC3);
    cv::RNG cvrng(rng());
    cvrng.fill(lum, cv::RNG::NORMAL, 0, intensity * 255.0 * 0.1);
    cvrng.fill(col, cv::RNG::NORMAL, 0, shift * 255.0);
    cv::Mat lum3;
    cv::merge(std::vector<cv::Mat>{lum, lum, lum}, lum3);
    f += lum3 + col;
  }
  if (Chance(rng, p)) {  // GaussNoise, variance in [10, 50]
    cv::Mat noise(f.size(), CV_32FC3);
    cv::RNG cvrng(rng());
    cvrng.fill(noise, cv::RNG::NORMAL, 0, std::sqrt(Uniform(rng, 10, 50)));
    f += noise;
  }
  f.convertTo(rgb, CV_8UC3);  // saturates
  if (Chance(rng, p)) {       // CLAHE on the L channel, clip limit in [1, 4], 8x8 tiles
    cv::Mat lab;
    cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
    std::vector<cv::Mat> ch;
    cv::split(lab, ch);
    cv::createCLAHE(Uniform(rng, 1, 4), cv::Size(8, 8))->apply(ch[0], ch[0]);
    cv::merge(ch, lab);
    cv::cvtColor(lab, rgb, cv::COLOR_Lab2RGB);
  }
  if (Chance(rng, p)) {  // RandomBrightnessContrast, +-0.2 each
    const double alpha = 1 + Uniform(rng, -0.2, 0.2), beta = 255.0 * Uniform(rng, -0.2, 0.2);
    rgb.convertTo(rgb, CV_8UC3, alpha, beta);
  }
}

}  // namespace

bool AugmentOptions::Check() const {
  return geometric_probability >= 0 && geometric_probability <= 1 && color_probability >= 0 && color_probability <= 1 &&
         shift >= 0 && scale >= 0 && scale < 1 && rotate_deg >= 0;
}

void AugmentView(ViewSample& v, const AugmentOptions& o, std::mt19937_64& rng) {
  if (!o.enabled) return;
  const cv::Matx23d m = Geometric(v, o, rng);
  std::vector<cv::Point2f> pts;
  std::vector<cv::Point3f> p3;
  for (size_t i = 0; i < v.points2d.size(); ++i) {
    const cv::Point2f& q = v.points2d[i];
    const cv::Point2f t(float(m(0, 0) * q.x + m(0, 1) * q.y + m(0, 2)), float(m(1, 0) * q.x + m(1, 1) * q.y + m(1, 2)));
    if (t.x >= 0 && t.x < v.rgb.cols && t.y >= 0 && t.y < v.rgb.rows) pts.push_back(t), p3.push_back(v.points3d[i]);
  }
  if (pts.empty()) return;  // as the reference: image moved, points kept, no colour change
  Colour(v.rgb, o, rng);
  v.rgb.setTo(cv::Scalar::all(0), v.mask == 0);
  v.points2d = std::move(pts);
  v.points3d = std::move(p3);
}

}  // namespace corrlens::finetune
