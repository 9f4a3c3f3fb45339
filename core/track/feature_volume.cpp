#include "core/track/feature_volume.h"

#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "core/util/error.h"
#include "core/util/heap.h"

namespace corrlens::track {
namespace {

constexpr size_t kTrimAboveBytes = size_t{8} << 20;  // e.g. the paper preset's 8,107 tokens

bool SameGrid(const GridGeometry& a, const GridGeometry& b) {
  return a.image_width == b.image_width && a.image_height == b.image_height && a.input_width == b.input_width &&
         a.input_height == b.input_height && a.patch == b.patch && a.stride == b.stride &&
         a.grid_width == b.grid_width && a.grid_height == b.grid_height;
}

at::Tensor Allocate(const FeatureMap& first, int frames, const VolumeOptions& options, const std::string& model) {
  const uint64_t element = options.half ? 2 : 4;
  const uint64_t bytes = uint64_t(frames) * uint64_t(first.features.numel()) * element;
  if (bytes > options.max_bytes)
    throw Error("the feature volume of " + std::to_string(frames) + " frames needs " + std::to_string(bytes >> 20) +
                    " MiB, above the limit of " + std::to_string(options.max_bytes >> 20) + " MiB",
                {"", std::nullopt, "model " + model}, "track fewer frames or use the interactive preset");
  const GridGeometry& g = first.geometry;
  return torch::empty({frames, g.grid_height, g.grid_width, first.features.size(0)},
                      first.features.options().dtype(options.half ? torch::kFloat16 : torch::kFloat32));
}

}  // namespace

TrackPreset TrackPreset::Paper() { return TrackPreset(); }

TrackPreset TrackPreset::Interactive() {
  TrackPreset p;
  p.name = "interactive";
  p.width = p.height = 0;
  p.long_side = 640;
  p.stride = 14;
  p.layer = FeatureLayer::kNorm;
  return p;
}

TrackPreset TrackPreset::FromName(const std::string& name) {
  if (name == "paper") return Paper();
  if (name == "interactive") return Interactive();
  throw Error("unknown tracking preset '" + name + "'", {"", std::nullopt, "preset"}, "presets: paper, interactive");
}

bool TrackPreset::Check() const {
  const bool fixed = width > 0 && height > 0;
  return !name.empty() && (fixed || (width == 0 && height == 0 && long_side > 0)) && multiple > 0 && stride > 0 &&
         tracker.Check();
}

cv::Size TrackPreset::FrameSize(int w, int h) const {
  if (width > 0 && height > 0) return {width, height};
  if (w <= 0 || h <= 0) throw Error("frames have no pixels", {"", std::nullopt, "video"});
  const double scale = double(long_side) / std::max(w, h);
  auto side = [&](int s) { return std::max(multiple, int(std::lround(s * scale)) / multiple * multiple); };
  return {side(w), side(h)};
}

ExtractOptions TrackPreset::Extract(const cv::Size& frame) const {
  ExtractOptions e;
  e.resolution = std::max(frame.width, frame.height);
  e.input_width = frame.width;
  e.input_height = frame.height;
  e.stride = stride;
  e.layer = layer;
  e.refine = refine;
  return e;
}

cv::Mat ResizeOpenCv(const cv::Mat& rgb, int width, int height) {
  cv::Mat out;
  const bool shrink_much = width * 2 < rgb.cols && height * 2 < rgb.rows;
  cv::resize(rgb, out, cv::Size(width, height), 0, 0, shrink_much ? cv::INTER_AREA : cv::INTER_LANCZOS4);
  return out;
}

FeatureVolume ExtractVolume(video::VideoSource& video, FeatureProvider& provider, const std::string& model,
                            const VolumeOptions& options, Progress& progress, const CancelToken& cancel) {
  // Non-owning: the caller keeps both alive for the call.
  VolumeBuilder builder(std::shared_ptr<video::VideoSource>(&video, [](video::VideoSource*) {}),
                        std::shared_ptr<FeatureProvider>(&provider, [](FeatureProvider*) {}), model, options);
  builder.Extract(progress, cancel);
  return builder.Ready();
}

VolumeBuilder::VolumeBuilder(std::shared_ptr<video::VideoSource> video, std::shared_ptr<FeatureProvider> provider,
                             std::string model, VolumeOptions options)
    : video_(std::move(video)), provider_(std::move(provider)), model_(std::move(model)), options_(std::move(options)) {
  if (!options_.preset.Check()) throw Error("invalid tracking preset", {"", std::nullopt, "preset"});
  if (!options_.resize) options_.resize = ResizeOpenCv;
  frames_ = options_.frames > 0 ? std::min(options_.frames, video_->FrameCount()) : video_->FrameCount();
  size_ = options_.preset.FrameSize(video_->Info().width, video_->Info().height);
}

int VolumeBuilder::ReadyFrames() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ready_;
}

FeatureVolume VolumeBuilder::Ready() const {
  std::lock_guard<std::mutex> lock(mutex_);
  FeatureVolume ready;
  if (ready_ == 0) return ready;
  ready.geometry = volume_.geometry;
  ready.features = ready_ == frames_ ? volume_.features : volume_.features.slice(0, 0, ready_);
  ready.inv_norms = ready_ == frames_ ? volume_.inv_norms : volume_.inv_norms.slice(0, 0, ready_);
  return ready;
}

void VolumeBuilder::Extract(Progress& progress, const CancelToken& cancel) {
  const ExtractOptions extract = options_.preset.Extract(size_);
  torch::NoGradGuard no_grad;
  for (int i = ReadyFrames(); i < frames_; ++i) {
    cancel.ThrowIfCancelled();
    const cv::Mat frame = video_->Frame(i);
    const cv::Mat input = frame.cols == size_.width && frame.rows == size_.height
                              ? frame
                              : options_.resize(frame, size_.width, size_.height);
    const std::shared_ptr<const FeatureMap> map = provider_->GetTransient(input, model_, extract, cancel);
    if (!map || !map->Valid() || map->geometry.image_width != size_.width || map->geometry.image_height != size_.height)
      throw Error("model returned no valid feature map for frame " + std::to_string(i), {"", std::nullopt, model_});
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (i == 0) {
        volume_.geometry = map->geometry;
        volume_.features = Allocate(*map, frames_, options_, model_);
        volume_.inv_norms = torch::empty({frames_, volume_.features.size(1) * volume_.features.size(2)},
                                         volume_.features.options().dtype(torch::kFloat32));
      } else if (!SameGrid(map->geometry, volume_.geometry) || map->features.size(0) != volume_.features.size(3)) {
        throw Error("frame " + std::to_string(i) + " has features on another grid than frame 0",
                    {"", std::nullopt, model_});
      }
      volume_.features[i].copy_(map->features.permute({1, 2, 0}));
      volume_.inv_norms[i].copy_(InverseTokenNorms(volume_.features[i]));  // of the values as stored
      ready_ = i + 1;
    }
    // A large frame's forward pass (seconds) left its activations free in
    // the heap: returning them keeps the peak at live data plus the growing
    // volume, for a re-fault cost far below 1% of that forward pass.
    if (map->features.nbytes() >= kTrimAboveBytes) ReturnFreeHeapMemory();
    progress.Step(size_t(i) + 1, size_t(frames_), "features");
  }
}

}  // namespace corrlens::track
