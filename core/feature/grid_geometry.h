// Geometry of a dense feature grid: how image pixels map to tokens and back.
// Follows the reference conventions (PROTOCOLS.md section 2): token centres
// sit at patch/2 + i*stride in model-input pixels.
#pragma once

namespace corrlens {

struct GridGeometry {
  int image_width = 0;  // original image size (pixels)
  int image_height = 0;
  int input_width = 0;  // size the image was resized to for the model
  int input_height = 0;
  int patch = 14;      // patch (receptive cell) size in input pixels
  int stride = 14;     // distance between token centres in input pixels
  int grid_width = 0;  // tokens per row / column
  int grid_height = 0;

  // Input pixels per image pixel, per axis.
  double ScaleX() const { return double(input_width) / image_width; }
  double ScaleY() const { return double(input_height) / image_height; }

  // Continuous grid coordinates (token index units, 0 = first token centre)
  // of an image pixel, and back. Token centres are at integer positions.
  void GridFromImage(double x, double y, double* gx, double* gy) const;
  void ImageFromGrid(double gx, double gy, double* x, double* y) const;

  // The reference `interpolate_features` normalisation: maps an input-pixel
  // coordinate to [-1, 1] for grid_sample(align_corners=True) along an axis
  // of `size` input pixels: last = ((size - patch) / stride) * stride + patch/2,
  // a = 2 / (last - patch/2), b = 1 - last * a.
  void NormalizedFromInput(double px, double py, double* nx, double* ny) const;

  bool Valid() const {
    return image_width > 0 && image_height > 0 && input_width > 0 && input_height > 0 && patch > 0 && stride > 0 &&
           grid_width > 0 && grid_height > 0;
  }
};

}  // namespace corrlens
