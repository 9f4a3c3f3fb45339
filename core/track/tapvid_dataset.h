// TAP-Vid DAVIS in the two layouts the benchmark comes in (DATASETS.md
// section 2):
//  - the reference's: DIR/tapvid_davis_data_strided.pkl ({"videos": [{
//    "video_idx", "h", "w", "query_points" {frame: N x 2}, "target_points"
//    {frame: N x T x 2}, "occluded" {frame: N x T}}]}, lists or numpy
//    arrays) with frames in DIR/tapvid-davis/<video_idx>/video/*.jpg;
//  - the official tapvid_davis.pkl ({name: {"video" T x H x W x 3 uint8,
//    "points" N x T x 2 in [0, 1], "occluded" N x T}}) with the videos
//    embedded; queries are sampled as tapnet's "strided" mode does (every
//    5th frame, each track visible there), coordinates in frame pixels.
// Pickles are read by core/io's safe reader: nothing in them is executed.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/io/tensor.h"
#include "core/track/tapvid_metrics.h"
#include "core/video/video_source.h"

namespace corrlens::track {

// The queries of one query frame and their ground-truth tracks.
struct TapVidQueries {
  int frame = 0;             // query frame
  std::vector<double> x, y;  // query points, benchmark pixels
  TrackSet truth;            // N x T tracks and occlusion, benchmark pixels
};

struct TapVidVideo {
  int video_idx = 0;
  std::string name;                   // DAVIS name (official file), else ""
  int width = 0, height = 0;          // w, h: the unit of every coordinate
  int frames = 0;                     // T
  std::vector<TapVidQueries> groups;  // ascending query frame, none empty
  std::string frames_dir;             // reference layout: tapvid-davis/<idx>/video
  io::TensorData video;               // official file: [T, H, W, 3] uint8

  int QueryCount() const;
};

enum class TapVidLayout { kStrided, kOfficial };

struct TapVidDataset {
  std::string pickle;  // the file read
  TapVidLayout layout = TapVidLayout::kStrided;
  std::vector<TapVidVideo> videos;  // ascending video_idx
};

struct TapVidLoadOptions {
  int videos = 0;                                 // the first N videos by index (0 = all)
  int query_stride = 5;                           // official file: query frame stride
  uint64_t max_pickle_bytes = uint64_t{4} << 30;  // memory budget of the parse (plus the videos)

  bool Check() const { return videos >= 0 && query_stride > 0 && max_pickle_bytes > 0; }
};

// The strided pickle's name inside a dataset folder.
constexpr const char* kTapVidStridedPickle = "tapvid_davis_data_strided.pkl";

// `path`: a folder holding tapvid_davis_data_strided.pkl (and tapvid-davis/),
// or a .pkl file of either layout (told apart by content). Throws
// corrlens::Error naming the file and the key of anything malformed.
TapVidDataset LoadTapVid(const std::string& path, const TapVidLoadOptions& options = {});

// "" when `path` looks loadable, else one line naming the missing file.
std::string CheckTapVidPath(const std::string& path);

// The frames of a video: its folder (*.jpg, sorted) or the embedded array.
// Throws Error (missing folder, no frames, sizes differ) and when the frame
// count differs from the ground truth's T.
std::unique_ptr<video::VideoSource> OpenTapVidFrames(const TapVidVideo& video, const video::VideoOptions& options = {});

// tapnet's strided-mode metrics of one video. `predictions` holds one
// TrackSet per query group (same order and shapes), in benchmark pixels;
// both sides are rescaled to 256x256 by 256 / w and 256 / h. `errors`
// (optional) receives the visible points' errors at 256x256.
std::vector<std::pair<std::string, double>> ScoreTapVidVideo(const TapVidVideo& video,
                                                             const std::vector<TrackSet>& predictions,
                                                             std::vector<double>* errors = nullptr);

}  // namespace corrlens::track
