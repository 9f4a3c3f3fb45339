// An orbit view of a pose scene rendered with VTK offscreen into an image:
// 3D points with colours, the object's box and cameras as line frustums
// (the Pose workspace's 3D view). Needs a display or Xvfb like Renderer.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <memory>
#include <vector>

#include "core/render/camera.h"

namespace corrlens::render {

// One camera drawn as a pyramid of lines from its centre.
struct SceneCamera {
  Pose cam_from_object = Pose::eye();
  cv::Vec3b rgb{200, 200, 200};
  bool emphasised = false;  // thicker lines
};

// What the view shows; object frame, metres.
struct SceneContent {
  std::vector<cv::Point3d> points;
  std::vector<cv::Vec3b> colors;  // per point (empty: light grey)
  std::vector<cv::Point3d> box;   // 8 corners in the OnePose order (empty: none)
  std::vector<SceneCamera> cameras;
};

// The orbit: looking at the origin from yaw/pitch (degrees), object +y up,
// at 2.5 scene radii; zoom scales the focal length.
struct SceneOrbit {
  double yaw = 35.0;
  double pitch = 25.0;
  double zoom = 1.0;
};

class SceneView {
 public:
  virtual ~SceneView() = default;
  // Throws corrlens::Error when no display / OpenGL context is available.
  static std::unique_ptr<SceneView> Create(cv::Size size);

  // Replaces what is shown.
  virtual void SetContent(const SceneContent& content) = 0;
  // CV_8UC3 RGB image of the current content; resizes when `size` changed.
  virtual cv::Mat Render(const SceneOrbit& orbit, cv::Size size) = 0;
};

}  // namespace corrlens::render
