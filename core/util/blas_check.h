// Detects whether LibTorch resolved BLAS to the slow reference (netlib) BLAS.
// Debian's LibTorch links libblas.so.3, which update-alternatives points at
// either OpenBLAS (fast) or the reference implementation (about 30x slower).
#pragma once

#include <string>
#include <vector>

namespace corrlens::blas {

// Which libblas.so.3 this process loaded, and where it really lives.
struct BlasStatus {
  std::string library;     // path of the loaded libblas.so.3 as the loader saw it ("" when none)
  std::string resolved;    // that path with every symbolic link resolved
  bool reference = false;  // true when `resolved` is not an optimised BLAS (OpenBLAS, BLIS, MKL)
};

// Classifies a list of loaded shared-object paths: the first one named
// libblas.so* is resolved (realpath) and judged by its folder and name.
// No libblas among them means no BLAS to warn about.
BlasStatus ClassifyBlas(const std::vector<std::string>& loaded_objects);

// The shared objects loaded into this process (dl_iterate_phdr).
std::vector<std::string> LoadedObjects();

// ClassifyBlas(LoadedObjects()).
BlasStatus CheckLoadedBlas();

// One line explaining the slowdown and the update-alternatives command that
// fixes it; "" when `status` is fine.
std::string BlasWarning(const BlasStatus& status);

// Prints "<program>: warning: <BlasWarning>" on stderr, at most once per
// process. Returns true when it printed.
bool WarnIfReferenceBlas(const char* program);

}  // namespace corrlens::blas
