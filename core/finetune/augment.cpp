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

uint8_t TruncateToByte(double v) { return uint8_t(std::clamp(v, 0.0, 255.0)); }  // np.clip + astype

// np.multiply(image, float(1 / 255), dtype=np.float32) then RGB -> HLS.
cv::Mat ToHls(const cv::Mat& rgb) {
  const float scale = float(1.0 / 255.0);
  cv::Mat f(rgb.size(), CV_32FC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const uint8_t* s = rgb.ptr<uint8_t>(y);
    float* d = f.ptr<float>(y);
    for (int i = 0; i < 3 * rgb.cols; ++i) d[i] = float(s[i]) * scale;
  }
  cv::Mat hls;
  cv::cvtColor(f, hls, cv::COLOR_RGB2HLS);
  return hls;
}

// A draw of each colour transform (albumentations' get_params), applied.
void Colour(cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64& rng) {
  const double p = o.color_probability;
  if (Chance(rng, p)) {  // GaussianBlur(blur_limit=(1, 3)): randrange(1, 4), an even size becomes 3
    const int k = std::uniform_int_distribution<int>(1, 3)(rng);
    rgb = GaussianBlurImage(rgb, k == 1 ? 1 : 3);
  }
  if (Chance(rng, p)) {  // ISONoise(): color_shift in [0.01, 0.05], intensity in [0.1, 0.5]
    const double color_shift = Uniform(rng, 0.01, 0.05), intensity = Uniform(rng, 0.1, 0.5);
    const double lambda = IsoNoiseLambda(rgb, intensity);
    cv::Mat lum(rgb.size(), CV_32SC1, cv::Scalar(0)), hue(rgb.size(), CV_64FC1);
    if (lambda > 0) {
      std::poisson_distribution<int> poisson(lambda);
      for (auto it = lum.begin<int>(); it != lum.end<int>(); ++it) *it = poisson(rng);
    }
    std::normal_distribution<double> normal(0.0, color_shift * 360 * intensity);
    for (auto it = hue.begin<double>(); it != hue.end<double>(); ++it) *it = normal(rng);
    rgb = IsoNoiseImage(rgb, lum, hue);
  }
  if (Chance(rng, p)) {  // GaussNoise(): variance in [10, 50], per channel
    std::normal_distribution<double> normal(0.0, std::sqrt(Uniform(rng, 10, 50)));
    cv::Mat gauss(rgb.size(), CV_64FC3);
    cv::Mat flat = gauss.reshape(1);  // shares the data
    for (auto it = flat.begin<double>(); it != flat.end<double>(); ++it) *it = normal(rng);
    rgb = GaussNoiseImage(rgb, gauss);
  }
  if (Chance(rng, p)) rgb = ClaheImage(rgb, Uniform(rng, 1, 4));  // CLAHE(): clip limit in [1, 4]
  if (Chance(rng, p)) {                                           // RandomBrightnessContrast(): +-0.2 each
    const double alpha = 1.0 + Uniform(rng, -0.2, 0.2), beta = 0.0 + Uniform(rng, -0.2, 0.2);
    rgb = BrightnessContrastImage(rgb, alpha, beta);
  }
}

}  // namespace

bool AugmentOptions::Check() const {
  return geometric_probability >= 0 && geometric_probability <= 1 && color_probability >= 0 && color_probability <= 1 &&
         shift >= 0 && scale >= 0 && scale < 1 && rotate_deg >= 0;
}

cv::Matx23d ShiftScaleRotateMatrix(const ShiftScaleRotateParams& p, cv::Size size) {
  const cv::Point2f centre(float(size.width / 2.0 - 0.5), float(size.height / 2.0 - 0.5));
  cv::Matx23d m = cv::Matx23d(cv::getRotationMatrix2D(centre, p.angle_deg, p.scale));
  m(0, 2) += p.dx * size.width;
  m(1, 2) += p.dy * size.height;
  return m;
}

