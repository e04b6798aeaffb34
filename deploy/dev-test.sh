#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs every test (unit,
# integration against private redis-servers, end-to-end with the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
# npm serves the contract tests' tools too (tests/contract: an OpenAPI
# validator, buf), installed after the build.
# The browser tests (tests/browser, ctest label browser): Debian's chromium,
# CJK fonts for the screenshots, poppler-utils (pdftotext reads the printed
# report), and puppeteer-core + axe-core from the
# committed lockfile. PUPPETEER_SKIP_DOWNLOAD: the system chromium is used,
# no browser is downloaded.
browser_deps=()
for p in chromium fonts-noto-cjk poppler-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || browser_deps+=("$p")
done
# node and npm from Debian unless some node is there already.
command -v npm >/dev/null || browser_deps+=(nodejs npm)
if [ ${#browser_deps[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${browser_deps[@]}"
fi
(cd tests/browser && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)
bash deploy/build.sh
bash tests/contract/npm-install.sh build
# libFuzzer targets (clang, ASan + UBSan), 30 s each on their seed corpora.
bash tests/fuzz/run.sh 30
cd build
ctest --output-on-failure -j2 --timeout 600 "$@"
