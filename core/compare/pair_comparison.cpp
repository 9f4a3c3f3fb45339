#include "core/compare/pair_comparison.h"

#include <torch/torch.h>

#include "core/corr/pca.h"
#include "core/corr/similarity.h"
#include "core/util/error.h"

namespace corrlens {

PairComparison::PairComparison(std::shared_ptr<FeatureProvider> provider, PairComparisonOptions options)
    : provider_(std::move(provider)), options_(std::move(options)) {
  if (!provider_) throw Error("pair comparison needs a feature provider");
  if (!options_.Check()) throw Error("invalid pair comparison options");
}

PairComparison::~PairComparison() = default;

void PairComparison::SetImages(const cv::Mat& source_rgb, const cv::Mat& target_rgb) {
  if (source_rgb.empty() || target_rgb.empty() || source_rgb.type() != CV_8UC3 || target_rgb.type() != CV_8UC3)
    throw Error("pair comparison needs two RGB images (CV_8UC3)");
  std::lock_guard<std::mutex> lock(mutex_);
  images_[0] = source_rgb;
  images_[1] = target_rgb;
  maps_.clear();
}

void PairComparison::Prepare(const std::string& model, Progress& progress, const CancelToken& cancel) {
  cv::Mat images[2];
  {
    std::lock_guard<std::mutex> lock(mutex_);
    images[0] = images_[0];
    images[1] = images_[1];
  }
  if (images[0].empty()) throw Error("no images loaded");
  Maps maps;
  for (int side = 0; side < 2; ++side) {
    progress.Report(side * 0.5, model + (side == 0 ? ": source features" : ": target features"));
    maps.map[side] = provider_->Get(images[side], model, options_.extract, cancel);
    if (!maps.map[side] || !maps.map[side]->Valid()) throw Error("no valid feature map", {"", std::nullopt, model});
  }
  {
    c10::InferenceMode guard;
    maps.target_tokens = TokenMatrix(*maps.map[1]);
  }
  progress.Report(1.0, model + ": ready");
  std::lock_guard<std::mutex> lock(mutex_);
  // Images may have changed while computing: keep only maps of the current pair.
  if (images_[0].data == images[0].data && images_[1].data == images[1].data) maps_[model] = maps;
}

bool PairComparison::IsPrepared(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return maps_.count(model) > 0;
}

PairComparison::Maps PairComparison::Get(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = maps_.find(model);
  if (it == maps_.end()) throw Error("features of '" + model + "' are not computed yet");
  return it->second;
}

std::shared_ptr<const FeatureMap> PairComparison::Features(const std::string& model, Side side) const {
  return Get(model).map[static_cast<int>(side)];
}

std::vector<ComparedMatch> PairComparison::Match(const std::string& model,
                                                 const std::vector<cv::Point2d>& points) const {
  const Maps maps = Get(model);
  const GridGeometry& g = maps.map[0]->geometry;
  for (const cv::Point2d& p : points) {
    if (!InsideImage(p, g.image_width, g.image_height))
      throw Error("point (" + std::to_string(p.x) + ", " + std::to_string(p.y) + ") lies outside the " +
                  std::to_string(g.image_width) + "x" + std::to_string(g.image_height) + " source image");
  }
  std::vector<cv::Point2d> missing;
  {
    std::lock_guard<std::mutex> lock(maps.memo->mutex);
    for (const cv::Point2d& p : points)
      if (!maps.memo->matches.count({p.x, p.y})) missing.push_back(p);
  }
  if (!missing.empty()) {
    c10::InferenceMode guard;
    const std::vector<PointMatch> matches =
        MatchPoints(*maps.map[0], missing, *maps.map[1], options_.match, maps.target_tokens);
    std::lock_guard<std::mutex> lock(maps.memo->mutex);
    for (size_t i = 0; i < matches.size(); ++i)
      maps.memo->matches[{missing[i].x, missing[i].y}] = {missing[i], matches[i].match, matches[i].score,
                                                          matches[i].refined_score, matches[i].peak};
  }
  std::lock_guard<std::mutex> lock(maps.memo->mutex);
  std::vector<ComparedMatch> result;
  for (const cv::Point2d& p : points) result.push_back(maps.memo->matches.at({p.x, p.y}));
  return result;
}

Heatmap PairComparison::SimilarityHeatmap(const std::string& model, const cv::Point2d& point) const {
  const Maps maps = Get(model);
  return PointHeatmap(*maps.map[0], point, *maps.map[1], options_.heatmap, maps.target_tokens);
}

std::vector<MatchPair> PairComparison::MutualMatches(const std::string& model, const CancelToken& cancel) const {
  const Maps maps = Get(model);
  {
    std::lock_guard<std::mutex> lock(maps.memo->mutex);
    if (maps.memo->mutual) return *maps.memo->mutual;
  }
  std::vector<MatchPair> pairs;
  {
    c10::InferenceMode guard;
    pairs = corrlens::MutualMatches(*maps.map[0], *maps.map[1], options_.mutual, cancel);
  }
  std::lock_guard<std::mutex> lock(maps.memo->mutex);
  maps.memo->mutual = pairs;
  return pairs;
}

std::array<cv::Mat, 2> PairComparison::PcaImages(const std::string& model) const {
  const Maps maps = Get(model);
  {
    std::lock_guard<std::mutex> lock(maps.memo->mutex);
    if (maps.memo->pca) return *maps.memo->pca;
  }
  std::vector<cv::Mat> images;
  {
    c10::InferenceMode guard;
    PcaOptions options;
    options.image_size = true;
    images = corrlens::PcaImages({maps.map[0].get(), maps.map[1].get()}, options);
  }
  std::lock_guard<std::mutex> lock(maps.memo->mutex);
  if (!maps.memo->pca) maps.memo->pca = std::array<cv::Mat, 2>{images[0], images[1]};
  return *maps.memo->pca;
}

}  // namespace corrlens
