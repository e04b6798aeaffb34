#!/usr/bin/env bash
# Soak: a private redis-server and the daemon on config/soak.yaml, the load
# generator at a steady rate for a duration, the daemon's RSS and Redis
# used_memory sampled every 10 s to a CSV. Fails on any load error, on RSS
# growth between the 25% mark and the end, or on Redis memory not plateauing.
# Everything runs on 127.0.0.1 and stops by itself.
#
#   tools/soak.sh [DURATION]        DURATION: 30m (default), 90s, 1h
#   env: RATE=20 (referrals/s)  BUILD_DIR=build  OUT=var/soak-<time>
#        RSS_GROWTH_KB=8192 RSS_GROWTH_PCT=10 (allowed 25%->end growth, the larger wins)
#        REDIS_GROWTH_PCT=15 (allowed growth of the last quarter over the second)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-30m}"
RATE="${RATE:-20}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
OUT="${OUT:-$ROOT/var/soak-$(date +%Y%m%d-%H%M%S)}"
RSS_GROWTH_KB="${RSS_GROWTH_KB:-8192}"
RSS_GROWTH_PCT="${RSS_GROWTH_PCT:-10}"
REDIS_GROWTH_PCT="${REDIS_GROWTH_PCT:-15}"

case "$DURATION" in
  *h) SECONDS_TOTAL=$(( ${DURATION%h} * 3600 )) ;;
  *m) SECONDS_TOTAL=$(( ${DURATION%m} * 60 )) ;;
  *s) SECONDS_TOTAL=${DURATION%s} ;;
  *) SECONDS_TOTAL=$DURATION ;;
esac

DAEMON="$BUILD_DIR/daemon/caseroute"
LOADGEN="$BUILD_DIR/tools/loadgen/caseroute_loadgen"
if [[ ! -x "$DAEMON" || ! -x "$LOADGEN" ]]; then
  echo "soak: building caseroute and caseroute_loadgen in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja >/dev/null
  cmake --build "$BUILD_DIR" --target caseroute caseroute_loadgen -j2
fi
mkdir -p "$OUT/redis"

