#!/usr/bin/env bash
# Configures and builds caseroute into build/ (Ninja, ccache, -j2).
# Usage: deploy/build.sh [target ...]   (default: everything)
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a second clone or worktree hits the same cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASEROUTE_WERROR=ON
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
start=$(date +%s)
cmake --build build -j2 "${targets[@]}"
echo "build: done in $(( $(date +%s) - start )) s"
