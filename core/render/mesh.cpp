#include "core/render/mesh.h"

#include <assimp/material.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <vtkImageData.h>
#include <vtkImageReader2.h>
#include <vtkImageReader2Factory.h>
#include <vtkSmartPointer.h>
#include <assimp/Importer.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "core/util/error.h"

namespace corrlens::render {
namespace {

namespace stdfs = std::filesystem;

constexpr unsigned kImportFlags = aiProcess_Triangulate | aiProcess_JoinIdenticalVertices | aiProcess_GenSmoothNormals |
                                  aiProcess_PreTransformVertices | aiProcess_SortByPType | aiProcess_FindInvalidData |
                                  aiProcess_FindDegenerates | aiProcess_ValidateDataStructure;

// Caps the larger side at `max_side` pixels and converts to RGB.
cv::Mat FinishTexture(const cv::Mat& bgr, int max_side) {
  if (bgr.empty()) return {};
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, bgr.channels() == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
  const int side = std::max(rgb.cols, rgb.rows);
  if (side > max_side) {
    const double f = double(max_side) / side;
    cv::resize(rgb, rgb, cv::Size(), f, f, cv::INTER_AREA);
  }
  return rgb;
}

cv::Mat DecodeEmbedded(const aiTexture& texture, int max_side) {
  if (texture.mHeight == 0) {  // compressed (png, jpg, ...) of mWidth bytes
    const cv::Mat bytes(1, static_cast<int>(texture.mWidth), CV_8UC1, const_cast<aiTexel*>(texture.pcData));
    return FinishTexture(cv::imdecode(bytes, cv::IMREAD_COLOR), max_side);
  }
  // Raw BGRA texels.
  const cv::Mat bgra(static_cast<int>(texture.mHeight), static_cast<int>(texture.mWidth), CV_8UC4,
                     const_cast<aiTexel*>(texture.pcData));
  return FinishTexture(bgra, max_side);
}

// Formats OpenCV does not decode (TGA, common in Collada and OBJ models) are
// read with VTK's image readers. Returns BGR(A), row 0 = top, or empty.
cv::Mat ReadWithVtk(const std::string& path) {
  vtkSmartPointer<vtkImageReader2> reader;
  reader.TakeReference(vtkImageReader2Factory::CreateImageReader2(path.c_str()));
  if (reader == nullptr) return {};
  reader->SetFileName(path.c_str());
  reader->Update();
  vtkImageData* image = reader->GetOutput();
  int dims[3] = {0, 0, 0};
  image->GetDimensions(dims);
  const int channels = image->GetNumberOfScalarComponents();
  if (dims[0] <= 0 || dims[1] <= 0 || image->GetScalarType() != VTK_UNSIGNED_CHAR || channels < 1 || channels > 4) {
    return {};
  }
  cv::Mat bottom_up(dims[1], dims[0], CV_8UC(channels), image->GetScalarPointer());
  cv::Mat rgb;
  if (channels == 1 || channels == 2) {
    cv::Mat gray;
    cv::extractChannel(bottom_up, gray, 0);
    cv::cvtColor(gray, rgb, cv::COLOR_GRAY2BGR);
  } else {
    cv::cvtColor(bottom_up, rgb, channels == 4 ? cv::COLOR_RGBA2BGR : cv::COLOR_RGB2BGR);
  }
  cv::flip(rgb, rgb, 0);
  return rgb;
}

// Resolves a texture reference relative to the mesh folder; tolerates
// Windows separators and absolute paths from the authoring machine.
std::string ResolveTexturePath(const std::string& reference, const stdfs::path& folder) {
  std::string ref = reference;
  std::replace(ref.begin(), ref.end(), '\\', '/');
  const stdfs::path as_given(ref);
  std::error_code ec;
  for (const stdfs::path& candidate : {folder / as_given, as_given, folder / as_given.filename()}) {
    if (stdfs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  return {};
}

// Loads textures once per reference and remembers failures as warnings.
class TextureCache {
 public:
  TextureCache(const aiScene& scene, stdfs::path folder, int max_side, std::vector<std::string>* warnings)
      : scene_(scene), folder_(std::move(folder)), max_side_(max_side), warnings_(warnings) {}

  cv::Mat Get(const std::string& reference) {
    auto it = cache_.find(reference);
    if (it != cache_.end()) return it->second;
    cv::Mat image = Load(reference);
    cache_[reference] = image;
    return image;
  }

 private:
  cv::Mat Load(const std::string& reference) {
    if (const aiTexture* embedded = scene_.GetEmbeddedTexture(reference.c_str())) {
      cv::Mat image = DecodeEmbedded(*embedded, max_side_);
      if (image.empty()) warnings_->push_back("embedded texture '" + reference + "' could not be decoded");
      return image;
    }
    const std::string path = ResolveTexturePath(reference, folder_);
    if (path.empty()) {
      warnings_->push_back("texture '" + reference + "' not found next to the mesh");
      return {};
    }
    cv::Mat decoded = cv::imread(path, cv::IMREAD_COLOR);
    if (decoded.empty()) decoded = ReadWithVtk(path);
    cv::Mat image = FinishTexture(decoded, max_side_);
    if (image.empty()) warnings_->push_back("texture '" + path + "' could not be decoded");
    return image;
  }

  const aiScene& scene_;
  stdfs::path folder_;
  int max_side_;
  std::vector<std::string>* warnings_;
  std::map<std::string, cv::Mat> cache_;
};

std::array<double, 3> MaterialColor(const aiMaterial& material) {
  aiColor4D color(1.f, 1.f, 1.f, 1.f);
  if (material.Get(AI_MATKEY_BASE_COLOR, color) != AI_SUCCESS &&
      material.Get(AI_MATKEY_COLOR_DIFFUSE, color) != AI_SUCCESS) {
    return {1.0, 1.0, 1.0};
  }
  auto clamp01 = [](float v) { return std::isfinite(v) ? std::clamp<double>(v, 0.0, 1.0) : 1.0; };
  return {clamp01(color.r), clamp01(color.g), clamp01(color.b)};
}

std::string MaterialTexture(const aiMaterial& material) {
  aiString path;
  for (aiTextureType type : {aiTextureType_BASE_COLOR, aiTextureType_DIFFUSE}) {
    if (material.GetTextureCount(type) > 0 && material.GetTexture(type, 0, &path) == AI_SUCCESS && path.length > 0) {
      return path.C_Str();
    }
  }
  return {};
}

bool FiniteVertex(const aiVector3D& v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

// Copies one triangulated aiMesh; triangles touching non-finite vertices are dropped.
MeshPart CopyPart(const aiMesh& mesh) {
  MeshPart part;
  const unsigned n = mesh.mNumVertices;
  part.positions.reserve(size_t(n) * 3);
  for (unsigned i = 0; i < n; ++i) {
    const aiVector3D& v = mesh.mVertices[i];
    part.positions.insert(part.positions.end(), {v.x, v.y, v.z});
  }
  if (mesh.HasNormals()) {
    part.normals.reserve(size_t(n) * 3);
    for (unsigned i = 0; i < n; ++i) {
      aiVector3D v = FiniteVertex(mesh.mNormals[i]) ? mesh.mNormals[i] : aiVector3D(0.f, 0.f, 1.f);
      part.normals.insert(part.normals.end(), {v.x, v.y, v.z});
    }
  }
  if (mesh.HasTextureCoords(0)) {
    part.uvs.reserve(size_t(n) * 2);
    for (unsigned i = 0; i < n; ++i) {
      const aiVector3D& t = mesh.mTextureCoords[0][i];
      part.uvs.insert(part.uvs.end(), {std::isfinite(t.x) ? t.x : 0.f, std::isfinite(t.y) ? t.y : 0.f});
    }
  }
  if (mesh.HasVertexColors(0)) {
    part.colors.reserve(size_t(n) * 3);
    auto to_byte = [](float c) {
      return static_cast<uint8_t>(std::lround(std::clamp(std::isfinite(c) ? c : 1.f, 0.f, 1.f) * 255.f));
    };
    for (unsigned i = 0; i < n; ++i) {
      const aiColor4D& c = mesh.mColors[0][i];
      part.colors.insert(part.colors.end(), {to_byte(c.r), to_byte(c.g), to_byte(c.b)});
    }
  }
  for (unsigned f = 0; f < mesh.mNumFaces; ++f) {
    const aiFace& face = mesh.mFaces[f];
    if (face.mNumIndices != 3) continue;
    bool ok = true;
    for (int k = 0; k < 3; ++k) ok = ok && face.mIndices[k] < n && FiniteVertex(mesh.mVertices[face.mIndices[k]]);
    if (ok) part.indices.insert(part.indices.end(), {face.mIndices[0], face.mIndices[1], face.mIndices[2]});
  }
  return part;
}

// Scales and centres all parts in place (PROTOCOLS.md section 3).
void Normalize(Mesh* mesh) {
  std::array<double, 3> lo, hi;
  lo.fill(std::numeric_limits<double>::infinity());
  hi.fill(-std::numeric_limits<double>::infinity());
  for (const MeshPart& part : mesh->parts) {
    for (uint32_t index : part.indices) {
      for (int a = 0; a < 3; ++a) {
        lo[a] = std::min<double>(lo[a], part.positions[size_t(index) * 3 + a]);
        hi[a] = std::max<double>(hi[a], part.positions[size_t(index) * 3 + a]);
      }
    }
  }
  const double side = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]});
  if (!(side > 0.0) || !std::isfinite(side)) {
    throw Error("mesh has a degenerate bounding box (all vertices coincide)", {mesh->source},
                "a corrupt or empty model");
  }
  mesh->scale = 1.0 / side;
  double radius2 = 0.0;
  for (int a = 0; a < 3; ++a) {
    mesh->center[a] = 0.5 * (lo[a] + hi[a]);
    mesh->extent[a] = (hi[a] - lo[a]) * mesh->scale;
  }
  for (MeshPart& part : mesh->parts) {
    for (size_t i = 0; i < part.positions.size(); i += 3) {
      double r2 = 0.0;
      for (int a = 0; a < 3; ++a) {
        const double p = (part.positions[i + a] - mesh->center[a]) * mesh->scale;
        part.positions[i + a] = static_cast<float>(p);
        r2 += p * p;
      }
      if (std::isfinite(r2)) radius2 = std::max(radius2, r2);
    }
  }
  mesh->radius = std::sqrt(radius2);
}

const aiScene* ReadScene(Assimp::Importer& importer, const std::string& path) {
  std::error_code ec;
  if (!stdfs::exists(path, ec)) {
    throw Error("mesh file not found", {path}, "check the path");
  }
  if (!stdfs::is_regular_file(path, ec)) throw Error("not a regular file", {path}, "expected a mesh file");
  if (stdfs::file_size(path, ec) == 0) throw Error("mesh file is empty", {path}, "an empty or truncated file");
  importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE, aiPrimitiveType_POINT | aiPrimitiveType_LINE);
  const aiScene* scene = importer.ReadFile(path, kImportFlags);
  if (scene == nullptr) {
    std::string reason = importer.GetErrorString();
    std::replace(reason.begin(), reason.end(), '\n', ' ');
    if (reason.find("No meshes remaining") != std::string::npos || reason.find("no faces") != std::string::npos) {
      throw Error("mesh file holds no triangles", {path}, "an empty model, or only points/lines");
    }
    throw Error("could not load mesh: " + reason, {path}, "a corrupt file or an unsupported format");
  }
  if ((scene->mFlags & AI_SCENE_FLAGS_INCOMPLETE) != 0 || scene->mNumMeshes == 0) {
    throw Error("mesh file holds no triangles", {path}, "an empty model, or only points/lines");
  }
  return scene;
}

}  // namespace

