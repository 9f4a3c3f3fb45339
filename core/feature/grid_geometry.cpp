#include "core/feature/grid_geometry.h"

namespace corrlens {
namespace {

// Reference normalisation along one axis of `size` input pixels.
double NormalizeAxis(double p, int size, int patch, int stride) {
  const double half = patch / 2.0;
  const double last = static_cast<double>((size - patch) / stride) * stride + half;
  if (last - half <= 0.0) return 0.0;  // a single token along this axis
  const double a = 2.0 / (last - half);
  const double b = 1.0 - last * a;
  return a * p + b;
}

}  // namespace

void GridGeometry::GridFromImage(double x, double y, double* gx, double* gy) const {
  *gx = (x * ScaleX() - patch / 2.0) / stride;
  *gy = (y * ScaleY() - patch / 2.0) / stride;
}

void GridGeometry::ImageFromGrid(double gx, double gy, double* x, double* y) const {
  *x = (gx * stride + patch / 2.0) / ScaleX();
  *y = (gy * stride + patch / 2.0) / ScaleY();
}

void GridGeometry::NormalizedFromInput(double px, double py, double* nx, double* ny) const {
  *nx = NormalizeAxis(px, input_width, patch, stride);
  *ny = NormalizeAxis(py, input_height, patch, stride);
}

}  // namespace corrlens
