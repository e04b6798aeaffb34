#!/usr/bin/env python3
# redis.durability local vs replicated, measured: a Redis master, one replica
# (AOF everysec) and three sentinels on free loopback ports, the real daemon on
# sentinel://, and several clients posting signed referrals back to back.
# Not a test: it prints figures for the README's durability section.
#
# For each setting: referrals/s in steady state, the longest gap between two
# 2xx with nothing failing, the longest gap around a kill -9 of the master,
# how long writes were refused after the failover (one replica: with
# `replicated` until a replica is back), and how many referrals answered 2xx
# are gone afterwards. The old master stays down --after-kill seconds, then
# comes back one of two ways (the operator's choice):
#   sentinel   restarted as it was (a master); Sentinel sees it and makes it a
#              replica of the new master
#   replicaof  restarted with --replicaof <new master>, as a new replica would be
# A mode is durability[:rejoin], e.g. replicated:replicaof.
#
# Usage (from the checkout, after deploy/build.sh caseroute; it keeps two
# cores busy for about four minutes, so run it on an otherwise quiet machine):
#   python3 bench/durability.py [--bin build/daemon/caseroute]
#       [--clients 8] [--steady 20] [--after-kill 10]
#       [--modes local,replicated,replicated:replicaof]
import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASTER = "m"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def wait_until(pred, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


class cluster:
    """A master, one replica and three sentinels, like the README's advice."""

    def __init__(self, root):
        self.root = root
        self.node_ports = [free_port(), free_port()]
        self.sentinel_ports = [free_port(), free_port(), free_port()]
        self.nodes = [None, None]
        self.sentinels = []
        self.start_node(0, None)
        self.start_node(1, self.node_ports[0])
        if not wait_until(lambda: "master_link_status:up" in redis_cli(self.node_ports[1], "INFO", "replication"), 15):
            raise RuntimeError("the replica did not sync")
        for i in range(3):
            self.start_sentinel(i)
        if not wait_until(self.sentinels_ready, 30, 0.2):
            raise RuntimeError("the sentinels did not see each other")

    def node_argv(self, i, replica_of):
        d = os.path.join(self.root, "node%d" % i)
        os.makedirs(d, exist_ok=True)
        argv = ["redis-server", "--port", str(self.node_ports[i]), "--bind", "127.0.0.1", "--dir", d,
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction",
                "--repl-diskless-sync-delay", "0", "--daemonize", "no", "--logfile", os.path.join(d, "redis.log")]
        if replica_of:
            argv += ["--replicaof", "127.0.0.1", str(replica_of)]
        return argv

    def start_node(self, i, replica_of):
        self.nodes[i] = subprocess.Popen(self.node_argv(i, replica_of), stdout=subprocess.DEVNULL)
        if not wait_until(lambda: redis_cli(self.node_ports[i], "PING") == "PONG", 10, 0.05):
            raise RuntimeError("redis-server did not start")

    def start_sentinel(self, i):
        d = os.path.join(self.root, "sentinel%d" % i)
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "sentinel.conf")
        with open(conf, "w") as f:
            f.write("port %d\nbind 127.0.0.1\ndaemonize no\ndir %s\nlogfile %s\n" % (
                self.sentinel_ports[i], d, os.path.join(d, "sentinel.log")))
            f.write("sentinel resolve-hostnames no\n")
            f.write("sentinel monitor %s 127.0.0.1 %d 2\n" % (MASTER, self.node_ports[0]))
            f.write("sentinel down-after-milliseconds %s 1000\n" % MASTER)
            f.write("sentinel failover-timeout %s 5000\n" % MASTER)
            f.write("sentinel parallel-syncs %s 1\n" % MASTER)
        self.sentinels.append(subprocess.Popen(["redis-sentinel", conf], stdout=subprocess.DEVNULL))

    def sentinels_ready(self):
        for p in self.sentinel_ports:
            if str(self.node_ports[1]) not in redis_cli(p, "SENTINEL", "replicas", MASTER):
                return False
            if redis_cli(p, "SENTINEL", "sentinels", MASTER).count("runid") < 2:
                return False
        return True

    def url(self):
        return "sentinel://" + ",".join("127.0.0.1:%d" % p for p in self.sentinel_ports) + "/" + MASTER

    def master_port(self):
        addr = redis_cli(self.sentinel_ports[0], "SENTINEL", "get-master-addr-by-name", MASTER).split()
        return int(addr[1]) if len(addr) == 2 else 0

    def kill9(self, i):
        self.nodes[i].kill()
        self.nodes[i].wait()

    def stop(self):
        for p in self.sentinels + [n for n in self.nodes if n]:
            p.kill()
            p.wait()


