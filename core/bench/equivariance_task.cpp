#include "core/bench/equivariance_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>

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
               const at::Tensor& source_desc, const at::Tensor& target_desc, std::vector<double>* errors, int* pairs,
               const CancelToken& cancel) {
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
// Fills `errors` with the pixel error of every scored match.
ReportItem ScoreModel(const MeshViews& set, const std::string& model, FeatureProvider& provider,
                      const EquivarianceOptions& options, Progress& progress, const CancelToken& cancel,
                      std::vector<double>* errors_out) {
  const auto start = Clock::now();
  const size_t n = set.views.size();
  std::vector<at::Tensor> sources(n), targets(n);
  for (size_t v = 0; v < n; ++v) {
    cancel.ThrowIfCancelled();
    const std::shared_ptr<const FeatureMap> map = provider.Get(set.views[v].rgb, model, options.extract, cancel);
    if (!map || !map->Valid()) throw Error("model returned an invalid feature map", {set.mesh, std::nullopt, model});
    sources[v] = SampleDescriptors(*map, set.sources[v]);
    targets[v] = SampleDescriptors(*map, set.candidates[v]);
    progress.Step(v + 1, 2 * n, fmt::format("{}: features of view {}/{}", model, v + 1, n));
  }
  int pairs = 0;
  std::vector<double> errors;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      cancel.ThrowIfCancelled();
      MatchPair(set, options, i, j, sources[i], targets[j], &errors, &pairs, cancel);
    }
    progress.Step(n + i + 1, 2 * n, fmt::format("{}: matched view {}/{}", model, i + 1, n));
  }
  const render::Intrinsics& k = options.render.intrinsics;
  ReportItem item;
  item.id = std::filesystem::path(set.mesh).filename().string();
  item.metrics.Set("pairs", pairs, Unit::kCount);
  const Metrics scores = ScoreMatches(errors, std::min(k.width, k.height), options.thresholds);
  item.metrics.values.insert(item.metrics.values.end(), scores.values.begin(), scores.values.end());
  item.metrics.Set("seconds", Since(start), Unit::kSeconds);
  item.attributes = {{"mesh", set.mesh}};
  *errors_out = std::move(errors);
  return item;
}

// The PCDP curve of one mesh item, from its errors.
Curve PcdpCurve(const std::vector<double>& errors_px, double side, double max_threshold) {
  std::vector<double> relative;
  for (double e : errors_px) relative.push_back(e / side);
  return ScoreErrors(relative, {}, "pcdp", "", max_threshold).curve;
}

// Averages the mesh items of one model (each scored mesh weighs the same);
// counts and seconds add up.
Metrics Summarize(const std::vector<ReportItem>& items) {
  Metrics summary;
  int meshes = 0;
  for (const ReportItem& item : items) {
    if (item.metrics.Get("matches") == 0) continue;
    ++meshes;
    for (const Metric& m : item.metrics.values)
      summary.Set(m.name, (summary.Has(m.name) ? summary.Get(m.name) : 0.0) + m.value, m.unit);
  }
  for (Metric& m : summary.values) {
    if (m.unit != Unit::kCount && m.unit != Unit::kSeconds && meshes > 0) m.value /= meshes;
  }
  summary.Set("meshes", meshes, Unit::kCount);
  return summary;
}

// The pointwise mean of curves sampled at the same thresholds.
Curve MeanCurve(const std::vector<Curve>& curves, const std::string& name) {
  Curve mean;
  mean.name = name;
  if (curves.empty()) return mean;
  mean.x = curves[0].x;
  mean.x_unit = "fraction of the shorter side";
  mean.y.assign(mean.x.size(), 0.0);
  for (const Curve& c : curves) {
    for (size_t i = 0; i < mean.y.size() && i < c.y.size(); ++i) mean.y[i] += c.y[i] / curves.size();
    mean.auc += c.auc / curves.size();
  }
  return mean;
}

}  // namespace

