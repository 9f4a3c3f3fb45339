#include "core/pose/onepose_dataset.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/io/tensor_file.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::pose {
namespace {

namespace stdfs = std::filesystem;
constexpr const char* kSfmFolder = "sfm_output/outputs_softmax_loftr_loftr";
constexpr uint64_t kMaxTextBytes = uint64_t{1} << 20;
constexpr uint64_t kMaxJsonBytes = uint64_t{512} << 20;

bool IsFile(const stdfs::path& path) {
  std::error_code ec;
  return stdfs::is_regular_file(path, ec);
}

bool IsNumber(const std::string& stem) {
  return !stem.empty() && stem.size() < 19 &&
         std::all_of(stem.begin(), stem.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Numeric stems first in numeric order, then the others as strings.
bool NumericLess(const std::string& a, const std::string& b) {
  const bool na = IsNumber(a), nb = IsNumber(b);
  if (na != nb) return na;
  if (na) return std::stoll(a) < std::stoll(b) || (std::stoll(a) == std::stoll(b) && a < b);
  return a < b;
}

// Files of `folder` ending in `extension`, names only.
std::vector<std::string> FilesWithExtension(const stdfs::path& folder, const std::string& extension) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(folder, ec))
    if (entry.is_regular_file(ec) && entry.path().extension() == extension) names.push_back(entry.path().filename());
  return names;
}

std::vector<cv::Point3d> ReadKeypoints3d(const std::string& path) {
  if (!IsFile(path))
    throw Error("the 3D points file is missing", {path},
                "the OnePose++ SfM output (anno_3d_average.npz) of this object is not under sfm_output/");
  io::ReadOptions options;
  options.load_only = [](const std::string& name) { return name == "keypoints3d"; };
  const io::TensorFile file = io::ReadTensorFile(path, options);
  const io::TensorData* points = file.Find("keypoints3d");
  if (!points) throw Error("no array 'keypoints3d'", {path, std::nullopt, "keypoints3d"}, "not an anno_3d_average.npz");
  if (points->shape.size() != 2 || points->shape[1] != 3)
    throw Error("keypoints3d has shape " + io::ShapeString(points->shape) + ", expected (M, 3)",
                {path, std::nullopt, "keypoints3d"});
  const std::vector<double> values = points->ToDoubles();
  std::vector<cv::Point3d> out(static_cast<size_t>(points->shape[0]));
  for (size_t i = 0; i < out.size(); ++i) out[i] = {values[3 * i], values[3 * i + 1], values[3 * i + 2]};
  return out;
}

int IndexAt(const nlohmann::json& value, const std::string& path) {
  if (!value.is_number() || value.get<double>() != std::floor(value.get<double>()))
    throw Error("assign_matrix holds a value that is not an integer", {path, std::nullopt, "assign_matrix"});
  const double index = value.get<double>();
  if (index < 0 || index > std::numeric_limits<int>::max())  // checked before the cast (UB beyond int)
    throw Error(fmt::format("assign_matrix holds the index {}, out of range", index),
                {path, std::nullopt, "assign_matrix"}, "a corrupt anno_loftr file");
  return static_cast<int>(index);
}

// keypoints2d[assign_matrix[0]] and keypoints3d[assign_matrix[1]] of one anno_loftr JSON.
void ReadAnnotation(const std::string& path, const std::vector<cv::Point3d>& keypoints3d, ReferenceView* view) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path, kMaxJsonBytes);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not JSON: ") + e.what(), {path}, "a truncated or corrupt anno_loftr file");
  }
  if (!json.is_object() || !json.contains("keypoints2d") || !json.contains("assign_matrix"))
    throw Error("keypoints2d or assign_matrix is missing", {path}, "not an OnePose++ anno_loftr file");
  std::vector<cv::Point2d> keypoints2d;
  for (const nlohmann::json& p : json["keypoints2d"]) {
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number())
      throw Error("keypoints2d holds an entry that is not [x, y]", {path, std::nullopt, "keypoints2d"});
    keypoints2d.emplace_back(p[0].get<double>(), p[1].get<double>());
  }
  const nlohmann::json& assign = json["assign_matrix"];
  if (assign.is_array() && assign.empty()) return;  // no match in this frame
  if (!assign.is_array() || assign.size() != 2 || !assign[0].is_array() || !assign[1].is_array() ||
      assign[0].size() != assign[1].size())
    throw Error("assign_matrix is not a 2 x k list", {path, std::nullopt, "assign_matrix"});
  for (size_t k = 0; k < assign[0].size(); ++k) {
    const int i2 = IndexAt(assign[0][k], path), i3 = IndexAt(assign[1][k], path);
    if (i2 < 0 || i2 >= static_cast<int>(keypoints2d.size()) || i3 < 0 || i3 >= static_cast<int>(keypoints3d.size()))
      throw Error(fmt::format("assign_matrix column {} = ({}, {}) is out of range ({} 2D keypoints, {} 3D points)", k,
                              i2, i3, keypoints2d.size(), keypoints3d.size()),
                  {path, std::nullopt, "assign_matrix"},
                  "the JSON and anno_3d_average.npz come from different SfM runs");
    view->keypoints.push_back(keypoints2d[static_cast<size_t>(i2)]);
    view->points.push_back(keypoints3d[static_cast<size_t>(i3)]);
  }
}