def daemon_config(root, durability):
    """config/test-sentinel.yaml with the default command timeout and the setting under test."""
    text = open(os.path.join(SOURCE, "config", "test-sentinel.yaml")).read()
    out = []
    for line in text.splitlines():
        if line.strip().startswith("command_timeout:"):
            continue  # the default, 5000ms, as a new user would have it
        if line.strip().startswith("durability:"):
            line = "  durability: " + durability
        if line.strip().startswith("level:"):
            line = "  level: info"
        for key in ("secret_file: ", "encryption_key_file: "):
            if key in line:
                k, v = line.split(key)
                line = k + key + os.path.join(SOURCE, "config", v.strip())
        out.append(line)
    path = os.path.join(root, "caseroute-%s.yaml" % durability)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


SECRET = open(os.path.join(SOURCE, "config", "secrets", "test-platform.key")).read().strip()


def signed_call(conn, method, target, body=""):
    ts = str(int(time.time()))
    payload = "%s\n%s\n%s\n%s" % (ts, method.upper(), target, body)
    sig = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    headers = {"X-Platform-Id": "test-platform", "X-Timestamp": ts, "X-Signature": sig,
               "Content-Type": "application/json"}
    conn.request(method, target, body=body.encode() if body else None, headers=headers)
    r = conn.getresponse()
    return r.status, r.read().decode(errors="replace")


CONCERNS = ["depression", "anxiety", "grief", "school_bullying", "self_harm"]


def referral_body(rid, n):
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    return json.dumps({"referralId": rid, "receivedAt": at, "risk": "RISK_MEDIUM", "concerns": [CONCERNS[n % 5]],
                       "mode": "MODE_PHONE", "youth": {"ref": "y-" + rid, "age": 16},
                       "contact": {"name": "Test Youth", "phone": "13900000000"},
                       "summary": "invented test summary"}, separators=(",", ":"))


class clients:
    """Threads posting referrals back to back; a 503 is retried with the same body."""

    def __init__(self, port, n, tag):
        self.port = port
        self.lock = threading.Lock()
        self.acked = []  # (answered, referral id, case id)
        self.refused = []  # times of 503 answers
        self.other = {}
        self.stopping = False
        self.threads = [threading.Thread(target=self.loop, args=("%s-%d" % (tag, i),), daemon=True) for i in range(n)]
        for t in self.threads:
            t.start()

    def loop(self, tag):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n, body, rid = 0, None, None
        while not self.stopping:
            if body is None:
                rid = "%s-%d" % (tag, n)
                body = referral_body(rid, n)
                n += 1
            try:
                status, text = signed_call(conn, "POST", "/v1/referrals", body)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                status, text = 0, ""
                time.sleep(0.05)
            now = time.monotonic()
            with self.lock:
                if status in (200, 202):
                    self.acked.append((now, rid, json.loads(text).get("caseId", "")))
                    body = None
                elif status == 503:
                    self.refused.append(now)
                else:
                    self.other[status] = self.other.get(status, 0) + 1
            if status == 503:
                time.sleep(0.05)  # Retry-After is 1 s; a platform would wait, this measures when writes resume

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join()

    def acked_between(self, a, b):
        with self.lock:
            return [x for x in self.acked if a <= x[0] < b]

    def longest_gap(self, a, b):
        times = [a] + [x[0] for x in self.acked_between(a, b)] + [b]
        return max(y - x for x, y in zip(times, times[1:]))


