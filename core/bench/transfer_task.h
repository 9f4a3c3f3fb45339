// Semantic keypoint transfer on PF-PASCAL (core/bench task shape).
//   paper:    the 3DCorrEnhance protocol, bug-compatible: different_views
//             pairs, PIL-Lanczos letterbox to 840x840, patch tokens -> refine
//             conv, argmax of the source descriptor's dot product with the
//             target map upsampled over every canvas pixel, strict
//             err < alpha * 840, keypoints pooled per category, categories
//             averaged with the fixed pair-count weights.
//   standard: same_views pairs, per pair the share of keypoints with
//             err <= alpha * max(target width, height) in original pixels,
//             averaged over pairs (NCNet-style, non-strict).
// Keypoints are index-aligned (slot k of the source with slot k of the
// target, k < min(source count, target count)), as the reference does.
#pragma once

#include <string>
#include <vector>

#include "core/bench/letterbox.h"
#include "core/bench/pf_pascal.h"
#include "core/bench/report.h"
#include "core/feature/feature_provider.h"

namespace corrlens::bench {

enum class TransferProtocol { kPaper, kStandard };
// "paper" / "standard"; Error for another name (key "protocol").
TransferProtocol TransferProtocolFromName(const std::string& name);
const char* TransferProtocolName(TransferProtocol protocol);

struct TransferTaskOptions {
  std::vector<std::string> models;  // model names for the FeatureProvider
  // Folder holding PF-dataset-PASCAL/ (or that folder itself).
  std::string dataset;
  // Pair CSV; "" = the protocol's file in PF-dataset-PASCAL/.
  std::string pairs;
  TransferProtocol protocol = TransferProtocol::kPaper;
  int categories = 0;  // the first N classes in VOC order (0 = all 20)
  int size = 840;      // letterbox canvas side
  std::vector<double> alphas = {0.05, 0.10, 0.15};
  ExtractOptions extract;  // input size is set to the canvas by the task

  bool Check() const;
  // The pair CSV this run reads (resolves the default).
  std::string PairsPath() const;
};

// One pair's predicted target points, in original target-image pixels, one
// per source keypoint in CSV order.
struct TransferPrediction {
  int row = 0;
  std::vector<cv::Point2d> points;
};

// Runs every model: one Report row per model with "pck_<alpha>" metrics
// (fractions; weighted over categories for paper, over pairs for
// standard), items per category ("category:<name>") and per pair
// ("pair:<row>"), the PCK-vs-alpha curve, and a note counting the rows whose
// source and target keypoint counts differ. `predictions` (optional)
// receives each model's predictions, in report row order.
Report RunTransferTask(const TransferTaskOptions& options, FeatureProvider& provider, Progress& progress,
                       const CancelToken& cancel, std::vector<std::vector<TransferPrediction>>* predictions = nullptr);

// Scores given predictions as one Report row named `model` (image sizes are
// read from the JPEG headers). Throws Error for a row that is not in the CSV
// or a wrong number of points.
Report ScoreTransferPredictions(const TransferTaskOptions& options, const std::string& model,
                                const std::vector<TransferPrediction>& predictions);

// Predictions JSON: {"model": m, "pairs": [{"row": r, "points": [[x, y], ...]}]}.
std::string TransferPredictionsToJson(const std::string& model, const std::vector<TransferPrediction>& predictions);
// Reads that JSON; throws Error naming `path` when malformed.
std::vector<TransferPrediction> ReadTransferPredictions(const std::string& path, std::string* model = nullptr);

}  // namespace corrlens::bench
