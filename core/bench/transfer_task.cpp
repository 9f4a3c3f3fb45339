#include "core/bench/transfer_task.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/corr/similarity.h"
#include "core/io/image.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::bench {
namespace {

namespace stdfs = std::filesystem;
constexpr int kCurveSteps = 20;
constexpr double kCurveMaxAlpha = 0.2;

std::string AlphaName(double alpha) { return fmt::format("pck_{:.2f}", alpha); }

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The selected rows of the pair list with each target image's letterbox.
struct Dataset {
  PfPascalPairs pairs;
  std::vector<const PfPascalPair*> rows;  // selected rows, CSV order
  std::map<int, Letterbox> target_boxes;  // by row
  int categories = 20;
};

Letterbox BoxOf(const std::string& path, int size) {
  const auto dims = io::SniffImageSize(fs::ReadFile(path, 64u << 20));
  if (!dims) throw Error("cannot read the image size", {path}, "not a JPEG/PNG image");
  return MakeLetterbox(static_cast<int>(dims->first), static_cast<int>(dims->second), size);
}

Dataset LoadDataset(const TransferTaskOptions& options) {
  Dataset d;
  d.pairs = ReadPfPascalPairs(options.PairsPath());
  d.categories = options.categories > 0 ? std::min(options.categories, 20) : 20;
  for (const PfPascalPair& p : d.pairs.pairs) {
    if (p.category < d.categories) d.rows.push_back(&p);
  }
  if (d.rows.empty()) throw Error("no pair of the selected categories", {d.pairs.csv});
  return d;
}

// Share of `errors` that pass `alpha` under the protocol's criterion.
struct PairScore {
  std::vector<float> canvas_errors;  // paper: float32 canvas pixels
  std::vector<double> pixel_errors;  // original target pixels
  double normaliser = 0.0;           // standard: max(target width, height)
};

PairScore ScorePair(const PfPascalPair& pair, const Letterbox& box, const std::vector<cv::Point2d>& predicted) {
  PairScore s;
  s.normaliser = std::max(box.width, box.height);
  const size_t k = std::min(pair.source_points.size(), pair.target_points.size());
  for (size_t i = 0; i < k; ++i) {
    const cv::Point2f gt = box.ToCanvas(pair.target_points[i]);
    const cv::Point2f pred = box.ToCanvas(predicted[i]);
    const float dx = pred.x - gt.x, dy = pred.y - gt.y;
    s.canvas_errors.push_back(std::sqrt(dx * dx + dy * dy));
    s.pixel_errors.push_back(
        std::hypot(predicted[i].x - pair.target_points[i].x, predicted[i].y - pair.target_points[i].y));
  }
  return s;
}

// Correct keypoints of one pair at `alpha`.
int Correct(const PairScore& s, TransferProtocol protocol, double alpha, int size) {
  int n = 0;
  if (protocol == TransferProtocol::kPaper) {
    const float threshold = static_cast<float>(alpha) * static_cast<float>(size);
    for (float e : s.canvas_errors) n += e < threshold;
  } else {
    for (double e : s.pixel_errors) n += e <= alpha * s.normaliser;
  }
  return n;
}

// PCK at `alpha`: paper = keypoints pooled per category, weighted over
// categories; standard = mean over pairs. Per-category values go to `per_category`.
double Pck(const Dataset& d, const std::vector<PairScore>& scores, TransferProtocol protocol, double alpha, int size,
           std::vector<double>* per_category) {
  std::vector<double> correct(d.categories, 0.0), total(d.categories, 0.0), pairs(d.categories, 0.0),
      scored_pairs(d.categories, 0.0);
  double pair_sum = 0.0;
  int pair_count = 0;
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const int c = d.rows[i]->category;
    const double n = static_cast<double>(scores[i].canvas_errors.size());
    if (n == 0) continue;
    const double ok = Correct(scores[i], protocol, alpha, size);
    correct[c] += ok;
    total[c] += n;
    pairs[c] += ok / n;
    scored_pairs[c] += 1.0;
    ++pair_count;
    pair_sum += ok / n;
  }
  per_category->assign(d.categories, 0.0);
  double weighted = 0.0, weights = 0.0;
  for (int c = 0; c < d.categories; ++c) {
    if (protocol == TransferProtocol::kPaper) {
      if (total[c] == 0) continue;  // a category without keypoints carries no weight
      (*per_category)[c] = correct[c] / total[c];
      weighted += PfPascalWeights()[c] * (*per_category)[c];
      weights += PfPascalWeights()[c];
    } else {
      (*per_category)[c] = scored_pairs[c] > 0 ? pairs[c] / scored_pairs[c] : 0.0;
    }
  }
  if (protocol == TransferProtocol::kPaper) return weights > 0 ? weighted / weights : 0.0;
  return pair_count > 0 ? pair_sum / pair_count : 0.0;
}

