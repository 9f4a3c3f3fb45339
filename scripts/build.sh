#!/usr/bin/env bash
# Installs the Debian packages (scripts/setup-debian.sh) and builds CorrLens
# with the "release" preset into build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
jobs=$(nproc)
# LibTorch translation units need ~1.5 GB each; keep some memory headroom.
mem_gb=$(awk '/MemTotal/ {print int($2 / 1048576)}' /proc/meminfo)
if [ "$jobs" -gt $((mem_gb / 2)) ]; then jobs=$((mem_gb / 2)); fi
[ "$jobs" -ge 1 ] || jobs=1
cmake --preset release
cmake --build --preset release -j "$jobs"
