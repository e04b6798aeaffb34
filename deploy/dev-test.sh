#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs every test (unit,
# integration against private redis-servers, end-to-end with the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
# npm for the contract tests' tools (an OpenAPI validator, buf): Debian's
# nodejs and npm, unless a node with its npm is installed already.
if ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
bash deploy/build.sh
bash tests/contract/npm-install.sh build
# libFuzzer targets (clang, ASan + UBSan), 30 s each on their seed corpora.
bash tests/fuzz/run.sh 30
cd build
ctest --output-on-failure -j2 --timeout 600 "$@"