double ParseNumber(const std::string& token, const std::string& path) {
  char* end = nullptr;
  const double value = std::strtod(token.c_str(), &end);
  if (token.empty() || end != token.c_str() + token.size())
    throw Error("'" + token + "' is not a number", {path}, "expected a whitespace-separated text matrix");
  return value;
}

// The four-line "fx: ..\nfy: ..\ncx: ..\ncy: .." form of OnePose's intrinsics.txt.
std::optional<cv::Matx33d> ReadNamedIntrinsics(const std::string& text, const std::string& path) {
  if (text.find("fx:") == std::string::npos) return std::nullopt;
  std::istringstream lines(text);
  std::string name, value;
  double fx = 0, fy = 0, cx = 0, cy = 0;
  while (lines >> name >> value) {
    if (name == "fx:") fx = ParseNumber(value, path);
    if (name == "fy:") fy = ParseNumber(value, path);
    if (name == "cx:") cx = ParseNumber(value, path);
    if (name == "cy:") cy = ParseNumber(value, path);
  }
  return cv::Matx33d(fx, 0, cx, 0, fy, cy, 0, 0, 1);
}

}  // namespace

size_t ReferenceSet::KeypointCount() const {
  size_t n = 0;
  for (const ReferenceView& v : views) n += v.keypoints.size();
  return n;
}

std::vector<cv::Point3d> ReferenceSet::BoundingBox() const {
  if (box.size() == 8) return box;
  cv::Point3d lo(std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                 std::numeric_limits<double>::max());
  cv::Point3d hi = -lo;
  for (const ReferenceView& v : views) {
    for (const cv::Point3d& p : v.points) {
      lo = {std::min(lo.x, p.x), std::min(lo.y, p.y), std::min(lo.z, p.z)};
      hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
    }
  }
  if (lo.x > hi.x) return {};
  return {{lo.x, lo.y, lo.z}, {hi.x, lo.y, lo.z}, {hi.x, lo.y, hi.z}, {lo.x, lo.y, hi.z},
          {lo.x, hi.y, lo.z}, {hi.x, hi.y, lo.z}, {hi.x, hi.y, hi.z}, {lo.x, hi.y, hi.z}};
}

FramePreset FramePresetFromName(const std::string& name) {
  if (name == "paper") return FramePreset::kPaper;
  if (name == "full") return FramePreset::kFull;
  throw Error("unknown preset '" + name + "'", {"", std::nullopt, "preset"}, "pose presets: paper, full");
}

const char* FramePresetName(FramePreset preset) { return preset == FramePreset::kPaper ? "paper" : "full"; }

std::string OnePoseLayout::ObjectDir() const { return (stdfs::path(root) / "lowtexture_test_data" / object).string(); }

std::string OnePoseLayout::SequenceDir(int sequence) const {
  return (stdfs::path(ObjectDir()) / OnePoseSequenceName(object, sequence)).string();
}

std::string OnePoseLayout::PointsFile() const {
  return (stdfs::path(root) / kSfmFolder / object / "anno" / "anno_3d_average.npz").string();
}

std::string OnePoseLayout::BoxFile() const { return (stdfs::path(ObjectDir()) / "box3d_corners.txt").string(); }

