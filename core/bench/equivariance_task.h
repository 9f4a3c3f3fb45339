// The paper's 3D-equivariance probe (PROTOCOLS.md section 4): a mesh is
// rendered from many views; rendered depth and poses give the true
// correspondence of every foreground pixel in every other view; a backbone
// is scored by where the nearest-neighbour feature match of sampled pixels
// lands, over all ordered view pairs:
//   APE     average pixel error, in % of the shorter image side;
//   PCDP@t  share (%) of matches with error < t * shorter side.
// Only points visible in the target view count; the nearest neighbour is
// searched among the target view's foreground pixels.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/feature/feature_backend.h"
#include "core/feature/feature_map.h"
#include "core/render/correspondence.h"
#include "core/render/renderer.h"
#include "core/render/view_sampling.h"
#include "core/util/progress.h"

namespace corrlens::bench {

// Options of the probe; the defaults are the documented protocol.
struct EquivarianceOptions {
  std::vector<std::string> meshes;  // model files (any Assimp format)
  // Views per mesh: count (42), Fibonacci sphere by default, camera margin.
  render::ViewSetOptions view_set;
  render::RenderOptions render;     // 512x512, fx = fy = 560 by default
  render::CorrespondenceOptions correspondence;
  // Foreground pixels sampled per source view (all when fewer).
  int points_per_view = 500;
  // Target candidates: foreground pixels whose x and y are multiples of this.
  int candidate_stride = 1;
  uint64_t seed = 0;                // point sampling
  std::vector<double> thresholds = {0.05, 0.1, 0.2};  // fractions of the shorter side
  ExtractOptions extract;           // passed to FeatureBackend::Extract

  bool Check() const;
};

// Gives the feature map of one rendered view. Real backends look at
// view.rgb only; tests may use the geometry (an oracle).
using FeatureSource = std::function<FeatureMap(const render::RenderedView& view, const CancelToken& cancel)>;

// A named feature source.
struct EquivarianceModel {
  std::string name;
  FeatureSource features;
};

// Wraps a backend: Extract(view.rgb, extract, cancel). The backend must
// outlive the returned source.
FeatureSource BackendSource(FeatureBackend& backend, const ExtractOptions& extract);

// Scores of one model (on one mesh, or summarised over meshes).
struct EquivarianceRow {
  std::string model;
  std::string mesh;          // "" in summaries
  int meshes = 1;            // meshes averaged (summaries)
  int pairs = 0;             // ordered view pairs with at least one visible point
  int64_t matches = 0;       // scored source points
  double ape = 0.0;          // % of the shorter image side
  std::vector<double> pcdp;  // % per threshold
  double seconds = 0.0;      // feature extraction + matching
};

// The probe's result: one row per (model, mesh) and per model a summary
// that averages the mesh rows (each mesh weighs the same).
struct EquivarianceReport {
  int views = 0;
  int points_per_view = 0;
  int width = 0;
  int height = 0;
  std::vector<double> thresholds;
  std::vector<EquivarianceRow> rows;
  std::vector<EquivarianceRow> summary;
  double render_seconds = 0.0;

  std::string ToJson() const;
  std::string ToText() const;
};

// Runs the probe for every model on every mesh (meshes are rendered once).
// Throws corrlens::Error (bad mesh, no display, backend failure) or Cancelled.
EquivarianceReport RunEquivarianceTask(const EquivarianceOptions& options,
                                       const std::vector<EquivarianceModel>& models, Progress& progress,
                                       const CancelToken& cancel);

// Fills row->matches, ape and pcdp from match errors in pixels, for an image
// whose shorter side is `side` pixels.
void ScoreMatches(const std::vector<double>& errors_px, double side, const std::vector<double>& thresholds,
                  EquivarianceRow* row);

}  // namespace corrlens::bench
