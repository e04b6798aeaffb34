#!/usr/bin/env python3
"""The queue read behind GET /v1/queue and GET /metrics with a long backlog.

Queues K referrals nobody can serve (bench/live.py's backlog world: a concern
no counselor holds) with the first binary, then runs each binary in turn on
that same Redis and measures, a few times each:
  - one GET /v1/queue (a supervisor) and one GET /metrics that reads Redis:
    the answer's time, the longest single Redis command meanwhile (SLOWLOG,
    everything over 100 us kept), the largest event-loop stall meanwhile
    (the bucket of caseroute_event_loop_lag_seconds it fell in) and the
    slowest GET /healthz seen from outside;
  - 5 GET /v1/queue at once: the time until the last answer and how many
    queue_view script calls Redis served for them (INFO commandstats).

usage: bench/queue_read.py CASEROUTE_BIN [CASEROUTE_BIN ...] [--backlog 100000] [--rounds 3]
Needs redis-server, redis-cli and python3 (standard library only). Prints one line per figure.
"""
import argparse, asyncio, hashlib, json, os, secrets, shutil, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live import (free_port, http, lag_text, probe_healthz, queue_unservable, redis_cmd, scrape,  # noqa: E402
                  start_daemon, start_redis, stop, world)

REFRESH = 4  # limits.metrics_refresh: a scrape reads Redis at most this often (s)


def slowest_redis_call(port):
    """The longest command SLOWLOG kept since the last reset: (microseconds, command and first key)."""
    out = subprocess.run(["redis-cli", "-p", str(port), "--json", "SLOWLOG", "GET", "100000"], capture_output=True,
                         text=True, timeout=30).stdout
    worst, name = 0, "none"
    for entry in json.loads(out or "[]"):
        if entry[2] > worst:
            worst, name = entry[2], " ".join(str(x) for x in entry[3][:2])
    return worst, name


def fcalls(port):
    n = 0
    for line in redis_cmd(port, "INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_fcall_ro:"):
            n = int(line.split("calls=")[1].split(",")[0])
    return n


async def get_queue(port, token):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    t = time.perf_counter()
    status, _, data = await http(r, w, "GET", "/v1/queue", {"Authorization": "Bearer " + token})
    took = (time.perf_counter() - t) * 1000
    w.close()
    if status != 200:
        raise SystemExit(f"GET /v1/queue answered {status}")
    return took, data


def measured(rport, port, what):
    """Runs what() with SLOWLOG reset, the lag histogram around it and /healthz probed from outside."""
    m0 = scrape(port)  # within metrics_refresh of the last read: no Redis read of its own
    redis_cmd(rport, "SLOWLOG", "RESET")
    stop_probe, worst = threading.Event(), {"phase": "x"}
    probe = threading.Thread(target=probe_healthz, args=(port, stop_probe, worst))
    probe.start()
    time.sleep(0.2)
    took = what()
    time.sleep(0.3)
    stop_probe.set()
    probe.join()
    us, name = slowest_redis_call(rport)
    m1 = scrape(port)
    return took, f"longest Redis call {us / 1000:.1f} ms ({name}), loop lag {lag_text(m0, m1)}, " \
                 f"slowest GET /healthz {worst.get('x', 0) * 1000:.0f} ms"


def wait_refresh(last_read):
    time.sleep(max(0.0, last_read + REFRESH + 0.2 - time.time()))


def run_binary(binary, cfg, port, rport, token, rounds, label):
    d = start_daemon(binary, cfg, port, os.path.dirname(cfg), "queue-" + os.path.basename(binary))
    try:
        time.sleep(3)  # the start's own reads of the queue settle
        redis_cmd(rport, "CONFIG", "SET", "slowlog-log-slower-than", "100")
        redis_cmd(rport, "CONFIG", "SET", "slowlog-max-len", "100000")
        for i in range(rounds):
            scrape(port)  # reads Redis: the scrapes below within REFRESH do not
            last_read = time.time()
            took, text = measured(rport, port, lambda: asyncio.run(get_queue(port, token))[0])
            print(f"queue_read: {label}: GET /v1/queue took {took:.0f} ms; {text}", flush=True)
            wait_refresh(last_read)
            scrape(port)  # reads Redis; measured() scrapes before and after within REFRESH: no read

            def timed_scrape(read_at=time.time()):
                time.sleep(max(0.0, read_at + REFRESH + 0.1 - time.time()))  # the next scrape reads Redis
                t = time.perf_counter()
                scrape(port)
                return (time.perf_counter() - t) * 1000
            took, text = measured(rport, port, timed_scrape)
            print(f"queue_read: {label}: GET /metrics that read Redis took {took:.0f} ms; {text}", flush=True)
        before = fcalls(rport)

        async def five():
            t = time.perf_counter()
            await asyncio.gather(*(get_queue(port, token) for _ in range(5)))
            return (time.perf_counter() - t) * 1000
        took = asyncio.run(five())
        print(f"queue_read: {label}: 5 GET /v1/queue at once: last answer after {took:.0f} ms, "
              f"{fcalls(rport) - before} read-only script calls", flush=True)
    finally:
        stop(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--backlog", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="caseroute-queue-read-")
    rp, rport = start_redis(work)
    try:
        port = free_port()
        cfg, _, secret = world(work, port, f"redis://127.0.0.1:{rport}/0", 50, capacity=4, extra_specialty=True)
        token = "crt_" + secrets.token_urlsafe(32)
        with open(cfg, "a") as f:
            f.write(f"limits:\n  metrics_refresh: {REFRESH}s\n")
            f.write(f"supervisors:\n  - {{id: s1, name: s1, token_sha256: \"{hashlib.sha256(token.encode()).hexdigest()}\"}}\n")
        d = start_daemon(os.path.abspath(a.binaries[0]), cfg, port, work, "queue-fill")
        try:
            refused, took = asyncio.run(queue_unservable(port, secret, a.backlog, f"qr-{os.getpid()}"))
        finally:
            stop(d)
        print(f"queue_read: {a.backlog} referrals queued in {took:.0f} s ({refused} refused), open set "
              f"{redis_cmd(rport, 'SCARD', '{cr:bench}:v1:open')}", flush=True)
        for i, b in enumerate(a.binaries):
            run_binary(os.path.abspath(b), cfg, port, rport, token, a.rounds, os.path.basename(b))
    finally:
        stop(rp)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
