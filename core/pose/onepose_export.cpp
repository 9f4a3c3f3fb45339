#include "core/pose/onepose_export.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <regex>

#include "core/io/tensor_file.h"
#include "core/pose/pose_silhouette.h"
#include "core/render/mesh.h"
#include "core/render/renderer.h"
#include "core/render/view_sampling.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::pose {
namespace {

namespace stdfs = std::filesystem;
using render::Intrinsics;
using render::Pose;
constexpr const char* kSfmDir = "sfm_output/outputs_softmax_loftr_loftr";
constexpr const char* kMarker = "corrlens_export.json";
constexpr double kDegree = M_PI / 180.0;

bool IsToken(const std::string& s) {
  static const std::regex pattern("[A-Za-z0-9_]+");
  return std::regex_match(s, pattern);
}

// Camera path of one sequence: azimuth sweep with smooth elevation and
// distance changes plus seeded per-frame jitter, like a hand-held video.
struct PathSpec {
  double azimuth0, turns;   // start (rad) and number of turns
  double elev_lo, elev_hi;  // elevation range (rad) above the object's x-z plane
  double elev_waves;        // elevation oscillations per sequence
  double dist_lo, dist_hi;  // box margin factors over the tightest fit (like OnePose's box crops)
  double roll_max;          // in-plane rotation bound (rad)
};

// Distance along the optical axis at which every box corner projects inside
// the image shrunk by `factor` around the principal point.
double BoxFitDistance(const Pose& rotation, const std::array<cv::Vec3d, 8>& corners, const Intrinsics& k,
                      double factor) {
  const double half_w = std::min(k.cx + 0.5, k.width - 0.5 - k.cx) / factor;
  const double half_h = std::min(k.cy + 0.5, k.height - 0.5 - k.cy) / factor;
  double d = 0.0;
  for (const cv::Vec3d& corner : corners) {
    const cv::Vec3d p = render::Transform(rotation, corner);
    d = std::max({d, k.fx * std::abs(p[0]) / half_w - p[2], k.fy * std::abs(p[1]) / half_h - p[2], -p[2] + 1e-3});
  }
  return d;
}

std::vector<Pose> CameraPath(const PathSpec& spec, int count, const Intrinsics& k,
                             const std::array<cv::Vec3d, 8>& corners, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::vector<Pose> poses;
  for (int i = 0; i < count; ++i) {
    const double t = count > 1 ? double(i) / count : 0.0;
    const double az = spec.azimuth0 + 2.0 * M_PI * spec.turns * t + 2.0 * kDegree * unit(rng);
    const double wave = 0.5 - 0.5 * std::cos(2.0 * M_PI * spec.elev_waves * t);
    const double el = spec.elev_lo + (spec.elev_hi - spec.elev_lo) * wave + 2.0 * kDegree * unit(rng);
    const double dist_wave = 0.5 + 0.5 * std::sin(2.0 * M_PI * 1.5 * t + 1.0);
    const double factor = spec.dist_lo + (spec.dist_hi - spec.dist_lo) * dist_wave;
    const cv::Vec3d dir(std::cos(el) * std::sin(az), std::sin(el), std::cos(el) * std::cos(az));
    const Pose pose = render::LookAtOrigin(dir, 1.0);
    const double roll = spec.roll_max * unit(rng);  // about the optical axis; keeps t = (0, 0, d)
    const cv::Matx44d spin(std::cos(roll), -std::sin(roll), 0, 0, std::sin(roll), std::cos(roll), 0, 0, 0, 0, 1, 0, 0,
                           0, 0, 1);
    Pose posed = spin * pose;
    posed(2, 3) = 0.0;
    posed(2, 3) = BoxFitDistance(posed, corners, k, factor);  // looks at the origin: t = (0, 0, d)
    poses.push_back(posed);
  }
  return poses;
}

std::string MatrixText(const double* values, int rows, int cols) {
  std::string out;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) out += fmt::format("{}{:.17g}", c ? " " : "", values[r * cols + c]);
    out += "\n";
  }
  return out;
}

