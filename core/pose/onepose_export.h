// Exports a mesh as one object of a OnePose-LowTexture-layout dataset
// (DATASETS.md section 3), so the pose benchmark runs on known truth:
//
//   ROOT/lowtexture_test_data/<id>-<name>-<category>/
//     box3d_corners.txt                 8x3, object frame, metres
//     corrlens_export.json              mesh, scale, seed (written last)
//     <name>-1/ color/<i>.png intrin_ba/<i>.txt poses_ba/<i>.txt
//               reproj_box/<i>.txt anno_loftr/<i>.json intrinsics.txt
//     <name>-2/ the same without anno_loftr
//   ROOT/sfm_output/outputs_softmax_loftr_loftr/<id>-<name>-<category>/anno/
//     anno_3d_average.npz               keypoints3d (M,3) float64, metres,
//                                       descriptors3d (3,M) mean RGB in [0,1],
//                                       scores3d (M,1) ones
//
// The object frame is the mesh's bounding-box centre and axes, scaled so the
// box diagonal is `object_diagonal` metres. 2D-3D annotations come from the
// rendered depth: visible surface pixels on a grid are back-projected, and a
// 3D point seen again in a later annotated view is reused (its exact
// projection becomes that view's keypoint), so keypoints2d[assign[0]] is the
// projection of keypoints3d[assign[1]] up to float rounding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/progress.h"

namespace corrlens::pose {

// Options of ExportOnePoseObject.
struct OnePoseExportOptions {
  std::string mesh_path;  // any Assimp format
  std::string root;       // dataset root; created when missing
  std::string name;       // object name without '-' (default: mesh file stem, sanitised)
  std::string id;         // 4-digit object id (default: reuse this name's id, else next free from 0900)
  std::string category = "others";
  int image_size = 512;          // square renders, as the dataset's crops
  double focal = 0.0;            // pixels; 0 = 560 * image_size / 512
  int reference_views = 60;      // frames of <name>-1
  int test_views = 60;           // frames of <name>-2
  int annotation_stride = 5;     // anno_loftr for every n-th reference frame (OnePose++ down_ratio)
  int keypoint_step = 8;         // grid spacing of new 2D keypoints, pixels
  double object_diagonal = 0.2;  // bounding-box diagonal in metres
  uint64_t seed = 0;             // camera jitter of both sequences
  bool force = false;            // replace an earlier export of this object (other files are kept)

  bool Check() const;
};

// What ExportOnePoseObject wrote.
struct OnePoseExportResult {
  std::string object;      // folder name, e.g. "0900-spider-others"
  std::string object_dir;  // ROOT/lowtexture_test_data/<object>
  std::string npz_path;    // anno_3d_average.npz
  int reference_frames = 0;
  int test_frames = 0;
  int annotated_frames = 0;           // anno_loftr JSON files
  size_t points3d = 0;                // rows of keypoints3d
  size_t correspondences = 0;         // sum of num_matches
  double metres_per_unit = 0.0;       // mesh source units -> metres
  std::array<double, 3> extent{};     // box side lengths in metres
  std::vector<std::string> warnings;  // from the mesh loader
  double seconds = 0.0;
};

// Renders both sequences and writes the object. Throws corrlens::Error (bad
// options, unreadable mesh, no display, an earlier export without force,
// write failures) or Cancelled. Needs an X display (or Xvfb).
OnePoseExportResult ExportOnePoseObject(const OnePoseExportOptions& options, Progress& progress,
                                        const CancelToken& cancel);

// "<stem>" of `mesh_path` reduced to lower-case letters and digits ("mesh"
// when nothing is left): a valid OnePose object name.
std::string OnePoseNameFromMesh(const std::string& mesh_path);

}  // namespace corrlens::pose
