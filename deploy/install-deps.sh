#!/usr/bin/env bash
# Installs what caseroute needs to build, test and run on Debian 12, with
# apt-get. Idempotent; skips apt entirely when everything is already there.
# Never the unversioned libboost-dev (1.74), which conflicts with 1.81.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config ccache
  # libraries (see README "Dependencies" for why each is here)
  libboost1.81-dev libhiredis-dev libprotobuf-dev protobuf-compiler
  libspdlog-dev libyaml-cpp-dev libsystemd-dev libssl-dev
  libhowardhinnant-date-dev libcli11-dev libjemalloc-dev
  # Redis: the managed default and the tests' private servers; Sentinel for
  # the failover tests
  redis-server redis-tools redis-sentinel
  # tests and benchmarks; clang + its runtime for the libFuzzer targets
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  # deploy checks: systemd-analyze verify (systemd), compose file syntax,
  # promtool (prometheus: alert rules, their unit tests, scrapes), the config
  # JSON Schema (python3-jsonschema)
  systemd docker-compose prometheus python3-jsonschema
  # the curl walkthrough; python3 for bench/durability.py; python3-yaml for
  # the build step that compiles docs/openapi.yaml into the daemon
  curl openssl python3 python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
