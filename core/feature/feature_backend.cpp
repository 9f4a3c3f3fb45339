#include "core/feature/feature_backend.h"

#include <sstream>

namespace corrlens {

bool FeatureMap::Valid() const {
  return features.defined() && features.dim() == 3 && geometry.Valid() && features.size(1) == geometry.grid_height &&
         features.size(2) == geometry.grid_width;
}

bool ExtractOptions::Check() const {
  const bool explicit_size = input_width > 0 || input_height > 0;
  if (explicit_size && (input_width <= 0 || input_height <= 0)) return false;
  return resolution > 0 && downsample > 0 && stride >= 0;
}

std::string ExtractOptions::Key() const {
  std::ostringstream out;
  out << "res" << resolution << "_ds" << downsample << "_in" << input_width << "x" << input_height << "_st" << stride
      << "_" << (layer == FeatureLayer::kNorm ? "norm" : "prenorm") << (refine ? "_refine" : "_raw");
  return out.str();
}

}  // namespace corrlens
