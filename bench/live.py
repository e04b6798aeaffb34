#!/usr/bin/env python3
"""The live targets that the side-by-side scripts do not cover, measured in one run:

  idle      N counselors each holding a long poll, nothing happening: Redis
            commands per second in all (INFO commandstats before and after).
  wake      two replicas on one Redis: a crisis referral posted to A, the long
            polls of every crisis-trained counselor held on B (and on A, to
            compare): time from the POST to each poll's answer (p50/p99 over
            all polls and referrals). One of them accepts each case before the
            next, so lists hold one offer (--wake-keep-offers: they grow).
  memory    RSS of an idle daemon, then per queued case after K referrals that
            nobody can serve.
  backlog   K referrals nobody can serve queued (a concern no counselor holds):
            caseroute_loadgen at --rate referrals/s (50 counselors, capacity 4),
            intake p99 and referral->accept p99, first without the backlog (fresh
            Redis), then with it, and their ratio; the time of a GET /metrics
            that reads Redis (limits.metrics_refresh is 1h in these worlds:
            only the first scrape does) and the slowest GET /healthz meanwhile. Then intake of 5,000 such cases with
            --shift-counselors counselors on duty, the rest of the K queued with
            nobody on duty, and a shift start: the daemon
            restarted on that world with its one shift beginning at the next
            minute boundary >= 60 s away, and the event-loop lag histogram
            (caseroute_event_loop_lag_seconds) from 8 s before to 20 s after it
            (and, for comparison, from 30 s to 8 s before it), with the slowest
            GET /healthz seen from outside in each window.
  gauges    N counselors on duty, each signed in once (PUT /v1/me/availability:
            live state in Redis), GET /metrics re-reading its gauges every
            two seconds (limits.metrics_refresh 2s): the event-loop lag over
            --scrapes scrapes and over as long a quiet window before them
            (which ends with one scrape), the slowest Redis call meanwhile
            (SLOWLOG, calls over 1 ms), and each scrape's time. Then as many
            of a supervisor's GET /v1/queue (who is on duty, available, busy),
            GET /v1/cases/{id} of a case nobody can serve (why it waits) and
            GET /v1/counselors (everyone, with load, sign-in and missed
            offers), and a counselor's GET /v1/me, measured the same way.

usage: bench/live.py CASEROUTE_BIN [--counselors 10000] [--wake-counselors 20]
                     [--wake-referrals 100] [--wake-keep-offers] [--backlog 100000] [--loadgen LOADGEN_BIN]
                     [--rate 100] [--rate-seconds 15] [--shift-counselors 10000] [--backlog-parts rate,shift]
                     [--scrapes 10] [--only idle,wake,memory,backlog,gauges]
Needs redis-server and python3 (standard library only); backlog also needs
caseroute_loadgen (default: tools/loadgen/caseroute_loadgen in the binary's
build directory). Prints one line per figure. LIVE_KEEP=1 keeps the daemons' logs.
"""
import argparse, asyncio, hashlib, hmac, json, os, re, resource, secrets, shutil, socket, subprocess, sys, tempfile, threading, time

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


def command_calls(port):
    """INFO commandstats as {command: calls}."""
    calls = {}
    for line in redis_cmd(port, "INFO", "commandstats").splitlines():
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
        if m:
            calls[m.group(1)] = int(m.group(2))
    return calls


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
    for _ in range(600):  # a start with a long queue reads it all first
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


