#include "core/util/sample_data.h"

#include <cstdlib>

namespace corrlens {
namespace {

std::string FromEnv(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace

std::string OpenCvSampleDir() { return FromEnv("CORRLENS_OPENCV_DATA", "/usr/share/doc/opencv-doc/examples/data"); }

std::string AssimpModelsDir() { return FromEnv("CORRLENS_ASSIMP_MODELS", "/usr/share/assimp/models"); }

}  // namespace corrlens
