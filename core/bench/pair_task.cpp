#include "core/bench/pair_task.h"

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/corr/matching.h"
#include "core/corr/similarity.h"
#include "core/io/image.h"
#include "core/util/check.h"
#include "core/util/error.h"
#include "core/util/sample_data.h"

namespace corrlens::bench {
namespace {

std::vector<cv::Point2d> GridPoints(cv::Size size, const PairGridOptions& options) {
  CL_CHECK(options.Check()) << "invalid PairGridOptions (step > 0, margin >= 0)";
  std::vector<cv::Point2d> points;
  for (int y = options.margin; y <= size.height - 1 - options.margin; y += options.step) {
    for (int x = options.margin; x <= size.width - 1 - options.margin; x += options.step) {
      points.emplace_back(x, y);
    }
  }
  return points;
}

void RequireFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("file not found", {path}, "wrong path");
}

}  // namespace

PairGroundTruth HomographyGroundTruth(cv::Size source_size, cv::Size target_size, const cv::Matx33d& target_from_source,
                                      const PairGridOptions& options) {
  PairGroundTruth truth;
  for (const cv::Point2d& p : GridPoints(source_size, options)) {
    const cv::Vec3d q = target_from_source * cv::Vec3d(p.x, p.y, 1.0);
    if (std::abs(q[2]) < 1e-12) continue;
    const cv::Point2d t(q[0] / q[2], q[1] / q[2]);
    if (!InsideImage(t, target_size.width, target_size.height)) continue;
    truth.source.push_back(p);
    truth.target.push_back(t);
  }
  return truth;
}

PairGroundTruth StereoGroundTruth(cv::Size source_size, cv::Size target_size, const cv::Mat& disparity,
                                  const PairGridOptions& options) {
  CL_CHECK(disparity.type() == CV_32F && !disparity.empty()) << "disparity must be CV_32F";
  const double sx = double(disparity.cols) / source_size.width;  // disparity px per source px
  const double sy = double(disparity.rows) / source_size.height;
  PairGroundTruth truth;
  for (const cv::Point2d& p : GridPoints(source_size, options)) {
    const int dx = std::clamp(static_cast<int>(std::lround(p.x * sx)), 0, disparity.cols - 1);
    const int dy = std::clamp(static_cast<int>(std::lround(p.y * sy)), 0, disparity.rows - 1);
    const float d = disparity.at<float>(dy, dx);
    if (!(d > 0.f)) continue;  // unknown (occluded or not measured)
    const cv::Point2d t(p.x - d / sx, p.y);
    if (!InsideImage(t, target_size.width, target_size.height)) continue;
    truth.source.push_back(p);
    truth.target.push_back(t);
  }
  return truth;
}

cv::Matx33d ReadHomography(const std::string& path) {
  RequireFile(path);
  cv::Mat h;
  try {
    cv::FileStorage storage(path, cv::FileStorage::READ);
    if (storage.isOpened()) {
      for (const cv::FileNode& node : storage.root()) {
        if (node.isMap() || node.isSeq()) {
          node >> h;
          if (!h.empty()) break;
        }
      }
    }
  } catch (const cv::Exception&) {
    h.release();  // not a FileStorage document: try plain text below
  }
  if (h.empty()) {
    std::ifstream in(path);
    std::vector<double> values;
    double v;
    while (in >> v) values.push_back(v);
    if (values.size() != 9) throw Error("expected a 3x3 homography", {path}, "not an OpenCV matrix or 9 numbers");
    h = cv::Mat(3, 3, CV_64F, values.data()).clone();
  }
  if (h.rows != 3 || h.cols != 3) throw Error("homography is not 3x3", {path});
  h.convertTo(h, CV_64F);
  return cv::Matx33d(h.ptr<double>());
}

cv::Mat ReadDisparity(const std::string& path, double scale) {
  RequireFile(path);
  const cv::Mat raw = cv::imread(path, cv::IMREAD_ANYDEPTH | cv::IMREAD_GRAYSCALE);
  if (raw.empty()) throw Error("cannot decode disparity image", {path}, "not an 8/16-bit PNG");
  cv::Mat disparity;
  raw.convertTo(disparity, CV_32F, scale);
  return disparity;
}

bool PairTaskOptions::Check() const {
  bool ok = grid.Check() && radius_px > 0.0 && auc_max > 0.0 && !thresholds.empty() && extract.Check();
  for (double t : thresholds) ok = ok && t > 0.0;
  return ok;
}

PairTaskOptions PairTaskOptions::Sample(PairTaskKind kind) {
  PairTaskOptions options;
  options.kind = kind;
  const std::string dir = OpenCvSampleDir() + "/";
  const bool homography = kind == PairTaskKind::kHomography;
  options.source = dir + (homography ? "graf1.png" : "aloeL.jpg");
  options.target = dir + (homography ? "graf3.png" : "aloeR.jpg");
  if (homography)
    options.homography = dir + "H1to3p.xml";
  else
    options.disparity = dir + "aloeGT.png";
  return options;
}

