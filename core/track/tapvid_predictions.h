// Tracking predictions for TAP-Vid as JSON, in pixels of the benchmark's
// frame size (w x h of each video):
//   {"model": m, "preset": p, "videos": [{"video_idx": 0, "queries": {
//     "<query frame>": {"points": [[[x, y] x T] x N], "occluded": [[bool x T] x N]}}}]}
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/track/tapvid_dataset.h"
#include "core/track/tapvid_metrics.h"

namespace corrlens::track {

struct TapVidPrediction {
  int video_idx = 0;
  std::vector<std::pair<int, TrackSet>> groups;  // query frame -> tracks, ascending
};

struct TapVidPredictions {
  std::string model;   // "" when the file names none
  std::string preset;  // "" when the file names none
  std::vector<TapVidPrediction> videos;
};

std::string TapVidPredictionsToJson(const TapVidPredictions& predictions);
// Reads that JSON; throws corrlens::Error naming `path` and the key when malformed.
TapVidPredictions ReadTapVidPredictions(const std::string& path);

// The predictions of `video`, one TrackSet per query group in the dataset's
// order. Throws Error naming the video and query frame that is missing or
// has the wrong shape.
std::vector<TrackSet> PredictionsFor(const TapVidVideo& video, const TapVidPredictions& predictions);

}  // namespace corrlens::track