bool EquivarianceOptions::Check() const {
  bool ok = !meshes.empty() && view_set.Check() && view_set.count >= 2 && render.Check() && correspondence.Check() &&
            points_per_view > 0 && candidate_stride >= 1 && !thresholds.empty() && extract.Check();
  for (double t : thresholds) ok = ok && t > 0.0 && t <= 1.0;
  return ok;
}

Metrics ScoreMatches(const std::vector<double>& errors_px, double side, const std::vector<double>& thresholds) {
  Metrics metrics;
  metrics.Set("matches", static_cast<double>(errors_px.size()), Unit::kCount);
  const double n = errors_px.empty() ? 1.0 : static_cast<double>(errors_px.size());
  metrics.Set("ape", std::accumulate(errors_px.begin(), errors_px.end(), 0.0) / n / side);
  for (double t : thresholds) {
    const double limit = t * side;
    const auto within = std::count_if(errors_px.begin(), errors_px.end(), [limit](double e) { return e < limit; });
    metrics.Set(fmt::format("pcdp@{:g}", t), within / n);
  }
  return metrics;
}

Report RunEquivarianceTask(const EquivarianceOptions& options, FeatureProvider& provider, Progress& progress,
                           const CancelToken& cancel) {
  if (!options.Check()) {
    throw Error("invalid equivariance options", {}, "need meshes, >= 2 views, points > 0, thresholds in (0, 1]");
  }
  if (options.models.empty()) throw Error("no model to evaluate", {"", std::nullopt, "model"});
  for (const std::string& model : options.models) provider.Info(model);  // unknown names fail before rendering
  Report report;
  report.task = "equivariance";
  report.protocol = fmt::format("{} views, up to {} points per view, {}x{} px, candidate stride {}",
                                options.view_set.count, options.points_per_view, options.render.intrinsics.width,
                                options.render.intrinsics.height, options.candidate_stride);
  for (const std::string& mesh : options.meshes) report.dataset += (report.dataset.empty() ? "" : ", ") + mesh;
  for (const std::string& model : options.models) report.rows.push_back(ReportRow{model, "", {}, {}, {}, 0.0});
  auto renderer = render::Renderer::Create(options.render);
  const double per_mesh = 1.0 / options.meshes.size();
  const double max_threshold = *std::max_element(options.thresholds.begin(), options.thresholds.end());
  const double side = std::min(options.render.intrinsics.width, options.render.intrinsics.height);
  for (size_t m = 0; m < options.meshes.size(); ++m) {
    Progress mesh_progress = progress.Sub(m * per_mesh, (m + 1) * per_mesh);
    mesh_progress.Report(0.0, "rendering " + std::filesystem::path(options.meshes[m]).filename().string());
    const MeshViews set = RenderMesh(options.meshes[m], options, *renderer, m, cancel);
    const double per_model = 0.9 / options.models.size();
    for (size_t i = 0; i < options.models.size(); ++i) {
      Progress model_progress = mesh_progress.Sub(0.1 + i * per_model, 0.1 + (i + 1) * per_model);
      std::vector<double> errors;
      ReportItem item = ScoreModel(set, options.models[i], provider, options, model_progress, cancel, &errors);
      report.rows[i].curves.push_back(PcdpCurve(errors, side, max_threshold));
      report.rows[i].curves.back().name = "pcdp " + item.id;
      report.rows[i].items.push_back(std::move(item));
    }
  }
  for (ReportRow& row : report.rows) {
    row.metrics = Summarize(row.items);
    row.seconds = row.metrics.Has("seconds") ? row.metrics.Get("seconds") : 0.0;
    row.metrics.values.erase(std::remove_if(row.metrics.values.begin(), row.metrics.values.end(),
                                            [](const Metric& m) { return m.name == "seconds"; }),
                             row.metrics.values.end());
    row.curves.insert(row.curves.begin(), MeanCurve(row.curves, "pcdp"));
  }
  progress.Report(1.0, "done");
  return report;
}

}  // namespace corrlens::bench
