#!/usr/bin/env bash
# Renders the README screenshot of the demo session under Xvfb:
#   scripts/screenshot.sh [build-dir] [out.png]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
out=${2:-docs/images/demo.png}
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
XDG_CONFIG_HOME="$config" xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$build/app/corrlens" --demo --screenshot "$out"
echo "screenshot: $out"
