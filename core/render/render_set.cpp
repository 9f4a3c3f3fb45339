#include "core/render/render_set.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <regex>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::render {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr const char* kIndexName = "cameras.json";
constexpr const char* kFormat = "corrlens-render/1";

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

std::vector<uint8_t> EncodePng(const cv::Mat& image, const std::string& what) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(".png", image, bytes)) throw Error("could not encode " + what + " as PNG");
  return bytes;
}

bool IsOurFile(const std::string& name) {
  static const std::regex pattern(R"((color|depth|mask)_\d{6}\.png)");
  return name == kIndexName || std::regex_match(name, pattern);
}

// Creates the folder, or refuses a non-empty one unless `force`; with force,
// earlier render outputs are removed so no stale views remain.
void PrepareOutput(const std::string& dir, bool force) {
  std::error_code ec;
  if (stdfs::exists(dir, ec)) {
    if (!stdfs::is_directory(dir, ec))
      throw Error("output path exists and is not a folder", {dir, std::nullopt, "output folder"});
    std::vector<stdfs::path> ours;
    bool non_empty = false;
    for (const auto& entry : stdfs::directory_iterator(dir, ec)) {
      non_empty = true;
      if (entry.is_regular_file() && IsOurFile(entry.path().filename().string())) ours.push_back(entry.path());
    }
    if (non_empty && !force) {
      throw Error("output folder is not empty", {dir, std::nullopt, "output folder"},
                  "choose an empty folder or pass --force to replace earlier renders");
    }
    for (const stdfs::path& path : ours) stdfs::remove(path, ec);
    return;
  }
  stdfs::create_directories(dir, ec);
  if (ec) throw Error("cannot create output folder: " + ec.message(), {dir, std::nullopt, "output folder"});
}

nlohmann::json MatrixJson(const double* values, int rows, int cols) {
  nlohmann::json out = nlohmann::json::array();
  for (int r = 0; r < rows; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (int c = 0; c < cols; ++c) row.push_back(values[r * cols + c]);
    out.push_back(row);
  }
  return out;
}

nlohmann::json IndexJson(const RenderSetOptions& options, const Mesh& mesh, const std::vector<Pose>& poses) {
  const Intrinsics& k = options.render.intrinsics;
  const cv::Matx33d kmat = k.K();
  nlohmann::json index = {
      {"format", kFormat},
      {"mesh", mesh.source},
      {"width", k.width},
      {"height", k.height},
      {"K", MatrixJson(kmat.val, 3, 3)},
      {"depth_unit", "millimetre"},
      {"camera_convention", "OpenCV: x right, y down, z forward; metres; obj_to_cam maps object to camera"},
      {"sampling", options.views.sampling == ViewSampling::kFibonacci ? "fibonacci" : "random"},
      {"seed", options.views.seed},
      {"normalization",
       {{"scale", mesh.scale},
        {"center", {mesh.center[0], mesh.center[1], mesh.center[2]}},
        {"extent", {mesh.extent[0], mesh.extent[1], mesh.extent[2]}},
        {"radius", mesh.radius}}},
  };
  nlohmann::json views = nlohmann::json::array();
  for (size_t i = 0; i < poses.size(); ++i) {
    const int n = static_cast<int>(i);
    views.push_back({{"index", n},
                     {"color", ViewFileName("color", n)},
                     {"depth", ViewFileName("depth", n)},
                     {"mask", ViewFileName("mask", n)},
                     {"obj_to_cam", MatrixJson(poses[i].val, 4, 4)}});
  }
  index["views"] = views;
  return index;
}

