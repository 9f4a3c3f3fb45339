// Training pairs for finetuning (PROTOCOLS.md section 3, the reference's
// ObjaverseCorrDataset + AugmentedDataset): meshes rendered from the
// reference's 42 object poses (512x512, fx = fy = 560; objects normalised by
// core/render), two views of one object at most 120 degrees apart, 3000
// foreground pixels per view back-projected with the (millimetre) depth to
// object coordinates, then the augmentations.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/finetune/augment.h"
#include "core/render/camera.h"
#include "core/render/mesh.h"
#include "core/render/renderer.h"

namespace corrlens::finetune {

// Mesh files named by a folder (recursively, by extension) or a list file
// (one path per line, relative to the list's folder; '#' starts a comment).
// Throws corrlens::Error when the path is missing or names no mesh file.
std::vector<std::string> ExpandMeshes(const std::string& dir_or_list);

// The reference's 42 object-to-camera poses (resources/data/3dcorrenhance).
std::vector<render::Pose> ReferencePoses();
// Where obj_poses.npy is looked up: $CORRLENS_DATA_DIR/3dcorrenhance, the
// source tree's resources, /usr/share/corrlens/data/3dcorrenhance.
std::string ReferencePosesPath();

struct TrainingDataOptions {
  int image_size = 512;        // square renders; intrinsics scale with it (fx = 560 at 512)
  int points = 3000;           // foreground pixels per view
  double max_angle_deg = 120;  // largest rotation between the two views
  AugmentOptions augment;
  bool Check() const;
};

// One training example (batch 1): tensors on the CPU.
struct TrainingPair {
  std::string mesh;
  int view1 = 0, view2 = 0;
  at::Tensor rgb1, rgb2;              // [1, 3, H, W] float RGB in [0, 1]
  at::Tensor points2d_1, points2d_2;  // [1, N, 2] x, y
  at::Tensor points3d_1, points3d_2;  // [1, N, 3] object coordinates
};

class TrainingData {
 public:
  // Loads every mesh; a mesh that cannot be read is skipped and reported
  // through `warn`; throws corrlens::Error when none is left. Needs a display
  // (render::RenderingAvailable).
  TrainingData(const std::vector<std::string>& meshes, const TrainingDataOptions& options,
               const std::function<void(const std::string&)>& warn);
  ~TrainingData();
  // The pair of training step `step` of a run with `seed` (deterministic:
  // resuming at any step draws the same pairs).
  TrainingPair Sample(uint64_t seed, int64_t step);
  size_t MeshCount() const { return meshes_.size(); }
  const std::vector<std::string>& MeshNames() const { return names_; }

 private:
  ViewSample View(int pose, std::mt19937_64& rng);
  TrainingDataOptions options_;
  std::vector<render::Mesh> meshes_;
  std::vector<std::string> names_;
  std::vector<render::Pose> poses_;
  std::unique_ptr<render::Renderer> renderer_;
  int current_mesh_ = -1;
};

}  // namespace corrlens::finetune
