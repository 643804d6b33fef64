#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite: unit tests, then
# integration tests against a throwaway MariaDB (started and always stopped by CTest fixtures)
# and real servers over real mTLS; then the libFuzzer targets for a bounded time.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CREDITSHARE_BUILD_DIR:-$root/build}

bash "$root/scripts/bootstrap.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDITSHARE_WERROR="${CREDITSHARE_WERROR:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 300
# Then the fuzz targets, built apart with clang and run for a bounded time (scripts/fuzz.sh).
bash "$root/scripts/fuzz.sh"
