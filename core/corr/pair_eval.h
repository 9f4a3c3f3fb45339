// Two-image correspondence evaluation with dense ground truth: a planar
// homography (e.g. graf1 -> graf3) or a rectified stereo pair with a
// disparity map (e.g. Middlebury aloe). A regular grid of source points whose
// true correspondence lands inside the target is matched; PCK at pixel
// thresholds and the AUC of the PCK curve summarise the errors.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <string>
#include <vector>

namespace corrlens {

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
PairGroundTruth HomographyGroundTruth(cv::Size source_size, cv::Size target_size,
                                      const cv::Matx33d& target_from_source,
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

// PCK / AUC of one method on one pair.
struct PckRow {
  std::string model;             // backend name
  std::string method;            // "argmax" or "soft-argmax r=35"
  int64_t points = 0;            // evaluated points
  std::vector<double> pck;       // share of errors < threshold, per threshold
  double auc = 0.0;              // mean of PCK(t) over t in [0, auc_max]
  double mean_error = 0.0;       // pixels
  double median_error = 0.0;     // pixels
  double seconds = 0.0;          // extraction + matching time
};

// Scores predictions against the truth (target pixels).
PckRow ScorePredictions(const std::vector<cv::Point2d>& predicted, const std::vector<cv::Point2d>& truth,
                        const std::vector<double>& thresholds, double auc_max);

// Rows plus a summary, serialisable to JSON or a text table.
struct PairEvalReport {
  std::string task;      // "homography" or "stereo"
  std::string source;    // image paths
  std::string target;
  std::string truth;     // homography or disparity file
  std::vector<double> thresholds = {1, 2, 5, 10, 20};
  double auc_max = 20.0;
  std::vector<PckRow> rows;

  std::string ToJson(int indent = 2) const;
  std::string ToText() const;
};

}  // namespace corrlens
