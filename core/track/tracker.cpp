#include "core/track/tracker.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/util/check.h"
#include "core/util/error.h"

namespace corrlens::track {
namespace {

constexpr double kEps = 1e-8;    // the reference's clamp of norm products
constexpr double kTiny = 1e-30;  // keeps 1 / |zero vector| finite (0 * 1e30 = 0)

// The token grid in frame pixels plus the soft-argmax window offsets.
struct Grid {
  int64_t w = 0, h = 0;
  at::Tensor cx, cy;        // token centre x per column, y per row (float32)
  at::Tensor off_r, off_c;  // window offsets in rows / columns (int64, [K])
};

Grid MakeGrid(const GridGeometry& g, double radius, const c10::Device& device) {
  Grid grid;
  grid.w = g.grid_width;
  grid.h = g.grid_height;
  std::vector<float> cx(size_t(g.grid_width)), cy(size_t(g.grid_height));
  for (int i = 0; i < g.grid_width; ++i) cx[size_t(i)] = float((i * double(g.stride) + g.patch / 2.0) / g.ScaleX());
  for (int j = 0; j < g.grid_height; ++j) cy[size_t(j)] = float((j * double(g.stride) + g.patch / 2.0) / g.ScaleY());
  const double step_x = g.stride / g.ScaleX(), step_y = g.stride / g.ScaleY();
  const int reach_x = int(std::floor(radius / step_x)), reach_y = int(std::floor(radius / step_y));
  std::vector<int64_t> rows, cols;
  for (int dr = -reach_y; dr <= reach_y; ++dr)
    for (int dc = -reach_x; dc <= reach_x; ++dc)
      if (std::hypot(dc * step_x, dr * step_y) <= radius) rows.push_back(dr), cols.push_back(dc);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  grid.cx = torch::from_blob(cx.data(), {g.grid_width}, f32).clone().to(device);
  grid.cy = torch::from_blob(cy.data(), {g.grid_height}, f32).clone().to(device);
  grid.off_r = torch::from_blob(rows.data(), {int64_t(rows.size())}, i64).clone().to(device);
  grid.off_c = torch::from_blob(cols.data(), {int64_t(cols.size())}, i64).clone().to(device);
  return grid;
}

// Bilinear samples (align_corners, border clamp) of `flat` [T, H*W, C] at
// continuous grid coordinates gx, gy [M] in frames `frames` [M] -> [M, C].
at::Tensor Sample(const at::Tensor& flat, const Grid& grid, const at::Tensor& frames, at::Tensor gx, at::Tensor gy) {
  gx = gx.clamp(0, double(grid.w - 1));
  gy = gy.clamp(0, double(grid.h - 1));
  const at::Tensor x0 = gx.floor(), y0 = gy.floor();
  const at::Tensor wx = (gx - x0).unsqueeze(1), wy = (gy - y0).unsqueeze(1);
  const at::Tensor c0 = x0.to(torch::kInt64), r0 = y0.to(torch::kInt64);
  const at::Tensor c1 = (c0 + 1).clamp_max(grid.w - 1), r1 = (r0 + 1).clamp_max(grid.h - 1);
  const int64_t hw = grid.w * grid.h;
  const at::Tensor rows = flat.reshape({-1, flat.size(2)});
  const at::Tensor base = frames.to(torch::kInt64) * hw;
  auto at = [&](const at::Tensor& r, const at::Tensor& c) {
    return rows.index_select(0, base + r * grid.w + c).to(torch::kFloat32);
  };
  return at(r0, c0) * (1 - wx) * (1 - wy) + at(r0, c1) * wx * (1 - wy) + at(r1, c0) * (1 - wx) * wy +
         at(r1, c1) * wx * wy;
}

// ReLU'd cosine maps [B, HW] of unit descriptors [B, C] against one frame
// given with its inverse token norms [HW]: the GEMM's output is scaled in
// place instead of divided by a [B, HW] matrix of norm products (the
// reference's dot / max(|a| |b|, 1e-8), equal up to rounding for non-zero
// vectors; a zero vector gives 0 in both).
at::Tensor CosineMaps(const at::Tensor& unit_desc, const at::Tensor& frame, const at::Tensor& inv_norms) {
  return unit_desc.matmul(frame.t()).mul_(inv_norms.unsqueeze(0)).relu_();
}

at::Tensor InverseNorms(const at::Tensor& x, int64_t dim) {
  return x.norm(2, {dim}, true).clamp_min(kTiny).reciprocal();
}

// Soft-argmax [B, 2] (frame pixels) of maps [B, HW] within the window around
// each argmax. softmax(m) restricted to the window and renormalised equals
// exp(m - max) renormalised over the window (the argmax is always inside,
// so the reference's all-zero fallback never applies).
at::Tensor SoftArgmax(const at::Tensor& maps, const Grid& grid) {
  const at::Tensor amax = maps.argmax(1);
  const at::Tensor r = amax.div(grid.w, "floor").unsqueeze(1) + grid.off_r.unsqueeze(0);
  const at::Tensor c = amax.remainder(grid.w).unsqueeze(1) + grid.off_c.unsqueeze(0);
  const at::Tensor valid = (r >= 0) & (r < grid.h) & (c >= 0) & (c < grid.w);
  const at::Tensor rc = r.clamp(0, grid.h - 1), cc = c.clamp(0, grid.w - 1);
  const at::Tensor values = maps.gather(1, rc * grid.w + cc);
  const at::Tensor peak = maps.gather(1, amax.unsqueeze(1));
  const at::Tensor weight = (values - peak).exp() * valid.to(maps.scalar_type());
  const at::Tensor px = grid.cx.index_select(0, cc.reshape({-1})).view_as(weight);
  const at::Tensor py = grid.cy.index_select(0, rc.reshape({-1})).view_as(weight);
  const at::Tensor total = weight.sum(1);
  return torch::stack({(weight * px).sum(1) / total, (weight * py).sum(1) / total}, 1);
}

// Soft-argmax positions [B, 2] of descriptors [B, C] tracked into `frame`,
// in row blocks of at most chunk_elements map values.
at::Tensor TrackInto(const at::Tensor& desc, const at::Tensor& flat, const at::Tensor& inv_norms, int64_t frame,
                     const Grid& grid, int64_t chunk_elements) {
  const int64_t hw = grid.w * grid.h;
  const at::Tensor unit = desc * InverseNorms(desc, 1);
  const int64_t block = std::max<int64_t>(1, chunk_elements / hw);
  const at::Tensor tokens = flat[frame].to(torch::kFloat32);  // a float16 volume: one frame converted
  std::vector<at::Tensor> parts;
  for (int64_t begin = 0; begin < desc.size(0); begin += block) {
    const at::Tensor rows = unit.slice(0, begin, std::min(desc.size(0), begin + block));
    parts.push_back(SoftArgmax(CosineMaps(rows, tokens, inv_norms[frame]), grid));
  }
  return parts.empty() ? torch::empty({0, 2}, desc.options()) : torch::cat(parts);
}

// Continuous grid coordinates of frame-pixel positions [M, 2].
std::pair<at::Tensor, at::Tensor> GridCoords(const at::Tensor& xy, const GridGeometry& g) {
  const at::Tensor gx = (xy.select(1, 0) * g.ScaleX() - g.patch / 2.0) / g.stride;
  const at::Tensor gy = (xy.select(1, 1) * g.ScaleY() - g.patch / 2.0) / g.stride;
  return {gx, gy};
}

float LowerMedian(std::vector<float> values) {
  const size_t k = (values.size() - 1) / 2;
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

// Occlusion of one track from its back-track distances (anchors x T,
// row-major, anchor frames `anchors`) and similarities.
std::vector<bool> OccludedFrames(const std::vector<float>& dist, const std::vector<int>& anchors, const float* sim,
                                 int frames, const TrackerOptions& options) {
  std::vector<bool> occluded(size_t(frames), false);
  const size_t m = anchors.size();
  auto median_at = [&](int t) {
    std::vector<float> column(m);
    for (size_t a = 0; a < m; ++a) column[a] = dist[a * frames + size_t(t)];
    return LowerMedian(std::move(column));
  };
  float threshold = -std::numeric_limits<float>::infinity();
  for (int a : anchors) threshold = std::max(threshold, median_at(a));
  for (int t = 0; t < frames; ++t) {
    const bool far = m > 0 && median_at(t) > threshold;
    occluded[size_t(t)] = far || sim[t] < options.visible_threshold;
  }
  return occluded;
}

void CheckInputs(const FeatureVolume& volume, const std::vector<Query>& queries, const TrackerOptions& options) {
  CL_CHECK(options.Check()) << "invalid TrackerOptions";
  if (!volume.Valid())
    throw Error("feature volume is malformed (expected [frames, grid h, grid w, channels] matching its geometry)");
  const GridGeometry& g = volume.geometry;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    if (q.frame < 0 || q.frame >= volume.Frames() || !std::isfinite(q.x) || !std::isfinite(q.y) || q.x < -1.0 ||
        q.y < -1.0 || q.x > g.image_width || q.y > g.image_height)
      throw Error("query " + std::to_string(i) + " (frame " + std::to_string(q.frame) + ", " + std::to_string(q.x) +
                      ", " + std::to_string(q.y) + ") lies outside the video (" + std::to_string(volume.Frames()) +
                      " frames of " + std::to_string(g.image_width) + "x" + std::to_string(g.image_height) + ")",
                  {"", std::nullopt, "points"});
  }
}

}  // namespace

bool FeatureVolume::Valid() const {
  const bool shape = features.defined() && features.dim() == 4 && features.size(0) > 0 && features.size(3) > 0 &&
                     (features.scalar_type() == at::kFloat || features.scalar_type() == at::kHalf) &&
                     geometry.Valid() && features.size(1) == geometry.grid_height &&
                     features.size(2) == geometry.grid_width;
  return shape &&
         (!inv_norms.defined() ||
          (inv_norms.dim() == 2 && inv_norms.scalar_type() == at::kFloat && inv_norms.size(0) == features.size(0) &&
           inv_norms.size(1) == features.size(1) * features.size(2) && inv_norms.device() == features.device()));
}

at::Tensor InverseTokenNorms(const at::Tensor& frame) {
  return InverseNorms(frame.reshape({-1, frame.size(-1)}).to(torch::kFloat32), 1).squeeze(1);
}

bool TrackerOptions::Check() const {
  return radius > 0.0 && std::isfinite(radius) && std::isfinite(anchor_threshold) && std::isfinite(visible_threshold) &&
         chunk_elements > 0;
}

namespace {

struct Volume {
  at::Tensor flat;       // [T, HW, C], the volume's dtype
  at::Tensor inv_norms;  // [T, HW] float32: 1 / token norm
  Grid grid;
  int64_t frames = 0, channels = 0;
};

// Back-tracks every frame's descriptor of the tracks that have `anchor` as an
// anchor frame into that frame; appends each track's distances (T values).
void BackTrack(const Volume& v, const at::Tensor& desc, const at::Tensor& traj, const std::vector<int64_t>& rows,
               int64_t anchor, const TrackerOptions& options, std::vector<std::vector<float>>* dist) {
  const auto device = desc.device();
  const at::Tensor index = torch::tensor(rows, torch::TensorOptions().dtype(torch::kInt64)).to(device);
  const at::Tensor sources = desc.index_select(0, index).reshape({-1, v.channels});  // [R*T, C]
  const at::Tensor landed = TrackInto(sources, v.flat, v.inv_norms, anchor, v.grid, options.chunk_elements);
  const at::Tensor own = traj.index_select(0, index).select(1, anchor).unsqueeze(1);  // [R, 1, 2]
  const at::Tensor d = (landed.view({-1, v.frames, 2}) - own).norm(2, {2}).to(torch::kCPU).contiguous();
  const float* data = d.data_ptr<float>();
  for (size_t r = 0; r < rows.size(); ++r)
    (*dist)[size_t(rows[r])].insert((*dist)[size_t(rows[r])].end(), data + r * v.frames, data + (r + 1) * v.frames);
}

// The occlusion pass: anchors, back-tracks and the median rule.
void Occlusion(const Volume& v, const at::Tensor& desc, const at::Tensor& traj, TrackResult* result,
               const TrackerOptions& options, Progress& progress, const CancelToken& cancel) {
  const int n = result->tracks.tracks, frames = int(v.frames);
  std::vector<std::vector<int>> anchors(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    for (int t = 0; t < frames; ++t)
      if (result->similarity[size_t(i) * frames + t] >= options.anchor_threshold) anchors[size_t(i)].push_back(t);
  std::vector<std::vector<float>> dist(static_cast<size_t>(n));
  for (int a = 0; a < frames; ++a) {
    cancel.ThrowIfCancelled();
    std::vector<int64_t> rows;
    for (int i = 0; i < n; ++i)
      if (std::binary_search(anchors[size_t(i)].begin(), anchors[size_t(i)].end(), a)) rows.push_back(i);
    if (!rows.empty()) BackTrack(v, desc, traj, rows, a, options, &dist);
    progress.Step(size_t(a) + 1, size_t(frames), "occlusion");
  }
  for (int i = 0; i < n; ++i) {
    const std::vector<bool> occ = OccludedFrames(dist[size_t(i)], anchors[size_t(i)],
                                                 result->similarity.data() + size_t(i) * frames, frames, options);
    for (int t = 0; t < frames; ++t) result->tracks.SetOccluded(i, t, occ[size_t(t)]);
  }
}

// Trajectories [N, T, 2] of the query descriptors [N, C].
at::Tensor Trajectories(const Volume& v, const at::Tensor& query_desc, const TrackerOptions& options,
                        Progress& progress, const CancelToken& cancel) {
  std::vector<at::Tensor> per_frame;
  for (int64_t f = 0; f < v.frames; ++f) {
    cancel.ThrowIfCancelled();
    per_frame.push_back(TrackInto(query_desc, v.flat, v.inv_norms, f, v.grid, options.chunk_elements));
    progress.Step(size_t(f) + 1, size_t(v.frames), "tracking");
  }
  return torch::stack(per_frame, 1);
}

}  // namespace

TrackResult TrackPoints(const FeatureVolume& volume, const std::vector<Query>& queries, const TrackerOptions& options,
                        Progress& progress, const CancelToken& cancel) {
  CheckInputs(volume, queries, options);
  torch::NoGradGuard no_grad;
  const auto device = volume.features.device();
  Volume v;
  v.frames = volume.features.size(0);
  v.channels = volume.features.size(3);
  v.flat = volume.features.contiguous().view({v.frames, -1, v.channels});
  if (volume.inv_norms.defined()) {
    v.inv_norms = volume.inv_norms;
  } else {
    v.inv_norms = torch::empty({v.frames, v.flat.size(1)}, volume.features.options().dtype(torch::kFloat32));
    for (int64_t f = 0; f < v.frames; ++f) v.inv_norms[f].copy_(InverseTokenNorms(volume.features[f]));
  }
  v.grid = MakeGrid(volume.geometry, options.radius, device);
  const int n = static_cast<int>(queries.size()), frames = static_cast<int>(v.frames);
  TrackResult result;
  result.tracks = TrackSet(n, frames);
  if (n == 0) return result;
  std::vector<float> qxy;
  std::vector<int64_t> qframe;
  for (const Query& q : queries) qxy.push_back(float(q.x)), qxy.push_back(float(q.y)), qframe.push_back(q.frame);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const at::Tensor qpos = torch::from_blob(qxy.data(), {n, 2}, f32).clone().to(device);
  const at::Tensor qf = torch::from_blob(qframe.data(), {n}, torch::kInt64).clone().to(device);
  auto [gx, gy] = GridCoords(qpos, volume.geometry);
  const at::Tensor query_desc = Sample(v.flat, v.grid, qf, gx, gy);
  Progress track_progress = progress.Sub(0.0, options.occlusion ? 0.3 : 1.0);
  const at::Tensor traj = Trajectories(v, query_desc, options, track_progress, cancel);  // [N, T, 2]
  // Descriptors at the predicted points and their similarity to the query frame's.
  const at::Tensor all_frames = torch::arange(v.frames, qf.options()).repeat({n});
  std::tie(gx, gy) = GridCoords(traj.reshape({-1, 2}), volume.geometry);
  const at::Tensor desc = Sample(v.flat, v.grid, all_frames, gx, gy).view({n, v.frames, v.channels});
  const at::Tensor unit = desc / desc.norm(2, {2}, true).clamp_min(kEps);
  const at::Tensor at_query = torch::arange(n, qf.options()) * v.frames + qf;
  const at::Tensor ref = unit.view({-1, v.channels}).index_select(0, at_query);  // [N, C]
  const at::Tensor sim = (unit * ref.unsqueeze(1)).sum(2).to(torch::kCPU).contiguous();
  result.similarity.assign(sim.data_ptr<float>(), sim.data_ptr<float>() + sim.numel());
  const at::Tensor traj_cpu = traj.to(torch::kCPU).to(torch::kFloat64).contiguous();
  std::copy(traj_cpu.data_ptr<double>(), traj_cpu.data_ptr<double>() + traj_cpu.numel(), result.tracks.xy.begin());
  if (options.occlusion) {
    Progress occ_progress = progress.Sub(0.3, 1.0);
    Occlusion(v, desc, traj, &result, options, occ_progress, cancel);
  }
  return result;
}

}  // namespace corrlens::track
