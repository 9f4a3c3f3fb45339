// The OnePose / 3DCorrEnhance pose metric (`query_pose_error`): translation
// error in centimetres and rotation error in degrees between a predicted and a
// ground-truth object-to-camera pose, and the "k cm / k deg" accuracies.
#pragma once

#include <opencv2/core/matx.hpp>

#include <vector>

namespace corrlens::pose {

// Errors of one frame. `rotation_deg` is NaN when the trace of
// R_pred * R_gt^T is below -1 (not a rotation): such a frame never passes a
// threshold, as in the reference.
struct PoseError {
  double rotation_deg = 0.0;
  double translation_cm = 0.0;
};

// Errors of `predicted` against `truth` (object-to-camera, metres; only the
// top 3x4 is used): |t_pred - t_gt| * 100 and
// degrees(arccos((min(trace(R_pred R_gt^T), 3) - 1) / 2)).
PoseError QueryPoseError(const cv::Matx44d& predicted, const cv::Matx44d& truth);

// True when both errors are strictly below `threshold` (cm and degrees);
// false for NaN.
bool PosePasses(const PoseError& error, double threshold);

// Share of `errors` that pass `threshold`; 0 for an empty list.
double PoseAccuracy(const std::vector<PoseError>& errors, double threshold);

// The thresholds of the benchmark (1, 3, 5) and their metric names
// ("pose_1cm_1deg", ...).
const std::vector<double>& PoseThresholds();
const char* PoseMetricName(double threshold);

}  // namespace corrlens::pose
