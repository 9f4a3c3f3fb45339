#include "core/render/renderer.h"

#include <X11/Xlib.h>
#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkLight.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkTexture.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/util/error.h"

namespace corrlens::render {
namespace {

vtkSmartPointer<vtkPolyData> ToPolyData(const MeshPart& part) {
  const vtkIdType n = static_cast<vtkIdType>(part.VertexCount());
  vtkNew<vtkFloatArray> coords;
  coords->SetNumberOfComponents(3);
  coords->SetNumberOfTuples(n);
  std::copy(part.positions.begin(), part.positions.end(), coords->GetPointer(0));
  vtkNew<vtkPoints> points;
  points->SetData(coords);

  vtkNew<vtkIdTypeArray> offsets, connectivity;
  const vtkIdType triangles = static_cast<vtkIdType>(part.TriangleCount());
  offsets->SetNumberOfValues(triangles + 1);
  for (vtkIdType t = 0; t <= triangles; ++t) offsets->SetValue(t, 3 * t);
  connectivity->SetNumberOfValues(3 * triangles);
  for (vtkIdType i = 0; i < 3 * triangles; ++i) connectivity->SetValue(i, part.indices[size_t(i)]);
  vtkNew<vtkCellArray> cells;
  cells->SetData(offsets, connectivity);

  auto poly = vtkSmartPointer<vtkPolyData>::New();
  poly->SetPoints(points);
  poly->SetPolys(cells);
  if (!part.normals.empty()) {
    vtkNew<vtkFloatArray> normals;
    normals->SetNumberOfComponents(3);
    normals->SetNumberOfTuples(n);
    std::copy(part.normals.begin(), part.normals.end(), normals->GetPointer(0));
    poly->GetPointData()->SetNormals(normals);
  }
  if (!part.uvs.empty() && !part.texture.empty()) {
    vtkNew<vtkFloatArray> uvs;
    uvs->SetNumberOfComponents(2);
    uvs->SetNumberOfTuples(n);
    std::copy(part.uvs.begin(), part.uvs.end(), uvs->GetPointer(0));
    poly->GetPointData()->SetTCoords(uvs);
  }
  if (!part.colors.empty()) {
    vtkNew<vtkUnsignedCharArray> colors;
    colors->SetNumberOfComponents(3);
    colors->SetNumberOfTuples(n);
    std::copy(part.colors.begin(), part.colors.end(), colors->GetPointer(0));
    poly->GetPointData()->SetScalars(colors);
  }
  return poly;
}

// RGB texture image; VTK's image row 0 is the bottom row, matching Assimp's
// bottom-left UV origin.
vtkSmartPointer<vtkTexture> ToTexture(const cv::Mat& rgb) {
  vtkNew<vtkImageData> image;
  image->SetDimensions(rgb.cols, rgb.rows, 1);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* out = static_cast<uint8_t*>(image->GetScalarPointer());
  const size_t row_bytes = size_t(rgb.cols) * 3;
  for (int r = 0; r < rgb.rows; ++r) {
    std::memcpy(out + size_t(rgb.rows - 1 - r) * row_bytes, rgb.ptr<uint8_t>(r), row_bytes);
  }
  auto texture = vtkSmartPointer<vtkTexture>::New();
  texture->SetInputData(image);
  texture->InterpolateOn();
  texture->RepeatOn();
  texture->MipmapOn();
  return texture;
}

vtkSmartPointer<vtkMatrix4x4> ToVtk(const Pose& pose) {
  auto m = vtkSmartPointer<vtkMatrix4x4>::New();
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) m->SetElement(r, c, pose(r, c));
  }
  return m;
}

// Collects VTK error messages raised on an object during one call.
struct ErrorSink {
  std::string message;
  static void OnError(vtkObject*, unsigned long, void* self, void* data) {
    auto* sink = static_cast<ErrorSink*>(self);
    if (sink->message.empty() && data != nullptr) sink->message = static_cast<const char*>(data);
  }
};

// XOpenDisplay, retried: Xvfb occasionally drops a connection that arrives
// right after another client left.
Display* OpenDisplay() {
  for (int attempt = 0; attempt < 6; ++attempt) {
    if (Display* display = XOpenDisplay(nullptr)) return display;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
  }
  return nullptr;
}

// Checks that VTK can open a window here. For X11 windows the connection is
// opened now and returned in *display (the caller closes it); VTK would
// abort() the process when its own XOpenDisplay failed.
bool ProbeDisplay(std::string* reason, Display** display) {
  auto fail = [reason](const std::string& why) {
    if (reason != nullptr) *reason = why;
    return false;
  };
  *display = nullptr;
  vtkNew<vtkRenderWindow> probe;  // the factory's class; no connection is made yet
  const std::string kind = probe->GetClassName();
  if (kind == "vtkRenderWindow") return fail("VTK was built without an OpenGL render window");
  if (kind != "vtkXOpenGLRenderWindow") return true;  // EGL / OSMesa: no display needed
  const char* name = std::getenv("DISPLAY");
  if (name == nullptr || *name == '\0') {
    return fail("no display: DISPLAY is not set (run under xvfb-run -a, or set DISPLAY)");
  }
  Display* connection = OpenDisplay();
  if (connection == nullptr) return fail(std::string("cannot open X display '") + name + "' (is Xvfb running?)");
  int opcode = 0, event = 0, error = 0;
  if (!XQueryExtension(connection, "GLX", &opcode, &event, &error)) {
    XCloseDisplay(connection);
    return fail(std::string("X display '") + name + "' has no GLX extension (no OpenGL)");
  }
  *display = connection;
  return true;
}