std::vector<std::string> ListOnePoseObjects(const std::string& root) {
  const stdfs::path folder = stdfs::path(root) / "lowtexture_test_data";
  std::error_code ec;
  if (!stdfs::is_directory(folder, ec))
    throw Error("no lowtexture_test_data folder", {folder.string()},
                "the dataset root must hold lowtexture_test_data/ and sfm_output/");
  std::vector<std::string> objects;
  for (const auto& entry : stdfs::directory_iterator(folder, ec))
    if (entry.is_directory(ec)) objects.push_back(entry.path().filename());
  std::sort(objects.begin(), objects.end());
  return objects;
}

OnePoseLayout OnePoseLayoutOfObjectFolder(const std::string& folder) {
  stdfs::path path = stdfs::path(folder).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();
  std::error_code ec;
  if (!stdfs::is_directory(path, ec))
    throw Error("not a folder", {folder}, "give one object folder of lowtexture_test_data/");
  path = stdfs::absolute(path, ec);
  if (path.parent_path().filename() != "lowtexture_test_data")
    throw Error("the object folder is not inside a lowtexture_test_data folder", {folder},
                "expected ROOT/lowtexture_test_data/<id>-<name>-<category> with ROOT/sfm_output/ beside it");
  return {path.parent_path().parent_path().string(), path.filename().string()};
}

std::string OnePoseSequenceName(const std::string& object, int sequence) {
  const size_t first = object.find('-');
  if (first == std::string::npos)
    throw Error("object folder name '" + object + "' has no '-'", {object},
                "OnePose object folders are named <id>-<name>-<category>");
  const size_t second = object.find('-', first + 1);
  return object.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1) + "-" +
         std::to_string(sequence);
}

ReferenceSet ReadOnePoseReference(const OnePoseLayout& layout) {
  ReferenceSet set;
  set.name = layout.object;
  set.source = layout.ObjectDir();
  const std::vector<cv::Point3d> keypoints3d = ReadKeypoints3d(layout.PointsFile());
  const stdfs::path sequence = layout.SequenceDir(1);
  std::vector<std::string> jsons = FilesWithExtension(sequence / "anno_loftr", ".json");
  if (jsons.empty())
    throw Error("no anno_loftr/*.json in the reference sequence", {(sequence / "anno_loftr").string()},
                "the OnePose++ SfM annotations (anno_loftr) of sequence 1 are missing");
  for (std::string& j : jsons) j = stdfs::path(j).stem();
  std::sort(jsons.begin(), jsons.end(), NumericLess);
  for (const std::string& stem : jsons) {
    ReferenceView view;
    view.name = stem;
    view.image = (sequence / "color" / (stem + ".png")).string();
    if (!IsFile(view.image)) throw Error("the image of an annotated frame is missing", {view.image});
    ReadAnnotation((sequence / "anno_loftr" / (stem + ".json")).string(), keypoints3d, &view);
    view.intrinsics = ReadIntrinsics((sequence / "intrin_ba" / (stem + ".txt")).string());
    const stdfs::path pose = sequence / "poses_ba" / (stem + ".txt");
    if (IsFile(pose)) view.cam_from_object = ReadPose(pose.string());
    set.views.push_back(std::move(view));
  }
  if (set.KeypointCount() == 0)
    throw Error("empty reference set: no annotated keypoint in any anno_loftr JSON",
                {(sequence / "anno_loftr").string()}, "every assign_matrix is empty");
  if (IsFile(layout.BoxFile())) set.box = ReadBoxCorners(layout.BoxFile());
  return set;
}

std::vector<std::string> SelectFrameFiles(std::vector<std::string> files, FramePreset preset) {
  if (preset == FramePreset::kPaper) {
    std::sort(files.begin(), files.end());
    std::vector<std::string> every10;
    for (size_t i = 0; i < files.size(); i += 10) every10.push_back(files[i]);
    return every10;
  }
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    return NumericLess(stdfs::path(a).stem(), stdfs::path(b).stem());
  });
  return files;
}

