#include "tests/common/test_paths.h"

namespace corrlens::test {

std::string SourceDir() { return CORRLENS_SOURCE_DIR; }
std::string TestDataDir() { return CORRLENS_SOURCE_DIR "/tests/data"; }
std::string BinaryDir() { return CORRLENS_BINARY_DIR; }

}  // namespace corrlens::test