void ApplyShiftScaleRotate(ViewSample& v, const ShiftScaleRotateParams& p) {
  const cv::Matx23d m = ShiftScaleRotateMatrix(p, v.rgb.size());
  cv::Mat rgb, mask;
  cv::warpAffine(v.rgb, rgb, m, v.rgb.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  if (!v.mask.empty())
    cv::warpAffine(v.mask, mask, m, v.mask.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  v.rgb = rgb;
  v.mask = mask;
  for (auto& q : v.points2d) {  // cv2.transform in double
    const double x = q.x, y = q.y;
    q = cv::Point2f(float(m(0, 0) * x + m(0, 1) * y + m(0, 2)), float(m(1, 0) * x + m(1, 1) * y + m(1, 2)));
  }
}

cv::Mat GaussianBlurImage(const cv::Mat& rgb, int ksize) {
  cv::Mat out;
  cv::GaussianBlur(rgb, out, cv::Size(ksize, ksize), 0);
  return out;
}

double IsoNoiseLambda(const cv::Mat& rgb, double intensity) {
  cv::Scalar mean, stddev;
  cv::meanStdDev(ToHls(rgb), mean, stddev);
  return stddev[1] * intensity * 255;
}

cv::Mat IsoNoiseImage(const cv::Mat& rgb, const cv::Mat& luminance_noise, const cv::Mat& hue_noise) {
  CV_Assert(rgb.type() == CV_8UC3 && luminance_noise.type() == CV_32SC1 && hue_noise.type() == CV_64FC1 &&
            luminance_noise.size() == rgb.size() && hue_noise.size() == rgb.size());
  cv::Mat hls = ToHls(rgb);
  for (int y = 0; y < hls.rows; ++y) {
    cv::Vec3f* px = hls.ptr<cv::Vec3f>(y);
    const int* n = luminance_noise.ptr<int>(y);
    const double* h = hue_noise.ptr<double>(y);
    for (int x = 0; x < hls.cols; ++x) {
      float& hue = px[x][0];  // float32 += float64 happens in float64
      hue = float(double(hue) + h[x]);
      if (hue < 0) hue += 360.0f;
      if (hue > 360) hue -= 360.0f;
      float& l = px[x][1];
      l = float(double(l) + (double(n[x]) / 255.0) * double(1.0f - l));
    }
  }
  cv::Mat f, out(rgb.size(), CV_8UC3);
  cv::cvtColor(hls, f, cv::COLOR_HLS2RGB);
  for (int y = 0; y < f.rows; ++y) {
    const float* s = f.ptr<float>(y);
    uint8_t* d = out.ptr<uint8_t>(y);
    for (int i = 0; i < 3 * f.cols; ++i) d[i] = TruncateToByte(s[i] * 255.0f);
  }
  return out;
}

cv::Mat GaussNoiseImage(const cv::Mat& rgb, const cv::Mat& gauss) {
  CV_Assert(rgb.type() == CV_8UC3 && gauss.type() == CV_64FC3 && gauss.size() == rgb.size());
  cv::Mat out(rgb.size(), CV_8UC3);
  for (int y = 0; y < rgb.rows; ++y) {
    const uint8_t* s = rgb.ptr<uint8_t>(y);
    const double* g = gauss.ptr<double>(y);
    uint8_t* d = out.ptr<uint8_t>(y);
    for (int i = 0; i < 3 * rgb.cols; ++i) d[i] = TruncateToByte(double(s[i]) + g[i]);
  }
  return out;
}

cv::Mat ClaheImage(const cv::Mat& rgb, double clip_limit) {
  cv::Mat lab;
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  std::vector<cv::Mat> ch;
  cv::split(lab, ch);
  cv::createCLAHE(clip_limit, cv::Size(8, 8))->apply(ch[0], ch[0]);
  cv::merge(ch, lab);
  cv::Mat out;
  cv::cvtColor(lab, out, cv::COLOR_Lab2RGB);
  return out;
}

cv::Mat BrightnessContrastImage(const cv::Mat& rgb, double alpha, double beta) {
  cv::Mat lut(1, 256, CV_8UC1);
  const float a = float(alpha), b = float(beta * 255);  // numpy: float32 array op python float
  for (int i = 0; i < 256; ++i) {
    float v = float(i);
    if (alpha != 1) v *= a;
    if (beta != 0) v += b;
    lut.at<uint8_t>(i) = TruncateToByte(v);
  }
  cv::Mat out;
  cv::LUT(rgb, lut, out);
  return out;
}

void AugmentView(ViewSample& v, const AugmentOptions& o, std::mt19937_64& rng) {
  if (!o.enabled) return;
  const std::vector<cv::Point2f> original = v.points2d;
  if (Chance(rng, o.geometric_probability)) {
    ShiftScaleRotateParams p;  // get_params' order: angle, scale, dx, dy
    p.angle_deg = Uniform(rng, -o.rotate_deg, o.rotate_deg);
    p.scale = Uniform(rng, 1 - o.scale, 1 + o.scale);
    p.dx = Uniform(rng, -o.shift, o.shift);
    p.dy = Uniform(rng, -o.shift, o.shift);
    ApplyShiftScaleRotate(v, p);
  }
  std::vector<cv::Point2f> pts;
  std::vector<cv::Point3f> p3;
  for (size_t i = 0; i < v.points2d.size(); ++i) {
    const cv::Point2f& t = v.points2d[i];
    if (t.x >= 0 && t.x < v.rgb.cols && t.y >= 0 && t.y < v.rgb.rows) pts.push_back(t), p3.push_back(v.points3d[i]);
  }
  if (pts.empty()) {  // as the reference: image moved, the original points kept, no colour change
    v.points2d = original;
    return;
  }
  Colour(v.rgb, o, rng);
  v.rgb.setTo(cv::Scalar::all(0), v.mask == 0);
  v.points2d = std::move(pts);
  v.points3d = std::move(p3);
}

}  // namespace corrlens::finetune