class VtkRenderer final : public Renderer {
 public:
  // `display` (may be null) becomes the window's X connection; owned here.
  VtkRenderer(const RenderOptions& options, Display* display) : options_(options), display_(display) { Setup(); }
  ~VtkRenderer() override {
    window_->Finalize();
    window_ = nullptr;
    renderer_ = nullptr;
    if (display_ != nullptr) XCloseDisplay(display_);
  }

  const RenderOptions& Options() const override { return options_; }

  void SetMesh(const Mesh& mesh) override {
    renderer_->RemoveAllViewProps();
    actors_.clear();
    for (const MeshPart& part : mesh.parts) AddPart(part);
    radius_ = mesh.radius;
  }

  RenderedView Render(const Pose& obj_to_cam) override;

 private:
  void Setup();
  void AddPart(const MeshPart& part);
  void SetupCamera(const Pose& obj_to_cam);
  RenderedView ReadBack(const Pose& obj_to_cam);

  RenderOptions options_;
  Display* display_ = nullptr;
  vtkSmartPointer<vtkRenderWindow> window_;
  vtkSmartPointer<vtkRenderer> renderer_;
  vtkSmartPointer<vtkCamera> camera_;
  vtkSmartPointer<vtkCallbackCommand> error_callback_;
  std::vector<vtkSmartPointer<vtkActor>> actors_;
  ErrorSink errors_;
  double radius_ = 0.0;
};

void VtkRenderer::Setup() {
  const Intrinsics& k = options_.intrinsics;
  window_ = vtkSmartPointer<vtkRenderWindow>::New();
  if (display_ != nullptr) window_->SetDisplayId(display_);
  window_->SetOffScreenRendering(1);
  window_->SetMultiSamples(0);  // RGB, depth and mask agree pixel for pixel
  window_->SetAlphaBitPlanes(0);
  window_->SetSize(k.width, k.height);
  error_callback_ = vtkSmartPointer<vtkCallbackCommand>::New();
  error_callback_->SetCallback(&ErrorSink::OnError);
  error_callback_->SetClientData(&errors_);
  window_->AddObserver(vtkCommand::ErrorEvent, error_callback_);
  renderer_ = vtkSmartPointer<vtkRenderer>::New();
  renderer_->SetBackground(0.0, 0.0, 0.0);
  renderer_->AddObserver(vtkCommand::ErrorEvent, error_callback_);
  window_->AddRenderer(renderer_);
  camera_ = vtkSmartPointer<vtkCamera>::New();
  renderer_->SetActiveCamera(camera_);
  renderer_->AutomaticLightCreationOff();
  vtkNew<vtkLight> head;
  head->SetLightTypeToHeadlight();
  head->SetIntensity(options_.headlight);
  renderer_->AddLight(head);
  vtkNew<vtkLight> key;  // camera frame: x right, y up, looking down -z
  key->SetLightTypeToCameraLight();
  key->SetPosition(-1.0, 1.0, 1.0);
  key->SetFocalPoint(0.0, 0.0, 0.0);
  key->SetIntensity(options_.key_light);
  renderer_->AddLight(key);
  renderer_->SetTwoSidedLighting(true);
}

void VtkRenderer::AddPart(const MeshPart& part) {
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputData(ToPolyData(part));
  if (!part.colors.empty()) {
    mapper->ScalarVisibilityOn();
    mapper->SetColorModeToDirectScalars();
    mapper->SetScalarModeToUsePointData();
  } else {
    mapper->ScalarVisibilityOff();
  }
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  if (!part.texture.empty() && !part.uvs.empty()) actor->SetTexture(ToTexture(part.texture));
  vtkProperty* property = actor->GetProperty();
  property->SetColor(part.base_color[0], part.base_color[1], part.base_color[2]);
  property->SetLighting(options_.lighting);
  property->SetAmbient(options_.ambient);
  property->SetDiffuse(options_.diffuse);
  property->SetSpecular(options_.specular);
  property->SetSpecularPower(20.0);
  property->BackfaceCullingOff();
  renderer_->AddActor(actor);
  actors_.push_back(actor);
}