std::vector<QueryFrame> ReadOnePoseTestFrames(const OnePoseLayout& layout, FramePreset preset) {
  const stdfs::path sequence = layout.SequenceDir(2);
  const std::vector<std::string> files = SelectFrameFiles(FilesWithExtension(sequence / "color", ".png"), preset);
  if (files.empty()) throw Error("no test image", {(sequence / "color").string()}, "sequence 2 has no color/*.png");
  std::vector<QueryFrame> frames;
  for (const std::string& file : files) {
    QueryFrame f;
    f.name = stdfs::path(file).stem();
    f.image = (sequence / "color" / file).string();
    f.intrinsics = ReadIntrinsics((sequence / "intrin_ba" / (f.name + ".txt")).string());
    f.cam_from_object = ReadPose((sequence / "poses_ba" / (f.name + ".txt")).string());
    frames.push_back(std::move(f));
  }
  return frames;
}

std::vector<std::vector<double>> ReadTextMatrix(const std::string& path, int rows, int cols) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path, kMaxTextBytes);
  std::istringstream text(std::string(bytes.begin(), bytes.end()));
  std::vector<std::vector<double>> matrix;
  std::string line;
  while (std::getline(text, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::vector<double> row;
    std::string token;
    while (fields >> token) row.push_back(ParseNumber(token, path));
    if (!row.empty()) matrix.push_back(std::move(row));
  }
  bool ok = static_cast<int>(matrix.size()) == rows;
  for (const auto& row : matrix) ok = ok && static_cast<int>(row.size()) == cols;
  if (!ok)
    throw Error(fmt::format("expected a {}x{} matrix, found {} rows", rows, cols, matrix.size()), {path},
                "a truncated or wrong file");
  return matrix;
}

cv::Matx33d ReadIntrinsics(const std::string& path) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path, kMaxTextBytes);
  cv::Matx33d k;
  if (auto named = ReadNamedIntrinsics(std::string(bytes.begin(), bytes.end()), path)) {
    k = *named;
  } else {
    const auto m = ReadTextMatrix(path, 3, 3);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) k(r, c) = m[r][c];
  }
  CheckIntrinsics(k, path);
  return k;
}

cv::Matx44d ReadPose(const std::string& path) {
  const auto m = ReadTextMatrix(path, 4, 4);
  cv::Matx44d pose;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) pose(r, c) = m[r][c];
  CheckRigid(pose, path);
  return pose;
}

std::vector<cv::Point3d> ReadBoxCorners(const std::string& path) {
  const auto m = ReadTextMatrix(path, 8, 3);
  std::vector<cv::Point3d> corners;
  for (const auto& row : m) corners.emplace_back(row[0], row[1], row[2]);
  return corners;
}

void CheckIntrinsics(const cv::Matx33d& k, const std::string& file) {
  bool finite = true;
  for (int i = 0; i < 9; ++i) finite = finite && std::isfinite(k.val[i]);
  if (!finite || k(0, 0) <= 0 || k(1, 1) <= 0 || std::abs(cv::determinant(k)) < 1e-12)
    throw Error("singular intrinsics (fx, fy must be > 0)", {file}, "not a 3x3 camera matrix of the image");
  if (k(2, 0) != 0 || k(2, 1) != 0 || std::abs(k(2, 2) - 1.0) > 1e-9)
    throw Error("the intrinsics' last row is not (0, 0, 1)", {file}, "not a 3x3 camera matrix of the image");
}

void CheckRigid(const cv::Matx44d& pose, const std::string& file) {
  bool finite = true;
  for (int i = 0; i < 16; ++i) finite = finite && std::isfinite(pose.val[i]);
  if (!finite) throw Error("the pose holds a value that is not finite", {file});
  if (std::abs(pose(3, 0)) > 1e-6 || std::abs(pose(3, 1)) > 1e-6 || std::abs(pose(3, 2)) > 1e-6 ||
      std::abs(pose(3, 3) - 1.0) > 1e-6)
    throw Error("the pose's last row is not (0, 0, 0, 1)", {file}, "not a 4x4 rigid object-to-camera transform");
  const cv::Matx33d r = pose.get_minor<3, 3>(0, 0);
  const cv::Matx33d gram = r * r.t() - cv::Matx33d::eye();
  double worst = 0.0;
  for (int i = 0; i < 9; ++i) worst = std::max(worst, std::abs(gram.val[i]));
  if (worst > 1e-3 || cv::determinant(r) < 0)
    throw Error(fmt::format("the pose is not a rigid transform (|R R^T - I| = {:.3g}, det R = {:.3g})", worst,
                            cv::determinant(r)),
                {file}, "a scaled, sheared or mirrored matrix instead of an object-to-camera pose");
}

}  // namespace corrlens::pose