ReportRow ScoreRow(const TransferTaskOptions& options, const Dataset& d, const std::string& model,
                   const std::vector<std::vector<cv::Point2d>>& predicted) {
  std::vector<PairScore> scores;
  for (size_t i = 0; i < d.rows.size(); ++i)
    scores.push_back(ScorePair(*d.rows[i], d.target_boxes.at(d.rows[i]->row), predicted[i]));
  ReportRow row;
  row.model = model;
  std::vector<ReportItem> categories(d.categories);
  for (int c = 0; c < d.categories; ++c) categories[c].id = "category:" + PfPascalClasses()[c];
  for (double alpha : options.alphas) {
    std::vector<double> per_category;
    row.metrics.Set(AlphaName(alpha), Pck(d, scores, options.protocol, alpha, options.size, &per_category));
    for (int c = 0; c < d.categories; ++c) categories[c].metrics.Set(AlphaName(alpha), per_category[c]);
  }
  int keypoints = 0;
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const PfPascalPair& p = *d.rows[i];
    const double n = static_cast<double>(scores[i].pixel_errors.size());
    keypoints += static_cast<int>(n);
    ReportItem item{"pair:" + std::to_string(p.row), {}, {}};
    for (double alpha : options.alphas)
      item.metrics.Set(AlphaName(alpha), n > 0 ? Correct(scores[i], options.protocol, alpha, options.size) / n : 0.0);
    double sum = 0.0;
    for (double e : scores[i].pixel_errors) sum += e;
    item.metrics.Set("mean_error_px", n > 0 ? sum / n : 0.0, Unit::kPixels);
    item.metrics.Set("keypoints", n, Unit::kCount);
    item.attributes = {{"row", std::to_string(p.row)},
                       {"category", PfPascalClasses()[p.category]},
                       {"source", d.pairs.ImagePath(p.source_image)},
                       {"target", d.pairs.ImagePath(p.target_image)}};
    categories[p.category].metrics.Set(
        "keypoints",
        (categories[p.category].metrics.Has("keypoints") ? categories[p.category].metrics.Get("keypoints") : 0.0) + n,
        Unit::kCount);
    row.items.push_back(std::move(item));
  }
  row.metrics.Set("keypoints", keypoints, Unit::kCount);
  row.metrics.Set("pairs", static_cast<double>(d.rows.size()), Unit::kCount);
  categories.erase(std::remove_if(categories.begin(), categories.end(),
                                  [](const ReportItem& item) { return !item.metrics.Has("keypoints"); }),
                   categories.end());
  row.items.insert(row.items.begin(), categories.begin(), categories.end());
  Curve curve{"pck", "alpha", {}, {}, 0.0};
  for (int s = 0; s <= kCurveSteps; ++s) {
    std::vector<double> unused;
    curve.x.push_back(kCurveMaxAlpha * s / kCurveSteps);
    curve.y.push_back(Pck(d, scores, options.protocol, curve.x.back(), options.size, &unused));
  }
  for (int s = 1; s <= kCurveSteps; ++s) curve.auc += 0.5 * (curve.y[s - 1] + curve.y[s]) / kCurveSteps;
  row.curves.push_back(std::move(curve));
  return row;
}

