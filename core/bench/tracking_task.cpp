#include "core/bench/tracking_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/bench/letterbox.h"
#include "core/track/feature_volume.h"
#include "core/track/tapvid_dataset.h"
#include "core/track/tracker.h"
#include "core/util/error.h"

namespace corrlens::bench {
namespace {

using track::TapVidVideo;
using track::TrackSet;
using Clock = std::chrono::steady_clock;

constexpr double kCurveMax = 16.0;  // px at 256x256
constexpr int kCurveSteps = 32;

struct VideoScore {
  ReportItem item;
  PckSummary curve;
  bool has_visible = false;
};

std::string ProtocolName(const track::TrackPreset& p) {
  const std::string size = p.width > 0 ? fmt::format("{}x{} frames", p.width, p.height)
                                       : fmt::format("long side {} (multiple of {})", p.long_side, p.multiple);
  return fmt::format(
      "tapvid-davis strided, preset {}: {} (PIL Lanczos), stride {}, {} + refine conv, "
      "soft-argmax {:g} px, anchors {:g} / visible {:g}; metrics at 256x256",
      p.name, size, p.stride, p.layer == FeatureLayer::kPrenorm ? "x_prenorm" : "x_norm", p.tracker.radius,
      p.tracker.anchor_threshold, p.tracker.visible_threshold);
}

// The frame where the visible ground-truth points (each group's query frame
// left out, as strided scoring does) have the largest mean error at 256x256;
// {-1, 0} when no frame has one. `predictions` are checked by the caller.
std::pair<int, double> WorstFrame(const TapVidVideo& video, const std::vector<TrackSet>& predictions) {
  std::vector<double> sum(video.frames, 0.0);
  std::vector<int> count(video.frames, 0);
  const double sx = 256.0 / video.width, sy = 256.0 / video.height;
  for (size_t g = 0; g < video.groups.size(); ++g) {
    const TrackSet& truth = video.groups[g].truth;
    for (int n = 0; n < truth.tracks; ++n)
      for (int t = 0; t < truth.frames && t < video.frames; ++t) {
        if (t == video.groups[g].frame || truth.Occluded(n, t)) continue;
        sum[t] +=
            std::hypot((predictions[g].X(n, t) - truth.X(n, t)) * sx, (predictions[g].Y(n, t) - truth.Y(n, t)) * sy);
        ++count[t];
      }
  }
  std::pair<int, double> worst{-1, 0.0};
  for (int t = 0; t < video.frames; ++t)
    if (count[t] > 0 && (worst.first < 0 || sum[t] / count[t] > worst.second)) worst = {t, sum[t] / count[t]};
  return worst;
}

VideoScore ScoreVideo(const TapVidVideo& video, const std::vector<TrackSet>& predictions, const std::string& source) {
  VideoScore score;
  std::vector<double> errors;
  const auto metrics = track::ScoreTapVidVideo(video, predictions, &errors);
  score.item.id = "video:" + std::to_string(video.video_idx);
  for (const auto& [name, value] : metrics) score.item.metrics.Set(name, value);
  score.item.metrics.Set("queries", video.QueryCount(), Unit::kCount);
  if (!video.name.empty()) score.item.attributes.emplace_back("name", video.name);
  score.item.attributes.emplace_back("frames", std::to_string(video.frames));
  score.item.attributes.emplace_back("source", source);
  const auto [worst, worst_error] = WorstFrame(video, predictions);
  if (worst >= 0) {
    score.item.attributes.emplace_back("worst_frame", std::to_string(worst));
    score.item.metrics.Set("worst_frame_error_px", worst_error, Unit::kPixels);
  }
  score.curve = ScoreErrors(errors, {}, "pts_within", "px", kCurveMax, kCurveSteps);
  score.has_visible = !errors.empty();
  return score;
}

// Row metrics: mean over videos of each metric (NaN skipped), the curve
// averaged over the videos that have visible points.
void Summarize(const std::vector<VideoScore>& scores, ReportRow* row) {
  for (const std::string& name : track::TapVidMetricNames()) {
    double sum = 0.0;
    int count = 0;
    for (const VideoScore& s : scores) {
      const double v = s.item.metrics.Get(name);
      if (std::isfinite(v)) sum += v, ++count;
    }
    row->metrics.Set(name, count ? sum / count : std::nan(""));
  }
  double queries = 0.0;
  Curve curve;
  curve.name = "pts_within";
  curve.x_unit = "px at 256x256";
  int with_points = 0;
  for (const VideoScore& s : scores) {
    queries += s.item.metrics.Get("queries");
    if (!s.has_visible) continue;
    if (curve.x.empty()) curve.x = s.curve.curve.x, curve.y.assign(curve.x.size(), 0.0);
    for (size_t i = 0; i < curve.y.size(); ++i) curve.y[i] += s.curve.curve.y[i];
    curve.auc += s.curve.curve.auc;
    ++with_points;
  }
  for (double& y : curve.y) y /= std::max(1, with_points);
  curve.auc /= std::max(1, with_points);
  row->metrics.Set("videos", double(scores.size()), Unit::kCount);
  row->metrics.Set("queries", queries, Unit::kCount);
  row->curves.push_back(curve);
  for (const VideoScore& s : scores) row->items.push_back(s.item);
}

// Tracks every query of `video` with `model`; tracks per query group in
// benchmark pixels.
std::vector<TrackSet> TrackVideo(video::VideoSource& frames, const TapVidVideo& video, FeatureProvider& provider,
                                 const std::string& model, const track::TrackPreset& preset, Progress& progress,
                                 const CancelToken& cancel) {
  track::VolumeOptions volume_options;
  volume_options.preset = preset;
  volume_options.resize = ResizeLanczosPil;
  Progress features = progress.Sub(0.0, 0.5), tracking = progress.Sub(0.5, 1.0);
  const track::FeatureVolume volume = track::ExtractVolume(frames, provider, model, volume_options, features, cancel);
  const double sx = double(volume.geometry.image_width) / video.width;
  const double sy = double(volume.geometry.image_height) / video.height;
  std::vector<track::Query> queries;
  for (const track::TapVidQueries& g : video.groups)
    for (size_t n = 0; n < g.x.size(); ++n) queries.push_back({g.frame, g.x[n] * sx, g.y[n] * sy});
  const track::TrackResult result = track::TrackPoints(volume, queries, preset.tracker, tracking, cancel);
  std::vector<TrackSet> out;
  int offset = 0;
  for (const track::TapVidQueries& g : video.groups) {
    TrackSet tracks(g.truth.tracks, video.frames);
    for (int n = 0; n < g.truth.tracks; ++n)
      for (int t = 0; t < video.frames; ++t) {
        tracks.X(n, t) = result.tracks.X(offset + n, t) / sx;
        tracks.Y(n, t) = result.tracks.Y(offset + n, t) / sy;
        tracks.SetOccluded(n, t, result.tracks.Occluded(offset + n, t));
      }
    offset += g.truth.tracks;
    out.push_back(std::move(tracks));
  }
  return out;
}

track::TapVidDataset Load(const TrackingTaskOptions& options) {
  if (!options.Check()) throw Error("invalid tracking task options", {options.dataset, std::nullopt, "dataset"});
  track::TapVidLoadOptions load;
  load.videos = options.videos;
  load.query_stride = options.query_stride;
  return track::LoadTapVid(options.dataset, load);
}

Report NewReport(const TrackingTaskOptions& options, const track::TapVidDataset& data, const std::string& preset) {
  Report report;
  report.task = "tracking";
  report.protocol =
      preset.empty() ? "tapvid-davis strided; metrics at 256x256" : ProtocolName(track::TrackPreset::FromName(preset));
  report.dataset = options.dataset;
  if (data.layout == track::TapVidLayout::kOfficial)
    report.notes.push_back(fmt::format("queries sampled from {} as tapnet's strided mode (every {}th frame)",
                                       data.pickle, options.query_stride));
  return report;
}

std::string Source(const TapVidVideo& video, const track::TapVidDataset& data) {
  return video.frames_dir.empty() ? data.pickle + ":" + video.name : video.frames_dir;
}

void NoteNaN(Report* report) {
  for (const ReportRow& row : report->rows)
    for (const ReportItem& item : row.items)
      if (!std::isfinite(item.metrics.Get("average_jaccard"))) {
        report->notes.push_back(
            "some videos have no visible evaluated point; their NaN metrics are left out of the means");
        return;
      }
}

}  // namespace

bool TrackingTaskOptions::Check() const {
  if (dataset.empty() || videos < 0 || query_stride <= 0) return false;
  return preset == "paper" || preset == "interactive";
}

Report RunTrackingTask(const TrackingTaskOptions& options, FeatureProvider& provider, Progress& progress,
                       const CancelToken& cancel, std::vector<track::TapVidPredictions>* predictions) {
  if (options.models.empty()) throw Error("no model given", {"", std::nullopt, "model"});
  const track::TrackPreset preset = track::TrackPreset::FromName(options.preset);
  const track::TapVidDataset data = Load(options);
  Report report = NewReport(options, data, options.preset);
  const size_t models = options.models.size(), videos = data.videos.size();
  std::vector<std::vector<VideoScore>> scores(models);
  std::vector<double> seconds(models, 0.0);
  std::vector<track::TapVidPredictions> tracks(models);
  for (size_t m = 0; m < models; ++m) tracks[m].model = options.models[m], tracks[m].preset = preset.name;
  for (size_t v = 0; v < videos; ++v) {
    const TapVidVideo& video = data.videos[v];
    const std::unique_ptr<video::VideoSource> frames = track::OpenTapVidFrames(video);
    for (size_t m = 0; m < models; ++m) {
      const double slot = double(v * models + m) / double(videos * models);
      Progress sub = progress.Sub(slot, slot + 1.0 / double(videos * models));
      sub.Report(0.0, fmt::format("{}: video {} ({} of {})", options.models[m], video.video_idx, v + 1, videos));
      const auto start = Clock::now();
      std::vector<TrackSet> predicted = TrackVideo(*frames, video, provider, options.models[m], preset, sub, cancel);
      scores[m].push_back(ScoreVideo(video, predicted, Source(video, data)));
      seconds[m] += std::chrono::duration<double>(Clock::now() - start).count();
      track::TapVidPrediction p{video.video_idx, {}};
      for (size_t g = 0; g < video.groups.size(); ++g)
        p.groups.emplace_back(video.groups[g].frame, std::move(predicted[g]));
      tracks[m].videos.push_back(std::move(p));
    }
  }
  for (size_t m = 0; m < models; ++m) {
    ReportRow row;
    row.model = options.models[m];
    row.seconds = seconds[m];
    Summarize(scores[m], &row);
    report.rows.push_back(std::move(row));
  }
  NoteNaN(&report);
  if (predictions) *predictions = std::move(tracks);
  progress.Report(1.0, "done");
  return report;
}

Report ScoreTrackingPredictions(const TrackingTaskOptions& options, const track::TapVidPredictions& predictions) {
  const track::TapVidDataset data = Load(options);
  Report report = NewReport(
      options, data,
      predictions.preset == "paper" || predictions.preset == "interactive" ? predictions.preset : std::string());
  std::vector<VideoScore> scores;
  for (const TapVidVideo& video : data.videos) {
    const bool present = std::any_of(predictions.videos.begin(), predictions.videos.end(),
                                     [&](const track::TapVidPrediction& p) { return p.video_idx == video.video_idx; });
    if (!present && options.videos == 0) continue;  // without --videos: the videos the file covers
    scores.push_back(ScoreVideo(video, track::PredictionsFor(video, predictions), Source(video, data)));
  }
  if (scores.empty()) throw Error("the predictions cover no video of the dataset", {options.dataset});
  if (scores.size() < data.videos.size())
    report.notes.push_back(fmt::format("predictions cover {} of the dataset's {} videos; only those are scored",
                                       scores.size(), data.videos.size()));
  ReportRow row;
  row.model = predictions.model.empty() ? "predictions" : predictions.model;
  Summarize(scores, &row);
  report.rows.push_back(std::move(row));
  NoteNaN(&report);
  return report;
}

}  // namespace corrlens::bench
