// For fuzz targets whose loader takes a path: the input written to one
// private temporary file per process, rewritten for every input.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace corrlens::fuzz {

// <tmp>/corrlens-fuzz-<pid>, created.
inline std::filesystem::path TempDir() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("corrlens-fuzz-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir;
}

// Writes `size` bytes to TempDir()/<name> and returns the path.
inline std::string WriteTempInput(const uint8_t* data, size_t size, const std::string& name) {
  const std::filesystem::path path = TempDir() / name;
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path.string();
}

}  // namespace corrlens::fuzz
