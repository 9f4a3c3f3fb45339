#include "core/bench/equivariance_task.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <sstream>

#include <torch/torch.h>

#include "core/corr/mutual_nn.h"
#include "core/corr/similarity.h"
#include "core/render/mesh.h"
#include "core/util/error.h"

namespace corrlens::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The rendered views of one mesh with their sampled source points and
// target candidates.
struct MeshViews {
  std::string mesh;
  std::vector<render::RenderedView> views;
  std::vector<std::vector<cv::Point2d>> sources;     // per view: sampled foreground pixels
  std::vector<std::vector<cv::Point2d>> candidates;  // per view: foreground lattice pixels
};

std::vector<cv::Point2d> ForegroundPixels(const cv::Mat& mask, int stride) {
  std::vector<cv::Point2d> pixels;
  for (int y = 0; y < mask.rows; y += stride) {
    const uint8_t* row = mask.ptr<uint8_t>(y);
    for (int x = 0; x < mask.cols; x += stride) {
      if (row[x] != 0) pixels.emplace_back(x, y);
    }
  }
  return pixels;
}

// Up to `count` distinct foreground pixels, uniformly at random.
std::vector<cv::Point2d> SamplePixels(const cv::Mat& mask, int count, uint64_t seed) {
  std::vector<cv::Point2d> pixels = ForegroundPixels(mask, 1);
  std::mt19937_64 rng(seed);
  const size_t keep = std::min(pixels.size(), static_cast<size_t>(count));
  for (size_t i = 0; i < keep; ++i) {  // partial Fisher-Yates
    std::uniform_int_distribution<size_t> pick(i, pixels.size() - 1);
    std::swap(pixels[i], pixels[pick(rng)]);
  }
  pixels.resize(keep);
  return pixels;
}

MeshViews RenderMesh(const std::string& path, const EquivarianceOptions& options, render::Renderer& renderer,
                     uint64_t mesh_index, const CancelToken& cancel) {
  MeshViews out;
  out.mesh = path;
  const render::Mesh mesh = render::LoadMesh(path);
  renderer.SetMesh(mesh);
  render::ViewSetOptions view_set = options.view_set;
  const auto poses = render::SampleViews(view_set, options.render.intrinsics, mesh.radius);
  for (size_t v = 0; v < poses.size(); ++v) {
    cancel.ThrowIfCancelled();
    out.views.push_back(renderer.Render(poses[v]));
    const cv::Mat& mask = out.views.back().mask;
    out.sources.push_back(SamplePixels(mask, options.points_per_view, options.seed + 1000003 * mesh_index + v));
    out.candidates.push_back(ForegroundPixels(mask, options.candidate_stride));
  }
  return out;
}

// Pixel errors of every visible sampled point of view i matched into view j.
void MatchPair(const MeshViews& set, const EquivarianceOptions& options, size_t i, size_t j,
               const at::Tensor& source_desc, const at::Tensor& target_desc, std::vector<double>* errors,
               int* pairs, const CancelToken& cancel) {
  const render::Intrinsics& k = options.render.intrinsics;
  const render::ViewGeometry from{set.views[i].depth, k, set.views[i].obj_to_cam};
  const render::ViewGeometry to{set.views[j].depth, k, set.views[j].obj_to_cam};
  std::vector<cv::Point2f> points;
  for (const cv::Point2d& p : set.sources[i]) points.emplace_back(float(p.x), float(p.y));
  const auto truth = render::Correspond(points, from, to, options.correspondence);
  std::vector<int64_t> visible;
  for (size_t p = 0; p < truth.size(); ++p) {
    if (truth[p].visible) visible.push_back(static_cast<int64_t>(p));
  }
  if (visible.empty() || target_desc.size(0) == 0) return;
  const at::Tensor index = torch::tensor(visible, torch::kLong).to(source_desc.device());
  const NearestNeighbors nn = MutualNearestNeighbors(source_desc.index_select(0, index), target_desc, {}, cancel);
  const at::Tensor nearest = nn.a_to_b.to(at::kCPU).contiguous();
  const int64_t* best = nearest.data_ptr<int64_t>();
  for (size_t q = 0; q < visible.size(); ++q) {
    const cv::Point2d& predicted = set.candidates[j][static_cast<size_t>(best[q])];
    const cv::Point2f& expected = truth[static_cast<size_t>(visible[q])].target;
    errors->push_back(std::hypot(predicted.x - expected.x, predicted.y - expected.y));
  }
  ++*pairs;
}

