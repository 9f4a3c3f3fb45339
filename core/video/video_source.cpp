#include "core/video/video_source.h"

#include <filesystem>

#include "core/util/error.h"

namespace corrlens::video {
namespace {

// Frames of a uint8 [T, H, W, 3] tensor; each frame is copied on decode.
class TensorVideo : public VideoSource {
 public:
  TensorVideo(const io::TensorData& frames, const std::string& description, const VideoOptions& options)
      : VideoSource(options.cache_frames), frames_(frames.Contiguous()) {
    info_.source = description;
    info_.kind = "memory";
    const auto& s = frames_.shape;
    if (frames_.dtype != io::DType::kUInt8 || s.size() != 4 || s[3] != 3)
      throw Error("video tensor is " + io::DTypeName(frames_.dtype) + " " + io::ShapeString(s) +
                      ", expected uint8 [frames, height, width, 3]",
                  {description});
    if (s[0] <= 0) throw Error("video has no frames", {description});
    if (s[1] > INT32_MAX || s[2] > INT32_MAX) throw Error("video frames are too large", {description});
    CheckFrameSize(static_cast<int>(s[2]), static_cast<int>(s[1]), options, description);
    if (s[0] > INT32_MAX) throw Error("video has too many frames", {description});
    frames_.Validate();
    info_.frame_count = static_cast<int>(s[0]);
    info_.width = static_cast<int>(s[2]);
    info_.height = static_cast<int>(s[1]);
  }

 protected:
  cv::Mat Decode(int index) override {
    const size_t frame_bytes = size_t(info_.width) * info_.height * 3;
    const uint8_t* data = frames_.storage->data() + frames_.storage_offset + frame_bytes * size_t(index);
    return cv::Mat(info_.height, info_.width, CV_8UC3, const_cast<uint8_t*>(data)).clone();
  }

 private:
  io::TensorData frames_;
};

}  // namespace

cv::Mat VideoSource::Frame(int index) {
  if (index < 0 || index >= info_.frame_count)
    throw Error(
        "frame " + std::to_string(index) + " is outside the video's " + std::to_string(info_.frame_count) + " frames",
        {info_.source, std::nullopt, "frame"});
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->first != index) continue;
    cache_.splice(cache_.begin(), cache_, it);
    return cache_.front().second;
  }
  cv::Mat frame = Decode(index);
  if (frame.empty() || frame.type() != CV_8UC3 || frame.cols != info_.width || frame.rows != info_.height)
    throw Error("frame " + std::to_string(index) + " is " + std::to_string(frame.cols) + "x" +
                    std::to_string(frame.rows) + ", the video's frames are " + std::to_string(info_.width) + "x" +
                    std::to_string(info_.height),
                {info_.source, std::nullopt, "frame"}, "frames of different sizes");
  cache_.emplace_front(index, frame);
  if (int(cache_.size()) > cache_capacity_) cache_.pop_back();
  return frame;
}

void CheckFrameSize(int width, int height, const VideoOptions& options, const std::string& source) {
  if (width <= 0 || height <= 0)
    throw Error("frames have no pixels (" + std::to_string(width) + "x" + std::to_string(height) + ")", {source});
  if (uint64_t(width) * uint64_t(height) > options.max_pixels)
    throw Error("frames of " + std::to_string(width) + "x" + std::to_string(height) + " exceed the limit of " +
                    std::to_string(options.max_pixels) + " pixels",
                {source}, "absurd frame size or a corrupt header");
}

std::unique_ptr<VideoSource> MakeTensorVideo(const io::TensorData& frames, const std::string& description,
                                             const VideoOptions& options) {
  if (!options.Check()) throw Error("invalid VideoOptions", {description});
  return std::make_unique<TensorVideo>(frames, description, options);
}

std::unique_ptr<VideoSource> OpenVideo(const std::string& path, const VideoOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return OpenImageSequence(path, options);
  return OpenVideoFile(path, options);
}

}  // namespace corrlens::video
