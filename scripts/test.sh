#!/usr/bin/env bash
# One command for the whole test suite on a fresh Debian 12 machine:
# installs packages, builds (release preset) and runs every QtTest via CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# Tests run in parallel, one per core (tests that need Xvfb one at a time).
ctest --preset release --output-on-failure -j "$(nproc)" "$@"
