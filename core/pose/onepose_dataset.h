// Object reference sets for pose estimation and the OnePose-LowTexture layout
// read as the 3DCorrEnhance benchmark (`oneposepp`) reads it:
//   ROOT/lowtexture_test_data/<id>-<name>-<category>/
//     box3d_corners.txt                    (optional, 8x3, metres)
//     <name>-1/{color,intrin_ba,poses_ba,anno_loftr}/<i>.{png,txt,txt,json}
//     <name>-2/{color,intrin_ba,poses_ba}/<i>.{png,txt,txt}
//   ROOT/sfm_output/outputs_softmax_loftr_loftr/<obj>/anno/anno_3d_average.npz
// Every reader throws corrlens::Error naming the file and the likely cause.
// Plain data, no torch: the GUI uses these types directly.
#pragma once

#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <optional>
#include <string>
#include <vector>

namespace corrlens::pose {

// One reference view: an image with known intrinsics and 2D keypoints whose
// 3D object points are known.
struct ReferenceView {
  std::string name;                             // frame stem, e.g. "15"
  std::string image;                            // RGB image file
  cv::Matx33d intrinsics = cv::Matx33d::eye();  // pixels of `image`
  std::optional<cv::Matx44d> cam_from_object;   // object-to-camera pose (metres) when known
  std::vector<cv::Point2d> keypoints;           // pixels of `image`
  std::vector<cv::Point3d> points;              // object frame, metres; one per keypoint
};

// Everything pose estimation needs to know about one object.
struct ReferenceSet {
  std::string name;    // object name (the OnePose folder name)
  std::string source;  // where it was read from
  std::vector<ReferenceView> views;
  std::vector<cv::Point3d> box;  // 8 box corners (box3d_corners.txt), or empty

  size_t KeypointCount() const;
  // `box` when known, else the axis-aligned bounding box of every 3D point,
  // corners in the OnePose order (-x-y-z, x-y-z, x-y+z, -x-y+z, then +y).
  std::vector<cv::Point3d> BoundingBox() const;
};

// One test image with its ground truth.
struct QueryFrame {
  std::string name;   // frame stem
  std::string image;  // RGB image file
  cv::Matx33d intrinsics = cv::Matx33d::eye();
  cv::Matx44d cam_from_object = cv::Matx44d::eye();  // ground truth
};

// Which test frames are evaluated.
enum class FramePreset {
  kPaper,  // the reference: file names sorted as strings, every 10th
  kFull,   // every frame, in numeric order of the stems
};
// "paper" / "full"; Error for another name (key "preset").
FramePreset FramePresetFromName(const std::string& name);
const char* FramePresetName(FramePreset preset);

// Paths of one object in a OnePose-LowTexture root.
struct OnePoseLayout {
  std::string root;    // holds lowtexture_test_data/ and sfm_output/
  std::string object;  // "<id>-<name>-<category>"

  std::string ObjectDir() const;
  // "<name>-<sequence>" folder: 1 = reference (mapping), 2 = test.
  std::string SequenceDir(int sequence) const;
  std::string PointsFile() const;  // anno_3d_average.npz
  std::string BoxFile() const;     // box3d_corners.txt
};

// Object folders of ROOT/lowtexture_test_data, sorted by name (the reference
// takes the unsorted directory listing). Error when the folder is missing.
std::vector<std::string> ListOnePoseObjects(const std::string& root);
// The layout of a folder ".../lowtexture_test_data/<object>".
OnePoseLayout OnePoseLayoutOfObjectFolder(const std::string& folder);
// "<name>-<sequence>" from "<id>-<name>-<category>" (the reference's
// object.split('-')[1]); Error when the name has no '-'.
std::string OnePoseSequenceName(const std::string& object, int sequence);

// The reference set of one object: every anno_loftr/*.json of sequence 1 (in
// numeric order of the stems), its keypoints2d[assign_matrix[0]] with
// keypoints3d[assign_matrix[1]] of the npz, the view's image, intrinsics and
// (when present) pose. Error for a missing npz or JSON, indices out of range,
// singular intrinsics, a non-rigid pose, or no keypoint at all.
ReferenceSet ReadOnePoseReference(const OnePoseLayout& layout);
// The test frames of sequence 2 chosen by `preset`, with intrinsics and poses.
std::vector<QueryFrame> ReadOnePoseTestFrames(const OnePoseLayout& layout, FramePreset preset);
// The image file names (e.g. "10.png") of `files` chosen by `preset`:
// paper = sorted as strings, every 10th from the first; full = all, in
// numeric order of the stems.
std::vector<std::string> SelectFrameFiles(std::vector<std::string> files, FramePreset preset);

// Single files. A text matrix as np.loadtxt reads it (whitespace-separated,
// '#' comments); Error naming the file for the wrong shape or a bad number.
std::vector<std::vector<double>> ReadTextMatrix(const std::string& path, int rows, int cols);
// 3x3 intrinsics; Error when singular or not [[fx,0,cx],[0,fy,cy],[0,0,1]]-like.
cv::Matx33d ReadIntrinsics(const std::string& path);
// 4x4 object-to-camera pose; Error when not a rigid transform.
cv::Matx44d ReadPose(const std::string& path);
// 8x3 box corners.
std::vector<cv::Point3d> ReadBoxCorners(const std::string& path);

// Checks (throw Error naming `file`): K with fx, fy > 0, finite, last row
// (0, 0, 1); a pose with an orthonormal rotation (det +1) and last row (0, 0, 0, 1).
void CheckIntrinsics(const cv::Matx33d& intrinsics, const std::string& file);
void CheckRigid(const cv::Matx44d& pose, const std::string& file);

}  // namespace corrlens::pose