async def post_referral(port, secret, rid, answer=False, **kw):
    body, ts, sig = signed_referral(secret, rid, **kw)
    r, w = await asyncio.open_connection("127.0.0.1", port)
    status, _, data = await http(r, w, "POST", "/v1/referrals",
                                 {"Content-Type": "application/json", "X-Platform-Id": "henan-12355", "X-Timestamp": ts,
                                  "X-Signature": sig}, body.encode())
    w.close()
    return (status, data) if answer else status


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
        before, t0 = command_calls(rport), time.time()
        await asyncio.sleep(seconds)
        after, t1 = command_calls(rport), time.time()
        after["info"] = after.get("info", 0) - 1  # INFO itself is one call per sample
        delta = {c: n - before.get(c, 0) for c, n in after.items() if n > before.get(c, 0)}
        print(f"idle: {len(tokens)} counselors holding a long poll: {sum(delta.values()) / (t1 - t0):.1f} Redis commands/s "
              f"(target < 100), daemon RSS {rss_kb(d.pid) / 1024:.0f} MB")
        by_command = ", ".join(f"{c} {n / (t1 - t0):.1f}/s" for c, n in sorted(delta.items(), key=lambda x: -x[1]))
        print(f"idle: Redis commands by name over {t1 - t0:.0f} s: {by_command or 'none'}")
        for t in tasks:
            t.cancel()
    finally:
        d.terminate(); d.wait(); rp.terminate(); rp.wait()


