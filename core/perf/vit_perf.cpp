#include "core/perf/vit_perf.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/model/vit_extractor.h"

namespace corrlens::perf {

using model::VisionTransformer;
using model::VitConfig;
using model::VitFeatureExtractor;
namespace {

std::unique_ptr<VitFeatureExtractor> RandomExtractor(const std::string& arch, const std::string& device,
                                                     const std::string& dtype) {
  VisionTransformer vit(VitConfig::ForArch(arch));
  vit->RandomInit(/*seed=*/0);
  return std::make_unique<VitFeatureExtractor>(vit, nullptr, device, dtype);
}

// The pattern scripts/reference/dinov2_reference.py draws for --synthetic.
cv::Mat Synthetic(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b((x * 7 + y * 3) % 256, (x * 2 + y * 5) % 256, (x ^ y) % 256);
  return image;
}

ExtractOptions ExactInput(int width, int height, int stride = 0, bool prenorm = false) {
  ExtractOptions options;
  options.input_width = width;
  options.input_height = height;
  options.stride = stride;
  options.layer = prenorm ? FeatureLayer::kPrenorm : FeatureLayer::kNorm;
  return options;
}

}  // namespace

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

ExtractionTiming TimeExtraction(const TimingOptions& o) {
  auto extractor = RandomExtractor(o.arch, o.device, o.dtype);
  const cv::Mat image = Synthetic(o.width, o.height);
  const ExtractOptions options = ExactInput(o.width, o.height, o.stride, o.prenorm);
  std::vector<double> times;
  ExtractionTiming timing;
  for (int i = 0; i < o.warmup + std::max(o.runs, 1); ++i) {
    const auto start = std::chrono::steady_clock::now();
    const FeatureMap map = extractor->Extract(image, options, CancelToken());
    (void)map.features.sum().item<float>();  // waits for asynchronous devices
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (i >= o.warmup) times.push_back(ms);
    timing.tokens = int64_t(map.geometry.grid_height) * map.geometry.grid_width;
  }
  std::sort(times.begin(), times.end());
  timing.ms_median = times[times.size() / 2];
  timing.ms_min = times.front();
  const VitConfig& config = extractor->config();
  timing.gflop = config.Flops(timing.tokens + 1 + config.num_register_tokens) / 1e9;
  timing.peak_rss_mb = PeakRssMb();
  timing.threads = at::get_num_threads();
  return timing;
}

double MeasureSgemmGflops(int n) {
  c10::InferenceMode guard;
  const at::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  at::Tensor c = torch::matmul(a, b);
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::matmul(a, b);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return 2.0 * n * n * double(n) / best / 1e9;
}

PrecisionCheck CompareBfloat16(const std::string& arch, const cv::Mat& a, const cv::Mat& b, int width, int height,
                               const std::string& device) {
  c10::InferenceMode guard;
  const ExtractOptions options = ExactInput(width, height);
  auto tokens = [&](const std::string& dtype) {
    auto extractor = RandomExtractor(arch, device, dtype);
    return std::make_pair(extractor->Extract(a, options, CancelToken()).features.flatten(1).t(),
                          extractor->Extract(b, options, CancelToken()).features.flatten(1).t());
  };
  const auto [fa, fb] = tokens("float32");
  const auto [ha, hb] = tokens("bfloat16");
  auto nearest = [](const at::Tensor& x, const at::Tensor& y) {
    const at::Tensor xn = x / x.norm(2, {1}, true), yn = y / y.norm(2, {1}, true);
    return torch::matmul(xn, yn.t()).argmax(1);
  };
  const at::Tensor cosine = torch::cosine_similarity(fa, ha, 1);
  PrecisionCheck check;
  check.cos_min = cosine.min().item<double>();
  check.cos_mean = cosine.mean().item<double>();
  check.nn_agree = (nearest(fa, fb) == nearest(ha, hb)).to(at::kFloat).mean().item<double>();
  return check;
}

}  // namespace corrlens::perf
