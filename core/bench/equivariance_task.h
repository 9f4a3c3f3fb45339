// The paper's 3D-equivariance probe (PROTOCOLS.md section 4): a mesh is
// rendered from many views; rendered depth and poses give the true
// correspondence of every foreground pixel in every other view; a backbone
// is scored by where the nearest-neighbour feature match of sampled pixels
// lands, over all ordered view pairs:
//   APE     average pixel error, as a fraction of the shorter image side;
//   PCDP@t  share of matches with error < t * shorter side.
// Only points visible in the target view count; the nearest neighbour is
// searched among the target view's foreground pixels.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/bench/report.h"
#include "core/feature/feature_provider.h"
#include "core/render/correspondence.h"
#include "core/render/renderer.h"
#include "core/render/view_sampling.h"
#include "core/util/progress.h"

namespace corrlens::bench {

// Options of the probe; the defaults are the documented protocol.
struct EquivarianceOptions {
  std::vector<std::string> models;  // model names for the FeatureProvider
  std::vector<std::string> meshes;  // model files (any Assimp format)
  // Views per mesh: count (42), Fibonacci sphere by default, camera margin.
  render::ViewSetOptions view_set;
  render::RenderOptions render;  // 512x512, fx = fy = 560 by default
  render::CorrespondenceOptions correspondence;
  // Foreground pixels sampled per source view (all when fewer).
  int points_per_view = 500;
  // Target candidates: foreground pixels whose x and y are multiples of this.
  int candidate_stride = 1;
  uint64_t seed = 0;                                  // point sampling
  std::vector<double> thresholds = {0.05, 0.1, 0.2};  // fractions of the shorter side
  ExtractOptions extract;                             // passed to the FeatureProvider

  bool Check() const;
};

// Runs the probe for every model on every mesh (meshes are rendered once;
// models get each view's RGB through `provider`). Report rows: per model the
// mean over meshes (each mesh weighs the same) of "ape" (mean error as a
// fraction of the shorter image side) and "pcdp@<t>" (share of matches with
// error < t * shorter side), plus "pairs" and "matches"; one item per mesh;
// the PCDP curve over [0, max threshold]. Throws corrlens::Error (bad mesh,
// no display, provider failure) or Cancelled.
Report RunEquivarianceTask(const EquivarianceOptions& options, FeatureProvider& provider, Progress& progress,
                           const CancelToken& cancel);

// Scores match errors in pixels for an image whose shorter side is `side`
// pixels: "matches", "ape" and "pcdp@<t>" (fractions).
Metrics ScoreMatches(const std::vector<double>& errors_px, double side, const std::vector<double>& thresholds);

}  // namespace corrlens::bench
