#include "core/bench/letterbox.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/util/error.h"

namespace corrlens::bench {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's fixed point for 8-bit images
constexpr double kLanczosSupport = 3.0;

double Sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}

double Lanczos(double x) { return (-3.0 <= x && x < 3.0) ? Sinc(x) * Sinc(x / 3.0) : 0.0; }

// PIL's precompute_coeffs + normalize_coeffs_8bpc for one axis.
struct Coefficients {
  int taps = 0;                 // coefficients per output pixel
  std::vector<int> first;       // first input index per output pixel
  std::vector<int> count;       // used taps per output pixel
  std::vector<int32_t> weight;  // [out][taps], fixed point
};

Coefficients Precompute(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kLanczosSupport * filterscale;
  Coefficients c;
  c.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weight.assign(static_cast<size_t>(out_size) * c.taps, 0);
  std::vector<double> k(c.taps);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = Lanczos((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      const double fixed = w * (1 << kPrecisionBits);
      c.weight[static_cast<size_t>(xx) * c.taps + x] = static_cast<int32_t>(w < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t Clip8(int64_t value) {
  const int64_t shifted = value >> kPrecisionBits;
  return static_cast<uint8_t>(std::clamp<int64_t>(shifted, 0, 255));
}

// One separable pass; `horizontal` resamples columns, otherwise rows.
cv::Mat Pass(const cv::Mat& in, int out_size, bool horizontal) {
  const int in_size = horizontal ? in.cols : in.rows;
  const Coefficients c = Precompute(in_size, out_size);
  cv::Mat out(horizontal ? in.rows : out_size, horizontal ? out_size : in.cols, CV_8UC3);
  for (int y = 0; y < out.rows; ++y) {
    for (int x = 0; x < out.cols; ++x) {
      const int o = horizontal ? x : y;
      const int32_t* k = &c.weight[static_cast<size_t>(o) * c.taps];
      int64_t acc[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (int t = 0; t < c.count[o]; ++t) {
        const int i = c.first[o] + t;
        const cv::Vec3b& p = horizontal ? in.at<cv::Vec3b>(y, i) : in.at<cv::Vec3b>(i, x);
        for (int ch = 0; ch < 3; ++ch) acc[ch] += static_cast<int64_t>(p[ch]) * k[t];
      }
      out.at<cv::Vec3b>(y, x) = cv::Vec3b(Clip8(acc[0]), Clip8(acc[1]), Clip8(acc[2]));
    }
  }
  return out;
}

// Python's round() of a positive double: half to even.
int RoundHalfEven(double v) { return static_cast<int>(std::nearbyint(v)); }

}  // namespace

cv::Point2f Letterbox::ToCanvas(const cv::Point2d& p) const {
  const float s = static_cast<float>(scale);
  return {static_cast<float>(p.x) * s + static_cast<float>(offset_x),
          static_cast<float>(p.y) * s + static_cast<float>(offset_y)};
}

cv::Point2d Letterbox::FromCanvas(const cv::Point2d& p) const {
  return {(p.x - offset_x) / scale, (p.y - offset_y) / scale};
}

Letterbox MakeLetterbox(int width, int height, int size) {
  if (width < 1 || height < 1 || size < 1)
    throw Error("cannot letterbox an image of " + std::to_string(width) + "x" + std::to_string(height));
  Letterbox box;
  box.size = size;
  box.width = width;
  box.height = height;
  box.scale = static_cast<double>(size) / std::max(width, height);
  box.new_width = box.new_height = size;
  if (height < width) {
    box.new_height = RoundHalfEven(static_cast<double>(size) * height / width);
    box.offset_y = (size - box.new_height) / 2;
  } else if (width < height) {
    box.new_width = RoundHalfEven(static_cast<double>(size) * width / height);
    box.offset_x = (size - box.new_width) / 2;
  }
  return box;
}

cv::Mat ResizeLanczosPil(const cv::Mat& rgb, int width, int height) {
  if (rgb.empty() || rgb.type() != CV_8UC3 || width < 1 || height < 1)
    throw Error("Lanczos resize needs an RGB image (CV_8UC3) and a positive size");
  cv::Mat image = rgb;
  if (image.cols != width) image = Pass(image, width, /*horizontal=*/true);
  if (image.rows != height) image = Pass(image, height, /*horizontal=*/false);
  return image.data == rgb.data ? rgb.clone() : image;
}

cv::Mat LetterboxImage(const cv::Mat& rgb, const Letterbox& box) {
  const cv::Mat resized = ResizeLanczosPil(rgb, box.new_width, box.new_height);
  cv::Mat canvas(box.size, box.size, CV_8UC3, cv::Scalar::all(0));
  resized.copyTo(canvas(cv::Rect(box.offset_x, box.offset_y, box.new_width, box.new_height)));
  return canvas;
}

}  // namespace corrlens::bench