// VTK camera = OpenCV camera at the origin: looks along +z with image "up"
// = -y. The vertical view angle gives fy, an explicit aspect gives fx and the
// window centre the principal point (pixel centres at integer coordinates,
// so the image edges lie at -0.5 and W - 0.5).
void VtkRenderer::SetupCamera(const Pose& obj_to_cam) {
  const Intrinsics& k = options_.intrinsics;
  camera_->SetPosition(0.0, 0.0, 0.0);
  camera_->SetFocalPoint(0.0, 0.0, 1.0);
  camera_->SetViewUp(0.0, -1.0, 0.0);
  camera_->SetViewAngle(2.0 * std::atan(k.height / (2.0 * k.fy)) * 180.0 / M_PI);
  camera_->SetUseExplicitAspectRatio(true);
  camera_->SetExplicitAspectRatio((double(k.width) / k.height) * (k.fy / k.fx));
  camera_->SetWindowCenter((k.width - 2.0 * k.cx - 1.0) / k.width, (2.0 * k.cy + 1.0 - k.height) / k.height);
  // Clipping range tight around the bounding sphere keeps depth precise.
  const double centre_z = obj_to_cam(2, 3);
  const double pad = std::max(radius_ * 0.02, 1e-4);
  double near_z = centre_z - radius_ - pad, far_z = centre_z + radius_ + pad;
  near_z = std::max(near_z, std::max(far_z * 1e-4, 1e-4));
  if (far_z <= near_z) far_z = near_z * 2.0;
  camera_->SetClippingRange(near_z, far_z);
}

RenderedView VtkRenderer::Render(const Pose& obj_to_cam) {
  if (actors_.empty()) throw Error("no mesh to render", {}, "call SetMesh first");
  const vtkSmartPointer<vtkMatrix4x4> matrix = ToVtk(obj_to_cam);
  for (const auto& actor : actors_) actor->SetUserMatrix(matrix);
  SetupCamera(obj_to_cam);
  errors_.message.clear();
  window_->Render();
  if (!errors_.message.empty()) {
    std::string line = errors_.message;
    std::replace(line.begin(), line.end(), '\n', ' ');
    throw Error("VTK rendering failed: " + line, {}, "no usable OpenGL context (check the display)");
  }
  return ReadBack(obj_to_cam);
}

RenderedView VtkRenderer::ReadBack(const Pose& obj_to_cam) {
  const int w = options_.intrinsics.width, h = options_.intrinsics.height;
  vtkNew<vtkUnsignedCharArray> pixels;
  vtkNew<vtkFloatArray> zbuffer;
  window_->GetPixelData(0, 0, w - 1, h - 1, /*front=*/0, pixels, /*right=*/0);
  window_->GetZbufferData(0, 0, w - 1, h - 1, zbuffer);
  if (pixels->GetNumberOfValues() != vtkIdType(w) * h * 3 || zbuffer->GetNumberOfValues() != vtkIdType(w) * h) {
    throw Error("VTK returned an image of the wrong size", {}, "the render window could not be resized");
  }
  double range[2];
  camera_->GetClippingRange(range);
  const double n = range[0], f = range[1];
  RenderedView view;
  view.obj_to_cam = obj_to_cam;
  view.rgb = cv::Mat::zeros(h, w, CV_8UC3);
  view.depth = cv::Mat::zeros(h, w, CV_32FC1);
  view.mask = cv::Mat::zeros(h, w, CV_8UC1);
  const uint8_t* rgb = pixels->GetPointer(0);
  const float* z = zbuffer->GetPointer(0);
  for (int row = 0; row < h; ++row) {
    const size_t src = size_t(h - 1 - row) * w;  // OpenGL rows start at the bottom
    auto* out_rgb = view.rgb.ptr<uint8_t>(row);
    auto* out_depth = view.depth.ptr<float>(row);
    auto* out_mask = view.mask.ptr<uint8_t>(row);
    for (int col = 0; col < w; ++col) {
      const double d = z[src + col];
      if (!(d < 1.0)) continue;
      const double ndc = 2.0 * d - 1.0;
      out_depth[col] = static_cast<float>(2.0 * n * f / ((f + n) - ndc * (f - n)));
      out_mask[col] = 255;
      std::memcpy(out_rgb + 3 * col, rgb + 3 * (src + col), 3);
    }
  }
  return view;
}

}  // namespace

bool RenderOptions::Check() const {
  auto unit = [](double v) { return v >= 0.0 && v <= 10.0 && std::isfinite(v); };
  return intrinsics.Check() && unit(ambient) && unit(diffuse) && unit(specular) && unit(headlight) && unit(key_light);
}

bool RenderingAvailable(std::string* reason) {
  Display* display = nullptr;
  const bool ok = ProbeDisplay(reason, &display);
  if (display != nullptr) XCloseDisplay(display);
  return ok;
}

std::unique_ptr<Renderer> Renderer::Create(const RenderOptions& options) {
  if (!options.Check()) {
    throw Error("invalid render options", {}, "image size 1..16384 px, positive focal lengths");
  }
  std::string reason;
  Display* display = nullptr;
  if (!ProbeDisplay(&reason, &display)) throw Error("cannot render: " + reason);
  return std::make_unique<VtkRenderer>(options, display);
}

}  // namespace corrlens::render
