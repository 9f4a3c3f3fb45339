#!/usr/bin/env bash
# Fuzzes the core/io targets with libFuzzer (preset "fuzz": clang 14,
# ASan + UBSan; Debian packages clang and libclang-rt-14-dev).
#
#   tests/fuzz/run_fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Each target starts from its committed corpus (tests/fuzz/corpus/<target>)
# and the io fixtures (tests/data/io), uses dict/<target>.dict, and writes
# new inputs to build/fuzz/corpus/<target>; crashes, leaks, timeouts and
# out-of-memory inputs land in build/fuzz/artifacts/<target>/. With
# MERGE=1 the new inputs that add coverage are merged into the committed
# corpus afterwards (libFuzzer -merge=1). Logs: build/fuzz/logs/<target>.log.
# NO_BUILD=1 skips the build step. CPU_SECONDS=N runs each target until it
# has used N seconds of CPU (not wall) time instead, for runs beside other
# work (e.g. under `nice -n 19`); every run appends one line (date, target,
# CPU seconds, executions, coverage, status) to build/fuzz/logs/history.tsv.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-240}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pickle torch safetensors npy tensor_file image tapvid pf_pascal onepose session)

if [ "${NO_BUILD:-0}" != 1 ]; then  # NO_BUILD=1: use the fuzz_* already built
  [ -f build/fuzz/build.ninja ] || cmake --preset fuzz
  cmake --build --preset fuzz
fi

# Targets that write their input to files (the dataset loaders, sessions)
# wait on the disk less with their temporary files in memory.
[ ! -d /dev/shm ] || export TMPDIR=${TMPDIR:-/dev/shm}

for t in "${targets[@]}"; do
  mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t" build/fuzz/logs
  echo "fuzz: $t for ${seconds}s"
  status=0
  wall=$seconds
  [ -z "${CPU_SECONDS:-}" ] || wall=0  # no wall-time limit: the CPU watcher below stops it
  "build/fuzz/tests/fuzz/fuzz_$t" "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" $(case $t in tapvid | pf_pascal | onepose | session) ;; *) echo tests/data/io ;; esac) \
    -dict="tests/fuzz/dict/$t.dict" -max_total_time="$wall" -rss_limit_mb=2048 -timeout=30 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$t/" \
    >"build/fuzz/logs/$t.log" 2>&1 &
  pid=$!
  ticks=$(getconf CLK_TCK)
  cpu=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    # utime + stime of the fuzzer (fields 14, 15 of /proc/PID/stat).
    cpu=$(awk -v t="$ticks" '{print int(($14 + $15) / t)}' "/proc/$pid/stat" 2>/dev/null || echo "$cpu")
    if [ -n "${CPU_SECONDS:-}" ] && [ "$cpu" -ge "$CPU_SECONDS" ]; then kill -INT "$pid" 2>/dev/null || true; fi
  done
  wait "$pid" || status=$?
  [ "$status" -ne 72 ] || status=0  # libFuzzer's exit code after SIGINT: the budget was reached
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/logs/$t.log" | tail -n 1)
  cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+" "build/fuzz/logs/$t.log" | tail -n 1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$cpu" "${execs:-?}" "${cov:-?}" "$status" \
    >>build/fuzz/logs/history.tsv
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)|cov: " "build/fuzz/logs/$t.log" | tail -n 3 || true
  [ "$status" -eq 0 ] || echo "fuzz: $t stopped with status $status (see build/fuzz/logs/$t.log)"
  if [ "${MERGE:-0}" = 1 ]; then
    "build/fuzz/tests/fuzz/fuzz_$t" -merge=1 "tests/fuzz/corpus/$t" "build/fuzz/corpus/$t" \
      -rss_limit_mb=2048 -timeout=30 -max_len=65536 >>"build/fuzz/logs/$t.log" 2>&1
  fi
done
