#include "core/track/tapvid_metrics.h"

#include <cmath>
#include <limits>

#include "core/util/error.h"

namespace corrlens::track {
namespace {

double Ratio(double num, double den) { return den == 0.0 ? std::numeric_limits<double>::quiet_NaN() : num / den; }

// Checks the shapes and returns each track's query frame (round half to even).
std::vector<int> QueryFrames(const std::vector<double>& query_frames, const TrackSet& truth,
                             const TrackSet& predicted) {
  if (!truth.Valid() || !predicted.Valid()) throw Error("malformed track set", {"", std::nullopt, "tracks"});
  if (truth.tracks != predicted.tracks || truth.frames != predicted.frames)
    throw Error("predictions have " + std::to_string(predicted.tracks) + " tracks x " +
                    std::to_string(predicted.frames) + " frames, the ground truth " + std::to_string(truth.tracks) +
                    " x " + std::to_string(truth.frames),
                {"", std::nullopt, "predictions"});
  if (query_frames.size() != size_t(truth.tracks))
    throw Error("one query frame per track expected", {"", std::nullopt, "query_frames"});
  std::vector<int> frames;
  for (double t : query_frames) {
    const double r = std::nearbyint(t);
    if (!(r >= 0 && r < truth.frames))
      throw Error(
          "query frame " + std::to_string(t) + " is outside the video's " + std::to_string(truth.frames) + " frames",
          {"", std::nullopt, "query_frames"});
    frames.push_back(static_cast<int>(r));
  }
  return frames;
}

bool Evaluated(QueryMode mode, int query_frame, int t) {
  return mode == QueryMode::kStrided ? t != query_frame : t > query_frame;
}

double SquaredDistance(const TrackSet& a, const TrackSet& b, int n, int t) {
  const double dx = a.X(n, t) - b.X(n, t), dy = a.Y(n, t) - b.Y(n, t);
  return dx * dx + dy * dy;
}

}  // namespace

void TrackSet::Append(const TrackSet& other) {
  if (tracks == 0 && xy.empty()) frames = other.frames;
  if (other.frames != frames)
    throw Error("tracks of " + std::to_string(other.frames) + " frames cannot join tracks of " +
                std::to_string(frames));
  tracks += other.tracks;
  xy.insert(xy.end(), other.xy.begin(), other.xy.end());
  occluded.insert(occluded.end(), other.occluded.begin(), other.occluded.end());
}

void TrackSet::Scale(double sx, double sy) {
  for (size_t i = 0; i + 1 < xy.size(); i += 2) xy[i] *= sx, xy[i + 1] *= sy;
}

const std::vector<int>& TapVidThresholds() {
  static const std::vector<int> thresholds = {1, 2, 4, 8, 16};
  return thresholds;
}

const std::vector<std::string>& TapVidMetricNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"occlusion_accuracy"};
    for (int d : TapVidThresholds()) n.push_back("pts_within_" + std::to_string(d));
    for (int d : TapVidThresholds()) n.push_back("jaccard_" + std::to_string(d));
    n.push_back("average_jaccard");
    n.push_back("average_pts_within_thresh");
    return n;
  }();
  return names;
}

std::vector<std::pair<std::string, double>> ComputeTapVidMetrics(const std::vector<double>& query_frames,
                                                                 const TrackSet& truth, const TrackSet& predicted,
                                                                 QueryMode mode) {
  const std::vector<int> q = QueryFrames(query_frames, truth, predicted);
  const std::vector<int>& thresholds = TapVidThresholds();
  const size_t k = thresholds.size();
  // Counts over the evaluated points: all, occlusion agreements, visible
  // truth, and per threshold: correct (within and visible), true and false
  // positives.
  double evaluated = 0, agree = 0, visible = 0;
  std::vector<double> correct(k, 0), tp(k, 0), fp(k, 0);
  for (int n = 0; n < truth.tracks; ++n) {
    for (int t = 0; t < truth.frames; ++t) {
      if (!Evaluated(mode, q[n], t)) continue;
      const bool vis = !truth.Occluded(n, t), pvis = !predicted.Occluded(n, t);
      evaluated += 1;
      agree += truth.Occluded(n, t) == predicted.Occluded(n, t);
      visible += vis;
      const double d2 = SquaredDistance(truth, predicted, n, t);
      for (size_t i = 0; i < k; ++i) {
        const bool within = d2 < double(thresholds[i]) * thresholds[i];
        correct[i] += within && vis;
        tp[i] += within && vis && pvis;
        fp[i] += pvis && (!vis || !within);
      }
    }
  }
  std::vector<std::pair<std::string, double>> out = {{"occlusion_accuracy", Ratio(agree, evaluated)}};
  std::vector<double> within(k), jaccard(k);
  for (size_t i = 0; i < k; ++i) {
    within[i] = Ratio(correct[i], visible);
    jaccard[i] = Ratio(tp[i], visible + fp[i]);
  }
  for (size_t i = 0; i < k; ++i) out.emplace_back("pts_within_" + std::to_string(thresholds[i]), within[i]);
  for (size_t i = 0; i < k; ++i) out.emplace_back("jaccard_" + std::to_string(thresholds[i]), jaccard[i]);
  double sum_j = 0, sum_w = 0;
  for (size_t i = 0; i < k; ++i) sum_j += jaccard[i], sum_w += within[i];
  out.emplace_back("average_jaccard", sum_j / double(k));
  out.emplace_back("average_pts_within_thresh", sum_w / double(k));
  return out;
}

std::vector<double> VisibleErrors(const std::vector<double>& query_frames, const TrackSet& truth,
                                  const TrackSet& predicted, QueryMode mode) {
  const std::vector<int> q = QueryFrames(query_frames, truth, predicted);
  std::vector<double> errors;
  for (int n = 0; n < truth.tracks; ++n)
    for (int t = 0; t < truth.frames; ++t)
      if (Evaluated(mode, q[n], t) && !truth.Occluded(n, t))
        errors.push_back(std::sqrt(SquaredDistance(truth, predicted, n, t)));
  return errors;
}

}  // namespace corrlens::track
