// TAP-Vid metrics (tapnet's compute_tapvid_metrics, DATASETS.md section 2.6)
// for one video: occlusion accuracy, the share of visible points within
// 1/2/4/8/16 px, the Jaccard index at each threshold, and their means. All
// coordinates are in the benchmark's 256x256 raster; every sum runs over the
// queries and frames of one video. A ratio with a zero denominator is NaN,
// as numpy gives it (a video whose evaluated points are all occluded).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace corrlens::track {

// Which frames of a track are scored (tapnet's query_mode).
enum class QueryMode {
  kStrided,  // every frame but the query frame
  kFirst,    // the frames after the query frame
};

// N tracks over T frames: positions [x, y] and occlusion flags, row-major
// (track n, frame t) -> xy[2 * (n * T + t)], occluded[n * T + t].
struct TrackSet {
  int tracks = 0;
  int frames = 0;
  std::vector<double> xy;
  std::vector<bool> occluded;

  TrackSet() = default;
  TrackSet(int n, int t) : tracks(n), frames(t), xy(size_t(2) * n * t, 0.0), occluded(size_t(n) * t, false) {}
  double& X(int n, int t) { return xy[2 * (size_t(n) * frames + t)]; }
  double& Y(int n, int t) { return xy[2 * (size_t(n) * frames + t) + 1]; }
  double X(int n, int t) const { return xy[2 * (size_t(n) * frames + t)]; }
  double Y(int n, int t) const { return xy[2 * (size_t(n) * frames + t) + 1]; }
  bool Occluded(int n, int t) const { return occluded[size_t(n) * frames + t]; }
  void SetOccluded(int n, int t, bool value) { occluded[size_t(n) * frames + t] = value; }
  // Appends the tracks of `other` (same frame count; Error otherwise).
  void Append(const TrackSet& other);
  // Multiplies every x by sx and every y by sy.
  void Scale(double sx, double sy);
  bool Valid() const {
    return tracks >= 0 && frames > 0 && xy.size() == size_t(2) * tracks * frames &&
           occluded.size() == size_t(tracks) * frames;
  }
};

// The pixel thresholds of the benchmark.
const std::vector<int>& TapVidThresholds();
// Metric names in tapnet's order: occlusion_accuracy, pts_within_{1..16},
// jaccard_{1..16}, average_jaccard, average_pts_within_thresh.
const std::vector<std::string>& TapVidMetricNames();

// tapnet's metrics for one video. `query_frames` holds one query frame per
// track (rounded to the nearest integer, as tapnet does). Throws
// corrlens::Error when the shapes disagree or a query frame is outside
// [0, T). Values are fractions (0..1) or NaN, in TapVidMetricNames() order.
std::vector<std::pair<std::string, double>> ComputeTapVidMetrics(const std::vector<double>& query_frames,
                                                                 const TrackSet& truth, const TrackSet& predicted,
                                                                 QueryMode mode = QueryMode::kStrided);

// Distances between prediction and truth at the scored frames where the truth
// is visible (the points pts_within counts), for accuracy-vs-threshold curves.
std::vector<double> VisibleErrors(const std::vector<double>& query_frames, const TrackSet& truth,
                                  const TrackSet& predicted, QueryMode mode = QueryMode::kStrided);

}  // namespace corrlens::track