size_t Mesh::TriangleCount() const {
  size_t n = 0;
  for (const MeshPart& part : parts) n += part.TriangleCount();
  return n;
}

size_t Mesh::VertexCount() const {
  size_t n = 0;
  for (const MeshPart& part : parts) n += part.VertexCount();
  return n;
}

Mesh LoadMesh(const std::string& path, const MeshLoadOptions& options) {
  if (!options.Check()) throw Error("invalid mesh load options", {path});
  Assimp::Importer importer;
  const aiScene* scene = ReadScene(importer, path);
  Mesh mesh;
  mesh.source = path;
  TextureCache textures(*scene, stdfs::path(path).parent_path(), options.max_texture_side, &mesh.warnings);
  size_t triangles = 0;
  for (unsigned m = 0; m < scene->mNumMeshes; ++m) {
    const aiMesh& source = *scene->mMeshes[m];
    MeshPart part = CopyPart(source);
    if (part.indices.empty()) continue;
    triangles += part.TriangleCount();
    if (triangles > options.max_triangles) {
      throw Error("mesh has more than " + std::to_string(options.max_triangles) + " triangles", {path},
                  "raise MeshLoadOptions::max_triangles or decimate the model");
    }
    if (source.mMaterialIndex < scene->mNumMaterials) {
      const aiMaterial& material = *scene->mMaterials[source.mMaterialIndex];
      part.base_color = MaterialColor(material);
      const std::string reference = MaterialTexture(material);
      if (options.load_textures && !reference.empty() && !part.uvs.empty()) {
        part.texture = textures.Get(reference);
        if (!part.texture.empty()) part.base_color = {1.0, 1.0, 1.0};  // texture alone, as Blender
      }
    }
    mesh.textured_parts += part.texture.empty() ? 0 : 1;
    mesh.parts.push_back(std::move(part));
  }
  if (mesh.parts.empty()) {
    throw Error("mesh file holds no triangles", {path}, "an empty model, or only points/lines");
  }
  Normalize(&mesh);
  return mesh;
}

}  // namespace corrlens::render
