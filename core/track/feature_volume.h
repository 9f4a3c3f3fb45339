// Tracking presets and the feature volume of a video: every frame resized to
// the preset's processing size and passed through the FeatureProvider (so
// per-frame features go through the feature cache), stacked channels-last.
//   paper:       854x476 frames (any source size, as the reference resizes
//                TAP-Vid's 854x480), stride 7, x_prenorm tokens, refine conv;
//                radius 35 px, anchor 0.7, visible 0.6.
//   interactive: the long side at 640 px, each side floored to a multiple of
//                14, stride 14, x_norm tokens, refine conv; same tracker.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/feature/feature_provider.h"
#include "core/track/tracker.h"
#include "core/video/video_source.h"

namespace corrlens::track {

struct TrackPreset {
  std::string name = "paper";
  int width = 854, height = 476;  // fixed processing size; 0 = from long_side
  int long_side = 0;              // processing long side when width/height are 0
  int multiple = 14;              // sides floored to a multiple of this (long_side mode)
  int stride = 7;                 // token stride in processing pixels
  FeatureLayer layer = FeatureLayer::kPrenorm;
  bool refine = true;
  TrackerOptions tracker;

  static TrackPreset Paper();
  static TrackPreset Interactive();
  // "paper" or "interactive"; Error naming key `preset` otherwise.
  static TrackPreset FromName(const std::string& name);
  bool Check() const;
  // Processing frame size for source frames of width x height.
  cv::Size FrameSize(int width, int height) const;
  // Extraction options for frames of that size.
  ExtractOptions Extract(const cv::Size& frame) const;
};

// Resizes an RGB frame to exactly width x height (the paper preset uses
// PIL's Lanczos, core/bench/letterbox.h's ResizeLanczosPil).
using FrameResizer = std::function<cv::Mat(const cv::Mat& rgb, int width, int height)>;
// OpenCV's Lanczos-4 (INTER_AREA when shrinking by more than 2x).
cv::Mat ResizeOpenCv(const cv::Mat& rgb, int width, int height);

struct VolumeOptions {
  TrackPreset preset;
  FrameResizer resize;  // empty = ResizeOpenCv
  // Store the volume as float16 (as the disk cache does): half the memory,
  // descriptors rounded to 11 significant bits; false keeps float32.
  bool half = true;
  // Largest volume accepted (frames x tokens x channels x element bytes).
  uint64_t max_bytes = uint64_t{24} << 30;
  // Frames [0, frames) only; 0 = all.
  int frames = 0;
};

// The feature volume of `video` from `model`. Frames come through
// FeatureProvider::GetTransient: the volume is their memory cache. Throws
// corrlens::Error (a frame
// that cannot be decoded, features on different grids, a volume above
// max_bytes) or Cancelled.
FeatureVolume ExtractVolume(video::VideoSource& video, FeatureProvider& provider, const std::string& model,
                            const VolumeOptions& options, Progress& progress, const CancelToken& cancel);

// A feature volume filled frame by frame that readers may track on while it
// grows (the GUI's progressive tracks). Extract() fills frames in order and
// resumes where a cancel or an error stopped it; Ready() is thread-safe.
class VolumeBuilder {
 public:
  // Throws corrlens::Error for an invalid preset or frames without pixels.
  VolumeBuilder(std::shared_ptr<video::VideoSource> video, std::shared_ptr<FeatureProvider> provider, std::string model,
                VolumeOptions options);

  // Extracts the frames not done yet; one caller at a time. Throws like
  // ExtractVolume; the frames before a failing one stay ready.
  void Extract(Progress& progress, const CancelToken& cancel);
  // Frames to extract, and the prefix [0, ReadyFrames()) already done.
  int Frames() const { return frames_; }
  int ReadyFrames() const;
  bool Done() const { return ReadyFrames() == frames_; }
  // The volume of the frames done, sharing memory with the builder (frames
  // are never rewritten); Frames() == 0 before the first.
  FeatureVolume Ready() const;
  // The processing frame size: the tracker's pixels.
  cv::Size FrameSize() const { return size_; }
  const std::string& Model() const { return model_; }

 private:
  std::shared_ptr<video::VideoSource> video_;
  std::shared_ptr<FeatureProvider> provider_;
  std::string model_;
  VolumeOptions options_;
  int frames_ = 0;
  cv::Size size_;
  mutable std::mutex mutex_;  // guards volume_ and ready_
  FeatureVolume volume_;
  int ready_ = 0;
};

}  // namespace corrlens::track