// Box corners in the order of OnePose's parser (DATASETS.md 3.3).
std::array<cv::Vec3d, 8> BoxCorners(const std::array<double, 3>& extent) {
  const double x = 0.5 * extent[0], y = 0.5 * extent[1], z = 0.5 * extent[2];
  return {cv::Vec3d(-x, -y, -z), cv::Vec3d(x, -y, -z), cv::Vec3d(x, -y, z), cv::Vec3d(-x, -y, z),
          cv::Vec3d(-x, y, -z),  cv::Vec3d(x, y, -z),  cv::Vec3d(x, y, z),  cv::Vec3d(-x, y, z)};
}

// The 3D points shared by every annotated view, with mean colours.
struct PointCloud {
  std::vector<cv::Vec3d> points;
  std::vector<cv::Vec3d> colour_sum;
  std::vector<int> observations;
  void Observe(size_t index, const cv::Vec3b& rgb) {
    colour_sum[index] += cv::Vec3d(rgb[0], rgb[1], rgb[2]) / 255.0;
    ++observations[index];
  }
};

// True when (row, col) and its 8 neighbours are object pixels of similar
// depth (no silhouette or depth edge, where back-projection is unstable).
bool StableSurface(const render::RenderedView& view, int row, int col, double tolerance) {
  if (row < 1 || col < 1 || row >= view.depth.rows - 1 || col >= view.depth.cols - 1) return false;
  const float z = view.depth.at<float>(row, col);
  if (!(z > 0.f)) return false;
  for (int dr = -1; dr <= 1; ++dr) {
    for (int dc = -1; dc <= 1; ++dc) {
      if (view.mask.at<uint8_t>(row + dr, col + dc) == 0) return false;
      if (std::abs(view.depth.at<float>(row + dr, col + dc) - z) > tolerance) return false;
    }
  }
  return true;
}

// One anno_loftr frame: reuses visible points of `cloud`, then adds grid
// points in cells no reused point covers. Returns the JSON (ordered keys).
nlohmann::ordered_json Annotate(const render::RenderedView& view, const Intrinsics& k, int step, PointCloud& cloud) {
  const int w = view.depth.cols, h = view.depth.rows;
  const int cells_x = (w + step - 1) / step, cells_y = (h + step - 1) / step;
  std::vector<uint8_t> covered(size_t(cells_x) * cells_y, 0);
  nlohmann::ordered_json kp2d = nlohmann::ordered_json::array(), scores = nlohmann::ordered_json::array();
  std::vector<int> assign2d, assign3d;
  auto add = [&](double u, double v, size_t point) {
    assign2d.push_back(int(kp2d.size()));
    assign3d.push_back(int(point));
    kp2d.push_back({u, v});
    scores.push_back({1.0});
    cloud.Observe(point, view.rgb.at<cv::Vec3b>(int(std::lround(v)), int(std::lround(u))));
    covered[size_t(int(v) / step) * cells_x + size_t(int(u) / step)] = 1;
  };
  const size_t known = cloud.points.size();
  for (size_t i = 0; i < known; ++i) {
    const cv::Vec3d cam = render::Transform(view.obj_to_cam, cloud.points[i]);
    double u = 0.0, v = 0.0;
    if (!render::Project(k, cam, &u, &v)) continue;
    const int col = int(std::lround(u)), row = int(std::lround(v));
    const double tolerance = 0.01 * cam[2];
    if (!StableSurface(view, row, col, tolerance)) continue;
    if (std::abs(view.depth.at<float>(row, col) - cam[2]) > tolerance) continue;  // occluded
    if (u < 0.0 || v < 0.0) continue;
    add(u, v, i);
  }
  const Pose cam_to_obj = render::InvertRigid(view.obj_to_cam);
  for (int row = step / 2; row < h; row += step) {
    for (int col = step / 2; col < w; col += step) {
      if (covered[size_t(row / step) * cells_x + size_t(col / step)]) continue;
      const float z = view.depth.at<float>(row, col);
      if (!StableSurface(view, row, col, 0.01 * z)) continue;
      cloud.points.push_back(render::Transform(cam_to_obj, render::BackProject(k, col, row, z)));
      cloud.colour_sum.emplace_back(0.0, 0.0, 0.0);
      cloud.observations.push_back(0);
      add(col, row, cloud.points.size() - 1);
    }
  }
  nlohmann::ordered_json anno;
  anno["keypoints2d"] = kp2d;
  anno["scores2d"] = scores;
  anno["assign_matrix"] = {assign2d, assign3d};
  anno["num_matches"] = assign2d.size();
  return anno;
}

