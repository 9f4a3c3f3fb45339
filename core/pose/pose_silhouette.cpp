#include "core/pose/pose_silhouette.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <mutex>

#include "core/render/renderer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace corrlens::pose {
namespace {

constexpr const char* kMarker = "corrlens_export.json";
constexpr uint64_t kMaxMarkerBytes = 1 << 20;

// One render at a time in the whole process: VTK's X11 windows and their GL
// contexts are not shared between threads.
std::mutex& RenderMutex() {
  static std::mutex mutex;
  return mutex;
}

class VtkSilhouetteRenderer final : public SilhouetteRenderer {
 public:
  explicit VtkSilhouetteRenderer(render::Mesh mesh) : mesh_(std::move(mesh)) {
    for (render::MeshPart& part : mesh_.parts) {  // geometry only: faster uploads
      part.texture.release();
      part.uvs.clear();
      part.colors.clear();
      part.normals.clear();
    }
  }

  cv::Mat Mask(const cv::Matx33d& k, cv::Size size, const cv::Matx44d& cam_from_object) override {
    render::RenderOptions options;
    options.intrinsics = {size.width, size.height, k(0, 0), k(1, 1), k(0, 2), k(1, 2)};
    options.lighting = false;
    if (!options.Check()) {
      throw Error(
          fmt::format("cannot render a {}x{} silhouette with fx {} fy {}", size.width, size.height, k(0, 0), k(1, 1)),
          {mesh_.source}, "a query without valid intrinsics");
    }
    for (double v : cam_from_object.val) {
      if (!std::isfinite(v)) return cv::Mat::zeros(size, CV_8UC1);  // a failed estimate: no outline
    }
    // A fresh context per call, created, used and closed on this thread.
    std::lock_guard<std::mutex> lock(RenderMutex());
    auto renderer = render::Renderer::Create(options);
    renderer->SetMesh(mesh_);
    return renderer->Render(cam_from_object).mask;
  }

 private:
  render::Mesh mesh_;
};

}  // namespace

std::optional<SilhouetteSource> ReadSilhouetteSource(const std::string& object_dir) {
  const std::string path = (std::filesystem::path(object_dir) / kMarker).string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const std::vector<uint8_t> bytes = fs::ReadFile(path, kMaxMarkerBytes);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not JSON: ") + e.what(), {path}, "a truncated or corrupt export marker");
  }
  if (!json.is_object() || !json.contains("mesh") || !json["mesh"].is_string()) {
    throw Error("\"mesh\" is missing or not a string", {path, std::nullopt, "mesh"}, "not a CorrLens export marker");
  }
  if (!json.contains("object_diagonal_m") || !json["object_diagonal_m"].is_number() ||
      !(json["object_diagonal_m"].get<double>() > 0.0)) {
    throw Error("\"object_diagonal_m\" is missing or not a positive number", {path, std::nullopt, "object_diagonal_m"},
                "not a CorrLens export marker");
  }
  return SilhouetteSource{json["mesh"].get<std::string>(), json["object_diagonal_m"].get<double>()};
}

render::Mesh LoadMeshInMetres(const std::string& path, double diagonal, double* metres_per_unit) {
  render::Mesh mesh = render::LoadMesh(path);
  const double norm =
      std::sqrt(mesh.extent[0] * mesh.extent[0] + mesh.extent[1] * mesh.extent[1] + mesh.extent[2] * mesh.extent[2]);
  if (!(norm > 0.0)) throw Error("mesh has an empty bounding box", {mesh.source});
  const double s = diagonal / norm;
  for (render::MeshPart& part : mesh.parts) {
    for (float& p : part.positions) p = float(p * s);
  }
  for (double& e : mesh.extent) e *= s;
  mesh.radius *= s;
  if (metres_per_unit != nullptr) *metres_per_unit = mesh.scale * s;
  return mesh;
}

Contours MaskContours(const cv::Mat& mask) {
  Contours contours;
  if (mask.empty()) return contours;
  cv::Mat binary = mask != 0;
  cv::findContours(binary, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
  return contours;
}

std::unique_ptr<SilhouetteRenderer> SilhouetteRenderer::Create(const SilhouetteSource& source) {
  if (!source.Check()) {
    throw Error("invalid silhouette source", {source.mesh_path}, "need a mesh path and a positive object size");
  }
  return std::make_unique<VtkSilhouetteRenderer>(LoadMeshInMetres(source.mesh_path, source.object_diagonal));
}

}  // namespace corrlens::pose
