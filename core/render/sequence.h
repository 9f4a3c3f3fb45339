// A rendered video of a mesh along a smooth camera path with ground-truth
// point tracks, written as a one-video TAP-Vid dataset in both layouts that
// core/track reads:
//   DIR/tapvid-davis/0/video/00000.jpg ...  the frames (JPEG)
//   DIR/tapvid_davis_data_strided.pkl       the reference's strided file
//   DIR/tapvid_davis.pkl                    the official layout, video embedded
//   DIR/sequence.json                       K, per-frame poses, 3D points
// and optionally an MP4/AVI of the frames (OpenCV VideoWriter).
//
// Query points are pixels of frame 0's visible surface; each one's 3D point
// is projected into every frame and is visible where the depth buffer agrees
// (render::Correspond), so both self-occlusion and leaving the frame occur.
// Coordinates follow TAP-Vid: pixel column i covers [i, i + 1), so a point
// that projects onto pixel centre u (camera.h's convention) is at u + 0.5.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/render/camera.h"
#include "core/render/correspondence.h"
#include "core/render/renderer.h"
#include "core/util/progress.h"

namespace corrlens::render {

// Shape of the camera path; every parameter is a smooth function of time.
enum class SequencePath {
  kOrbit,   // azimuth sweep at a gently waving elevation, constant distance
  kSpiral,  // azimuth sweep while rising from below to above, zooming in and out
};

// The camera path (object-centred; the seed picks the start direction).
struct SequencePathOptions {
  SequencePath shape = SequencePath::kOrbit;
  double sweep_deg = 90.0;  // azimuth turned over the whole sequence
  // Camera distance factor over the tightest fit of the bounding sphere.
  double margin = 1.0;
  // Image-plane drift of the object centre, as a fraction of half the image
  // side: parts of the object leave the frame when this is large enough.
  double drift = 0.6;
  uint64_t seed = 0;  // start azimuth and elevation; also picks the points

  bool Check() const;
};

// Options of RunRenderSequence.
struct SequenceOptions {
  std::string mesh_path;   // model to load (any Assimp format)
  std::string output_dir;  // dataset folder; created when missing
  int frames = 24;         // T
  int points = 64;         // query points sampled on frame 0 (fewer if the object is small)
  int query_stride = 5;    // strided pickle: query frames 0, s, 2s, ... (tapnet's strided mode)
  int jpeg_quality = 95;   // frames
  SequencePathOptions path;
  RenderOptions render;              // intrinsics and lighting
  CorrespondenceOptions visibility;  // depth test of each track point
  std::string video_out;             // also write the frames as this MP4/AVI ("" = no)
  double fps = 12.0;                 // of video_out
  std::string name;                  // video name in the official pickle ("" = mesh file stem)
  // Replace an earlier dataset in output_dir (and video_out); without it a
  // non-empty folder or an existing video file is refused.
  bool force = false;

  // Throws corrlens::Error naming the offending key (frames, points, size...).
  void Validate() const;
};

// Ground-truth tracks of N points over T frames, TAP-Vid coordinates.
struct SequenceTracks {
  std::vector<cv::Vec3d> object_points;  // N, normalised object coordinates
  std::vector<cv::Point2d> query;        // N, position in frame 0
  std::vector<double> xy;                // N x T x 2
  std::vector<uint8_t> occluded;         // N x T, 1 = occluded or outside the image
  int frames = 0;

  int Count() const { return static_cast<int>(object_points.size()); }
  cv::Point2d At(int n, int t) const {
    return {xy[2 * (size_t(n) * frames + t)], xy[2 * (size_t(n) * frames + t) + 1]};
  }
  bool Occluded(int n, int t) const { return occluded[size_t(n) * frames + t] != 0; }
};

// What RunRenderSequence did.
struct SequenceResult {
  std::string output_dir;
  std::string name;        // video name in the official pickle
  std::string frames_dir;  // DIR/tapvid-davis/0/video
  std::string video_path;  // "" when none was written
  Intrinsics intrinsics;
  std::vector<Pose> obj_to_cam;  // T
  SequenceTracks tracks;
  int queries = 0;                    // queries in the strided pickle (all query frames)
  double visible_fraction = 0.0;      // of all N x T track points
  double outside_fraction = 0.0;      // projected outside the image
  std::vector<std::string> warnings;  // mesh loader, too few points
  double render_seconds = 0.0;
  double total_seconds = 0.0;
};

// The camera path: T poses (obj_to_cam) for an object of bounding radius `radius`.
std::vector<Pose> SequencePoses(const SequencePathOptions& options, int frames, const Intrinsics& k, double radius);

// Up to `count` distinct pixels of view 0's object (mask eroded by one pixel,
// so no silhouette pixels), picked with `seed`; pixel-centre convention.
std::vector<cv::Point> SampleSurfacePixels(const cv::Mat& depth, int count, uint64_t seed);

// Tracks of `pixels` of views[0] through every view (depths, intrinsics and
// poses of the rendered frames).
SequenceTracks TrackSurfacePoints(const std::vector<cv::Point>& pixels, const std::vector<ViewGeometry>& views,
                                  const CorrespondenceOptions& visibility = {});

// Renders the sequence and writes the dataset. sequence.json is written last.
// Throws corrlens::Error (bad options, mesh, no display, non-empty folder
// without force, video writer failure) or Cancelled.
SequenceResult RunRenderSequence(const SequenceOptions& options, Progress& progress, const CancelToken& cancel);

// The two pickles' bytes (protocol 2) for one video of `width` x `height`.
// `frames`: T RGB images (CV_8UC3), embedded in the official file.
std::vector<uint8_t> StridedTapVidPickle(const SequenceTracks& tracks, int width, int height, int query_stride);
std::vector<uint8_t> OfficialTapVidPickle(const SequenceTracks& tracks, const std::vector<cv::Mat>& frames,
                                          const std::string& name);

}  // namespace corrlens::render
