// Video files through OpenCV's VideoCapture with the FFmpeg backend.
// Decoding is sequential and exact: a jump ahead decodes forward, a jump
// backwards reopens the file and decodes forward (FFmpeg's frame seeking is
// not frame-exact for every codec); the frame cache absorbs small steps back.
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cmath>
#include <filesystem>

#include "core/util/error.h"
#include "core/video/video_source.h"

namespace corrlens::video {
namespace {

class VideoFile : public VideoSource {
 public:
  VideoFile(const std::string& path, const VideoOptions& options) : VideoSource(options.cache_frames), path_(path) {
    info_.source = path;
    info_.kind = "file";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error("video file not found", {path});
    if (std::filesystem::is_directory(path, ec)) throw Error("is a folder, not a video file", {path});
    Reopen();
    cv::Mat first;
    if (!capture_.read(first) || first.empty())
      throw Error("the first frame cannot be decoded", {path}, "broken or empty video file");
    next_ = 1;
    CheckFrameSize(first.cols, first.rows, options, path);
    info_.width = first.cols;
    info_.height = first.rows;
    info_.fps = capture_.get(cv::CAP_PROP_FPS);
    if (!(info_.fps > 0.0 && info_.fps < 1e4)) info_.fps = 0.0;
    const double count = capture_.get(cv::CAP_PROP_FRAME_COUNT);
    if (!(count >= 1.0 && count < 1e8))
      throw Error("the container does not say how many frames the video has", {path},
                  "a stream without an index; convert it to an image folder");
    info_.frame_count = static_cast<int>(std::lround(count));
    info_.count_exact = false;
    first_ = ToRgb(first);
  }

 protected:
  cv::Mat Decode(int index) override {
    if (index == 0) return first_;
    if (index < next_) Reopen();
    cv::Mat frame;
    while (next_ <= index) {
      if (!capture_.grab()) EndedEarly(next_);
      ++next_;
    }
    if (!capture_.retrieve(frame) || frame.empty()) EndedEarly(index);
    return ToRgb(frame);
  }

 private:
  void Reopen() {
    capture_.release();
    if (!capture_.open(path_, cv::CAP_FFMPEG) || !capture_.isOpened())
      throw Error("cannot open as a video", {path_}, "not a video file, truncated, or a codec FFmpeg lacks");
    next_ = 0;
  }

  [[noreturn]] void EndedEarly(int index) const {
    throw Error("frame " + std::to_string(index) + " cannot be decoded although the container announces " +
                    std::to_string(info_.frame_count) + " frames",
                {path_, std::nullopt, "frame"}, "the file is truncated or broken");
  }

  static cv::Mat ToRgb(const cv::Mat& frame) {
    cv::Mat rgb;
    if (frame.type() == CV_8UC3)
      cv::cvtColor(frame, rgb, cv::COLOR_BGR2RGB);
    else if (frame.type() == CV_8UC1)
      cv::cvtColor(frame, rgb, cv::COLOR_GRAY2RGB);
    else if (frame.type() == CV_8UC4)
      cv::cvtColor(frame, rgb, cv::COLOR_BGRA2RGB);
    else
      throw Error("unsupported decoded frame type " + std::to_string(frame.type()));
    return rgb;
  }

  std::string path_;
  cv::VideoCapture capture_;
  int next_ = 0;  // index of the frame the next grab() returns
  cv::Mat first_;
};

}  // namespace

std::unique_ptr<VideoSource> OpenVideoFile(const std::string& path, const VideoOptions& options) {
  if (!options.Check()) throw Error("invalid VideoOptions", {path});
  return std::make_unique<VideoFile>(path, options);
}

}  // namespace corrlens::video
