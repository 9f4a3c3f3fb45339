#!/usr/bin/env bash
# Installs every Debian 12 package that CorrLens needs to build, test and run
# its demo. Idempotent and non-interactive; run as root (or through sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # Qt 6
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-multimedia-dev qt6-svg-dev
  libgl-dev libxkbcommon-dev
  # LibTorch (CPU) and a threaded BLAS for it
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  # vision, rendering, meshes
  libopencv-dev libvtk9-dev libvtk9-qt-dev libassimp-dev
  # small well-kept libraries
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev zlib1g-dev libcurl4-openssl-dev libssl-dev
  # display for VTK renders and GUI screenshots
  xvfb xauth x11-utils
  # real data used by tests and the demo
  opencv-doc assimp-testmodels
  # reference implementation used by the parity tests and fixtures
  python3-torch python3-numpy python3-pil python3-opencv
  # checks of the Debian package (ctest -L packaging)
  lintian
  # benchmark results database (Qt SQL's SQLite driver)
  libqt6sql6-sqlite
  # Qt Charts needs Qt OpenGL's CMake files to be found
  libqt6opengl6-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#PACKAGES[@]} Debian packages already installed"
fi

# LibTorch must resolve BLAS to OpenBLAS (pthread); the reference BLAS is ~30x slower.
blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
case "$blas" in
  *openblas*) echo "setup: BLAS -> $blas" ;;
  *)
    cand=$(ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 2>/dev/null || true)
    if [ -n "$cand" ]; then
      $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$cand"
      $SUDO update-alternatives --set liblapack.so.3-x86_64-linux-gnu \
        /usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3 || true
      echo "setup: BLAS switched to $cand"
    else
      echo "setup: error: OpenBLAS (pthread) not found; LibTorch would use the reference BLAS" >&2
      exit 1
    fi ;;
esac
torch_lib=$(ls /usr/lib/x86_64-linux-gnu/libtorch_cpu.so* 2>/dev/null | head -n1 || true)
if [ -n "$torch_lib" ]; then
  if ldd "$torch_lib" | grep -E 'libblas|openblas' | grep -q openblas; then
    echo "setup: LibTorch uses OpenBLAS"
  else
    echo "setup: error: $torch_lib does not resolve BLAS to OpenBLAS:" >&2
    ldd "$torch_lib" | grep -E 'blas|lapack' >&2 || true
    exit 1
  fi
fi
