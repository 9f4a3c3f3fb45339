// The comparison behind the Pair workspace and `corrlens-cli match`: one
// source and one target image, several models; per model the two feature
// maps (through a FeatureProvider, which caches them), point matches,
// similarity heatmaps, mutual nearest neighbours and PCA colours. Matches,
// mutual matches and PCA images are memoised per image pair, so repeated
// requests (clicks, toggles) cost nothing. No Qt; thread-safe.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/corr/heatmap.h"
#include "core/corr/matching.h"
#include "core/corr/mutual_nn.h"
#include "core/feature/feature_provider.h"

namespace corrlens {

enum class Side { kSource = 0, kTarget = 1 };

struct PairComparisonOptions {
  ExtractOptions extract;     // feature extraction (reference defaults)
  MatchOptions match;         // nearest neighbour + soft-argmax refinement
  MutualMatchOptions mutual;  // mutual-NN overlay (subsampled)
  HeatmapOptions heatmap;     // colour map and score range of heatmaps

  bool Check() const { return extract.Check() && match.Check() && mutual.Check() && heatmap.Check(); }
};

// A point's match in the target for one model.
struct ComparedMatch {
  cv::Point2d source;
  cv::Point2d target;         // refined match (or the peak without refinement)
  float score = 0.f;          // cosine similarity at the peak token
  float refined_score = 0.f;  // cosine similarity at the refined position
  cv::Point2d peak;           // argmax token centre in target pixels
};

class PairComparison {
 public:
  // `provider` gives (cached) feature maps by model name.
  explicit PairComparison(std::shared_ptr<FeatureProvider> provider, PairComparisonOptions options = {});
  ~PairComparison();

  // Sets the images (CV_8UC3 RGB); drops the feature maps of earlier images.
  void SetImages(const cv::Mat& source_rgb, const cv::Mat& target_rgb);
  const cv::Mat& Image(Side side) const { return images_[static_cast<int>(side)]; }
  const PairComparisonOptions& Options() const { return options_; }

  // Computes (or fetches from the cache) both maps of `model`, reporting
  // progress. Throws what the provider throws (Error, Cancelled).
  void Prepare(const std::string& model, Progress& progress, const CancelToken& cancel);
  bool IsPrepared(const std::string& model) const;
  // The prepared feature map of `model` on `side`; throws Error when not prepared.
  std::shared_ptr<const FeatureMap> Features(const std::string& model, Side side) const;

  // Matches of source `points` (image pixels) in the target. Throws Error if
  // the backend was not prepared or a point lies outside the source image.
  std::vector<ComparedMatch> Match(const std::string& model, const std::vector<cv::Point2d>& points) const;
  // Colour-mapped cosine similarity of source `point` over the whole target
  // image (image size), with the score range it maps.
  Heatmap SimilarityHeatmap(const std::string& model, const cv::Point2d& point) const;
  // Mutual nearest-neighbour token pairs (subsampled per options.mutual);
  // computed once per image pair.
  std::vector<MatchPair> MutualMatches(const std::string& model, const CancelToken& cancel) const;
  // PCA false colour of source and target from one shared basis (image
  // size); computed once per image pair (the same cv::Mat data each call).
  std::array<cv::Mat, 2> PcaImages(const std::string& model) const;

 private:
  // Matches already computed for one pair of maps, by source point: a click
  // adds one point and only that one is matched.
  struct MatchMemo {
    std::mutex mutex;
    std::map<std::pair<double, double>, ComparedMatch> matches;
    std::optional<std::vector<MatchPair>> mutual;
    std::optional<std::array<cv::Mat, 2>> pca;
  };
  struct Maps {
    std::shared_ptr<const FeatureMap> map[2];
    at::Tensor target_tokens;  // TokenMatrix(*map[1]), computed once per pair
    std::shared_ptr<MatchMemo> memo = std::make_shared<MatchMemo>();
  };
  Maps Get(const std::string& model) const;

  std::shared_ptr<FeatureProvider> provider_;
  PairComparisonOptions options_;
  cv::Mat images_[2];
  mutable std::mutex mutex_;
  std::map<std::string, Maps> maps_;
};

}  // namespace corrlens