// One model on one mesh: features of every view, then all ordered pairs.
EquivarianceRow ScoreModel(const MeshViews& set, const EquivarianceModel& model,
                           const EquivarianceOptions& options, Progress& progress, const CancelToken& cancel) {
  const auto start = Clock::now();
  const size_t n = set.views.size();
  std::vector<at::Tensor> sources(n), targets(n);
  for (size_t v = 0; v < n; ++v) {
    cancel.ThrowIfCancelled();
    const FeatureMap map = model.features(set.views[v], cancel);
    if (!map.Valid()) throw Error("model returned an invalid feature map", {set.mesh, std::nullopt, model.name});
    sources[v] = SampleDescriptors(map, set.sources[v]);
    targets[v] = SampleDescriptors(map, set.candidates[v]);
    progress.Step(v + 1, 2 * n, fmt::format("{}: features of view {}/{}", model.name, v + 1, n));
  }
  EquivarianceRow row;
  row.model = model.name;
  row.mesh = set.mesh;
  std::vector<double> errors;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      cancel.ThrowIfCancelled();
      MatchPair(set, options, i, j, sources[i], targets[j], &errors, &row.pairs, cancel);
    }
    progress.Step(n + i + 1, 2 * n, fmt::format("{}: matched view {}/{}", model.name, i + 1, n));
  }
  const render::Intrinsics& k = options.render.intrinsics;
  ScoreMatches(errors, std::min(k.width, k.height), options.thresholds, &row);
  row.seconds = Since(start);
  return row;
}

// Averages mesh rows of one model (each mesh weighs the same).
EquivarianceRow Summarize(const std::string& model, const std::vector<EquivarianceRow>& rows, size_t thresholds) {
  EquivarianceRow summary;
  summary.model = model;
  summary.meshes = 0;
  summary.pcdp.assign(thresholds, 0.0);
  for (const EquivarianceRow& row : rows) {
    if (row.model != model || row.matches == 0) continue;
    ++summary.meshes;
    summary.pairs += row.pairs;
    summary.matches += row.matches;
    summary.ape += row.ape;
    summary.seconds += row.seconds;
    for (size_t t = 0; t < thresholds; ++t) summary.pcdp[t] += row.pcdp[t];
  }
  if (summary.meshes > 0) {
    summary.ape /= summary.meshes;
    for (double& value : summary.pcdp) value /= summary.meshes;
  }
  return summary;
}

std::string ThresholdKey(double t) { return fmt::format("{:g}", t); }

nlohmann::json RowJson(const EquivarianceRow& row, const std::vector<double>& thresholds) {
  nlohmann::json pcdp = nlohmann::json::object();
  for (size_t t = 0; t < thresholds.size() && t < row.pcdp.size(); ++t) pcdp[ThresholdKey(thresholds[t])] = row.pcdp[t];
  nlohmann::json out = {{"model", row.model}, {"pairs", row.pairs}, {"matches", row.matches},
                        {"ape", row.ape},     {"pcdp", pcdp},       {"seconds", row.seconds}};
  if (row.mesh.empty()) out["meshes"] = row.meshes;
  else out["mesh"] = row.mesh;
  return out;
}

}  // namespace

bool EquivarianceOptions::Check() const {
  bool ok = !meshes.empty() && view_set.Check() && view_set.count >= 2 && render.Check() &&
            correspondence.Check() && points_per_view > 0 && candidate_stride >= 1 && !thresholds.empty() &&
            extract.Check();
  for (double t : thresholds) ok = ok && t > 0.0 && t <= 1.0;
  return ok;
}

FeatureSource BackendSource(FeatureBackend& backend, const ExtractOptions& extract) {
  return [&backend, extract](const render::RenderedView& view, const CancelToken& cancel) {
    return backend.Extract(view.rgb, extract, cancel);
  };
}