// One top-level key per line and one view per line: readable, and matrices
// stay on one line each (nlohmann's indented dump puts every number on its own).
std::string CompactJson(const nlohmann::json& index) {
  std::string out = "{\n";
  bool first = true;
  for (const auto& [key, value] : index.items()) {
    out += std::string(first ? "" : ",\n") + "  " + nlohmann::json(key).dump() + ": ";
    first = false;
    if (!value.is_array() || value.empty() || !value[0].is_object()) {
      out += value.dump();
      continue;
    }
    out += "[\n";
    for (size_t i = 0; i < value.size(); ++i) out += "    " + value[i].dump() + (i + 1 < value.size() ? ",\n" : "\n");
    out += "  ]";
  }
  return out + "\n}\n";
}

void WriteView(const std::string& dir, int index, const RenderedView& view) {
  const stdfs::path folder(dir);
  for (const char* kind : {"color", "depth", "mask"}) {
    const std::string kind_name(kind);
    const std::vector<uint8_t> bytes = kind_name == "color"   ? EncodeColorPng(view)
                                       : kind_name == "depth" ? EncodeDepthPng(view)
                                                              : EncodeMaskPng(view);
    fs::WriteFileAtomic((folder / ViewFileName(kind_name, index)).string(), bytes.data(), bytes.size());
  }
}

// Reads a json number matrix of the given shape at `key`.
template <int R, int C>
cv::Matx<double, R, C> ReadMatrix(const nlohmann::json& value, const std::string& file, const std::string& key) {
  cv::Matx<double, R, C> m;
  if (!value.is_array() || value.size() != R)
    throw Error(fmt::format("expected a {}x{} matrix", R, C), {file, std::nullopt, key});
  for (int r = 0; r < R; ++r) {
    const nlohmann::json& row = value[r];
    if (!row.is_array() || row.size() != C)
      throw Error(fmt::format("expected a {}x{} matrix", R, C), {file, std::nullopt, key});
    for (int c = 0; c < C; ++c) {
      if (!row[c].is_number()) throw Error("matrix entry is not a number", {file, std::nullopt, key});
      m(r, c) = row[c].get<double>();
    }
  }
  return m;
}

cv::Mat ReadImage(const std::string& path, int flags, int type, const Intrinsics& k) {
  std::error_code ec;
  if (!stdfs::is_regular_file(path, ec)) throw Error("rendered image is missing", {path});
  cv::Mat image = cv::imread(path, flags);
  if (image.empty()) throw Error("cannot decode rendered image", {path}, "a corrupt PNG");
  if (image.type() != type || image.cols != k.width || image.rows != k.height) {
    throw Error("rendered image has the wrong size or type", {path}, "cameras.json does not match the images");
  }
  return image;
}

}  // namespace

bool RenderSetOptions::Check() const {
  return !mesh_path.empty() && !output_dir.empty() && views.Check() && render.Check();
}

std::string ViewFileName(const std::string& kind, int index) { return fmt::format("{}_{:06d}.png", kind, index); }

std::vector<uint8_t> EncodeColorPng(const RenderedView& view) {
  cv::Mat bgr;
  cv::cvtColor(view.rgb, bgr, cv::COLOR_RGB2BGR);
  return EncodePng(bgr, "color");
}

std::vector<uint8_t> EncodeDepthPng(const RenderedView& view) {
  cv::Mat millimetres(view.depth.size(), CV_16UC1);
  for (int r = 0; r < view.depth.rows; ++r) {
    const float* in = view.depth.ptr<float>(r);
    auto* out = millimetres.ptr<uint16_t>(r);
    for (int c = 0; c < view.depth.cols; ++c) {
      const double mm = in[c] > 0.f ? std::round(in[c] * 1000.0) : 0.0;
      out[c] = static_cast<uint16_t>(std::clamp(mm, 0.0, 65535.0));
    }
  }
  return EncodePng(millimetres, "depth");
}

std::vector<uint8_t> EncodeMaskPng(const RenderedView& view) { return EncodePng(view.mask, "mask"); }

