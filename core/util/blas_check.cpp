#include "core/util/blas_check.h"

#include <link.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace corrlens::blas {
namespace {

bool Contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// Optimised implementations Debian ships behind libblas.so.3.
bool IsOptimised(const std::string& resolved) {
  for (const char* name : {"openblas", "blis", "mkl", "atlas"}) {
    if (Contains(resolved, name)) return true;
  }
  return false;
}

// "x86_64-linux-gnu" from ".../lib/x86_64-linux-gnu/blas/libblas.so.3";
// the build machine's triplet when the path does not name one.
std::string Triplet(const std::string& resolved) {
  const std::filesystem::path path(resolved);
  for (const auto& part : path) {
    std::string name = part.string();
    if (Contains(name, "-linux-gnu")) return name;
  }
#if defined(__aarch64__)
  return "aarch64-linux-gnu";
#else
  return "x86_64-linux-gnu";
#endif
}

int CollectObject(dl_phdr_info* info, size_t /*size*/, void* data) {
  auto* objects = static_cast<std::vector<std::string>*>(data);
  if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') objects->emplace_back(info->dlpi_name);
  return 0;
}

}  // namespace

BlasStatus ClassifyBlas(const std::vector<std::string>& loaded_objects) {
  BlasStatus status;
  for (const std::string& object : loaded_objects) {
    const std::string file = std::filesystem::path(object).filename().string();
    if (file.rfind("libblas.so", 0) != 0) continue;
    status.library = object;
    std::error_code error;
    const auto resolved = std::filesystem::canonical(object, error);
    status.resolved = error ? object : resolved.string();
    status.reference = !IsOptimised(status.resolved);
    break;
  }
  return status;
}

std::vector<std::string> LoadedObjects() {
  std::vector<std::string> objects;
  dl_iterate_phdr(CollectObject, &objects);
  return objects;
}

BlasStatus CheckLoadedBlas() { return ClassifyBlas(LoadedObjects()); }

std::string BlasWarning(const BlasStatus& status) {
  if (!status.reference) return {};
  const std::string triplet = Triplet(status.resolved);
  return "LibTorch uses the reference BLAS (" + status.resolved +
         "), about 30x slower than OpenBLAS; fix: sudo apt-get install libopenblas0-pthread && "
         "sudo update-alternatives --set libblas.so.3-" +
         triplet + " /usr/lib/" + triplet + "/openblas-pthread/libblas.so.3";
}

bool WarnIfReferenceBlas(const char* program) {
  static std::atomic<bool> warned{false};
  const std::string warning = BlasWarning(CheckLoadedBlas());
  if (warning.empty() || warned.exchange(true)) return false;
  std::fprintf(stderr, "%s: warning: %s\n", program, warning.c_str());
  return true;
}

}  // namespace corrlens::blas