PairTaskKind PairTaskKindFromName(const std::string& name) {
  if (name == "homography") return PairTaskKind::kHomography;
  if (name == "stereo") return PairTaskKind::kStereo;
  throw Error("unknown pair task '" + name + "'", {"", std::nullopt, "task"}, "pair tasks: homography, stereo");
}

const char* PairTaskName(PairTaskKind kind) { return kind == PairTaskKind::kHomography ? "homography" : "stereo"; }

namespace {

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The task's ground truth on the source grid; `truth_path` names its file.
PairGroundTruth LoadTruth(const PairTaskOptions& options, cv::Size source, cv::Size target, std::string* truth_path) {
  if (options.kind == PairTaskKind::kHomography) {
    *truth_path = options.homography;
    return HomographyGroundTruth(source, target, ReadHomography(options.homography), options.grid);
  }
  *truth_path = options.disparity;
  return StereoGroundTruth(source, target, ReadDisparity(options.disparity, options.disparity_scale), options.grid);
}

bench::ReportRow ScoreRow(const std::vector<PointMatch>& matches, const PairGroundTruth& truth,
                          const PairTaskOptions& options) {
  std::vector<double> errors;
  for (size_t i = 0; i < matches.size(); ++i) errors.push_back(cv::norm(matches[i].match - truth.target[i]));
  bench::PckSummary pck = bench::ScoreErrors(errors, options.thresholds, "pck", "px", options.auc_max);
  bench::ReportRow row;
  row.metrics.Set("points", static_cast<double>(errors.size()), bench::Unit::kCount);
  row.metrics.values.insert(row.metrics.values.end(), pck.metrics.values.begin(), pck.metrics.values.end());
  double sum = 0.0;
  for (double e : errors) sum += e;
  row.metrics.Set("mean_error_px", errors.empty() ? 0.0 : sum / errors.size(), bench::Unit::kPixels);
  std::sort(errors.begin(), errors.end());
  const size_t mid = errors.size() / 2;
  const double median = errors.empty() ? 0.0 : errors.size() % 2 ? errors[mid] : 0.5 * (errors[mid - 1] + errors[mid]);
  row.metrics.Set("median_error_px", median, bench::Unit::kPixels);
  row.curves.push_back(std::move(pck.curve));
  return row;
}

}  // namespace

bench::Report RunPairTask(const PairTaskOptions& options, FeatureProvider& provider, Progress& progress,
                          const CancelToken& cancel) {
  if (!options.Check()) throw Error("invalid pair task options", {}, "grid step > 0, radius > 0, thresholds > 0");
  if (options.models.empty()) throw Error("no model to evaluate", {"", std::nullopt, "model"});
  const cv::Mat source_rgb = io::ReadImageRgb(options.source);
  const cv::Mat target_rgb = io::ReadImageRgb(options.target);
  bench::Report report;
  report.task = PairTaskName(options.kind);
  std::string truth_path;
  const PairGroundTruth truth = LoadTruth(options, source_rgb.size(), target_rgb.size(), &truth_path);
  if (truth.source.empty()) throw Error("no grid point has a ground-truth match inside the target", {truth_path});
  report.dataset = options.source + " -> " + options.target + " (truth " + truth_path + ")";
  report.protocol = fmt::format("grid step {} margin {}; argmax and soft-argmax r={:g}", options.grid.step,
                                options.grid.margin, options.radius_px);
  const std::string item_id = std::filesystem::path(options.source).filename().string() + " -> " +
                              std::filesystem::path(options.target).filename().string();
  const double per_model = 1.0 / options.models.size();
  for (size_t m = 0; m < options.models.size(); ++m) {
    const std::string& model = options.models[m];
    Progress model_progress = progress.Sub(m * per_model, (m + 1) * per_model);
    model_progress.Report(0.0, model + ": features");
    const auto start = std::chrono::steady_clock::now();
    const auto source = provider.Get(source_rgb, model, options.extract, cancel);
    model_progress.Report(0.4, model + ": features");
    const auto target = provider.Get(target_rgb, model, options.extract, cancel);
    const double extract_seconds = Since(start);
    c10::InferenceMode guard;
    const at::Tensor tokens = TokenMatrix(*target);  // shared by both matching rules
    for (bool refine : {false, true}) {
      cancel.ThrowIfCancelled();
      model_progress.Report(refine ? 0.9 : 0.7, model + ": matching");
      const auto match_start = std::chrono::steady_clock::now();
      MatchOptions match;
      match.refine = refine;
      match.radius_px = options.radius_px;
      bench::ReportRow row = ScoreRow(MatchPoints(*source, truth.source, *target, match, tokens), truth, options);
      row.model = model;
      row.method = refine ? fmt::format("soft-argmax r={:g}", options.radius_px) : "argmax";
      row.seconds = extract_seconds + Since(match_start);
      row.items.push_back(
          {item_id, row.metrics, {{"source", options.source}, {"target", options.target}, {"truth", truth_path}}});
      report.rows.push_back(std::move(row));
    }
  }
  progress.Report(1.0, "done");
  return report;
}

}  // namespace corrlens::bench
