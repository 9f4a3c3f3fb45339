#include "core/track/annotated_video.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <filesystem>

#include "core/util/error.h"

namespace corrlens::track {

cv::Scalar TrackColor(int n) {
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(uint8_t((n * 37) % 180), 220, 255)), color;
  cv::cvtColor(hsv, color, cv::COLOR_HSV2BGR);
  const cv::Vec3b c = color.at<cv::Vec3b>(0, 0);
  return cv::Scalar(c[0], c[1], c[2]);
}

void DrawTracks(cv::Mat& bgr, const TrackSet& s, int t, int trail, const std::vector<cv::Scalar>& colors) {
  const int radius = std::max(3, bgr.cols / 160);
  for (int n = 0; n < s.tracks; ++n) {
    const cv::Scalar c = n < int(colors.size()) ? colors[size_t(n)] : TrackColor(n);
    for (int k = std::max(1, t - trail); k <= t; ++k)
      cv::line(bgr, cv::Point2d(s.X(n, k - 1), s.Y(n, k - 1)), cv::Point2d(s.X(n, k), s.Y(n, k)), c, 1, cv::LINE_AA);
    cv::circle(bgr, cv::Point2d(s.X(n, t), s.Y(n, t)), radius, c, s.Occluded(n, t) ? 1 : cv::FILLED, cv::LINE_AA);
  }
}

void WriteAnnotatedVideo(const std::string& path, video::VideoSource& video, const std::vector<AnnotatedPanel>& panels,
                         const AnnotatedVideoOptions& options, Progress& progress, const CancelToken& cancel) {
  const ErrorLocation where(path, std::nullopt, options.key);
  const std::string ext = std::filesystem::path(path).extension().string();
  int fourcc = 0;
  if (ext == ".avi")
    fourcc = cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  else if (ext == ".mp4")
    fourcc = cv::VideoWriter::fourcc('m', 'p', '4', 'v');
  else
    throw Error("unsupported video extension '" + ext + "'", where, "use .avi or .mp4");
  const int frames = options.frames > 0 ? std::min(options.frames, video.FrameCount()) : video.FrameCount();
  if (panels.empty()) throw Error("no tracks to draw", where);
  for (const AnnotatedPanel& p : panels) {
    if (p.tracks.tracks > 0 && p.tracks.frames < frames)
      throw Error("tracks cover " + std::to_string(p.tracks.frames) + " of " + std::to_string(frames) + " frames",
                  where);
  }
  const int width = video.Info().width, height = video.Info().height;
  const double fps = options.fps > 0 ? options.fps : video.Info().fps > 0 ? video.Info().fps : 10.0;
  const std::string partial = path + ".partial" + ext;
  // Even sides: the encoders' chroma subsampling drops an odd last column or row.
  const int out_width = width * int(panels.size()), out_height = height;
  const cv::Size size(out_width + out_width % 2, out_height + out_height % 2);
  cv::VideoWriter writer(partial, fourcc, fps, size);
  if (!writer.isOpened()) throw Error("cannot write the video", where);
  try {
    cv::Mat canvas(size, CV_8UC3, cv::Scalar::all(0));
    for (int t = 0; t < frames; ++t) {
      cancel.ThrowIfCancelled();
      cv::Mat bgr;
      cv::cvtColor(video.Frame(t), bgr, cv::COLOR_RGB2BGR);
      for (size_t i = 0; i < panels.size(); ++i) {
        cv::Mat panel = canvas(cv::Rect(int(i) * width, 0, width, height));
        bgr.copyTo(panel);
        if (panels[i].tracks.tracks > 0) DrawTracks(panel, panels[i].tracks, t, options.trail, panels[i].colors);
        if (!panels[i].title.empty()) {
          const cv::Point at(8, 22);
          cv::putText(panel, panels[i].title, at, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
          cv::putText(panel, panels[i].title, at, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(255, 255, 255), 1,
                      cv::LINE_AA);
        }
      }
      writer.write(canvas);
      progress.Report(double(t + 1) / frames);
    }
    writer.release();
  } catch (...) {
    writer.release();
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) throw Error("cannot move the written video into place: " + ec.message(), where);
}

}  // namespace corrlens::track
