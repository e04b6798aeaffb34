#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs every test (unit,
# integration against private redis-servers, end-to-end with the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
# libFuzzer targets (clang, ASan + UBSan), 30 s each on their seed corpora.
bash tests/fuzz/run.sh 30
cd build
ctest --output-on-failure -j2 --timeout 600 "$@"
