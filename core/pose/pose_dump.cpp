#include "core/pose/pose_dump.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "core/io/image.h"
#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/util/error.h"

namespace corrlens::pose {
namespace {

namespace stdfs = std::filesystem;

io::TensorData Doubles(const double* values, std::vector<int64_t> shape) {
  size_t count = 1;
  for (int64_t s : shape) count *= size_t(s);
  std::vector<uint8_t> bytes(count * sizeof(double));
  if (count > 0) std::memcpy(bytes.data(), values, bytes.size());
  return io::TensorData::FromBytes(io::DType::kFloat64, std::move(shape), std::move(bytes));
}

io::TensorData Int64s(const std::vector<int64_t>& values, std::vector<int64_t> shape) {
  std::vector<uint8_t> bytes(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return io::TensorData::FromBytes(io::DType::kInt64, std::move(shape), std::move(bytes));
}

void MakeDirs(const stdfs::path& dir) {
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec) throw Error("cannot create the pose dump folder: " + ec.message(), {dir.string()});
}

std::mutex& DumpMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

std::string PoseDumpDir() {
  const char* dir = std::getenv("CORRLENS_POSE_DUMP");
  return dir == nullptr ? std::string() : std::string(dir);
}

void DumpPoseEstimate(const std::string& dir, const void* database_key, const at::Tensor& templates,
                      const std::vector<cv::Point3d>& points, const cv::Mat& query_rgb, const at::Tensor& queries,
                      const std::vector<cv::Point2d>& grid, const std::vector<int64_t>& match_pairs,
                      const cv::Matx33d& intrinsics, const PoseEstimate& estimate) {
  std::lock_guard<std::mutex> lock(DumpMutex());
  static std::map<const void*, int> databases;
  static int frames = 0;
  const stdfs::path root(dir);
  auto [it, added] = databases.emplace(database_key, int(databases.size()));
  const std::string templates_name = fmt::format("templates_{}", it->second);
  if (added) {
    MakeDirs(root / templates_name);
    io::WriteNpy((root / templates_name / "templates.npy").string(), io::FromTorch(templates.to(at::kFloat)));
    std::vector<double> xyz;
    for (const cv::Point3d& p : points) xyz.insert(xyz.end(), {p.x, p.y, p.z});
    io::WriteNpy((root / templates_name / "points3d.npy").string(), Doubles(xyz.data(), {int64_t(points.size()), 3}));
  }
  const stdfs::path frame = root / fmt::format("frame_{}", frames++);
  MakeDirs(frame);
  io::WriteImage((frame / "query.png").string(), query_rgb);
  io::WriteNpy((frame / "queries.npy").string(), io::FromTorch(queries.to(at::kFloat)));
  std::vector<double> xy;
  for (const cv::Point2d& p : grid) xy.insert(xy.end(), {p.x, p.y});
  io::WriteNpy((frame / "grid.npy").string(), Doubles(xy.data(), {int64_t(grid.size()), 2}));
  io::WriteNpy((frame / "K.npy").string(), Doubles(intrinsics.val, {3, 3}));
  io::WriteNpy((frame / "matches.npy").string(), Int64s(match_pairs, {int64_t(match_pairs.size() / 2), 2}));
  nlohmann::ordered_json json = {
      {"templates", templates_name},
      {"solved", estimate.solved},
      {"inliers", estimate.inliers},
      {"matches", estimate.matches.size()},
      {"cam_from_object", std::vector<double>(estimate.cam_from_object.val, estimate.cam_from_object.val + 16)},
      {"extract_seconds", estimate.extract_seconds},
      {"match_seconds", estimate.match_seconds},
      {"pnp_seconds", estimate.pnp_seconds},
      {"torch_threads", at::get_num_threads()}};
  const std::string path = (frame / "corrlens.json").string();
  std::ofstream out(path);
  out << json.dump(2) << "\n";
  if (!out) throw Error("cannot write the pose dump", {path});
}

}  // namespace corrlens::pose
