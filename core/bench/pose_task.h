// Object pose estimation on OnePose-LowTexture (core/bench task shape), the
// 3DCorrEnhance protocol (`oneposepp`): per object, templates from the
// reference sequence's annotated keypoints, dense query descriptors every
// 4 px of each test frame, mutual nearest neighbours, EPnP RANSAC with the
// identity fallback (core/pose), and the share of frames with rotation AND
// translation error below 1/3/5 deg/cm per object, averaged over objects.
// Objects are taken in sorted folder order (the reference's listing is
// unsorted); the template subset beyond 120,000 is seeded.
#pragma once

#include <opencv2/core/matx.hpp>

#include <string>
#include <vector>

#include "core/bench/report.h"
#include "core/feature/feature_provider.h"
#include "core/pose/onepose_dataset.h"
#include "core/pose/pose_estimator.h"

namespace corrlens::bench {

struct PoseTaskOptions {
  std::vector<std::string> models;  // model names for the FeatureProvider
  // Folder holding lowtexture_test_data/ and sfm_output/ (the reference's data/).
  std::string dataset;
  int objects = 0;                                       // the first N objects in sorted order (0 = all)
  pose::FramePreset preset = pose::FramePreset::kPaper;  // which test frames
  int max_templates = 120000;                            // random subset beyond this many (0 = all)
  uint64_t seed = 0;                                     // seed of that subset
  pose::PoseEstimateOptions estimate;                    // grid stride, PnP
  ExtractOptions extract;                                // input size set per image (W/8*14, H/8*14)

  bool Check() const;
};

// A predicted object-to-camera pose (metres) of one test frame.
struct PoseFramePrediction {
  std::string frame;  // image stem
  cv::Matx44d cam_from_object = cv::Matx44d::eye();
};

struct PoseObjectPrediction {
  std::string object;  // folder name
  std::vector<PoseFramePrediction> frames;
};

using PosePredictions = std::vector<PoseObjectPrediction>;

// Runs every model: one Report row per model with pose_1cm_1deg,
// pose_3cm_3deg, pose_5cm_5deg (fractions, per object then averaged over
// objects), the curve "pose" (accuracy vs k cm AND k deg, k = 0..10, per
// object then averaged; exact AUC), items per object ("object:<name>") and
// per frame ("frame:<object>/<stem>": rotation_error_deg,
// translation_error_cm, matches, inliers; attributes object, frame, image,
// folder). `predictions` (optional) receives each model's poses in report
// row order.
Report RunPoseTask(const PoseTaskOptions& options, FeatureProvider& provider, Progress& progress,
                   const CancelToken& cancel, std::vector<PosePredictions>* predictions = nullptr);

// Scores given poses as one Report row named `model`: the objects named in
// `predictions` (sorted; the first options.objects when set), each with a
// pose for every test frame of options.preset. Throws Error for an object
// that is not in the dataset or a missing frame.
Report ScorePosePredictions(const PoseTaskOptions& options, const std::string& model,
                            const PosePredictions& predictions);

// {"objects": [{"object": name, "frames": [{"frame": stem, "pose": [[4x4]]}]}]}
std::string PosePredictionsToJson(const PosePredictions& predictions);
// Reads that JSON; throws Error naming `path` when malformed.
PosePredictions ReadPosePredictions(const std::string& path);

}  // namespace corrlens::bench