RenderSetResult RunRenderSet(const RenderSetOptions& options, Progress& progress, const CancelToken& cancel) {
  if (!options.Check())
    throw Error("invalid render options", {options.output_dir}, "need a mesh, a folder and views > 0");
  const auto start = Clock::now();
  progress.Report(0.0, "loading mesh");
  const Mesh mesh = LoadMesh(options.mesh_path);
  auto renderer = Renderer::Create(options.render);  // fails early without a display
  PrepareOutput(options.output_dir, options.force);
  renderer->SetMesh(mesh);
  const std::vector<Pose> poses = SampleViews(options.views, options.render.intrinsics, mesh.radius);
  RenderSetResult result;
  result.output_dir = options.output_dir;
  result.triangles = mesh.TriangleCount();
  result.textured_parts = mesh.textured_parts;
  result.warnings = mesh.warnings;
  for (size_t i = 0; i < poses.size(); ++i) {
    cancel.ThrowIfCancelled();
    const auto render_start = Clock::now();
    const RenderedView view = renderer->Render(poses[i]);
    result.render_seconds += Seconds(render_start);
    WriteView(options.output_dir, static_cast<int>(i), view);
    progress.Step(i + 1, poses.size(), fmt::format("rendered view {}/{}", i + 1, poses.size()));
  }
  const std::string index = CompactJson(IndexJson(options, mesh, poses));
  fs::WriteFileAtomic((stdfs::path(options.output_dir) / kIndexName).string(), index);
  result.views = static_cast<int>(poses.size());
  result.total_seconds = Seconds(start);
  progress.Report(1.0, "done");
  return result;
}

RenderSetIndex ReadRenderSetIndex(const std::string& dir) {
  const std::string file = (stdfs::path(dir) / kIndexName).string();
  const std::vector<uint8_t> bytes = fs::ReadFile(file, uint64_t{64} << 20);
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), {file}, "a truncated or edited cameras.json");
  }
  RenderSetIndex set;
  set.dir = dir;
  try {
    set.intrinsics.width = index.at("width").get<int>();
    set.intrinsics.height = index.at("height").get<int>();
    const cv::Matx33d k = ReadMatrix<3, 3>(index.at("K"), file, "K");
    set.intrinsics.fx = k(0, 0);
    set.intrinsics.fy = k(1, 1);
    set.intrinsics.cx = k(0, 2);
    set.intrinsics.cy = k(1, 2);
    const nlohmann::json& views = index.at("views");
    for (size_t i = 0; i < views.size(); ++i) {
      set.obj_to_cam.push_back(
          ReadMatrix<4, 4>(views[i].at("obj_to_cam"), file, fmt::format("views[{}].obj_to_cam", i)));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("missing or mistyped field: ") + e.what(), {file}, "not a corrlens render folder");
  }
  if (!set.intrinsics.Check()) throw Error("invalid intrinsics", {file, std::nullopt, "K"});
  return set;
}

RenderedView ReadRenderedView(const RenderSetIndex& set, int index) {
  if (index < 0 || index >= static_cast<int>(set.obj_to_cam.size())) {
    throw Error(fmt::format("view {} out of range (0..{})", index, set.obj_to_cam.size()), {set.dir});
  }
  const stdfs::path folder(set.dir);
  const Intrinsics& k = set.intrinsics;
  RenderedView view;
  view.obj_to_cam = set.obj_to_cam[size_t(index)];
  cv::cvtColor(ReadImage((folder / ViewFileName("color", index)).string(), cv::IMREAD_COLOR, CV_8UC3, k), view.rgb,
               cv::COLOR_BGR2RGB);
  const cv::Mat mm = ReadImage((folder / ViewFileName("depth", index)).string(), cv::IMREAD_ANYDEPTH, CV_16UC1, k);
  mm.convertTo(view.depth, CV_32FC1, 1.0 / 1000.0);
  view.mask = ReadImage((folder / ViewFileName("mask", index)).string(), cv::IMREAD_GRAYSCALE, CV_8UC1, k);
  return view;
}

}  // namespace corrlens::render
