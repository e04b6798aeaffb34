#!/usr/bin/env python3
"""The live targets that the side-by-side scripts do not cover, measured in one run:

  idle      N counselors each holding a long poll, nothing happening: Redis
            commands per second in all (INFO commandstats before and after).
  wake      two replicas on one Redis: a crisis referral posted to A, the long
            polls of every crisis-trained counselor held on B: time from the
            POST to each poll's answer (p50/p99 over all polls and referrals).
  memory    RSS of an idle daemon, then per queued case after K referrals that
            nobody can serve.

usage: bench/live.py CASEROUTE_BIN [--counselors 10000] [--wake-counselors 20]
                     [--wake-referrals 100] [--backlog 100000] [--only idle,wake,memory]
Needs redis-server and python3 (standard library only). Prints one line per figure.
"""
import argparse, asyncio, hashlib, hmac, json, os, re, resource, secrets, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(work):
    port = free_port()
    d = os.path.join(work, "redis")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--appendonly", "yes",
                          "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction",
                          "--maxclients", "50000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if redis_cmd(port, "PING") == "PONG":
            return p, port
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def redis_cmd(port, *args):
    try:
        out = subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True, timeout=10)
        return out.stdout.strip()
    except Exception:
        return ""


def total_calls(port):
    total = 0
    for line in redis_cmd(port, "INFO", "commandstats").splitlines():
        m = re.search(r"calls=(\d+)", line)
        if m:
            total += int(m.group(1))
    return total


def world(work, http_port, redis_url, counselors, capacity=1000, extra_specialty=False):
    """One site, every counselor crisis-trained on an all-day shift (as side_by_side/gen_world.py)."""
    d = os.path.join(work, f"world-{http_port}")
    os.makedirs(d, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(HERE, "side_by_side", "gen_world.py"), d, "--port", str(http_port),
                    "--redis", redis_url, "--counselors", str(counselors), "--capacity", str(capacity),
                    "--offer-timeout", "60m"], check=True, stdout=subprocess.DEVNULL)
    cfg = os.path.join(d, "caseroute.yaml")
    # Every poll comes from this host: room for all of them, none capped per address.
    text = open(cfg).read().replace(
        "max_connections: 4096", f"max_connections: {2 * counselors + 2000}\n  max_connections_per_address: 0")
    if extra_specialty:  # a concern nobody holds, for cases nobody can serve
        text = text.replace("specialties:\n", "specialties:\n  - {code: legal_aid, name: legal_aid}\n", 1)
    open(cfg, "w").write(text)
    tokens = [line.split() for line in open(os.path.join(d, "tokens.txt")) if line.strip()]
    secret = open(os.path.join(d, "platform.key")).read().strip().encode()
    return cfg, tokens, secret


def start_daemon(binary, cfg, http_port, work, name, extra=(), cwd=None):
    log = open(os.path.join(work, f"{name}.log"), "w")
    p = subprocess.Popen([binary, "--config", cfg] + list(extra), stdout=log, stderr=log, cwd=cwd)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", http_port), timeout=0.2) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return p
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{name} did not become ready (see {work}/{name}.log)")


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def signed_referral(secret, rid, risk="RISK_CRISIS", concern="self_harm"):
    body = json.dumps({"referralId": rid, "receivedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "risk": risk, "concerns": [concern], "mode": "MODE_PHONE", "county": "411202",
                       "youth": {"ref": "y-" + rid, "age": 15}, "contact": {"name": "Invented", "phone": "13800000000"},
                       "summary": "invented"}, separators=(",", ":"))
    ts = str(int(time.time()))
    sig = hmac.new(secret, (ts + "\nPOST\n/v1/referrals\n" + body).encode(), hashlib.sha256).hexdigest()
    return body, ts, sig


