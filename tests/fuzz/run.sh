#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs
# each for N seconds (default 30) on a copy of its seed corpus, never writing
# into the tree. Prints each target's exec count; exits non-zero on any crash,
# leak or timeout and keeps the reproducer in the work dir it prints.
# Usage: tests/fuzz/run.sh [seconds] [target ...]
# Env: CASEROUTE_FUZZ_BUILD (build dir, default build-fuzz),
#      CASEROUTE_FUZZ_WORK (work dir, default a fresh mktemp -d).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_http_request fuzz_referral_json fuzz_referral_protobuf fuzz_config fuzz_signature)
fi
build=${CASEROUTE_FUZZ_BUILD:-build-fuzz}
work=${CASEROUTE_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/caseroute-fuzz.XXXXXX")}
mkdir -p "$work"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"

if [ ! -f "$build/build.ninja" ]; then
  # -fno-sanitize=function: clang 14 fails on coroutines with it plus ASan and
  # sancov ("Cannot represent a difference across sections").
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize=function -fno-omit-frame-pointer" \
    -DCASEROUTE_FUZZ=ON -DCASEROUTE_TESTS=OFF -DCASEROUTE_BENCHMARKS=OFF
fi
build_args=()
for t in "${targets[@]}"; do build_args+=(--target "$t"); done
cmake --build "$build" -j2 "${build_args[@]}"

# Stop at the first sanitizer report, so a finding is a crash with a file.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"

failed=0
for t in "${targets[@]}"; do
  corpus="$work/$t/corpus"
  mkdir -p "$corpus" "$work/$t/artifacts"
  cp -r "tests/fuzz/corpus/$t/." "$corpus/"
  dict=()
  case $t in
    fuzz_http_request) dict=(-dict="$root/tests/fuzz/http.dict") ;;
    fuzz_referral_json) dict=(-dict="$root/tests/fuzz/referral_json.dict") ;;
    fuzz_config) dict=(-dict="$root/tests/fuzz/config.dict") ;;
  esac
  log="$work/$t/fuzz.log"
  set +e
  "$build/tests/fuzz/$t" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  # libFuzzer's final "Done N runs"; after a crash, its final stats.
  runs=$( (grep -o 'Done [0-9]* runs' "$log" || true) | tail -1 | awk '{print $2}')
  [ -n "$runs" ] || runs=$( (grep -o 'number_of_executed_units: [0-9]*' "$log" || true) | tail -1 | awk '{print $2}')
  if [ "$rc" -ne 0 ] || ls "$work/$t/artifacts/"* >/dev/null 2>&1; then
    failed=1
    echo "fuzz: $t FAILED (exit $rc) after ${runs:-?} runs; log $log"
    ls "$work/$t/artifacts/" | sed "s|^|fuzz:   artifact $work/$t/artifacts/|" || true
    grep -m1 -A12 'ERROR: \|runtime error\|SUMMARY' "$log" || tail -20 "$log" || true
  else
    echo "fuzz: $t ok: ${runs:-?} runs in ${seconds} s, corpus $(ls "$corpus" | wc -l) files"
  fi
done
echo "fuzz: work dir $work"
exit $failed