def lost(port, acked):
    """Referrals answered 2xx that the daemon no longer knows (or knows under another case id)."""
    missing = []
    lock = threading.Lock()
    chunks = [acked[i::4] for i in range(4)]

    def check(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _, rid, case_id in chunk:
            status, text = signed_call(conn, "GET", "/v1/referrals/" + rid)
            if status != 200 or json.loads(text).get("caseId") != case_id:
                with lock:
                    missing.append(rid)

    threads = [threading.Thread(target=check, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return missing


def run_mode(args, mode):
    durability, _, rejoin = mode.partition(":")
    rejoin = rejoin or "sentinel"
    root = tempfile.mkdtemp(prefix="caseroute-bench-")
    c = cluster(root)
    port = free_port()
    log = open(os.path.join(root, "daemon.log"), "w")
    daemon = subprocess.Popen([args.bin, "--config", daemon_config(root, durability), "--listen",
                               "127.0.0.1:%d" % port, "--redis-url", c.url()], stdout=log, stderr=log)
    try:
        def ready():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/readyz")
                return conn.getresponse().status == 200
            except OSError:
                return False

        if not wait_until(ready, 30):
            raise RuntimeError("the daemon did not get ready; see " + log.name)
        load = clients(port, args.clients, "bench-%s-%d" % (durability, os.getpid()))
        time.sleep(3)  # warm up
        t0 = time.monotonic()
        time.sleep(args.steady)
        t1 = time.monotonic()
        steady = load.acked_between(t0, t1)
        steady_gap = load.longest_gap(t0, t1)

        old_master = c.node_ports[0]
        c.kill9(0)
        killed = time.monotonic()
        wait_until(lambda: c.master_port() not in (0, old_master), 60)
        promoted = time.monotonic()
        # The old master stays down for a while (with one replica, `replicated`
        # has nobody to wait for meanwhile), then comes back as a replica.
        time.sleep(args.after_kill)
        c.start_node(0, c.master_port() if rejoin == "replicaof" else None)
        restarted = time.monotonic()
        wait_until(lambda: "master_link_status:up" in redis_cli(old_master, "INFO", "replication"), 60)
        rejoined = time.monotonic()
        wait_until(lambda: len(load.acked_between(rejoined, time.monotonic())) >= 20, 60)
        time.sleep(3)
        load.stop()
        end = time.monotonic()

        after_restart = [x[0] for x in load.acked_between(restarted, end)]
        with load.lock:
            refused = [t for t in load.refused if t >= killed]
        missing = lost(port, load.acked)
        return {
            "mode": "%s, %s" % (durability, rejoin),
            "clients": args.clients,
            "steady_rate": len(steady) / (t1 - t0),
            "steady_gap_ms": steady_gap * 1000,
            "promoted_after_s": promoted - killed,
            "kill_gap_s": load.longest_gap(t1, end),
            "refused": "%d, +%.1f s .. +%.1f s" % (len(refused), refused[0] - killed, refused[-1] - killed)
            if refused else "none",
            "restarted_after_s": restarted - killed,
            "rejoined_after_restart_s": rejoined - restarted,
            "first_2xx_after_restart_s": (after_restart[0] - restarted) if after_restart else float("nan"),
            "acked": len(load.acked),
            "lost": len(missing),
            "other": load.other,
        }
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(15)
        except subprocess.TimeoutExpired:
            daemon.kill()
        c.stop()
        if args.keep:
            print("kept " + root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", default=os.path.join(SOURCE, "build", "daemon", "caseroute"))
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--steady", type=float, default=20, help="seconds of steady state measured")
    p.add_argument("--after-kill", type=float, default=10, help="seconds the old master stays down")
    p.add_argument("--modes", default="local,replicated,replicated:replicaof")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = p.parse_args()
    results = [run_mode(args, m) for m in args.modes.split(",")]
    rows = [
        ("referrals/s, steady state (%d clients)" % args.clients, lambda r: "%.0f" % r["steady_rate"]),
        ("longest gap between 2xx, no fault", lambda r: "%.0f ms" % r["steady_gap_ms"]),
        ("kill -9 master: replica promoted after", lambda r: "%.1f s" % r["promoted_after_s"]),
        ("kill -9 master: longest gap between 2xx", lambda r: "%.1f s" % r["kill_gap_s"]),
        ("503 answers after the kill: count, first .. last", lambda r: r["refused"]),
        ("old master back (restarted) after the kill", lambda r: "%.1f s" % r["restarted_after_s"]),
        ("restarted: its replication link up after", lambda r: "%.1f s" % r["rejoined_after_restart_s"]),
        ("restarted: first 2xx after", lambda r: "%.1f s" % r["first_2xx_after_restart_s"]),
        ("referrals answered 2xx / lost", lambda r: "%d / %d" % (r["acked"], r["lost"])),
        ("other answers", lambda r: " ".join("%sx%d" % kv for kv in sorted(r["other"].items())) or "-"),
    ]
    print("| | " + " | ".join("`%s`" % r["mode"] for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for name, f in rows:
        print("| " + name + " | " + " | ".join(f(r) for r in results) + " |")
    local = [r["steady_rate"] for r in results if r["mode"].startswith("local")]
    for r in results:
        if local and local[0] > 0 and not r["mode"].startswith("local"):
            print("\n%s / local steady-state rate: %.2f" % (r["mode"], r["steady_rate"] / local[0]))


if __name__ == "__main__":
    main()
