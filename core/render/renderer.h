// Offscreen rendering of normalised meshes with VTK: RGB (object lit, on
// black), metric depth (z along the optical axis) and mask, for a pinhole
// camera given by its intrinsics and an object pose (OpenCV convention).
//
// Debian's VTK draws through X11/GLX, so a display is required (a real one or
// Xvfb: `xvfb-run -a corrlens-cli render ...`). Renderer::Create checks this
// first and throws a one-line corrlens::Error instead of letting VTK abort.
#pragma once

#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>

#include "core/render/camera.h"
#include "core/render/mesh.h"

namespace corrlens::render {

// Options of a Renderer.
struct RenderOptions {
  Intrinsics intrinsics;    // image size and pinhole parameters
  double ambient = 0.25;    // material ambient coefficient
  double diffuse = 0.8;     // material diffuse coefficient
  double specular = 0.05;   // material specular coefficient
  double headlight = 0.7;   // intensity of the light at the camera
  double key_light = 0.45;  // intensity of a light from the upper left
  bool lighting = true;     // false: flat colours (texture / vertex / material)

  bool Check() const;
};

// One rendered view. All images have the intrinsics' size.
struct RenderedView {
  cv::Mat rgb;                    // CV_8UC3, RGB order, background black
  cv::Mat depth;                  // CV_32FC1, metres along the optical axis, 0 = background
  cv::Mat mask;                   // CV_8UC1, 255 = object, 0 = background
  Pose obj_to_cam = Pose::eye();  // pose the view was rendered with
};

// True when this machine can render offscreen; otherwise *reason (if given)
// holds a one-line explanation (e.g. "DISPLAY is not set").
bool RenderingAvailable(std::string* reason = nullptr);

// Renders one mesh from many poses; keeps the GL context between calls.
// Thread-compatible: use an instance from one thread at a time.
class Renderer {
 public:
  virtual ~Renderer() = default;
  // Throws corrlens::Error when the options are invalid or no display /
  // OpenGL context is available.
  static std::unique_ptr<Renderer> Create(const RenderOptions& options);

  // Uploads `mesh` (replacing the previous one). The mesh is copied.
  virtual void SetMesh(const Mesh& mesh) = 0;
  // Renders the current mesh with `obj_to_cam`. Throws when no mesh is set or
  // VTK reports an error.
  virtual RenderedView Render(const Pose& obj_to_cam) = 0;
  virtual const RenderOptions& Options() const = 0;
};

}  // namespace corrlens::render
