#include "core/finetune/training_data.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include "core/io/tensor_file.h"
#include "core/io/torch_convert.h"
#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens::finetune {
namespace fs = std::filesystem;
namespace {

bool IsMeshFile(const fs::path& p) {
  static const std::set<std::string> kExt = {".obj", ".ply", ".stl", ".gltf", ".glb", ".fbx",   ".dae", ".3ds",
                                             ".off", ".x",   ".lwo", ".ms3d", ".ac",  ".blend", ".3mf"};
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return kExt.count(ext) > 0;
}

std::vector<std::string> ReadList(const fs::path& list) {
  std::ifstream in(list);
  if (!in) throw Error("cannot read the mesh list", {list.string()}, "check the path and permissions");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    fs::path p = line.substr(b, e - b + 1);
    out.push_back((p.is_absolute() ? p : list.parent_path() / p).string());
  }
  return out;
}

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::vector<std::string> ExpandMeshes(const std::string& dir_or_list) {
  std::error_code ec;
  const fs::path root(dir_or_list);
  std::vector<std::string> out;
  if (fs::is_directory(root, ec)) {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
      if (it->is_regular_file(ec) && IsMeshFile(it->path())) out.push_back(it->path().string());
    std::sort(out.begin(), out.end());
  } else if (fs::is_regular_file(root, ec)) {
    out = IsMeshFile(root) ? std::vector<std::string>{root.string()} : ReadList(root);
  } else {
    throw Error("no such file or folder", {dir_or_list, std::nullopt, "meshes"},
                "give a folder of meshes or a list file");
  }
  if (out.empty())
    throw Error("no mesh files found", {dir_or_list, std::nullopt, "meshes"},
                "expects .obj/.ply/.glb/... files (folder) or one path per line (list)");
  return out;
}

std::string ReferencePosesPath() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("CORRLENS_DATA_DIR"); env && *env)
    candidates.push_back(std::string(env) + "/3dcorrenhance/obj_poses.npy");
#ifdef CORRLENS_SOURCE_RESOURCES
  candidates.push_back(std::string(CORRLENS_SOURCE_RESOURCES) + "/data/3dcorrenhance/obj_poses.npy");
#endif
  candidates.push_back("/usr/share/corrlens/data/3dcorrenhance/obj_poses.npy");
  for (const auto& c : candidates)
    if (std::error_code ec; fs::is_regular_file(c, ec)) return c;
  return candidates.back();
}

std::vector<render::Pose> ReferencePoses() {
  const std::string path = ReferencePosesPath();
  const io::TensorFile file = io::ReadTensorFile(path);
  CL_CHECK(!file.tensors.empty()) << "empty " << path;
  const at::Tensor t = io::ToTorch(file.tensors.front().tensor).to(at::kDouble).contiguous();
  if (t.dim() != 3 || t.size(1) != 4 || t.size(2) != 4)
    throw Error("expected poses of shape [N, 4, 4]", {path}, "reinstall or set CORRLENS_DATA_DIR");
  std::vector<render::Pose> poses(t.size(0));
  const double* d = t.data_ptr<double>();
  for (size_t i = 0; i < poses.size(); ++i) std::copy(d + 16 * i, d + 16 * i + 16, poses[i].val);
  return poses;
}

bool TrainingDataOptions::Check() const {
  return image_size >= 32 && points > 0 && max_angle_deg > 0 && augment.Check();
}

TrainingData::TrainingData(const std::vector<std::string>& meshes, const TrainingDataOptions& options,
                           const std::function<void(const std::string&)>& warn)
    : options_(options), poses_(ReferencePoses()) {
  CL_CHECK(options.Check()) << "invalid training data options";
  for (const auto& path : meshes) {
    try {
      meshes_.push_back(render::LoadMesh(path));
      names_.push_back(path);
    } catch (const Error& e) {
      if (warn) warn(fmt::format("skipping mesh {}: {}", path, e.what()));
    }
  }
  if (meshes_.empty())
    throw Error(fmt::format("none of the {} meshes could be read", meshes.size()), {"", std::nullopt, "meshes"},
                "check the files (any format Assimp reads)");
  render::RenderOptions ro;
  ro.intrinsics = render::Intrinsics::Square(options.image_size);
  renderer_ = render::Renderer::Create(ro);
}