Report EmptyReport(const TransferTaskOptions& options, const Dataset& d) {
  Report report;
  report.task = "transfer";
  report.protocol = std::string(TransferProtocolName(options.protocol)) +
                    (options.protocol == TransferProtocol::kPaper
                         ? fmt::format(" (letterbox {}, err < alpha*{}, keypoints pooled per category, weighted)",
                                       options.size, options.size)
                         : " (err <= alpha*max(W, H) of the target, mean over pairs)");
  report.dataset = d.pairs.csv + fmt::format(" ({} pairs, {} categories)", d.rows.size(), d.categories);
  const int mismatched = static_cast<int>(std::count_if(d.rows.begin(), d.rows.end(), [](const PfPascalPair* p) {
    return p->source_points.size() != p->target_points.size();
  }));
  if (mismatched > 0)
    report.notes.push_back(fmt::format(
        "{} of {} pairs have different numbers of source and target keypoints: index-aligned keypoints do not "
        "always denote the same part (the paper protocol keeps this to stay comparable with the paper)",
        mismatched, d.rows.size()));
  return report;
}

// Canvas pixel of the best target position for every source keypoint of one pair.
std::vector<cv::Point2d> PredictPair(const TransferTaskOptions& options, const Dataset& d, const PfPascalPair& p,
                                     FeatureProvider& provider, const std::string& model, const CancelToken& cancel) {
  const cv::Mat source_rgb = io::ReadImageRgb(d.pairs.ImagePath(p.source_image));
  const cv::Mat target_rgb = io::ReadImageRgb(d.pairs.ImagePath(p.target_image));
  const Letterbox source_box = MakeLetterbox(source_rgb.cols, source_rgb.rows, options.size);
  const Letterbox& target_box = d.target_boxes.at(p.row);
  if (target_box.width != target_rgb.cols || target_box.height != target_rgb.rows)
    throw Error("image header and pixels disagree on the size", {d.pairs.ImagePath(p.target_image)});
  ExtractOptions extract = options.extract;
  extract.input_width = extract.input_height = options.size;
  const auto source = provider.Get(LetterboxImage(source_rgb, source_box), model, extract, cancel);
  const auto target = provider.Get(LetterboxImage(target_rgb, target_box), model, extract, cancel);
  std::vector<cv::Point2d> canvas;
  for (const cv::Point2d& q : p.source_points) {
    const cv::Point2f c = source_box.ToCanvas(q);
    canvas.emplace_back(c.x, c.y);
  }
  c10::InferenceMode guard;
  const at::Tensor queries = SampleDescriptors(*source, canvas, /*normalize=*/true);   // [K, C]
  const at::Tensor tokens = target->features.reshape({target->features.size(0), -1});  // [C, H*W]
  const at::Tensor best = queries.mm(tokens).argmax(/*dim=*/1).to(at::kCPU);           // first maximum
  const at::Tensor centres = TokenCentres(*target).to(at::kCPU);
  const int64_t grid_w = target->geometry.grid_width;
  std::vector<cv::Point2d> predicted;
  for (int64_t i = 0; i < best.size(0); ++i) {
    const int64_t index = best[i].item<int64_t>();
    // The reference edge-pads the upsampled map, so a maximum in the first
    // token row/column is first found at canvas row/column 0.
    const double x = index % grid_w == 0 ? 0.0 : centres[index][0].item<float>();
    const double y = index / grid_w == 0 ? 0.0 : centres[index][1].item<float>();
    predicted.push_back(target_box.FromCanvas({x, y}));
  }
  return predicted;
}

}  // namespace

TransferProtocol TransferProtocolFromName(const std::string& name) {
  if (name == "paper") return TransferProtocol::kPaper;
  if (name == "standard") return TransferProtocol::kStandard;
  throw Error("unknown protocol '" + name + "'", {"", std::nullopt, "protocol"}, "transfer protocols: paper, standard");
}

const char* TransferProtocolName(TransferProtocol protocol) {
  return protocol == TransferProtocol::kPaper ? "paper" : "standard";
}

bool TransferTaskOptions::Check() const {
  bool ok = !dataset.empty() && categories >= 0 && size >= 14 && !alphas.empty() && extract.Check();
  for (double a : alphas) ok = ok && a > 0.0 && a <= 1.0;
  return ok;
}

std::string TransferTaskOptions::PairsPath() const {
  if (!pairs.empty()) return pairs;
  const stdfs::path root(dataset);
  const stdfs::path folder = root.filename() == "PF-dataset-PASCAL" ? root : root / "PF-dataset-PASCAL";
  return (folder /
          (protocol == TransferProtocol::kPaper ? "test_pairs_pf_different_views.csv" : "test_pairs_pf_same_views.csv"))
      .string();
}

