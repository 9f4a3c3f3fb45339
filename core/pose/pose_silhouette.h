// Mesh silhouettes at a pose: for reference sets exported from a mesh
// (core/pose/onepose_export.h), the object's outline at an estimated or true
// pose, drawn by the Pose workspace. The mask is rendered with core/render
// (VTK, so a display or Xvfb is needed) and its contours traced with OpenCV.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/render/mesh.h"

namespace corrlens::pose {

// The mesh behind an exported object and the size it was exported at.
struct SilhouetteSource {
  std::string mesh_path;         // any Assimp format
  double object_diagonal = 0.2;  // bounding-box diagonal in metres

  bool Check() const { return !mesh_path.empty() && object_diagonal > 0.0; }
};

// The source recorded in `object_dir`/corrlens_export.json; nullopt when the
// folder has no such marker (a real OnePose object). Throws Error naming the
// marker when it is unreadable or lacks "mesh" / "object_diagonal_m".
std::optional<SilhouetteSource> ReadSilhouetteSource(const std::string& object_dir);

// Loads `path` (render::LoadMesh) and scales it so its bounding-box diagonal is
// `diagonal` metres: the exporter's object frame. Returns metres per source
// unit in *metres_per_unit when given. Throws Error naming the file.
render::Mesh LoadMeshInMetres(const std::string& path, double diagonal, double* metres_per_unit = nullptr);

using Contours = std::vector<std::vector<cv::Point>>;

// Outer and hole boundaries of a CV_8UC1 mask (non-zero = object).
Contours MaskContours(const cv::Mat& mask);

// Renders the silhouette of one mesh at any pose and camera.
// Thread-safe: renders are serialised across all instances, each with its
// own short-lived GL context, so jobs on any thread may call it.
class SilhouetteRenderer {
 public:
  virtual ~SilhouetteRenderer() = default;
  // Loads the mesh. Throws Error (unreadable mesh, bad source).
  static std::unique_ptr<SilhouetteRenderer> Create(const SilhouetteSource& source);

  // CV_8UC1 mask (255 = object) of `size` for the pinhole camera `k` (skew
  // ignored) and `cam_from_object` (metres). Throws Error (no display, bad K).
  virtual cv::Mat Mask(const cv::Matx33d& k, cv::Size size, const cv::Matx44d& cam_from_object) = 0;
  Contours Silhouette(const cv::Matx33d& k, cv::Size size, const cv::Matx44d& cam_from_object) {
    return MaskContours(Mask(k, size, cam_from_object));
  }
};

}  // namespace corrlens::pose