TrainingData::~TrainingData() = default;

ViewSample TrainingData::View(int pose, std::mt19937_64& rng) {
  const render::RenderedView r = renderer_->Render(poses_[pose]);
  const render::Intrinsics k = renderer_->Options().intrinsics;
  ViewSample v{r.rgb.clone(), r.mask.clone(), {}, {}};
  std::vector<cv::Point> fg;  // row-major, as np.where(mask > 0)
  cv::findNonZero(r.mask, fg);
  std::sort(fg.begin(), fg.end(),
            [](const cv::Point& a, const cv::Point& b) { return a.y != b.y ? a.y < b.y : a.x < b.x; });
  if (fg.empty()) return v;
  const int n = options_.points;
  std::vector<size_t> chosen(fg.size());
  std::iota(chosen.begin(), chosen.end(), 0);
  if (fg.size() >= size_t(n)) {
    std::shuffle(chosen.begin(), chosen.end(), rng);
    chosen.resize(n);
  } else {
    std::uniform_int_distribution<size_t> pick(0, fg.size() - 1);
    chosen.resize(n);
    for (auto& c : chosen) c = pick(rng);
  }
  const render::Pose cam_to_obj = render::InvertRigid(poses_[pose]);
  for (size_t c : chosen) {
    const cv::Point p = fg[c];
    const double z = std::round(r.depth.at<float>(p.y, p.x) * 1000.0) / 1000.0;  // 16-bit mm PNG in the reference
    const cv::Vec3d obj = render::Transform(cam_to_obj, render::BackProject(k, p.x, p.y, z));
    v.points2d.emplace_back(float(p.x), float(p.y));
    v.points3d.emplace_back(float(obj[0]), float(obj[1]), float(obj[2]));
  }
  return v;
}

TrainingPair TrainingData::Sample(uint64_t seed, int64_t step) {
  std::mt19937_64 rng(Mix(seed ^ Mix(uint64_t(step))));
  std::uniform_int_distribution<int> mesh_pick(0, int(meshes_.size()) - 1), pose_pick(0, int(poses_.size()) - 1);
  TrainingPair pair;
  int mesh = 0;
  do {  // the reference draws again when the views are > 120 degrees apart
    mesh = mesh_pick(rng);
    pair.view1 = pose_pick(rng);
    do pair.view2 = pose_pick(rng);
    while (pair.view2 == pair.view1);
  } while (render::RotationAngleDeg(poses_[pair.view1], poses_[pair.view2]) > options_.max_angle_deg);
  if (mesh != current_mesh_) renderer_->SetMesh(meshes_[mesh]), current_mesh_ = mesh;
  pair.mesh = names_[mesh];
  auto to_tensors = [&](ViewSample v, at::Tensor& rgb, at::Tensor& p2, at::Tensor& p3) {
    AugmentView(v, options_.augment, rng);
    rgb = torch::from_blob(v.rgb.data, {1, v.rgb.rows, v.rgb.cols, 3}, at::kByte).permute({0, 3, 1, 2}).to(at::kFloat) /
          255.0;
    const int64_t n = int64_t(v.points2d.size());
    p2 = torch::from_blob(v.points2d.data(), {1, n, 2}, at::kFloat).clone();
    p3 = torch::from_blob(v.points3d.data(), {1, n, 3}, at::kFloat).clone();
  };
  to_tensors(View(pair.view1, rng), pair.rgb1, pair.points2d_1, pair.points3d_1);
  to_tensors(View(pair.view2, rng), pair.rgb2, pair.points2d_2, pair.points3d_2);
  return pair;
}

}  // namespace corrlens::finetune