void WriteText(const stdfs::path& path, const std::string& text) { fs::WriteFileAtomic(path.string(), text); }

void MakeDirs(const stdfs::path& dir) {
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec) throw Error("cannot create folder: " + ec.message(), {dir.string()});
}

bool NonEmptyDir(const stdfs::path& dir) {
  std::error_code ec;
  return stdfs::is_directory(dir, ec) && stdfs::directory_iterator(dir, ec) != stdfs::directory_iterator();
}

// Removes what an earlier export wrote (numbered frames of our folders and
// our top-level files); anything else the user put there stays.
void RemoveEarlierExport(const stdfs::path& object_dir, const stdfs::path& anno_dir, const std::string& name) {
  static const std::regex frame("\\d+\\.(png|txt|json)");
  std::error_code ec;
  for (const char* seq : {"-1", "-2"}) {
    const stdfs::path seq_dir = object_dir / (name + seq);
    for (const char* sub : {"color", "intrin_ba", "poses_ba", "reproj_box", "anno_loftr"}) {
      if (!stdfs::is_directory(seq_dir / sub, ec)) continue;
      std::vector<stdfs::path> ours;
      for (const auto& entry : stdfs::directory_iterator(seq_dir / sub, ec)) {
        if (entry.is_regular_file() && std::regex_match(entry.path().filename().string(), frame))
          ours.push_back(entry.path());
      }
      for (const stdfs::path& path : ours) stdfs::remove(path, ec);
    }
    stdfs::remove(seq_dir / "intrinsics.txt", ec);
  }
  stdfs::remove(object_dir / kMarker, ec);
  stdfs::remove(object_dir / "box3d_corners.txt", ec);
  stdfs::remove(anno_dir / "anno_3d_average.npz", ec);
}

// The object id: as given, else the id of an earlier export of this name,
// else one past the largest id in the root (at least 0900).
std::string ResolveId(const OnePoseExportOptions& options, const std::string& name) {
  if (!options.id.empty()) return options.id;
  static const std::regex folder("(\\d+)-([^-]+)-(.+)");
  const stdfs::path data = stdfs::path(options.root) / "lowtexture_test_data";
  std::error_code ec;
  long largest = 899;
  if (stdfs::is_directory(data, ec)) {
    for (const auto& entry : stdfs::directory_iterator(data, ec)) {
      std::smatch m;
      const std::string base = entry.path().filename().string();
      if (!entry.is_directory() || !std::regex_match(base, m, folder)) continue;
      if (m[2] == name && m[3] == options.category) return m[1];
      largest = std::max(largest, std::stol(m[1].str().substr(0, 9)));
    }
  }
  return fmt::format("{:04d}", largest + 1);
}

io::TensorData Float64(const std::vector<double>& values, std::vector<int64_t> shape) {
  std::vector<uint8_t> bytes(values.size() * sizeof(double));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return io::TensorData::FromBytes(io::DType::kFloat64, std::move(shape), std::move(bytes));
}

void WriteNpz(const std::string& path, const PointCloud& cloud) {
  const size_t m = cloud.points.size();
  std::vector<double> xyz(m * 3), colours(3 * m), scores(m, 1.0);
  for (size_t i = 0; i < m; ++i) {
    const cv::Vec3d mean = cloud.colour_sum[i] / std::max(cloud.observations[i], 1);
    for (int c = 0; c < 3; ++c) {
      xyz[i * 3 + c] = cloud.points[i][c];
      colours[c * m + i] = mean[c];  // (D, M): transposed like OnePose's writer
    }
  }
  const int64_t rows = int64_t(m);
  io::WriteNpz(path, {{"keypoints3d", Float64(xyz, {rows, 3})},
                      {"descriptors3d", Float64(colours, {3, rows})},
                      {"scores3d", Float64(scores, {rows, 1})}});
}

