// A rendered multiview set on disk, in the layout of the reference renders:
//   color_000000.png  RGB, object on black
//   depth_000000.png  uint16 millimetres along the optical axis, 0 = background
//   mask_000000.png   uint8, 255 = object
//   cameras.json      K, image size, per view obj_to_cam (4x4, OpenCV camera
//                     convention, metres) and the mesh normalisation
#pragma once

#include <string>
#include <vector>

#include "core/render/camera.h"
#include "core/render/renderer.h"
#include "core/render/view_sampling.h"
#include "core/util/progress.h"

namespace corrlens::render {

// Options of RunRenderSet.
struct RenderSetOptions {
  std::string mesh_path;   // model to load (any Assimp format)
  std::string output_dir;  // folder to write; created when missing
  ViewSetOptions views;    // which poses
  RenderOptions render;    // intrinsics and lighting
  // Write into a non-empty folder, replacing earlier color_/depth_/mask_
  // images and cameras.json there (other files are kept).
  bool force = false;

  bool Check() const;
};

// What RunRenderSet did.
struct RenderSetResult {
  std::string output_dir;
  int views = 0;
  size_t triangles = 0;
  int textured_parts = 0;
  std::vector<std::string> warnings;  // from the mesh loader
  double render_seconds = 0.0;        // rendering only (no loading, no PNG writing)
  double total_seconds = 0.0;
};

// Loads the mesh, renders every view and writes the folder. cameras.json is
// written last, so its presence marks a complete set. Throws corrlens::Error
// (no display, bad mesh, non-empty folder without force) or Cancelled.
RenderSetResult RunRenderSet(const RenderSetOptions& options, Progress& progress, const CancelToken& cancel);

// The index of a rendered folder (cameras.json).
struct RenderSetIndex {
  std::string dir;
  Intrinsics intrinsics;
  std::vector<Pose> obj_to_cam;  // one per view
};

// Reads `dir`/cameras.json; throws Error naming the file and key on bad data.
RenderSetIndex ReadRenderSetIndex(const std::string& dir);
// Reads view `index` (depth converted to metres); throws Error on missing files.
RenderedView ReadRenderedView(const RenderSetIndex& set, int index);

// File name of view `index` for `kind` in {"color", "depth", "mask"}.
std::string ViewFileName(const std::string& kind, int index);

// Encodes a view to PNG bytes: RGB -> color, metres -> uint16 millimetres.
std::vector<uint8_t> EncodeColorPng(const RenderedView& view);
std::vector<uint8_t> EncodeDepthPng(const RenderedView& view);
std::vector<uint8_t> EncodeMaskPng(const RenderedView& view);

}  // namespace corrlens::render
