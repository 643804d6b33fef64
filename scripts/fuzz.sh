#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in a build directory of their
# own, then runs each for a bounded time on a copy of its seed corpus (fuzz/corpus/<target>/; new
# corpus entries stay in a temporary directory). Fails when a target crashes, leaks, trips UBSan,
# hangs or runs out of memory; its log and the input that did it are kept under the build dir.
#
#   CREDITSHARE_FUZZ_BUILD_DIR  build directory (default: build-fuzz)
#   CREDITSHARE_FUZZ_SECONDS    fuzzing time per target (default: 30)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CREDITSHARE_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${CREDITSHARE_FUZZ_SECONDS:-30}
targets=(fuzz_request_parsing fuzz_bulk_file)
jobs=$(nproc)

bash "$root/scripts/bootstrap.sh"
# Only the fuzz targets and the libraries they link are built (not the server, tests or tools).
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDITSHARE_FUZZ=ON \
  -DCREDITSHARE_BUILD_TESTS=OFF -DCREDITSHARE_WERROR="${CREDITSHARE_WERROR:-ON}" >/dev/null
cmake --build "$build" --target "${targets[@]}" -j"$jobs"

work=$(mktemp -d "${TMPDIR:-/tmp}/creditshare-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
findings="$build/fuzz-findings"
rm -rf "$findings"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run() {
  local target=$1
  cp -r "$root/fuzz/corpus/$target" "$work/$target"
  "$build/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$target-" "$work/$target" >"$work/$target.log" 2>&1
}

# The targets run side by side when there are cores for it, one after the other otherwise.
declare -A pid rc
for t in "${targets[@]}"; do
  if [ "$jobs" -ge "${#targets[@]}" ]; then
    run "$t" &
    pid[$t]=$!
  else
    rc[$t]=0
    run "$t" || rc[$t]=$?
  fi
done
for t in "${!pid[@]}"; do
  rc[$t]=0
  wait "${pid[$t]}" || rc[$t]=$?
done

failed=0
for t in "${targets[@]}"; do
  log="$work/$t.log"
  # Executions: the final stats of a clean run, else the last status line before the crash.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$log" | tail -1)
  if [ "${rc[$t]}" -eq 0 ]; then
    echo "fuzz: $t ok: ${execs:-0} executions in ${seconds}s"
  else
    failed=1
    mkdir -p "$findings"
    cp "$log" "$findings/$t.log"
    cp "$work/$t"-* "$findings/" 2>/dev/null || true
    echo "fuzz: $t FAILED (exit ${rc[$t]}) after ${execs:-0} executions; log and input in $findings/" >&2
    grep -v '^#[0-9]' "$log" | grep -v '^\s*NEW_FUNC' | tail -60 >&2
  fi
done
exit "$failed"
