#!/usr/bin/env bash
# Installs the contract tests' npm tools (tests/contract/package.json, pinned
# by package-lock.json: the OpenAPI validator and buf) into <build dir>/contract-npm.
# Usage: tests/contract/npm-install.sh [build dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
dest="${1:-build}/contract-npm"
mkdir -p "$dest"
if ! cmp -s tests/contract/package-lock.json "$dest/package-lock.json" || [ ! -d "$dest/node_modules" ]; then
  cp tests/contract/package.json tests/contract/package-lock.json "$dest/"
  # --ignore-scripts: buf's postinstall only links its binary, which its
  # launcher finds without it.
  (cd "$dest" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
echo "npm-install: contract tools in $dest/node_modules"
