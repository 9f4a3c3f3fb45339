// Videos as random-access frame sources: video files through OpenCV's
// VideoCapture (FFmpeg), folders of numbered images, and frames held in
// memory (the videos embedded in TAP-Vid's tapvid_davis.pkl). Frames are
// CV_8UC3 in RGB order; a small cache keeps the last decoded frames. Bad
// input raises one corrlens::Error line naming the file and the cause.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/io/tensor.h"

namespace corrlens::video {

struct VideoInfo {
  std::string source;       // path (file or folder) or a description
  std::string kind;         // "file", "images", "memory"
  int frame_count = 0;      // frames; for files, what the container announces
  bool count_exact = true;  // false when the count comes from a container header
  double fps = 0.0;         // 0 when unknown
  int width = 0, height = 0;
};

struct VideoOptions {
  // Largest width * height accepted (the image limit of core/io/image.h).
  uint64_t max_pixels = 100'000'000;
  // Decoded frames kept for random access.
  int cache_frames = 16;
  // Image sequences: file extensions accepted (lower case, with the dot).
  std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"};

  bool Check() const { return max_pixels > 0 && cache_frames >= 1 && !extensions.empty(); }
};

class VideoSource {
 public:
  explicit VideoSource(int cache_frames) : cache_capacity_(cache_frames) {}
  virtual ~VideoSource() = default;
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  const VideoInfo& Info() const { return info_; }
  int FrameCount() const { return info_.frame_count; }
  // Frame `index` (CV_8UC3 RGB, shared with the cache: clone before
  // writing). Throws corrlens::Error for an index outside [0, FrameCount())
  // or a frame that cannot be decoded. Thread-safe.
  cv::Mat Frame(int index);

 protected:
  // Decodes frame `index` (already range-checked); throws Error.
  virtual cv::Mat Decode(int index) = 0;
  VideoInfo info_;

 private:
  std::mutex mutex_;
  int cache_capacity_;
  std::list<std::pair<int, cv::Mat>> cache_;  // most recent first
};

// A video file (anything FFmpeg decodes). Throws Error when the file is
// missing, not a video, has no decodable first frame, or exceeds the pixel
// limit. The frame count is the container's; a frame past the real end
// raises an Error saying the file ends early.
std::unique_ptr<VideoSource> OpenVideoFile(const std::string& path, const VideoOptions& options = {});

// The images of a folder in lexicographic file-name order (the reference's
// sorted(glob)). Throws Error when the folder is missing, holds no image
// with an accepted extension, or its images differ in size.
std::unique_ptr<VideoSource> OpenImageSequence(const std::string& folder, const VideoOptions& options = {});

// Frames held in memory: a uint8 tensor [T, H, W, 3] (RGB). Throws Error for
// another dtype or shape, no frames, or frames beyond the pixel limit.
std::unique_ptr<VideoSource> MakeTensorVideo(const io::TensorData& frames, const std::string& description,
                                             const VideoOptions& options = {});

// A folder -> OpenImageSequence, anything else -> OpenVideoFile.
std::unique_ptr<VideoSource> OpenVideo(const std::string& path, const VideoOptions& options = {});

// Throws Error naming `source` when width x height is empty or above the limit.
void CheckFrameSize(int width, int height, const VideoOptions& options, const std::string& source);

}  // namespace corrlens::video