void ScoreMatches(const std::vector<double>& errors_px, double side, const std::vector<double>& thresholds,
                  EquivarianceRow* row) {
  row->matches = static_cast<int64_t>(errors_px.size());
  row->pcdp.assign(thresholds.size(), 0.0);
  row->ape = 0.0;
  if (errors_px.empty()) return;
  row->ape = 100.0 * std::accumulate(errors_px.begin(), errors_px.end(), 0.0) / errors_px.size() / side;
  for (size_t t = 0; t < thresholds.size(); ++t) {
    const double limit = thresholds[t] * side;
    const auto within = std::count_if(errors_px.begin(), errors_px.end(), [limit](double e) { return e < limit; });
    row->pcdp[t] = 100.0 * within / errors_px.size();
  }
}

EquivarianceReport RunEquivarianceTask(const EquivarianceOptions& options,
                                       const std::vector<EquivarianceModel>& models, Progress& progress,
                                       const CancelToken& cancel) {
  if (!options.Check()) {
    throw Error("invalid equivariance options", {}, "need meshes, >= 2 views, points > 0, thresholds in (0, 1]");
  }
  if (models.empty()) throw Error("no model to evaluate", {"", std::nullopt, "--model"});
  EquivarianceReport report;
  report.views = options.view_set.count;
  report.points_per_view = options.points_per_view;
  report.width = options.render.intrinsics.width;
  report.height = options.render.intrinsics.height;
  report.thresholds = options.thresholds;
  auto renderer = render::Renderer::Create(options.render);
  const double per_mesh = 1.0 / options.meshes.size();
  for (size_t m = 0; m < options.meshes.size(); ++m) {
    Progress mesh_progress = progress.Sub(m * per_mesh, (m + 1) * per_mesh);
    mesh_progress.Report(0.0, "rendering " + std::filesystem::path(options.meshes[m]).filename().string());
    const auto render_start = Clock::now();
    const MeshViews set = RenderMesh(options.meshes[m], options, *renderer, m, cancel);
    report.render_seconds += Since(render_start);
    const double per_model = 0.9 / models.size();
    for (size_t i = 0; i < models.size(); ++i) {
      Progress model_progress = mesh_progress.Sub(0.1 + i * per_model, 0.1 + (i + 1) * per_model);
      report.rows.push_back(ScoreModel(set, models[i], options, model_progress, cancel));
    }
  }
  for (const EquivarianceModel& model : models) {
    report.summary.push_back(Summarize(model.name, report.rows, options.thresholds.size()));
  }
  progress.Report(1.0, "done");
  return report;
}

std::string EquivarianceReport::ToJson() const {
  nlohmann::json out = {{"task", "equivariance"},
                        {"views", views},
                        {"points_per_view", points_per_view},
                        {"image_size", {width, height}},
                        {"thresholds", thresholds},
                        {"render_seconds", render_seconds},
                        {"ape_unit", "% of the shorter image side"},
                        {"pcdp_unit", "% of matches with error < threshold * shorter side"}};
  out["rows"] = nlohmann::json::array();
  for (const EquivarianceRow& row : rows) out["rows"].push_back(RowJson(row, thresholds));
  out["summary"] = nlohmann::json::array();
  for (const EquivarianceRow& row : summary) out["summary"].push_back(RowJson(row, thresholds));
  return out.dump(2);
}

std::string EquivarianceReport::ToText() const {
  std::ostringstream out;
  out << fmt::format("3D equivariance: {} views per mesh, up to {} points per view, {}x{} px\n", views,
                     points_per_view, width, height);
  std::string header = fmt::format("{:<28} {:<24} {:>7} {:>9} {:>7}", "model", "mesh", "pairs", "matches", "APE%");
  for (double t : thresholds) header += fmt::format(" {:>9}", "PCDP@" + ThresholdKey(t));
  out << header << fmt::format(" {:>8}\n", "seconds");
  auto line = [&](const EquivarianceRow& row, const std::string& mesh) {
    std::string text = fmt::format("{:<28} {:<24} {:>7} {:>9} {:>7.2f}", row.model, mesh, row.pairs, row.matches, row.ape);
    for (double value : row.pcdp) text += fmt::format(" {:>9.2f}", value);
    out << text << fmt::format(" {:>8.1f}\n", row.seconds);
  };
  for (const EquivarianceRow& row : rows) line(row, std::filesystem::path(row.mesh).filename().string());
  for (const EquivarianceRow& row : summary) line(row, fmt::format("mean of {} meshes", row.meshes));
  return out.str();
}

}  // namespace corrlens::bench
