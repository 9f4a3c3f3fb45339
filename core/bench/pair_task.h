// Two-image correspondence evaluation with dense ground truth: a planar
// homography (e.g. graf1 -> graf3) or a rectified stereo pair with a
// disparity map (e.g. Middlebury aloe). A regular grid of source points whose
// true correspondence lands inside the target is matched; PCK at pixel
// thresholds and the AUC of the PCK curve summarise the errors.
// (core/bench task shape: Options + Check(), Run(...) -> Report.)
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <string>
#include <vector>

#include "core/bench/report.h"
#include "core/feature/feature_provider.h"

namespace corrlens::bench {

struct PairGridOptions {
  // Spacing of the source grid in source pixels.
  int step = 16;
  // Distance of the grid from the source border in pixels.
  int margin = 8;

  bool Check() const { return step > 0 && margin >= 0; }
};

// Source points with their true target positions.
struct PairGroundTruth {
  std::vector<cv::Point2d> source;
  std::vector<cv::Point2d> target;
};

// Grid points mapped by `target_from_source` (3x3) that land inside the target.
PairGroundTruth HomographyGroundTruth(cv::Size source_size, cv::Size target_size, const cv::Matx33d& target_from_source,
                                      const PairGridOptions& options = {});

// Grid points of the LEFT image with a known disparity d (left (x, y) ->
// right (x - d, y)); `disparity` is CV_32F in pixels of its own resolution,
// 0 = unknown. When the disparity map's size differs from the source image,
// positions and values are rescaled by source_width / disparity_width.
PairGroundTruth StereoGroundTruth(cv::Size source_size, cv::Size target_size, const cv::Mat& disparity,
                                  const PairGridOptions& options = {});

// Reads a 3x3 homography: OpenCV FileStorage (.xml/.yml, first matrix) or
// plain text with 9 numbers. Throws Error naming the file.
cv::Matx33d ReadHomography(const std::string& path);

// Reads an 8- or 16-bit disparity PNG as CV_32F pixels: value * `scale`
// (Middlebury full-size maps: scale 1, 0 = unknown). Throws Error.
cv::Mat ReadDisparity(const std::string& path, double scale = 1.0);

// The homography / stereo task. Per model the grid is matched twice: plain
// argmax and the soft-argmax refinement; each gives a Report row.
enum class PairTaskKind { kHomography, kStereo };

struct PairTaskOptions {
  PairTaskKind kind = PairTaskKind::kHomography;
  std::vector<std::string> models;                     // model names for the FeatureProvider
  std::string source;                                  // source (left) image
  std::string target;                                  // target (right) image
  std::string homography;                              // kHomography: 3x3 target_from_source file
  std::string disparity;                               // kStereo: left disparity PNG
  double disparity_scale = 1.0;                        // pixels per PNG unit at the PNG's resolution
  PairGridOptions grid;                                // source grid
  double radius_px = 35.0;                             // soft-argmax radius in target pixels
  std::vector<double> thresholds = {1, 2, 5, 10, 20};  // PCK thresholds in pixels
  double auc_max = 20.0;                               // PCK curve range for the AUC, pixels
  ExtractOptions extract;                              // feature extraction

  bool Check() const;
  // The task on Debian's opencv-doc sample data: graf1 -> graf3 with
  // H1to3p.xml, or aloeL / aloeR with aloeGT.png (see core/util/sample_data.h).
  static PairTaskOptions Sample(PairTaskKind kind);
};

// "homography" / "stereo"; Error for another name (key "task").
PairTaskKind PairTaskKindFromName(const std::string& name);
const char* PairTaskName(PairTaskKind kind);

// Runs the task: metrics per row "points", "pck@<t>px", "auc@<max>px",
// "mean_error_px", "median_error_px"; one item (the pair) per row; the PCK
// curve. Throws corrlens::Error (missing file, no grid point inside the
// target, provider errors) or Cancelled.
bench::Report RunPairTask(const PairTaskOptions& options, FeatureProvider& provider, Progress& progress,
                          const CancelToken& cancel);

}  // namespace corrlens::bench
