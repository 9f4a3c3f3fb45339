// Point tracking on a video's feature volume, the paper's protocol
// (DINO-Tracker inference without its trained refiner, as 3DCorrEnhance's
// utils/tracking_model.py runs it; PROTOCOLS.md "Video tracking"):
//  - the query descriptor is sampled bilinearly (border clamp) at the query
//    point in its frame;
//  - in every frame: cosine map against all tokens -> ReLU -> softmax ->
//    soft-argmax over the token centres within `radius` px of the argmax;
//  - the descriptor at the predicted point of each frame is compared (cosine)
//    with the one at the predicted point of the query frame; frames with
//    similarity >= anchor_threshold are anchors. Each anchor re-tracks every
//    frame's predicted descriptor into the anchor frame; per frame the median
//    (lower middle value, torch.median) of the distances from those
//    back-tracks to the trajectory's own anchor positions is compared with
//    the largest such median over the anchor frames: larger, or similarity
//    below visible_threshold, means occluded.
// Any backend's grid works: token centres come from the volume's geometry.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/feature/grid_geometry.h"
#include "core/track/tapvid_metrics.h"
#include "core/util/progress.h"

namespace corrlens::track {

// Descriptors of every frame of a video on one grid.
struct FeatureVolume {
  // [T, Hg, Wg, C] channels last, any device; float32, or float16 to halve
  // a video's memory (the tracker computes in float32 one frame at a time).
  at::Tensor features;
  GridGeometry geometry;  // image_width/height: the frames the tracker sees
  // Optional [T, Hg * Wg] float32 inverse token norms (1 / max(|f|, 1e-30))
  // of `features` as stored; VolumeBuilder fills them so that a click does
  // not read the whole volume twice. Computed by the tracker when undefined.
  at::Tensor inv_norms;

  int Frames() const { return features.defined() ? static_cast<int>(features.size(0)) : 0; }
  bool Valid() const;
};

struct TrackerOptions {
  double radius = 35.0;                       // soft-argmax radius around the argmax, frame pixels
  double anchor_threshold = 0.7;              // similarity >= this: anchor frame
  double visible_threshold = 0.6;             // similarity < this: occluded
  bool occlusion = true;                      // false: every point visible (no anchor pass)
  int64_t chunk_elements = int64_t{1} << 25;  // largest correlation block (floats)

  bool Check() const;
};

// A query point: frame index and position in frame pixels.
struct Query {
  int frame = 0;
  double x = 0.0, y = 0.0;
};

struct TrackResult {
  TrackSet tracks;                // positions in frame pixels, predicted occlusion
  std::vector<float> similarity;  // N x T cosine to the query frame's predicted descriptor
};

// Tracks every query through every frame of `volume`. Throws corrlens::Error
// for an invalid volume or a query outside it, Cancelled when cancelled.
// The inverse token norms [Hg * Wg] float32 of one frame [Hg, Wg, C] (any
// float dtype), as the tracker uses them.
at::Tensor InverseTokenNorms(const at::Tensor& frame);

TrackResult TrackPoints(const FeatureVolume& volume, const std::vector<Query>& queries, const TrackerOptions& options,
                        Progress& progress, const CancelToken& cancel);

}  // namespace corrlens::track
