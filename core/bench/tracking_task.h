// TAP-Vid DAVIS point tracking (core/bench task shape), the paper's
// protocol: every frame resized to the preset's size (paper: 854x476 with
// PIL's Lanczos), features through the FeatureProvider, the
// DINO-Tracker-style tracker of core/track, and tapnet's strided-mode
// metrics at 256x256 per video, averaged over videos (NaN videos skipped,
// as pandas' mean does in the reference). See docs/evaluations.md.
#pragma once

#include <string>
#include <vector>

#include "core/bench/report.h"
#include "core/feature/feature_provider.h"
#include "core/track/tapvid_predictions.h"

namespace corrlens::bench {

struct TrackingTaskOptions {
  std::vector<std::string> models;  // model names for the FeatureProvider
  // Folder holding tapvid_davis_data_strided.pkl and tapvid-davis/ (the
  // reference's data/), or a .pkl file (that one, or the official
  // tapvid_davis.pkl with the videos embedded).
  std::string dataset;
  int videos = 0;                // the first N videos by index (0 = all)
  std::string preset = "paper";  // tracker preset: paper or interactive
  int query_stride = 5;          // official file: query frame stride

  bool Check() const;
};

// Runs every model: one Report row per model with tapnet's metrics
// (occlusion_accuracy, pts_within_{1,2,4,8,16}, jaccard_{...},
// average_jaccard, average_pts_within_thresh; fractions, mean over videos),
// items per video ("video:<idx>"; attributes name, frames, source = the
// frames folder or "<pickle>:<name>", worst_frame = the frame whose visible
// points have the largest mean error, given as worst_frame_error_px), the
// pts_within-vs-pixels curve over 0..16 px at 256x256, and the preset in
// the protocol. `predictions` (optional) receives each model's tracks in
// benchmark pixels, in row order.
Report RunTrackingTask(const TrackingTaskOptions& options, FeatureProvider& provider, Progress& progress,
                       const CancelToken& cancel, std::vector<track::TapVidPredictions>* predictions = nullptr);

// Scores given predictions as one Report row (model name from the file, or
// "predictions"). Throws Error for a video or query frame without
// predictions, or predictions of the wrong shape.
Report ScoreTrackingPredictions(const TrackingTaskOptions& options, const track::TapVidPredictions& predictions);

}  // namespace corrlens::bench
