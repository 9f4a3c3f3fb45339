// Triangle meshes loaded with Assimp (OBJ, glTF/GLB, PLY, STL, Collada, ...)
// and normalised as in PROTOCOLS.md section 3: the largest side of the
// axis-aligned bounding box becomes 1 and its centre the origin.
#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace corrlens::render {

// One material's triangles with flat per-vertex attribute arrays.
struct MeshPart {
  std::vector<float> positions;                     // xyz per vertex, normalised object coordinates
  std::vector<float> normals;                       // xyz per vertex (empty: none)
  std::vector<float> uvs;                           // uv per vertex, origin bottom-left (empty: none)
  std::vector<uint8_t> colors;                      // rgb per vertex (empty: none)
  std::vector<uint32_t> indices;                    // three per triangle
  cv::Mat texture;                                  // CV_8UC3 RGB, row 0 = top (empty: none)
  std::array<double, 3> base_color{1.0, 1.0, 1.0};  // diffuse colour in [0, 1]

  size_t VertexCount() const { return positions.size() / 3; }
  size_t TriangleCount() const { return indices.size() / 3; }
};

// A normalised mesh: object coordinates = (source - center) * scale.
struct Mesh {
  std::string source;                 // file it was loaded from
  std::vector<MeshPart> parts;        // one per (sub-mesh, material)
  double scale = 1.0;                 // source units -> normalised units
  std::array<double, 3> center{};     // bounding-box centre in source units
  std::array<double, 3> extent{};     // normalised bounding-box side lengths (max 1)
  double radius = 0.0;                // largest vertex distance from the origin
  int textured_parts = 0;             // parts that carry a texture image
  std::vector<std::string> warnings;  // e.g. textures that could not be read

  size_t TriangleCount() const;
  size_t VertexCount() const;
};

// Options of LoadMesh.
struct MeshLoadOptions {
  // Refuse meshes with more triangles than this (memory guard).
  size_t max_triangles = 20'000'000;
  // Read texture images (embedded and external).
  bool load_textures = true;
  // Largest texture side in pixels; larger textures are downscaled.
  int max_texture_side = 4096;

  bool Check() const { return max_triangles > 0 && max_texture_side > 0; }
};

// Loads and normalises `path`. Throws corrlens::Error naming the file when it
// is missing, unreadable, corrupt or holds no triangles. Missing textures are
// not fatal: they are listed in Mesh::warnings.
Mesh LoadMesh(const std::string& path, const MeshLoadOptions& options = {});

}  // namespace corrlens::render
