#include "core/render/scene_view.h"

#include <X11/Xlib.h>
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "core/render/renderer.h"
#include "core/util/error.h"

namespace corrlens::render {
namespace {

constexpr int kBoxEdges[12][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 5}, {5, 6},
                                  {6, 7}, {7, 4}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};

// Line segments with one colour per segment.
struct Lines {
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> cells;
  vtkNew<vtkUnsignedCharArray> colors;
  Lines() { colors->SetNumberOfComponents(3); }
  void Add(const cv::Vec3d& a, const cv::Vec3d& b, const cv::Vec3b& rgb) {
    const vtkIdType ids[2] = {points->InsertNextPoint(a.val), points->InsertNextPoint(b.val)};
    cells->InsertNextCell(2, ids);
    colors->InsertNextTypedTuple(rgb.val);
  }
  vtkSmartPointer<vtkActor> Actor(float width) {
    vtkNew<vtkPolyData> poly;
    poly->SetPoints(points);
    poly->SetLines(cells);
    poly->GetCellData()->SetScalars(colors);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(poly);
    mapper->SetColorModeToDirectScalars();
    mapper->SetScalarModeToUseCellData();
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetLineWidth(width);
    actor->GetProperty()->SetLighting(false);
    return actor;
  }
};

cv::Vec3d Centre(const Pose& pose) {
  const cv::Matx33d r = pose.get_minor<3, 3>(0, 0);
  return -(r.t() * cv::Vec3d(pose(0, 3), pose(1, 3), pose(2, 3)));
}

// XOpenDisplay, retried as in renderer.cpp (Xvfb may drop a connection that
// arrives right after another client left); VTK aborts when its own fails.
Display* OpenDisplay() {
  for (int attempt = 0; attempt < 6; ++attempt) {
    if (Display* display = XOpenDisplay(nullptr)) return display;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
  }
  return nullptr;
}

class VtkSceneView final : public SceneView {
 public:
  VtkSceneView(cv::Size size, Display* display) : display_(display) {
    window_->SetDisplayId(display_);
    window_->SetOffScreenRendering(1);
    window_->SetMultiSamples(0);  // exact colours, as the Renderer
    window_->SetAlphaBitPlanes(0);
    window_->SetSize(size.width, size.height);
    renderer_->SetBackground(30 / 255.0, 30 / 255.0, 34 / 255.0);
    window_->AddRenderer(renderer_);
    size_ = size;
  }
  ~VtkSceneView() override {
    window_->Finalize();
    window_ = nullptr;
    renderer_ = nullptr;
    if (display_ != nullptr) XCloseDisplay(display_);
  }

  void SetContent(const SceneContent& content) override;
  cv::Mat Render(const SceneOrbit& orbit, cv::Size size) override;

