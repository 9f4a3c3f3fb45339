// Videos with tracks drawn on them (`corrlens-cli track --video-out`, the
// Video workspace's Export > Annotated Video): one panel per track set, side
// by side, each the frame with a trail of the last positions and a filled
// dot where visible, a ring where predicted occluded. Written through
// OpenCV's VideoWriter (.avi: MJPG, .mp4: mp4v) to a temporary file moved
// into place at the end, so a failed or cancelled write leaves nothing. An
// odd width or height gets a black last column or row (codecs need even
// sides).
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

#include "core/track/tapvid_metrics.h"
#include "core/util/progress.h"
#include "core/video/video_source.h"

namespace corrlens::track {

struct AnnotatedPanel {
  TrackSet tracks;                 // positions in video pixels, at least `frames` frames
  std::vector<cv::Scalar> colors;  // BGR per track; empty: TrackColor(n)
  std::string title;               // drawn in the top left corner ("" = none)
};

struct AnnotatedVideoOptions {
  int frames = 0;                 // frames written: [0, frames); 0 = the video's
  int trail = 10;                 // frames of trail behind each position
  double fps = 0.0;               // 0: the video's (10 when unknown)
  std::string key = "video_out";  // names the output in errors (the CLI passes its flag)
};

// The CLI's colour of track `n` (BGR).
cv::Scalar TrackColor(int n);
// Draws frame `t` of `tracks` onto `bgr` (CV_8UC3, BGR).
void DrawTracks(cv::Mat& bgr, const TrackSet& tracks, int t, int trail, const std::vector<cv::Scalar>& colors = {});

// Writes the annotated video. Throws corrlens::Error naming `path` (an
// extension other than .avi/.mp4, a writer that cannot open, panels with
// fewer frames, a frame that cannot be decoded) or Cancelled.
void WriteAnnotatedVideo(const std::string& path, video::VideoSource& video, const std::vector<AnnotatedPanel>& panels,
                         const AnnotatedVideoOptions& options, Progress& progress, const CancelToken& cancel);

}  // namespace corrlens::track