async def http(reader, writer, method, path, headers, body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    status = await reader.readline()
    length, etag = 0, None
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
        if k.lower() == "etag":
            etag = v.strip()
    data = await reader.readexactly(length) if length else b""
    return int(status.split()[1]), etag, data


async def post_referral(port, secret, rid, **kw):
    body, ts, sig = signed_referral(secret, rid, **kw)
    r, w = await asyncio.open_connection("127.0.0.1", port)
    status, _, _ = await http(r, w, "POST", "/v1/referrals",
                              {"Content-Type": "application/json", "X-Platform-Id": "henan-12355", "X-Timestamp": ts,
                               "X-Signature": sig}, body.encode())
    w.close()
    return status


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


async def hold_polls(port, tokens, wait_s, ready):
    """Each counselor holds one long poll (If-None-Match of their current list) until cancelled."""
    async def one(cid, token):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        auth = {"Authorization": "Bearer " + token}
        _, etag, _ = await http(r, w, "GET", "/v1/me/offers", auth)
        ready.append(cid)
        while True:
            _, etag2, _ = await http(r, w, "GET", f"/v1/me/offers?wait={wait_s}", dict(auth, **{"If-None-Match": etag}))
            etag = etag2 or etag
    return [asyncio.create_task(one(cid, tok)) for cid, tok in tokens]


async def idle(binary, work, counselors, seconds):
    rp, rport = start_redis(work)
    port = free_port()
    cfg, tokens, _ = world(work, port, f"redis://127.0.0.1:{rport}/0", counselors)
    d = start_daemon(binary, cfg, port, work, "idle")
    try:
        ready = []
        tasks = await hold_polls(port, tokens, 50, ready)
        while len(ready) < len(tokens):
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # every poll is waiting now
        before, t0 = total_calls(rport), time.time()
        await asyncio.sleep(seconds)
        after, t1 = total_calls(rport), time.time()
        # INFO itself is one call per sample.
        print(f"idle: {len(tokens)} counselors holding a long poll: {(after - before - 1) / (t1 - t0):.1f} Redis commands/s "
              f"(target < 100), daemon RSS {rss_kb(d.pid) / 1024:.0f} MB")
        for t in tasks:
            t.cancel()
    finally:
        d.terminate(); d.wait(); rp.terminate(); rp.wait()


async def wake(binary, work, counselors, referrals):
    rp, rport = start_redis(work)
    pa, pb = free_port(), free_port()
    url = f"redis://127.0.0.1:{rport}/0"
    cfg_a, tokens, secret = world(work, pa, url, counselors)
    # Replica B: the same world (same tokens, secret and key) on another port.
    cfg_b = cfg_a.replace(".yaml", "-b.yaml")
    open(cfg_b, "w").write(open(cfg_a).read().replace(f"127.0.0.1:{pa}", f"127.0.0.1:{pb}"))
    a = start_daemon(binary, cfg_a, pa, work, "replica-a")
    b = start_daemon(binary, cfg_b, pb, work, "replica-b")
    try:
        answered = {}
        async def poll(cid, token):
            r, w = await asyncio.open_connection("127.0.0.1", pb)
            auth = {"Authorization": "Bearer " + token}
            _, etag, _ = await http(r, w, "GET", "/v1/me/offers", auth)
            while True:
                status, etag2, _ = await http(r, w, "GET", "/v1/me/offers?wait=30", dict(auth, **{"If-None-Match": etag}))
                if status == 200:
                    answered.setdefault(cid, time.perf_counter())
                etag = etag2 or etag
        tasks = [asyncio.create_task(poll(cid, tok)) for cid, tok in tokens]
        await asyncio.sleep(1.5)
        delays = []
        for i in range(referrals):
            answered.clear()
            sent = time.perf_counter()
            status = await post_referral(pa, secret, f"wake-{os.getpid()}-{i}")
            if status not in (200, 201, 202):
                raise SystemExit(f"referral answered {status}")
            deadline = time.perf_counter() + 5
            while len(answered) < len(tokens) and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            delays += [(t - sent) * 1000 for t in answered.values()]
            await asyncio.sleep(0.05)
        missing = referrals * len(tokens) - len(delays)
        print(f"wake: crisis referral to replica A -> long polls on replica B: {len(delays)} wake-ups "
              f"({missing} missing), p50 {percentile(delays, 0.5):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms "
              f"(target p99 <= 50 ms)")
        for t in tasks:
            t.cancel()
    finally:
        for p in (a, b, rp):
            p.terminate(); p.wait()


async def memory(binary, work, backlog):
    # Idle on the shipped example config (its managed redis-server).
    # Its own working directory (redis.data_dir is relative to it) and port.
    example = os.path.join(HERE, "..", "config", "example.yaml")
    port = free_port()
    d = start_daemon(binary, os.path.abspath(example), port, work, "example", ["--listen", f"127.0.0.1:{port}"],
                     cwd=work)
    time.sleep(3)
    print(f"memory: idle on config/example.yaml: RSS {rss_kb(d.pid) / 1024:.1f} MB (target <= 64 MB)")
    d.terminate(); d.wait()
    # Per queued case: the bench world plus a concern nobody holds.
    rp, rport = start_redis(work)
    port = free_port()
    cfg, _, secret = world(work, port, f"redis://127.0.0.1:{rport}/0", 50, extra_specialty=True)
    d = start_daemon(binary, cfg, port, work, "memory")
    try:
        time.sleep(2)
        before = rss_kb(d.pid)
        sem = asyncio.Semaphore(32)
        async def one(i):
            async with sem:
                return await post_referral(port, secret, f"mem-{os.getpid()}-{i}", risk="RISK_MEDIUM", concern="legal_aid")
        statuses = []
        for start in range(0, backlog, 5000):
            statuses += await asyncio.gather(*(one(i) for i in range(start, min(backlog, start + 5000))))
        bad = sum(1 for s in statuses if s not in (200, 201, 202))
        time.sleep(5)
        after = rss_kb(d.pid)
        queued = redis_cmd(rport, "ZCARD", "{cr:bench}:v1:queue")
        print(f"memory: {backlog} cases nobody can serve queued ({bad} refused, queue {queued}): RSS {before / 1024:.1f} -> "
              f"{after / 1024:.1f} MB, {(after - before) * 1024 / max(1, backlog):.0f} bytes per queued case "
              f"(target <= 1024)")
    finally:
        d.terminate(); d.wait(); rp.terminate(); rp.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--counselors", type=int, default=10000)
    ap.add_argument("--idle-seconds", type=int, default=20)
    ap.add_argument("--wake-counselors", type=int, default=20)
    ap.add_argument("--wake-referrals", type=int, default=100)
    ap.add_argument("--backlog", type=int, default=100000)
    ap.add_argument("--only", default="idle,wake,memory")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="caseroute-live-")
    only = a.only.split(",")
    if "idle" in only:
        asyncio.run(idle(binary, work, a.counselors, a.idle_seconds))
    if "wake" in only:
        asyncio.run(wake(binary, work, a.wake_counselors, a.wake_referrals))
    if "memory" in only:
        asyncio.run(memory(binary, work, a.backlog))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
