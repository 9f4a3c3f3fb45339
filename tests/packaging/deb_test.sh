#!/usr/bin/env bash
# Builds the Debian package of a finished build with cpack (into a temporary
# folder, not the build folder), checks its control fields and contents, and
# runs lintian, which must report no errors (E: lines).
#   deb_test.sh BUILD_DIR [GUI=ON|OFF]
set -euo pipefail
build=$1
gui=${2:-ON}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! (cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1); then
  cat "$out/cpack.log" >&2
  fail "cpack -G DEB failed (are corrlens and corrlens-cli built?)"
fi
deb=$(ls "$out"/*.deb)
echo "package: $(basename "$deb"), $(du -h "$deb" | cut -f1)"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
grep -qF 'libopenblas0-pthread | libopenblas0' <<<"$depends" || fail "Depends lacks 'libopenblas0-pthread | libopenblas0'"
grep -q 'libtorch' <<<"$depends" || fail "Depends lacks LibTorch (dpkg-shlibdeps)"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
expected=(./usr/bin/corrlens-cli ./usr/share/man/man1/corrlens-cli.1.gz
          ./usr/share/doc/corrlens/copyright ./usr/share/doc/corrlens/changelog.gz)
if [ "$gui" = ON ]; then
  expected+=(./usr/bin/corrlens ./usr/share/man/man1/corrlens.1.gz
             ./usr/share/applications/corrlens.desktop
             ./usr/share/metainfo/io.github.corrlens.CorrLens.metainfo.xml
             ./usr/share/icons/hicolor/128x128/apps/corrlens.png)
fi
for f in "${expected[@]}"; do
  grep -qxF "$f" <<<"$contents" || fail "$f is not in the package"
done
echo "contents: ${#expected[@]} expected files present"

command -v lintian >/dev/null || fail "lintian is not installed (scripts/setup-debian.sh installs it)"
lintian --tag-display-limit 0 "$deb" >"$out/lintian.txt" 2>&1 || true
grep -v 'running with root privileges' "$out/lintian.txt" || true
if grep -q '^E: ' "$out/lintian.txt"; then
  fail "lintian reports errors"
fi
echo "lintian: no errors"
