#!/usr/bin/env bash
# Fails when a C++ file under ROOT's source folders differs from .clang-format.
# Usage: check_format.sh ROOT [clang-format]
set -uo pipefail
root=$1
tool=${2:-clang-format}
if ! command -v "$tool" >/dev/null 2>&1; then
  echo "SKIP: $tool not found (Debian package clang-format)"
  exit 77
fi
cd "$root" || exit 2
mapfile -t files < <(find app core ui plugins tests -type f \( -name '*.cpp' -o -name '*.h' \) 2>/dev/null \
                       -not -path 'tests/style/data/*' | sort)
# One run over all files; clang-format names each offending file in its warnings.
out=$("$tool" --style=file --dry-run "${files[@]}" 2>&1)
mapfile -t bad < <(printf '%s\n' "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: .*code should be clang-formatted.*/\1/p' | sort -u)
for f in "${bad[@]}"; do
  [ -n "$f" ] && echo "$f: not formatted (run: clang-format -i $f)"
done
n=0
for f in "${bad[@]}"; do [ -n "$f" ] && n=$((n + 1)); done
echo "${#files[@]} files checked, $n not formatted"
[ "$n" -eq 0 ]
