#include "core/pose/pose_estimator.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "core/corr/mutual_nn.h"
#include "core/corr/similarity.h"
#include "core/io/image.h"
#include "core/pose/pose_dump.h"
#include "core/util/error.h"

namespace corrlens::pose {

struct TemplateDescriptors {
  at::Tensor values;  // [N, C] float32, L2-normalised rows, on the provider's device
};

namespace {

constexpr int kPixelsPerToken = 8;
constexpr int kPatch = 14;

// `count` of `available` indices drawn without replacement by a seeded
// partial Fisher-Yates shuffle, then sorted so templates keep view order.
std::vector<int64_t> SeededSubset(size_t available, size_t count, uint64_t seed) {
  std::vector<int64_t> all(available);
  std::iota(all.begin(), all.end(), int64_t{0});
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < count; ++i) {
    std::uniform_int_distribution<size_t> pick(i, available - 1);
    std::swap(all[i], all[pick(rng)]);
  }
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<cv::Point2d> QueryGrid(int width, int height, int stride) {
  std::vector<cv::Point2d> grid;
  for (int y = 0; y < height; y += stride)
    for (int x = 0; x < width; x += stride) grid.emplace_back(x, y);
  return grid;
}

}  // namespace

ExtractOptions PoseExtractOptions(const ExtractOptions& base, int width, int height) {
  if (width < kPixelsPerToken || height < kPixelsPerToken)
    throw Error(fmt::format("image of {}x{} pixels is too small for pose estimation", width, height), {},
                "at least 8x8 pixels");
  ExtractOptions extract = base;
  extract.input_width = width / kPixelsPerToken * kPatch;
  extract.input_height = height / kPixelsPerToken * kPatch;
  return extract;
}

TemplateDatabase BuildTemplateDatabase(const ReferenceSet& reference, FeatureProvider& provider,
                                       const std::string& model, const TemplateOptions& options, Progress& progress,
                                       const CancelToken& cancel) {
  if (!options.Check()) throw Error("invalid template options", {"", std::nullopt, "templates"});
  if (reference.KeypointCount() == 0)
    throw Error("empty reference set: no keypoint with a 3D point", {reference.source}, "no annotated reference view");
  TemplateDatabase db;
  db.model = model;
  db.seed = options.seed;
  std::vector<at::Tensor> parts;
  for (size_t v = 0; v < reference.views.size(); ++v) {
    cancel.ThrowIfCancelled();
    const ReferenceView& view = reference.views[v];
    progress.Step(v, reference.views.size(), fmt::format("{}: reference view {}", model, view.name));
    if (view.keypoints.empty()) continue;
    const cv::Mat rgb = io::ReadImageRgb(view.image);
    const auto map = provider.Get(rgb, model, PoseExtractOptions(options.extract, rgb.cols, rgb.rows), cancel);
    c10::InferenceMode guard;
    parts.push_back(SampleDescriptors(*map, view.keypoints, /*normalize=*/true));
    for (size_t k = 0; k < view.keypoints.size(); ++k) {
      db.points.push_back(view.points[k]);
      db.view.push_back(static_cast<int>(v));
      db.keypoint.push_back(static_cast<int>(k));
    }
  }
  c10::InferenceMode guard;
  at::Tensor all = torch::cat(parts, 0);
  db.available = db.points.size();
  const size_t max = static_cast<size_t>(options.max_templates);
  if (max > 0 && db.available > max) {
    const std::vector<int64_t> keep = SeededSubset(db.available, max, options.seed);
    std::vector<cv::Point3d> points;
    std::vector<int> view, keypoint;
    for (int64_t i : keep) {
      points.push_back(db.points[i]);
      view.push_back(db.view[i]);
      keypoint.push_back(db.keypoint[i]);
    }
    db.points = std::move(points), db.view = std::move(view), db.keypoint = std::move(keypoint);
    const at::Tensor index =
        torch::from_blob(const_cast<int64_t*>(keep.data()), {static_cast<int64_t>(keep.size())}, torch::kInt64)
            .to(all.device());
    all = all.index_select(0, index);
  }
  auto descriptors = std::make_shared<TemplateDescriptors>();
  descriptors->values = all.contiguous();
  db.descriptors = std::move(descriptors);
  progress.Step(reference.views.size(), reference.views.size(), model + ": templates ready");
  return db;
}

PoseEstimate EstimatePose(const TemplateDatabase& templates, const cv::Mat& query_rgb, const cv::Matx33d& intrinsics,
                          FeatureProvider& provider, const PoseEstimateOptions& options, const CancelToken& cancel) {
  const auto start = std::chrono::steady_clock::now();
  if (!options.Check()) throw Error("invalid pose estimation options", {"", std::nullopt, "pose"});
  if (!templates.descriptors || templates.Size() == 0)
    throw Error("empty reference set: the template database has no descriptor", {"", std::nullopt, "reference"});
  CheckIntrinsics(intrinsics, "intrinsics");
  if (query_rgb.empty() || query_rgb.type() != CV_8UC3)
    throw Error("the query image is empty or not 8-bit RGB", {"", std::nullopt, "query"});
  const std::vector<cv::Point2d> grid = QueryGrid(query_rgb.cols, query_rgb.rows, options.grid_stride);
  const auto map = provider.Get(query_rgb, templates.model,
                                PoseExtractOptions(options.extract, query_rgb.cols, query_rgb.rows), cancel);
  PoseEstimate estimate;
  const std::string dump = PoseDumpDir();
  at::Tensor dumped_queries;
  std::vector<int64_t> match_pairs;  // grid index, template index
  {
    c10::InferenceMode guard;
    const at::Tensor queries = SampleDescriptors(*map, grid, /*normalize=*/true);
    estimate.extract_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!dump.empty()) dumped_queries = queries;
    const at::Tensor& db = templates.descriptors->values;
    if (queries.size(1) != db.size(1))
      throw Error(fmt::format("query descriptors have {} channels, the templates {}", queries.size(1), db.size(1)),
                  {"", std::nullopt, "model"}, "templates built with another model");
    const auto match_start = std::chrono::steady_clock::now();
    const NearestNeighbors nn = MutualNearestNeighbors(queries, db.to(queries.device()), {}, cancel);
    const at::Tensor mutual = nn.mutual.to(at::kCPU).contiguous();
    const at::Tensor best = nn.a_to_b.to(at::kCPU).contiguous();
    const at::Tensor score = nn.a_to_b_score.to(at::kCPU).to(torch::kFloat32).contiguous();
    const bool* is_mutual = mutual.data_ptr<bool>();
    const int64_t* index = best.data_ptr<int64_t>();
    const float* similarity = score.data_ptr<float>();
    for (size_t i = 0; i < grid.size(); ++i) {
      if (!is_mutual[i]) continue;
      const size_t t = static_cast<size_t>(index[i]);
      estimate.matches.push_back(
          {grid[i], templates.points[t], templates.view[t], templates.keypoint[t], similarity[i], false});
      match_pairs.insert(match_pairs.end(), {int64_t(i), int64_t(t)});
    }
    estimate.match_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - match_start).count();
  }
  const auto pnp_start = std::chrono::steady_clock::now();
  std::vector<cv::Point3d> object_points;
  std::vector<cv::Point2d> image_points;
  for (const PoseMatch& m : estimate.matches) {
    object_points.push_back(m.point);
    image_points.push_back(m.query);
  }
  const PnpResult pnp = SolvePnpRansac(object_points, image_points, intrinsics, options.pnp);
  estimate.cam_from_object = pnp.cam_from_object;
  estimate.solved = pnp.solved;
  for (int i : pnp.inliers)
    if (i >= 0 && i < static_cast<int>(estimate.matches.size())) estimate.matches[static_cast<size_t>(i)].inlier = true;
  estimate.inliers = static_cast<int>(pnp.inliers.size());
  estimate.pnp_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - pnp_start).count();
  estimate.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!dump.empty()) {
    c10::InferenceMode guard;
    DumpPoseEstimate(dump, templates.descriptors.get(), templates.descriptors->values, templates.points, query_rgb,
                     dumped_queries, grid, match_pairs, intrinsics, estimate);
  }
  return estimate;
}

}  // namespace corrlens::pose
