#include "core/corr/pair_eval.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/corr/similarity.h"
#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens {
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

PairGroundTruth HomographyGroundTruth(cv::Size source_size, cv::Size target_size,
                                      const cv::Matx33d& target_from_source, const PairGridOptions& options) {
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

PckRow ScorePredictions(const std::vector<cv::Point2d>& predicted, const std::vector<cv::Point2d>& truth,
                        const std::vector<double>& thresholds, double auc_max) {
  CL_CHECK_EQ(predicted.size(), truth.size()) << "predictions and truth differ in length";
  CL_CHECK_GT(auc_max, 0.0) << "AUC range";
  PckRow row;
  row.points = static_cast<int64_t>(truth.size());
  row.pck.assign(thresholds.size(), 0.0);
  if (truth.empty()) return row;
  std::vector<double> errors;
  double auc = 0.0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const double e = cv::norm(predicted[i] - truth[i]);
    errors.push_back(e);
    // Integral of the step PCK(t) = [e < t] over [0, T] is max(0, T - e).
    auc += std::max(0.0, 1.0 - e / auc_max);
    for (size_t k = 0; k < thresholds.size(); ++k) row.pck[k] += e < thresholds[k] ? 1.0 : 0.0;
  }
  const double n = static_cast<double>(truth.size());
  for (double& p : row.pck) p /= n;
  row.auc = auc / n;
  double sum = 0.0;
  for (double e : errors) sum += e;
  row.mean_error = sum / n;
  std::sort(errors.begin(), errors.end());
  const size_t mid = errors.size() / 2;
  row.median_error = errors.size() % 2 ? errors[mid] : 0.5 * (errors[mid - 1] + errors[mid]);
  return row;
}

std::string PairEvalReport::ToJson(int indent) const {
  nlohmann::json rows_json = nlohmann::json::array();
  for (const PckRow& row : rows) {
    nlohmann::json pck = nlohmann::json::object();
    for (size_t k = 0; k < thresholds.size() && k < row.pck.size(); ++k) pck[fmt::format("{:g}", thresholds[k])] = row.pck[k];
    rows_json.push_back({{"model", row.model}, {"method", row.method}, {"points", row.points}, {"pck", pck},
                         {"auc", row.auc}, {"mean_error_px", row.mean_error},
                         {"median_error_px", row.median_error}, {"seconds", row.seconds}});
  }
  nlohmann::json summary = nlohmann::json::object();
  if (!rows.empty()) {
    const auto best = std::max_element(rows.begin(), rows.end(),
                                       [](const PckRow& a, const PckRow& b) { return a.auc < b.auc; });
    summary = {{"best_model", best->model}, {"best_method", best->method}, {"best_auc", best->auc},
               {"rows", rows.size()}};
  }
  const nlohmann::json out = {{"task", task},         {"source", source},   {"target", target},
                              {"truth", truth},       {"thresholds_px", thresholds},
                              {"auc_max_px", auc_max}, {"rows", rows_json}, {"summary", summary}};
  return out.dump(indent);
}

std::string PairEvalReport::ToText() const {
  std::ostringstream out;
  out << fmt::format("task {}: {} -> {} (truth {})\n", task, source, target, truth);
  out << fmt::format("{:<22} {:<18} {:>6}", "model", "method", "points");
  for (double t : thresholds) out << fmt::format(" {:>7}", fmt::format("PCK@{:g}", t));
  out << fmt::format(" {:>8} {:>8} {:>8} {:>7}\n", fmt::format("AUC@{:g}", auc_max), "mean px", "med px", "sec");
  for (const PckRow& row : rows) {
    out << fmt::format("{:<22} {:<18} {:>6}", row.model, row.method, row.points);
    for (double p : row.pck) out << fmt::format(" {:>7.3f}", p);
    out << fmt::format(" {:>8.3f} {:>8.2f} {:>8.2f} {:>7.2f}\n", row.auc, row.mean_error, row.median_error,
                       row.seconds);
  }
  return out.str();
}

}  // namespace corrlens
