#!/usr/bin/env bash
# One command for the demo on a fresh Debian 12 machine: installs packages,
# builds, and launches the desktop application on its built-in demo session.
# Without a display it starts one with Xvfb and saves a screenshot instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
app=build/release/app/corrlens
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app" --demo "$@"
fi
echo "demo: no display found; running under Xvfb and writing build/release/demo.png"
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --demo --screenshot build/release/demo.png "$@"