struct Sequence {
  std::string folder;  // e.g. "spider-1"
  std::vector<Pose> poses;
  bool annotate = false;
};

}  // namespace

bool OnePoseExportOptions::Check() const {
  return !mesh_path.empty() && !root.empty() && (name.empty() || IsToken(name)) &&
         (id.empty() || std::regex_match(id, std::regex("\\d{1,8}"))) && IsToken(category) && image_size >= 16 &&
         image_size <= 8192 && focal >= 0.0 && std::isfinite(focal) && reference_views >= 1 &&
         reference_views <= 100000 && test_views >= 1 && test_views <= 100000 && annotation_stride >= 1 &&
         keypoint_step >= 1 && keypoint_step <= image_size && object_diagonal > 0.0 && std::isfinite(object_diagonal);
}

std::string OnePoseNameFromMesh(const std::string& mesh_path) {
  std::string name;
  for (char c : stdfs::path(mesh_path).stem().string()) {
    if (std::isalnum(static_cast<unsigned char>(c))) name += char(std::tolower(static_cast<unsigned char>(c)));
  }
  return name.empty() ? "mesh" : name;
}

OnePoseExportResult ExportOnePoseObject(const OnePoseExportOptions& options, Progress& progress,
                                        const CancelToken& cancel) {
  if (!options.Check()) {
    throw Error("invalid OnePose export options", {options.root},
                "need a mesh and a root; name, id and category made of letters, digits and '_' (no '-'); "
                "views, steps and the object size > 0");
  }
  const auto start = std::chrono::steady_clock::now();
  progress.Report(0.0, "loading mesh");
  OnePoseExportResult result;
  render::Mesh mesh = LoadMeshInMetres(options.mesh_path, options.object_diagonal, &result.metres_per_unit);
  result.warnings = mesh.warnings;
  result.extent = mesh.extent;

  render::RenderOptions render_options;
  render_options.intrinsics = Intrinsics::Square(options.image_size);
  if (options.focal > 0.0) render_options.intrinsics.fx = render_options.intrinsics.fy = options.focal;
  const Intrinsics& k = render_options.intrinsics;
  auto renderer = render::Renderer::Create(render_options);  // fails early without a display

  const std::string name = options.name.empty() ? OnePoseNameFromMesh(options.mesh_path) : options.name;
  result.object = ResolveId(options, name) + "-" + name + "-" + options.category;
  const stdfs::path object_dir = stdfs::path(options.root) / "lowtexture_test_data" / result.object;
  const stdfs::path anno_dir = stdfs::path(options.root) / kSfmDir / result.object / "anno";
  result.object_dir = object_dir.string();
  result.npz_path = (anno_dir / "anno_3d_average.npz").string();
  if (NonEmptyDir(object_dir) || NonEmptyDir(anno_dir)) {
    if (!options.force) {
      throw Error("dataset object already exists", {object_dir.string(), std::nullopt, "object folder"},
                  "choose another --name or --out, or pass --force to replace the earlier export");
    }
    RemoveEarlierExport(object_dir, anno_dir, name);
  }
  renderer->SetMesh(mesh);

  const uint64_t seed = options.seed;
  const std::array<cv::Vec3d, 8> corners = BoxCorners(mesh.extent);
  std::vector<Sequence> sequences(2);
  sequences[0] = {name + "-1",
                  CameraPath({0.0, 1.0, 15 * kDegree, 55 * kDegree, 2.0, 1.1, 1.3, 5 * kDegree},
                             options.reference_views, k, corners, seed * 2 + 1),
                  true};
  sequences[1] = {name + "-2",
                  CameraPath({1.3, -1.0, 5 * kDegree, 65 * kDegree, 3.0, 1.02, 1.5, 20 * kDegree}, options.test_views,
                             k, corners, seed * 2 + 2),
                  false};
  PointCloud cloud;
  const size_t total = size_t(options.reference_views) + size_t(options.test_views);
  size_t done = 0;
  const std::string intrinsics_text =
      fmt::format("fx: {:.17g}\nfy: {:.17g}\ncx: {:.17g}\ncy: {:.17g}\n", k.fx, k.fy, k.cx, k.cy);
  const cv::Matx33d kmat = k.K();
  for (const Sequence& seq : sequences) {
    const stdfs::path dir = object_dir / seq.folder;
    for (const char* sub : {"color", "intrin_ba", "poses_ba", "reproj_box"}) MakeDirs(dir / sub);
    if (seq.annotate) MakeDirs(dir / "anno_loftr");
    WriteText(dir / "intrinsics.txt", intrinsics_text);
    for (size_t i = 0; i < seq.poses.size(); ++i) {
      cancel.ThrowIfCancelled();
      const render::RenderedView view = renderer->Render(seq.poses[i]);
      const std::string stem = std::to_string(i);
      cv::Mat bgr;
      cv::cvtColor(view.rgb, bgr, cv::COLOR_RGB2BGR);
      const stdfs::path png = dir / "color" / (stem + ".png");
      if (!cv::imwrite(png.string(), bgr)) throw Error("cannot write image", {png.string()});
      WriteText(dir / "intrin_ba" / (stem + ".txt"), MatrixText(kmat.val, 3, 3));
      WriteText(dir / "poses_ba" / (stem + ".txt"), MatrixText(seq.poses[i].val, 4, 4));
      std::vector<double> box;
      for (const cv::Vec3d& corner : corners) {
        double u = 0.0, v = 0.0;
        render::Project(k, render::Transform(seq.poses[i], corner), &u, &v);
        box.insert(box.end(), {u, v});
      }
      WriteText(dir / "reproj_box" / (stem + ".txt"), MatrixText(box.data(), 8, 2));
      if (seq.annotate && i % size_t(options.annotation_stride) == 0) {
        const nlohmann::ordered_json anno = Annotate(view, k, options.keypoint_step, cloud);
        const size_t matches = anno["num_matches"].get<size_t>();
        if (matches > 0) {  // OnePose++ writes only frames with matches
          WriteText(dir / "anno_loftr" / (stem + ".json"), anno.dump());
          ++result.annotated_frames;
          result.correspondences += matches;
        }
      }
      ++done;
      progress.Step(done, total + 1, fmt::format("rendered {} frame {}/{}", seq.folder, i + 1, seq.poses.size()));
    }
  }
  if (cloud.points.empty()) {
    throw Error("no visible surface in any reference view", {options.mesh_path}, "a degenerate or empty mesh");
  }
  std::vector<double> box_values;
  for (const cv::Vec3d& corner : corners) box_values.insert(box_values.end(), {corner[0], corner[1], corner[2]});
  WriteText(object_dir / "box3d_corners.txt", MatrixText(box_values.data(), 8, 3));
  MakeDirs(anno_dir);
  WriteNpz(result.npz_path, cloud);
  result.points3d = cloud.points.size();
  result.reference_frames = options.reference_views;
  result.test_frames = options.test_views;

  const nlohmann::ordered_json marker = {
      {"format", "corrlens-onepose-export/1"},
      {"mesh", stdfs::absolute(options.mesh_path).string()},
      {"metres_per_mesh_unit", result.metres_per_unit},
      {"mesh_center", mesh.center},
      {"extent_m", mesh.extent},
      {"object_diagonal_m", options.object_diagonal},
      {"seed", options.seed},
      {"reference_views", options.reference_views},
      {"test_views", options.test_views},
      {"annotation_stride", options.annotation_stride},
      {"keypoint_step", options.keypoint_step},
      {"points3d", result.points3d},
      {"object_frame", "mesh bounding-box centre and axes, metres; object point = (mesh point - center) * scale"}};
  WriteText(object_dir / kMarker, marker.dump(2) + "\n");  // last: marks a complete export
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.Report(1.0, "done");
  return result;
}

}  // namespace corrlens::pose