free_port() {  # a port nothing listens on (bash's /dev/tcp connect fails)
  local p
  for _ in $(seq 1 50); do
    p=$(shuf -i 20000-45000 -n 1)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

REDIS_PORT=$(free_port)
HTTP_PORT=$(free_port)
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
DAEMON_PID=""
REDIS_PID=""
SAMPLER_PID=""
cleanup() {
  [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
  [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null || true
  [[ -n "$REDIS_PID" ]] && kill "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
  --appendfsync everysec --save "" --maxmemory-policy noeviction --daemonize no \
  >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 100); do
  redis-cli -p "$REDIS_PORT" PING 2>/dev/null | grep -q PONG && break
  sleep 0.1
done

"$DAEMON" --config "$ROOT/config/soak.yaml" --listen "127.0.0.1:$HTTP_PORT" --redis-url "$REDIS_URL" \
  >"$OUT/daemon.log" 2>&1 &
DAEMON_PID=$!
ready=0
for _ in $(seq 1 200); do
  if curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.1
done
if [[ $ready != 1 ]]; then
  echo "soak: the daemon did not become ready; see $OUT/daemon.log" >&2
  exit 1
fi
echo "soak: redis :$REDIS_PORT (pid $REDIS_PID), daemon :$HTTP_PORT (pid $DAEMON_PID), rate $RATE/s, ${SECONDS_TOTAL}s, output $OUT"

# Memory over time: seconds since start, daemon VmRSS (kB), Redis used_memory (bytes), keys.
CSV="$OUT/memory.csv"
echo "t_s,rss_kb,redis_used_memory,redis_keys" >"$CSV"
(
  start=$(date +%s)
  while kill -0 "$DAEMON_PID" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/{print $2}' "/proc/$DAEMON_PID/status" 2>/dev/null || echo "")
    used=$(redis-cli -p "$REDIS_PORT" INFO memory 2>/dev/null | tr -d '\r' | awk -F: '$1=="used_memory"{print $2}')
    keys=$(redis-cli -p "$REDIS_PORT" DBSIZE 2>/dev/null | tr -d '\r')
    echo "$(( $(date +%s) - start )),$rss,$used,$keys" >>"$CSV"
    sleep 10
  done
) &
SAMPLER_PID=$!

set +e
"$LOADGEN" --port "$HTTP_PORT" --rate "$RATE" --duration "$SECONDS_TOTAL" --config "$ROOT/config/soak.yaml" \
  --counselors "$ROOT/config/soak-tokens.txt" --daemon-pid "$DAEMON_PID" --redis-url "$REDIS_URL" \
  2>&1 | tee "$OUT/loadgen.log"
LOAD_RC=${PIPESTATUS[0]}
set -e
sleep 1
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""

kill -TERM "$DAEMON_PID"
DAEMON_RC=0
wait "$DAEMON_PID" || DAEMON_RC=$?
DAEMON_PID=""
redis-cli -p "$REDIS_PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=""

# first / 25% mark / last / max of each series; the plateau check compares the
# mean Redis memory of the last quarter with that of the second quarter.
summary=$(awk -F, -v total="$SECONDS_TOTAL" '
  NR == 1 || $2 == "" || $3 == "" { next }
  {
    n++; t[n] = $1; rss[n] = $2; mem[n] = $3
    if (n == 1) { rss_first = $2; mem_first = $3 }
    if (!q && $1 >= total * 0.25) { q = 1; rss_q = $2; mem_q = $3 }
    if ($2 > rss_max) rss_max = $2
    if ($3 > mem_max) mem_max = $3
    rss_last = $2; mem_last = $3
    if ($1 >= total * 0.25 && $1 < total * 0.5) { s2 += $3; c2++ }
    if ($1 >= total * 0.75) { s4 += $3; c4++ }
  }
  END {
    printf "samples=%d rss_first=%d rss_25=%d rss_last=%d rss_max=%d ", n, rss_first, rss_q, rss_last, rss_max
    printf "mem_first=%d mem_25=%d mem_last=%d mem_max=%d ", mem_first, mem_q, mem_last, mem_max
    printf "mem_q2=%d mem_q4=%d\n", (c2 ? s2 / c2 : 0), (c4 ? s4 / c4 : 0)
  }' "$CSV")
eval "$summary"

echo
echo "=== soak summary ($OUT) ==="
echo "rate ${RATE}/s for ${SECONDS_TOTAL}s, $samples samples in $CSV"
echo "daemon RSS (kB):        first $rss_first  at 25% $rss_25  end $rss_last  max $rss_max"
echo "Redis used_memory (B):  first $mem_first  at 25% $mem_25  end $mem_last  max $mem_max  (mean 2nd quarter $mem_q2, last quarter $mem_q4)"
echo "loadgen exit $LOAD_RC, daemon exit $DAEMON_RC"

fail=0
[[ $LOAD_RC == 0 ]] || { echo "FAIL: the load generator reported errors (exit $LOAD_RC)"; fail=1; }
[[ $DAEMON_RC == 0 ]] || { echo "FAIL: the daemon exited $DAEMON_RC on SIGTERM"; fail=1; }
if grep -q '"level":"error"' "$OUT/daemon.log"; then
  echo "FAIL: the daemon logged errors:"; grep '"level":"error"' "$OUT/daemon.log" | head -5; fail=1
fi
if (( SECONDS_TOTAL >= 600 )); then
  allowed=$(( rss_25 * RSS_GROWTH_PCT / 100 ))
  (( allowed < RSS_GROWTH_KB )) && allowed=$RSS_GROWTH_KB
  if (( rss_last - rss_25 > allowed )); then
    echo "FAIL: daemon RSS grew $(( rss_last - rss_25 )) kB from the 25% mark to the end (allowed $allowed kB)"; fail=1
  fi
  if (( mem_q4 * 100 > mem_q2 * (100 + REDIS_GROWTH_PCT) )); then
    echo "FAIL: Redis memory did not plateau: last quarter mean $mem_q4 B vs second quarter $mem_q2 B"; fail=1
  fi
else
  echo "note: runs under 10 minutes are too short to judge RSS and Redis plateaus (retention is 2m)"
fi
(( fail == 0 )) && echo "soak: PASS" || echo "soak: FAIL"
exit $fail
