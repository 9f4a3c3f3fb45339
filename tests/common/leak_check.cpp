// Linked into every test; does something only in AddressSanitizer builds.
// Mesa's software rasteriser (Xvfb's OpenGL, under VTK's render windows) is
// loaded and unloaded with every OpenGL context; what it allocated and kept
// in its globals becomes unreachable when it is unloaded, and LeakSanitizer
// reports that as leaks of "<unknown module>" (a few hundred bytes per
// context). Tests with an X display keep the driver resident instead.
#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>

#include <cstdlib>

namespace {
const bool pinned = [] {
  // A system without this driver has nothing to keep; dlopen then fails harmlessly.
  return std::getenv("DISPLAY") != nullptr &&
         dlopen("/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so", RTLD_LAZY | RTLD_NODELETE) != nullptr;
}();
}  // namespace
#endif
