// Helpers shared by the core/model tests: fixture paths, .npy <-> tensor,
// images as .npy, running the Python reference, and tolerance checks.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QtTest>
#include "tests/common/test_paths.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/model/vit_config.h"

namespace corrlens::model::test {

inline std::string Fixture(const std::string& name) { return corrlens::test::TestDataDir() + "/model/" + name; }

// The tiny configuration of scripts/fixtures/make_model_fixtures.py: the
// real layout of `arch` with dim 24, 2 heads, 4 blocks and MLP width 96.
inline VitConfig Tiny(const std::string& arch) {
  VitConfig config = VitConfig::ForArch(arch);
  config.embed_dim = 24;
  config.num_heads = 2;
  config.depth = 4;
  config.ffn_hidden = 96;
  return config;
}

inline std::string ReferenceScript() { return corrlens::test::SourceDir() + "/scripts/reference/dinov2_reference.py"; }

// The single tensor of an .npy file as a CPU tensor.
inline at::Tensor LoadNpy(const std::string& path) {
  const io::TensorFile file = io::ReadTensorFile(path);
  return io::ToTorch(file.tensors.at(0).tensor);
}

inline void SaveNpy(const std::string& path, const at::Tensor& tensor) {
  io::WriteNpy(path, io::FromTorch(tensor.contiguous()));
}

// uint8 [H, W, 3] .npy -> CV_8UC3 (RGB).
inline cv::Mat LoadImageNpy(const std::string& path) {
  const at::Tensor t = LoadNpy(path).contiguous();
  cv::Mat image(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC3);
  std::memcpy(image.data, t.data_ptr(), static_cast<size_t>(t.numel()));
  return image;
}

inline void SaveImageNpy(const std::string& path, const cv::Mat& rgb) {
  const cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
  SaveNpy(path, torch::from_blob(c.data, {c.rows, c.cols, 3}, torch::kUInt8).clone());
}

// A deterministic RGB test pattern with edges and gradients.
inline cv::Mat Pattern(int width, int height, int seed = 0) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>((x * 7 + y * 3 + seed) % 256),
                                            static_cast<uchar>((x * 2 + y * 5 + 40 * seed) % 256),
                                            static_cast<uchar>(((x / 9) ^ (y / 7)) * 37 % 256));
  return image;
}

// max |a - b| / max |b|; -1 when shapes differ.
inline double RelativeError(const at::Tensor& a, const at::Tensor& b) {
  if (a.sizes() != b.sizes()) return -1.0;
  const double scale = b.abs().max().item<double>();
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>() / std::max(scale, 1e-12);
}

// Runs /usr/bin/python3 `args`; fails the test with its stderr on error.
inline bool RunPython(const QStringList& args, int timeout_ms = 110000) {
  QProcess process;
  process.setProgram("/usr/bin/python3");
  process.setArguments(args);
  process.setProcessChannelMode(QProcess::SeparateChannels);
  process.start();
  if (!process.waitForFinished(timeout_ms)) {
    qWarning("python timed out or did not start: %s", qPrintable(process.errorString()));
    process.kill();
    return false;
  }
  if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
    qWarning("python failed (%d): %s", process.exitCode(), process.readAllStandardError().constData());
    return false;
  }
  return true;
}

inline std::vector<std::pair<double, double>> PointsFromTensor(const at::Tensor& points) {
  std::vector<std::pair<double, double>> out;
  const at::Tensor p = points.to(at::kDouble).contiguous();
  for (int64_t i = 0; i < p.size(0); ++i) out.emplace_back(p[i][0].item<double>(), p[i][1].item<double>());
  return out;
}

}  // namespace corrlens::model::test