Report RunTransferTask(const TransferTaskOptions& options, FeatureProvider& provider, Progress& progress,
                       const CancelToken& cancel, std::vector<std::vector<TransferPrediction>>* predictions) {
  if (!options.Check()) throw Error("invalid transfer options", {}, "dataset folder, alphas in (0, 1], size >= 14");
  if (options.models.empty()) throw Error("no model to evaluate", {"", std::nullopt, "model"});
  Dataset d = LoadDataset(options);
  for (const PfPascalPair* p : d.rows) d.target_boxes[p->row] = BoxOf(d.pairs.ImagePath(p->target_image), options.size);
  Report report = EmptyReport(options, d);
  for (size_t m = 0; m < options.models.size(); ++m) {
    const std::string& model = options.models[m];
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::vector<cv::Point2d>> predicted;
    std::vector<TransferPrediction> out;
    for (size_t i = 0; i < d.rows.size(); ++i) {
      cancel.ThrowIfCancelled();
      progress.Step(m * d.rows.size() + i, options.models.size() * d.rows.size(),
                    fmt::format("{}: pair {}/{}", model, i + 1, d.rows.size()));
      predicted.push_back(PredictPair(options, d, *d.rows[i], provider, model, cancel));
      out.push_back({d.rows[i]->row, predicted.back()});
    }
    ReportRow row = ScoreRow(options, d, model, predicted);
    row.seconds = Since(start);
    report.rows.push_back(std::move(row));
    if (predictions) predictions->push_back(std::move(out));
  }
  progress.Report(1.0, "done");
  return report;
}

Report ScoreTransferPredictions(const TransferTaskOptions& options, const std::string& model,
                                const std::vector<TransferPrediction>& predictions) {
  if (!options.Check()) throw Error("invalid transfer options", {}, "dataset folder, alphas in (0, 1], size >= 14");
  Dataset d = LoadDataset(options);
  std::map<int, const TransferPrediction*> by_row;
  for (const TransferPrediction& p : predictions) by_row[p.row] = &p;
  std::vector<std::vector<cv::Point2d>> predicted;
  for (const PfPascalPair* p : d.rows) {
    const auto it = by_row.find(p->row);
    if (it == by_row.end())
      throw Error("no prediction for CSV row " + std::to_string(p->row), {"", std::nullopt, "predictions"},
                  "every selected pair needs one");
    if (it->second->points.size() != p->source_points.size())
      throw Error(fmt::format("row {} has {} predicted points, the CSV {} source keypoints", p->row,
                              it->second->points.size(), p->source_points.size()),
                  {"", std::nullopt, "predictions"});
    d.target_boxes[p->row] = BoxOf(d.pairs.ImagePath(p->target_image), options.size);
    predicted.push_back(it->second->points);
  }
  Report report = EmptyReport(options, d);
  report.rows.push_back(ScoreRow(options, d, model, predicted));
  return report;
}

std::string TransferPredictionsToJson(const std::string& model, const std::vector<TransferPrediction>& predictions) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const TransferPrediction& p : predictions) {
    nlohmann::json points = nlohmann::json::array();
    for (const cv::Point2d& q : p.points) points.push_back({q.x, q.y});
    pairs.push_back({{"row", p.row}, {"points", points}});
  }
  return nlohmann::json{{"model", model}, {"pairs", pairs}}.dump();
}

std::vector<TransferPrediction> ReadTransferPredictions(const std::string& path, std::string* model) {
  const std::vector<uint8_t> bytes = fs::ReadFile(path, 256u << 20);
  try {
    const nlohmann::json json = nlohmann::json::parse(bytes.begin(), bytes.end());
    if (model) *model = json.value("model", stdfs::path(path).stem().string());
    std::vector<TransferPrediction> predictions;
    for (const nlohmann::json& pair : json.at("pairs")) {
      TransferPrediction p;
      p.row = pair.at("row").get<int>();
      for (const nlohmann::json& q : pair.at("points"))
        p.points.emplace_back(q.at(0).get<double>(), q.at(1).get<double>());
      predictions.push_back(std::move(p));
    }
    return predictions;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a transfer predictions file: ") + e.what(), {path},
                "expected {\"pairs\": [{\"row\": r, \"points\": [[x, y], ...]}]}");
  }
}

}  // namespace corrlens::bench
