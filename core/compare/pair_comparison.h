// The comparison behind the Pair workspace and `corrlens-cli match`: one
// source and one target image, several backends; per backend the two feature
// maps (through a cached FeatureSource), point matches, similarity heatmaps,
// mutual nearest neighbours and PCA colours. No Qt; thread-safe.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/corr/heatmap.h"
#include "core/corr/matching.h"
#include "core/corr/mutual_nn.h"
#include "core/feature/feature_backend.h"

namespace corrlens {

// Gives the (cached) feature map of an RGB image for a model name; in the
// app this is plugins/registry's FeatureService::Get.
using FeatureSource = std::function<std::shared_ptr<const FeatureMap>(
    const cv::Mat& rgb, const std::string& model, const ExtractOptions& options, const CancelToken& cancel)>;

struct PairComparisonOptions {
  ExtractOptions extract;        // feature extraction (reference defaults)
  MatchOptions match;            // nearest neighbour + soft-argmax refinement
  MutualMatchOptions mutual;     // mutual-NN overlay (subsampled)
  HeatmapOptions heatmap;        // colour map and score range of heatmaps

  bool Check() const { return extract.Check() && match.Check() && mutual.Check() && heatmap.Check(); }
};

// A point's match in the target for one model.
struct ComparedMatch {
  cv::Point2d source;
  cv::Point2d target;
  float score = 0.f;
};

class PairComparison {
 public:
  PairComparison(FeatureSource source, PairComparisonOptions options = {});
  ~PairComparison();

  // Sets the images (CV_8UC3 RGB); drops the feature maps of earlier images.
  void SetImages(const cv::Mat& source_rgb, const cv::Mat& target_rgb);
  const cv::Mat& Image(int side) const { return images_[side]; }
  const PairComparisonOptions& Options() const { return options_; }

  // Computes (or fetches from the cache) both maps of `model`, reporting
  // progress. Throws what the source throws (Error, Cancelled).
  void Prepare(const std::string& model, Progress& progress, const CancelToken& cancel);
  bool IsPrepared(const std::string& model) const;

  // Matches of source `points` (image pixels) in the target. Throws Error if
  // the backend was not prepared or a point lies outside the source image.
  std::vector<ComparedMatch> Match(const std::string& model,
                                   const std::vector<cv::Point2d>& points) const;
  // Colour-mapped cosine similarity of source `point` over the whole target
  // image (image size), with the score range it maps.
  Heatmap SimilarityHeatmap(const std::string& model, const cv::Point2d& point) const;
  // Mutual nearest-neighbour token pairs (subsampled per options.mutual).
  std::vector<MatchPair> MutualMatches(const std::string& model, const CancelToken& cancel) const;
  // PCA false colour of source and target from one shared basis (image size).
  std::array<cv::Mat, 2> PcaImages(const std::string& model) const;

 private:
  // Matches already computed for one pair of maps, by source point: a click
  // adds one point and only that one is matched.
  struct MatchMemo {
    std::mutex mutex;
    std::map<std::pair<double, double>, ComparedMatch> matches;
  };
  struct Maps {
    std::shared_ptr<const FeatureMap> map[2];
    at::Tensor target_tokens;  // TokenMatrix(*map[1]), computed once per pair
    std::shared_ptr<MatchMemo> memo = std::make_shared<MatchMemo>();
  };
  Maps Get(const std::string& model) const;

  FeatureSource source_;
  PairComparisonOptions options_;
  cv::Mat images_[2];
  mutable std::mutex mutex_;
  std::map<std::string, Maps> maps_;
};

}  // namespace corrlens