async def wake(binary, work, counselors, referrals, keep_offers=False):
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
        # Each counselor holds a poll on B (the target) and, to tell the feed's hop from the rest, one on A.
        answered = {pa: {}, pb: {}}
        async def poll(cid, token, port):
            r, w = await asyncio.open_connection("127.0.0.1", port)
            auth = {"Authorization": "Bearer " + token}
            _, etag, _ = await http(r, w, "GET", "/v1/me/offers", auth)
            while True:
                status, etag2, _ = await http(r, w, "GET", "/v1/me/offers?wait=30", dict(auth, **{"If-None-Match": etag}))
                if status == 200:
                    answered[port].setdefault(cid, time.perf_counter())
                etag = etag2 or etag
        tasks = [asyncio.create_task(poll(cid, tok, port)) for cid, tok in tokens for port in (pa, pb)]
        await asyncio.sleep(1.5)
        delays, same, posts, per_referral = [], [], [], []
        for i in range(referrals):
            answered[pa].clear(); answered[pb].clear()
            sent = time.perf_counter()
            status, data = await post_referral(pa, secret, f"wake-{os.getpid()}-{i}", answer=True)
            posts.append((time.perf_counter() - sent) * 1000)
            if status not in (200, 201, 202):
                raise SystemExit(f"referral answered {status}")
            deadline = time.perf_counter() + 5
            while (len(answered[pb]) < len(tokens) or len(answered[pa]) < len(tokens)) and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            per_referral.append(percentile([(t - sent) * 1000 for t in answered[pb].values()], 0.5))
            delays += [(t - sent) * 1000 for t in answered[pb].values()]
            same += [(t - sent) * 1000 for t in answered[pa].values()]
            if not keep_offers:
                # One of them takes it: the others' offers are withdrawn, so every list holds one offer at a time,
                # as when counselors answer. The withdrawals wake the polls too: let them settle first.
                cid, token = tokens[i % len(tokens)]
                r, w = await asyncio.open_connection("127.0.0.1", pa)
                case_id = json.loads(data)["caseId"]
                st, _, _ = await http(r, w, "POST", f"/v1/cases/{case_id}/accept", {"Authorization": "Bearer " + token})
                w.close()
                if st != 200:
                    raise SystemExit(f"accept answered {st}")
                await asyncio.sleep(0.3)
            await asyncio.sleep(0.05)
        missing = referrals * len(tokens) - len(delays)
        lists = "lists growing by one open offer per referral" if keep_offers else "each accepted after it, lists of one offer"
        print(f"wake: crisis referral to replica A ({lists}) -> long polls on replica B: {len(delays)} wake-ups "
              f"({missing} missing), p50 {percentile(delays, 0.5):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms "
              f"(target p99 <= 50 ms)")
        print(f"wake: for comparison, the same referrals -> the same counselors' polls on replica A: {len(same)} "
              f"wake-ups, p50 {percentile(same, 0.5):.1f} ms, p99 {percentile(same, 0.99):.1f} ms; the POST's own "
              f"answer p50 {percentile(posts, 0.5):.1f} ms, p99 {percentile(posts, 0.99):.1f} ms")
        tenth = max(1, referrals // 10)
        if keep_offers:
            print(f"wake: on B, median of each referral's wake-ups, first {tenth} referrals (lists of 1-{tenth} offers) "
                  f"p50 {percentile(per_referral[:tenth], 0.5):.1f} ms, last {tenth} (lists of {referrals - tenth + 1}-"
                  f"{referrals}) p50 {percentile(per_referral[-tenth:], 0.5):.1f} ms")
        for t in tasks:
            t.cancel()
    finally:
        for p in (a, b, rp):
            p.terminate(); p.wait()


async def memory(binary, work, backlog):
    # Idle on the shipped example config (its managed redis-server).
    # Its own working directory (redis.data_dir is relative to it) and port.
    # A copy beside copies of its secrets: a checkout leaves them 0644, which the daemon refuses.
    here = os.path.join(work, "example")
    os.makedirs(os.path.join(here, "secrets"), exist_ok=True)
    shutil.copy(os.path.join(HERE, "..", "config", "example.yaml"), here)
    for name in ("henan-12355.key", "data.key"):
        shutil.copy(os.path.join(HERE, "..", "config", "secrets", name), os.path.join(here, "secrets"))
        os.chmod(os.path.join(here, "secrets", name), 0o600)
    port = free_port()
    d = start_daemon(binary, os.path.join(here, "example.yaml"), port, work, "example", ["--listen", f"127.0.0.1:{port}"],
                     cwd=here)
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


async def queue_unservable(port, secret, n, tag, conns=8):
    """Posts n signed referrals whose concern (legal_aid) no counselor holds, over a few kept-alive connections."""
    headers = {"Content-Type": "application/json", "X-Platform-Id": "henan-12355"}
    left, refused, t0 = iter(range(n)), [0], time.time()

    async def worker():
        r, w = await asyncio.open_connection("127.0.0.1", port)
        for i in left:
            while True:
                body, ts, sig = signed_referral(secret, f"{tag}-{i}", risk="RISK_MEDIUM", concern="legal_aid")
                status, _, _ = await http(r, w, "POST", "/v1/referrals", dict(headers, **{"X-Timestamp": ts, "X-Signature": sig}),
                                          body.encode())
                if status != 429:
                    break
                await asyncio.sleep(0.2)
            if status not in (200, 201, 202):
                refused[0] += 1
            if i and i % 20000 == 0:
                print(f"backlog: queued {i} of {n} ({i / (time.time() - t0):.0f}/s)", flush=True)
        w.close()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return refused[0], time.time() - t0


def loadgen_run(loadgen, port, cfg, pid, rate, seconds):
    """caseroute_loadgen at a paced rate: (intake p99 ms, referral->accept p99 ms, its summary lines)."""
    out = subprocess.run([loadgen, "--port", str(port), "--rate", str(rate), "--duration", str(seconds), "--senders", "8",
                          "--wait", "5", "--config", cfg, "--counselors", os.path.join(os.path.dirname(cfg), "tokens.txt"),
                          "--daemon-pid", str(pid), "--max-errors", "1000000"], capture_output=True, text=True).stdout
    p99 = lambda name: float(re.search(re.escape(name) + r"\s+n=\d+.*?p99=\s*([\d.]+)ms", out).group(1))
    summary = [line.strip() for line in out.splitlines() if line.startswith(("referrals ", "unaccepted"))]
    return p99("POST /v1/referrals"), p99("referral_to_accept"), summary


def scrape(port):
    """GET /metrics as {series: value} (series with its labels, as printed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    out = {}
    for line in data.decode().partition("\r\n\r\n")[2].splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def lag_between(m0, m1):
    """The loop-lag histogram between two scrapes: (samples, mean ms, the bucket the largest stall fell in)."""
    name = "caseroute_event_loop_lag_seconds"
    n = m1[name + "_count"] - m0[name + "_count"]
    mean = (m1[name + "_sum"] - m0[name + "_sum"]) * 1000 / max(1, n)
    bounds = sorted((float(re.search(r'le="([^"]+)"', k).group(1)), k) for k in m1 if k.startswith(name + "_bucket"))
    below, largest = 0.0, "none"
    for le, k in bounds:  # cumulative: the first bucket that holds every sample bounds the largest
        if m1[k] - m0.get(k, 0) >= n:
            largest = f"{below * 1000:g}-{le * 1000:g} ms" if le != float("inf") else f"> {below * 1000:g} ms"
            break
        below = le
    return n, mean, largest


def lag_text(m0, m1):
    n, mean, largest = lag_between(m0, m1)
    return f"{n:.0f} samples, mean {mean:.2f} ms, largest stall in {largest}"


def probe_healthz(port, stop, worst):
    """From outside: GET /healthz (served on the event loop, no Redis) every 5 ms; worst[phase]: the slowest (s)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    while not stop.is_set():
        t = time.perf_counter()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b'"ok"' not in data:
            data += s.recv(4096)
        phase = worst["phase"]
        worst[phase] = max(worst.get(phase, 0), time.perf_counter() - t)
        time.sleep(0.005)
    s.close()


def stop(*procs):
    for p in procs:
        p.terminate(); p.wait()


async def backlog(binary, loadgen, work, n, rate, seconds, shift_counselors, parts):
    # 1. Intake and referral->accept at `rate`, without and then with n cases nobody can serve (fresh Redis each).
    figures = {}
    for label, queued in (("without backlog", 0), (f"{n} unservable queued", n)) if "rate" in parts else ():
        rp, rport = start_redis(work)
        port = free_port()
        cfg, _, secret = world(work, port, f"redis://127.0.0.1:{rport}/0", 50, capacity=4, extra_specialty=True)
        # Scrapes read Redis once (the first, timed below): the loop lag windows hold the load, not the scrapes.
        open(cfg, "a").write("limits:\n  metrics_refresh: 1h\n")
        d = start_daemon(binary, cfg, port, work, f"backlog-{queued}")
        try:
            if queued:
                refused, took = await queue_unservable(port, secret, queued, f"bl-{os.getpid()}")
                time.sleep(3)
                q = redis_cmd(rport, "ZCARD", "{cr:bench}:v1:queue")
                print(f"backlog: {queued} referrals posted in {took:.0f} s ({queued / took:.0f}/s, {refused} refused), queue {q}")
            # The first scrape reads Redis (the gauges: one row per open case), seen from outside by /healthz.
            time.sleep(1)
            stop_probe, worst = threading.Event(), {"phase": "scrape"}
            probe = threading.Thread(target=probe_healthz, args=(port, stop_probe, worst))
            probe.start()
            time.sleep(0.3)
            t = time.perf_counter()
            scrape(port)
            took = (time.perf_counter() - t) * 1000
            time.sleep(0.3)
            stop_probe.set()
            probe.join()
            print(f"backlog: {label}: a GET /metrics that reads Redis took {took:.0f} ms, slowest GET /healthz "
                  f"meanwhile {worst.get('scrape', 0) * 1000:.0f} ms")
            m0 = scrape(port)
            intake, accept, summary = loadgen_run(loadgen, port, cfg, d.pid, rate, seconds)
            figures[queued] = (intake, accept)
            print(f"backlog: {label}, loadgen {rate}/s for {seconds} s: intake p99 {intake:.1f} ms, "
                  f"referral->accept p99 {accept:.1f} ms ({'; '.join(summary)}); loop lag {lag_text(m0, scrape(port))}")
        finally:
            stop(d, rp)
    if figures:
        (i0, a0), (i1, a1) = figures[0], figures[n]
        print(f"backlog: with {n} queued vs without: intake p99 x{i1 / i0:.2f}, referral->accept p99 x{a1 / a0:.2f} "
              f"(target <= 2x each)")
    if "shift" not in parts:
        return

    # 2. A shift start with shift_counselors coming on duty and n unservable cases queued. First, for the
    #    record, intake of such cases with all of them on duty (every pass indexes who is on duty); then the
    #    rest queued with nobody on duty (the one shift moved to a minute far from now); then the daemon
    #    restarts on that world with its one shift beginning at the next minute boundary at least 60 s away
    #    (before it: a shift nobody is rostered for).
    tz = "Asia/Shanghai"  # gen_world.py's timezone
    os.environ["TZ"] = tz
    time.tzset()
    rp, rport = start_redis(work)
    port = free_port()
    cfg, _, secret = world(work, port, f"redis://127.0.0.1:{rport}/0", shift_counselors, capacity=4,
                           extra_specialty=True)
    # Scrapes read Redis once (the first): the windows below hold the daemon's own work, not theirs.
    open(cfg, "a").write("limits:\n  metrics_refresh: 1h\n")
    all_day = open(cfg).read()
    assert '  all: "00:00-24:00"' in all_day
    on_duty_part = min(n, 5000)
    d = start_daemon(binary, cfg, port, work, "shift-on-duty")
    try:
        scrape(port)
        time.sleep(0.5)
        m0 = scrape(port)
        refused, took = await queue_unservable(port, secret, on_duty_part, f"sh-{os.getpid()}")
        m1 = scrape(port)
        passes = 'caseroute_routing_passes_total{result="ok"}'
        print(f"backlog: intake of {on_duty_part} unservable referrals with {m1['caseroute_counselors_on_duty']:.0f} "
              f"counselors on duty: {on_duty_part / took:.0f}/s ({refused} refused), {m1[passes] - m0[passes]:.0f} "
              f"routing passes, loop lag {lag_text(m0, m1)}")
    finally:
        stop(d)
    off = time.strftime("%H:00-%H:01", time.localtime(time.time() + 12 * 3600))
    open(cfg, "w").write(all_day.replace('  all: "00:00-24:00"', f'  all: "{off}"'))
    d = start_daemon(binary, cfg, port, work, "shift-queue")
    try:
        refused, took = await queue_unservable(port, secret, n - on_duty_part, f"sh-{os.getpid()}-b")
        print(f"backlog: {n - on_duty_part} more posted with nobody on duty in {took:.0f} s "
              f"({(n - on_duty_part) / max(took, 0.001):.0f}/s, {refused} refused), queue "
              f"{redis_cmd(rport, 'ZCARD', '{cr:bench}:v1:queue')}")
    finally:
        stop(d)
    boundary = (int(time.time()) // 60 + 2) * 60
    if boundary - time.time() < 60:
        boundary += 60
    hhmm = time.strftime("%H:%M", time.localtime(boundary))
    if hhmm == "00:00":
        boundary += 60
        hhmm = "00:01"
    open(cfg, "w").write(all_day.replace('  all: "00:00-24:00"', f'  before: "00:00-{hhmm}"\n  all: "{hhmm}-24:00"'))
    d = start_daemon(binary, cfg, port, work, "shift")
    stop_probe, worst = threading.Event(), {"phase": "control"}
    try:
        m_start = scrape(port)
        time.sleep(max(0, boundary - 30 - time.time()))
        m_control = scrape(port)
        print(f"backlog: daemon restarted with {n} queued, {shift_counselors} counselors rostered from {hhmm} {tz}: "
              f"loop lag from ready to 30 s before the shift: {lag_text(m_start, m_control)}")
        probe = threading.Thread(target=probe_healthz, args=(port, stop_probe, worst))
        probe.start()
        time.sleep(max(0, boundary - 8 - time.time()))
        m_before = scrape(port)
        worst["phase"] = "shift"
        print(f"backlog: no boundary (30 s to 8 s before the shift, on duty "
              f"{m_before.get('caseroute_counselors_on_duty', float('nan')):.0f}): loop lag "
              f"{lag_text(m_control, m_before)}; slowest GET /healthz {worst.get('control', 0) * 1000:.1f} ms")
        time.sleep(max(0, boundary + 20 - time.time()))
        stop_probe.set()
        probe.join()
        m_after = scrape(port)
        full = lambda m: m.get('caseroute_routing_reads_total{kind="full"}', 0)
        print(f"backlog: shift start at {hhmm}: on duty {m_after.get('caseroute_counselors_on_duty', float('nan')):.0f}, "
              f"full reads {full(m_after) - full(m_before):.0f}, cases routed "
              f"{m_after.get('caseroute_routing_cases_total', 0) - m_before.get('caseroute_routing_cases_total', 0):.0f}, "
              f"unservable {m_after.get('caseroute_queue_unservable', float('nan')):.0f}")
        print(f"backlog: shift start with {n} queued and {shift_counselors} counselors, 8 s before to 20 s after: loop "
              f"lag {lag_text(m_before, m_after)} (target < 10 ms); slowest GET /healthz {worst.get('shift', 0) * 1000:.1f} ms")
    finally:
        stop_probe.set()
        stop(d, rp)


async def gauges(binary, work, counselors, scrapes):
    rp, rport = start_redis(work)
    port = free_port()
    cfg, tokens, secret = world(work, port, f"redis://127.0.0.1:{rport}/0", counselors, capacity=4,
                                extra_specialty=True)
    supervisor = "sv-" + secrets.token_urlsafe(16)
    open(cfg, "a").write("limits:\n  metrics_refresh: 2s\nsupervisors:\n  - {id: s1, name: s1, token_sha256: "
                         f"{hashlib.sha256(supervisor.encode()).hexdigest()}}}\n")
    d = start_daemon(binary, cfg, port, work, "gauges")
    try:
        async def sign_in(chunk):
            for _, token in chunk:
                r, w = await asyncio.open_connection("127.0.0.1", port)
                status, _, _ = await http(r, w, "PUT", "/v1/me/availability",
                                          {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
                                          b'{"available":true}')
                w.close()
                assert status == 200, status
        await asyncio.gather(*(sign_in(tokens[i::32]) for i in range(32)))
        held = int(redis_cmd(rport, "SCARD", "{cr:bench}:v1:counselors") or 0)
        time.sleep(2)
        m0 = scrape(port)
        time.sleep(scrapes * 2.1)
        m1 = scrape(port)
        redis_cmd(rport, "CONFIG", "SET", "slowlog-log-slower-than", "1000")
        redis_cmd(rport, "CONFIG", "SET", "slowlog-max-len", "100000")
        redis_cmd(rport, "SLOWLOG", "RESET")
        took = []
        for _ in range(scrapes):
            time.sleep(2.1)
            t = time.perf_counter()
            m2 = scrape(port)
            took.append((time.perf_counter() - t) * 1000)
        slow = subprocess.run(["redis-cli", "-p", str(rport), "--json", "SLOWLOG", "GET", "100000"], capture_output=True,
                              text=True).stdout
        slow = [e[2] for e in json.loads(slow or "[]") if "SLOWLOG" not in e[3][0].upper()]
        print(f"gauges: {m2.get('caseroute_counselors_on_duty', float('nan')):.0f} on duty, "
              f"{m2.get('caseroute_counselors_available', float('nan')):.0f} available ({held} with state in Redis)")
        print(f"gauges: quiet window, one scrape: loop lag {lag_text(m0, m1)}")
        print(f"gauges: {scrapes} scrapes re-reading the gauges: loop lag {lag_text(m1, m2)}; Redis calls over 1 ms "
              f"{len(slow)}, slowest {max(slow, default=0) / 1000:.1f} ms; a scrape p50 {percentile(took, 0.5):.1f} ms, "
              f"slowest {max(took):.1f} ms")
        status, data = await post_referral(port, secret, f"gauges-{os.getpid()}", answer=True, risk="RISK_MEDIUM",
                                           concern="legal_aid")
        assert status == 202, (status, data)
        case_id = json.loads(data)["caseId"]
        auth = {"Authorization": "Bearer " + supervisor}
        # The last counselor of the roster: a look-up through the whole city would cost the most.
        counselor = {"Authorization": "Bearer " + tokens[-1][1]}
        for what, path, who in (("GET /v1/queue", "/v1/queue", auth),
                                 ("GET /v1/cases/{id} of a queued case", f"/v1/cases/{case_id}", auth),
                                 ("GET /v1/counselors", "/v1/counselors", auth),
                                 ("GET /v1/me as a counselor", "/v1/me", counselor)):
            time.sleep(2.1)
            m3 = scrape(port)  # reads the gauges: m4 below, within metrics_refresh, does not
            redis_cmd(rport, "SLOWLOG", "RESET")
            took = []
            r, w = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(scrapes):
                t = time.perf_counter()
                status, _, body = await http(r, w, "GET", path, who)
                took.append((time.perf_counter() - t) * 1000)
                assert status == 200, (status, body)
                await asyncio.sleep(0.02)
            w.close()
            m4 = scrape(port)
            slow = subprocess.run(["redis-cli", "-p", str(rport), "--json", "SLOWLOG", "GET", "100000"],
                                  capture_output=True, text=True).stdout
            slow = [e[2] for e in json.loads(slow or "[]") if "SLOWLOG" not in e[3][0].upper()]
            print(f"gauges: {scrapes} x {what}: loop lag {lag_text(m3, m4)}; Redis calls over 1 ms {len(slow)}, "
                  f"slowest {max(slow, default=0) / 1000:.1f} ms; a request p50 {percentile(took, 0.5):.1f} ms, "
                  f"slowest {max(took):.1f} ms")
    finally:
        stop(d, rp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--counselors", type=int, default=10000)
    ap.add_argument("--idle-seconds", type=int, default=20)
    ap.add_argument("--wake-counselors", type=int, default=20)
    ap.add_argument("--wake-referrals", type=int, default=100)
    ap.add_argument("--wake-keep-offers", action="store_true", help="nobody accepts: lists grow by one offer a referral")
    ap.add_argument("--backlog", type=int, default=100000)
    ap.add_argument("--loadgen", default=None, help="default: build/tools/loadgen/caseroute_loadgen beside the binary's build/")
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--rate-seconds", type=int, default=15)
    ap.add_argument("--shift-counselors", type=int, default=10000)
    ap.add_argument("--backlog-parts", default="rate,shift", help="backlog: rate (intake with and without), shift")
    ap.add_argument("--scrapes", type=int, default=10)
    ap.add_argument("--only", default="idle,wake,memory,backlog,gauges")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="caseroute-live-")
    only = a.only.split(",")
    if "idle" in only:
        asyncio.run(idle(binary, work, a.counselors, a.idle_seconds))
    if "wake" in only:
        asyncio.run(wake(binary, work, a.wake_counselors, a.wake_referrals, a.wake_keep_offers))
    if "memory" in only:
        asyncio.run(memory(binary, work, a.backlog))
    if "backlog" in only:
        loadgen = a.loadgen or os.path.join(os.path.dirname(os.path.dirname(binary)), "tools", "loadgen", "caseroute_loadgen")
        asyncio.run(backlog(binary, os.path.abspath(loadgen), work, a.backlog, a.rate, a.rate_seconds,
                            a.shift_counselors, a.backlog_parts.split(",")))
    if "gauges" in only:
        asyncio.run(gauges(binary, work, a.counselors, a.scrapes))
    if os.environ.get("LIVE_KEEP"):
        print(f"daemon logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
