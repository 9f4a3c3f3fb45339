// Where the real sample data that Debian ships lives: opencv-doc's example
// images (graf1/graf3 + H1to3p.xml, aloeL/aloeR + aloeGT.png, videos) and
// assimp-testmodels' meshes. Overridable for machines that keep them elsewhere.
#pragma once

#include <string>

namespace corrlens {

// $CORRLENS_OPENCV_DATA, else /usr/share/doc/opencv-doc/examples/data.
std::string OpenCvSampleDir();
// $CORRLENS_ASSIMP_MODELS, else /usr/share/assimp/models.
std::string AssimpModelsDir();

}  // namespace corrlens
