#!/usr/bin/env bash
# Installs the Debian 12 packages creditshare needs to build, test and run its demo.
# Idempotent: does nothing when everything is already installed. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libmysqlcppconn-dev libboost-dev mariadb-server mariadb-client mariadb-backup
  libssl-dev libgtest-dev prometheus-cpp-dev libcli11-dev nlohmann-json3-dev
  python3-grpcio python3-grpc-tools grpc-proto python3-yaml
  clang libclang-rt-14-dev llvm  # scripts/fuzz.sh: clang, libFuzzer and the sanitizers, llvm-symbolizer
)
# Installed without recommends: only promtool is wanted from prometheus (metrics lint in the
# tests); chromium and poppler-utils render the borrower's own report to PDF and read it back
# in the tests (with fonts for Latin and Chinese text).
PACKAGES_NO_RECOMMENDS=(prometheus chromium poppler-utils fonts-liberation fonts-wqy-microhei)

# The Helm chart check fetches helm from the npm registry; npm comes with the machine's Node.js,
# and Debian's nodejs/npm are installed only where there is none.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=(); missing_nr=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${PACKAGES_NO_RECOMMENDS[@]}"; do installed "$p" || missing_nr+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_nr[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "bootstrap: installing ${missing[*]} ${missing_nr[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
[ ${#missing[@]} -eq 0 ] || $SUDO apt-get install -y -q "${missing[@]}"
[ ${#missing_nr[@]} -eq 0 ] || $SUDO apt-get install -y -q --no-install-recommends "${missing_nr[@]}"
