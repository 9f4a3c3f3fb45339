#include "plugins/classical/dense_sift.h"

#include <torch/torch.h>

#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens {
namespace {

class DenseSiftImpl : public DenseSiftBackend {
 public:
  explicit DenseSiftImpl(const DenseSiftOptions& options) : options_(options) {
    info_.id = options.root_sift ? "dense_rootsift" : "dense_sift";
    info_.display_name = (options.root_sift ? "Dense RootSIFT" : "Dense SIFT") + std::string(" (OpenCV, bin ") +
                         std::to_string(options.bin_size) + " px)";
    info_.dim = 128;
    // No weights: the parameters and the OpenCV version identify the output.
    info_.weights_hash = "opencv" CV_VERSION "-bin" + std::to_string(options.bin_size);
    try {
      const torch::Device device(options.device);
      info_.device = device.str();
      if (device.is_cuda() && !torch::cuda::is_available()) {
        throw Error("device '" + options.device + "' requested but CUDA is not available", {"", std::nullopt, "device"},
                    "CPU-only LibTorch or no GPU; use cpu");
      }
    } catch (const c10::Error&) {
      throw Error("bad device '" + options.device + "'", {"", std::nullopt, "device"}, "use cpu, cuda or cuda:N");
    }
  }

  const BackendInfo& Info() const override { return info_; }

  FeatureMap Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) override;

 private:
  GridGeometry Geometry(const cv::Mat& rgb, const ExtractOptions& options) const;

  DenseSiftOptions options_;
  BackendInfo info_;
};

GridGeometry DenseSiftImpl::Geometry(const cv::Mat& rgb, const ExtractOptions& options) const {
  GridGeometry g;
  g.image_width = rgb.cols;
  g.image_height = rgb.rows;
  if (options.input_width > 0 && options.input_height > 0) {
    g.input_width = options.input_width;
    g.input_height = options.input_height;
  } else {
    const double scale = double(options.resolution) / std::max(rgb.cols, rgb.rows);
    g.input_width = std::max(1, static_cast<int>(std::lround(rgb.cols * scale)));
    g.input_height = std::max(1, static_cast<int>(std::lround(rgb.rows * scale)));
  }
  g.patch = 4 * options_.bin_size;
  g.stride = options.stride > 0 ? options.stride : options.downsample;
  if (g.input_width < g.patch || g.input_height < g.patch) {
    throw Error("image too small for dense SIFT: model input " + std::to_string(g.input_width) + "x" +
                    std::to_string(g.input_height) + " < descriptor window " + std::to_string(g.patch),
                {"", std::nullopt, "resolution"}, "raise --resolution or lower the bin size");
  }
  g.grid_width = 1 + (g.input_width - g.patch) / g.stride;
  g.grid_height = 1 + (g.input_height - g.patch) / g.stride;
  return g;
}

FeatureMap DenseSiftImpl::Extract(const cv::Mat& rgb, const ExtractOptions& options, const CancelToken& cancel) {
  CL_CHECK(options.Check()) << "invalid ExtractOptions";
  CL_CHECK(!rgb.empty() && rgb.type() == CV_8UC3) << "dense SIFT expects a CV_8UC3 RGB image";
  cancel.ThrowIfCancelled();
  const GridGeometry g = Geometry(rgb, options);
  cv::Mat gray, input;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  if (gray.cols == g.input_width && gray.rows == g.input_height) {
    input = gray;
  } else {
    const bool shrink = g.input_width < gray.cols;
    cv::resize(gray, input, cv::Size(g.input_width, g.input_height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  // Upright keypoints (angle 0) at the token centres; OpenCV's bin width is
  // 3 * size / 2, so size = bin / 1.5.
  std::vector<cv::KeyPoint> keypoints;
  keypoints.reserve(static_cast<size_t>(g.grid_width) * g.grid_height);
  const float size = options_.bin_size / 1.5f;
  for (int j = 0; j < g.grid_height; ++j) {
    for (int i = 0; i < g.grid_width; ++i) {
      keypoints.emplace_back(g.patch / 2.0f + i * g.stride, g.patch / 2.0f + j * g.stride, size, 0.f);
    }
  }
  const size_t expected = keypoints.size();
  cv::Mat descriptors;
  cv::SIFT::create()->compute(input, keypoints, descriptors);
  cancel.ThrowIfCancelled();
  CL_CHECK(keypoints.size() == expected && descriptors.rows == static_cast<int>(expected) && descriptors.cols == 128 &&
           descriptors.type() == CV_32F)
      << "OpenCV SIFT dropped or reshaped grid keypoints";
  at::Tensor desc = torch::from_blob(descriptors.data, {descriptors.rows, 128}, torch::kFloat32).clone();
  if (options_.root_sift) {
    desc = desc / desc.abs().sum(1, /*keepdim=*/true).clamp_min(1e-12);
    desc = desc.sqrt();
  }
  FeatureMap map;
  map.geometry = g;
  map.backend_id = info_.id;
  map.features = desc.t().reshape({128, g.grid_height, g.grid_width}).contiguous().to(torch::Device(options_.device));
  return map;
}

}  // namespace

std::unique_ptr<FeatureBackend> DenseSiftBackend::Create(const DenseSiftOptions& options) {
  CL_CHECK(options.Check()) << "invalid DenseSiftOptions (bin_size in [2, 64], device set)";
  return std::make_unique<DenseSiftImpl>(options);
}

}  // namespace corrlens
