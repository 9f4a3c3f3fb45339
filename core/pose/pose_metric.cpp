#include "core/pose/pose_metric.h"

#include <cmath>

namespace corrlens::pose {

PoseError QueryPoseError(const cv::Matx44d& predicted, const cv::Matx44d& truth) {
  PoseError e;
  double squared = 0.0;
  for (int r = 0; r < 3; ++r) squared += (predicted(r, 3) - truth(r, 3)) * (predicted(r, 3) - truth(r, 3));
  e.translation_cm = std::sqrt(squared) * 100.0;
  // trace(R_pred R_gt^T): the diagonal of the product, summed in numpy's order.
  double diagonal[3];
  for (int r = 0; r < 3; ++r)
    diagonal[r] = predicted(r, 0) * truth(r, 0) + predicted(r, 1) * truth(r, 1) + predicted(r, 2) * truth(r, 2);
  double trace = diagonal[0] + diagonal[1] + diagonal[2];
  if (trace > 3.0) trace = 3.0;  // clipped from above only, like the reference
  e.rotation_deg = std::acos((trace - 1.0) / 2.0) * 180.0 / M_PI;
  return e;
}

bool PosePasses(const PoseError& error, double threshold) {
  return error.rotation_deg < threshold && error.translation_cm < threshold;  // NaN compares false
}

double PoseAccuracy(const std::vector<PoseError>& errors, double threshold) {
  if (errors.empty()) return 0.0;
  int passed = 0;
  for (const PoseError& e : errors) passed += PosePasses(e, threshold);
  return static_cast<double>(passed) / static_cast<double>(errors.size());
}

const std::vector<double>& PoseThresholds() {
  static const std::vector<double> thresholds = {1.0, 3.0, 5.0};
  return thresholds;
}

const char* PoseMetricName(double threshold) {
  if (threshold == 1.0) return "pose_1cm_1deg";
  if (threshold == 3.0) return "pose_3cm_3deg";
  if (threshold == 5.0) return "pose_5cm_5deg";
  return "pose_accuracy";
}

}  // namespace corrlens::pose
