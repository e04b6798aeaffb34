#!/usr/bin/env bash
# ctest's entry for one browser test file: runs it with node's test runner,
# or reports it skipped (exit 77) when chromium or the npm packages are not
# installed (deploy/dev-test.sh installs both).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ] || [ ! -d node_modules/puppeteer-core ] || [ ! -d node_modules/axe-core ]; then
  echo "skipped: needs ${CHROMIUM_BIN:-/usr/bin/chromium} and tests/browser/node_modules (npm ci)"
  exit 77
fi
exec node --test --test-reporter=spec --test-concurrency=1 "$@"