 private:
  Display* display_ = nullptr;  // owned
  vtkSmartPointer<vtkRenderWindow> window_ = vtkSmartPointer<vtkRenderWindow>::New();
  vtkSmartPointer<vtkRenderer> renderer_ = vtkSmartPointer<vtkRenderer>::New();
  cv::Size size_;
  double extent_ = 0.2;
};

void VtkSceneView::SetContent(const SceneContent& content) {
  renderer_->RemoveAllViewProps();
  double object = 1e-3;
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> verts;
  vtkNew<vtkUnsignedCharArray> colors;
  colors->SetNumberOfComponents(3);
  for (size_t i = 0; i < content.points.size(); ++i) {
    const cv::Point3d& p = content.points[i];
    const vtkIdType id = points->InsertNextPoint(p.x, p.y, p.z);
    verts->InsertNextCell(1, &id);
    const cv::Vec3b rgb = i < content.colors.size() ? content.colors[i] : cv::Vec3b(200, 200, 200);
    colors->InsertNextTypedTuple(rgb.val);
    object = std::max(object, cv::norm(p));
  }
  if (!content.points.empty()) {
    vtkNew<vtkPolyData> poly;
    poly->SetPoints(points);
    poly->SetVerts(verts);
    poly->GetPointData()->SetScalars(colors);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(poly);
    mapper->SetColorModeToDirectScalars();
    vtkNew<vtkActor> actor;
    actor->SetMapper(mapper);
    actor->GetProperty()->SetPointSize(2.0f);
    actor->GetProperty()->SetLighting(false);
    renderer_->AddActor(actor);
  }
  for (const cv::Point3d& p : content.box) object = std::max(object, cv::norm(p));
  Lines thin, thick;
  if (content.box.size() == 8) {
    for (const auto& e : kBoxEdges) thin.Add(content.box[e[0]], content.box[e[1]], {160, 160, 160});
  }
  extent_ = object;
  const double size = 0.4 * object;
  for (const SceneCamera& camera : content.cameras) {
    const Pose& pose = camera.cam_from_object;
    const cv::Vec3d c = Centre(pose);
    const double d = cv::norm(c);
    if (d < 100.0 * object + 10.0) extent_ = std::max(extent_, d);
    const cv::Vec3d x(pose(0, 0), pose(0, 1), pose(0, 2)), y(pose(1, 0), pose(1, 1), pose(1, 2)),
        z(pose(2, 0), pose(2, 1), pose(2, 2));
    const cv::Vec3d corners[4] = {c + size * (z - 0.5 * x - 0.5 * y), c + size * (z + 0.5 * x - 0.5 * y),
                                  c + size * (z + 0.5 * x + 0.5 * y), c + size * (z - 0.5 * x + 0.5 * y)};
    Lines& lines = camera.emphasised ? thick : thin;
    for (int i = 0; i < 4; ++i) {
      lines.Add(c, corners[i], camera.rgb);
      lines.Add(corners[i], corners[(i + 1) % 4], camera.rgb);
    }
  }
  renderer_->AddActor(thin.Actor(1.0f));
  renderer_->AddActor(thick.Actor(2.5f));
}

cv::Mat VtkSceneView::Render(const SceneOrbit& orbit, cv::Size size) {
  if (size.width <= 0 || size.height <= 0 || size.width > 16384 || size.height > 16384)
    throw Error("invalid 3D view size", {}, "1..16384 pixels per side");
  if (size != size_) {
    window_->SetSize(size.width, size.height);
    size_ = size;
  }
  const double yaw = orbit.yaw * M_PI / 180.0, pitch = std::clamp(orbit.pitch, -89.0, 89.0) * M_PI / 180.0;
  const double distance = 2.5 * extent_;
  vtkCamera* camera = renderer_->GetActiveCamera();
  camera->SetFocalPoint(0.0, 0.0, 0.0);
  camera->SetPosition(distance * std::sin(yaw) * std::cos(pitch), distance * std::sin(pitch),
                      distance * std::cos(yaw) * std::cos(pitch));
  camera->SetViewUp(-std::sin(yaw) * std::sin(pitch), std::cos(pitch), -std::cos(yaw) * std::sin(pitch));
  const double f = 1.2 * std::min(size.width, size.height) * std::max(orbit.zoom, 1e-3) * distance / (2.0 * extent_);
  camera->SetViewAngle(2.0 * std::atan(size.height / (2.0 * f)) * 180.0 / M_PI);
  camera->SetClippingRange(distance * 1e-3, distance + 4.0 * extent_);
  window_->Render();
  vtkNew<vtkUnsignedCharArray> pixels;
  window_->GetPixelData(0, 0, size.width - 1, size.height - 1, /*front=*/0, pixels, /*right=*/0);
  if (pixels->GetNumberOfValues() != vtkIdType(size.width) * size.height * 3)
    throw Error("VTK returned an image of the wrong size", {}, "the render window could not be resized");
  cv::Mat rgb(size, CV_8UC3);
  const size_t row_bytes = size_t(size.width) * 3;
  for (int r = 0; r < size.height; ++r)  // OpenGL rows start at the bottom
    std::memcpy(rgb.ptr<uint8_t>(r), pixels->GetPointer(0) + size_t(size.height - 1 - r) * row_bytes, row_bytes);
  return rgb;
}

}  // namespace

std::unique_ptr<SceneView> SceneView::Create(cv::Size size) {
  std::string reason;
  if (!RenderingAvailable(&reason)) throw Error("cannot render the 3D view: " + reason);
  if (size.width <= 0 || size.height <= 0) throw Error("invalid 3D view size", {}, "1..16384 pixels per side");
  Display* display = OpenDisplay();
  if (display == nullptr) throw Error("cannot render the 3D view: cannot open the X display");
  return std::make_unique<VtkSceneView>(size, display);
}

}  // namespace corrlens::render
