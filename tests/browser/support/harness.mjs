// What the browser tests start and stop: a private redis-server on a free
// port, the real caseroute daemon on a config written from config/test.yaml,
// a tiny HTTP proxy in front of replicas, chromium through puppeteer-core,
// and signed platform calls. Everything lives in one mkdtemp directory.

import {spawn} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {createRequire} from 'node:module';
import puppeteer from 'puppeteer-core';

export const source_dir = process.env.CASEROUTE_SOURCE_DIR ||
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const daemon_bin = process.env.CASEROUTE_BIN || path.join(source_dir, 'build/daemon/caseroute');
export const shots_dir = process.env.CASEROUTE_SHOTS_DIR || path.join(source_dir, 'build/browser-shots');
export const chromium_bin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export function tokens() {
  const out = {};
  for (const line of fs.readFileSync(path.join(source_dir, 'config/test-tokens.txt'), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [id, token] = line.trim().split(/\s+/);
    if (id && token) out[id] = token;
  }
  return out;
}

export function platform_secret() {
  return fs.readFileSync(path.join(source_dir, 'config/secrets/test-platform.key'), 'utf8').replace(/\s+$/, '');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function free_port() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function wait_until(f, ms = 15000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await f()) return;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// One HTTP request: {status, headers, body (text)}.
export function request(port, method, target, {body = '', headers = {}} = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, method, path: target,
                              headers: {...headers, 'Content-Length': Buffer.byteLength(body)}}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString()}));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('request timeout')));
    req.end(body);
  });
}

// A process whose output goes to a file; stop() sends SIGTERM, kill9() SIGKILL.
class child {
  constructor(argv, log, opts = {}) {
    this.log = log;
    const out = fs.openSync(log, 'a');
    this.proc = spawn(argv[0], argv.slice(1), {stdio: ['ignore', out, out], ...opts});
    fs.closeSync(out);
    this.exited = new Promise((r) => this.proc.on('exit', (code, sig) => r(code ?? sig)));
  }
  running() { return this.proc.exitCode === null && this.proc.signalCode === null; }
  async stop() {
    if (!this.running()) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(t);
  }
  async kill9() {
    if (!this.running()) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
  output() { try { return fs.readFileSync(this.log, 'utf8'); } catch { return ''; } }
}

export async function start_redis(dir) {
  const port = await free_port();
  const data = path.join(dir, 'redis');
  fs.mkdirSync(data, {recursive: true});
  const r = new child(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', '',
                       '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'], path.join(dir, 'redis.log'));
  await wait_until(() => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.on('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.on('error', () => resolve(false));
  }), 10000, 'redis-server');
  r.port = port;
  r.url = `redis://127.0.0.1:${port}/0`;
  return r;
}

// config/test.yaml on this port and Redis, with `extra` YAML appended
// (top-level keys the file does not have yet, e.g. a short session expiry)
// and, when given, `edit` (text in, text out) for keys it has, e.g. shifts.
export function write_config(dir, {port, redis_url, extra = '', edit = null}) {
  fs.mkdirSync(path.join(dir, 'secrets'), {recursive: true});
  for (const key of ['test-platform.key', 'test-data.key']) {
    const to = path.join(dir, 'secrets', key);
    if (!fs.existsSync(to)) fs.copyFileSync(path.join(source_dir, 'config/secrets', key), to);
    fs.chmodSync(to, 0o600);
  }
  let text = fs.readFileSync(path.join(source_dir, 'config/test.yaml'), 'utf8');
  const replace = (from, to) => {
    if (!text.includes(from)) throw new Error(`config/test.yaml changed shape: ${from}`);
    text = text.replace(from, to);
  };
  replace('listen: "127.0.0.1:18355"', `listen: "127.0.0.1:${port}"`);
  replace('url: managed', `url: "${redis_url}"`);
  if (edit) text = edit(text);
  const file = path.join(dir, `caseroute-${port}.yaml`);
  fs.writeFileSync(file, `${text}\n${extra}\n`);
  return file;
}

export async function start_daemon(dir, redis, {extra = '', edit = null} = {}) {
  const port = await free_port();
  const config = write_config(dir, {port, redis_url: redis.url, extra, edit});
  const d = new child([daemon_bin, '--config', config], path.join(dir, `caseroute-${port}.log`));
  try {
    await wait_until(async () => (await request(port, 'GET', '/readyz')).status === 200, 20000, 'daemon /readyz');
  } catch (e) {
    await d.stop();
    throw new Error(`${e.message}; log:\n${d.output().slice(-3000)}`);
  }
  d.port = port;
  d.origin = `http://127.0.0.1:${port}`;
  return d;
}

// A signed platform request (docs/API.md, Platform signatures).
export function platform(port, method, target, body = '') {
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = crypto.createHmac('sha256', platform_secret()).update(`${ts}\n${method}\n${target}\n${body}`).digest('hex');
  return request(port, method, target, {body, headers: {
    'Content-Type': 'application/json', 'X-Platform-Id': 'test-platform', 'X-Timestamp': ts, 'X-Signature': sig}});
}

let referral_seq = 0;
export async function refer(port, {risk = 'RISK_MEDIUM', concern = 'anxiety', mode = 'MODE_PHONE', extra = {}} = {}) {
  const id = `browser-${process.pid}-${Date.now()}-${++referral_seq}`;
  const body = JSON.stringify({referralId: id, receivedAt: new Date(Date.now() - 30000).toISOString(), risk,
                               concerns: [concern], mode, youth: {ref: `y-${id}`, age: 15},
                               contact: {name: '测试来访者', phone: '13900000000'}, summary: '虚构的测试摘要', ...extra});
  const r = await platform(port, 'POST', '/v1/referrals', body);
  if (r.status !== 202) throw new Error(`referral answered ${r.status}: ${r.body}`);
  return JSON.parse(r.body).caseId;
}

export function bearer(port, who, method, target, body) {
  const headers = {Authorization: `Bearer ${tokens()[who]}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return request(port, method, target, {body: body === undefined ? '' : JSON.stringify(body), headers});
}

// A proxy in front of replicas: each new connection goes to the first
// backend that answers, trying them in order from the one used last, so a
// killed replica's clients land on a live one when they reconnect.
export async function start_proxy(backends) {
  const port = await free_port();
  let current = 0;
  const alive = (p) => new Promise((resolve) => {
    const s = net.connect(p, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
  const server = net.createServer(async (client) => {
    client.pause();
    for (let i = 0; i < backends.length; i++) {
      const idx = (current + i) % backends.length;
      if (await alive(backends[idx])) {
        current = idx;
        const up = net.connect(backends[idx], '127.0.0.1', () => { client.pipe(up); up.pipe(client); client.resume(); });
        up.on('error', () => client.destroy());
        up.on('close', () => client.destroy());
        client.on('error', () => up.destroy());
        client.on('close', () => up.destroy());
        return;
      }
    }
    client.destroy();
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {port, origin: `http://127.0.0.1:${port}`, backend: () => backends[current],
          close: () => new Promise((r) => server.close(r))};
}

export function temp_dir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `caseroute-browser-${name}-`));
}

export async function launch(dir) {
  const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
  return puppeteer.launch({
    executablePath: chromium_bin,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
           '--autoplay-policy=no-user-gesture-required', '--lang=zh-CN'],
  });
}

// A page that fails the test on a CSP violation or an uncaught error.
export async function new_page(context, {width = 1280, height = 900, lang = 'zh-CN'} = {}) {
  const page = await context.newPage();
  await page.setViewport({width, height});
  await page.setExtraHTTPHeaders({'Accept-Language': lang});
  // Headless chromium reports en-US whatever --lang says: the page reads
  // navigator.languages, so set it as a browser set to `lang` would.
  await page.evaluateOnNewDocument((l) => {
    Object.defineProperty(navigator, 'language', {get: () => l});
    Object.defineProperty(navigator, 'languages', {get: () => [l]});
  }, lang);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.problems.push(m.text());
  });
  return page;
}

export async function shot(page, name, {full = true} = {}) {
  fs.mkdirSync(shots_dir, {recursive: true});
  const file = path.join(shots_dir, `${name}.png`);
  await page.screenshot({path: file, fullPage: full});
  return file;
}

// axe-core on the page: the serious and critical violations.
export async function axe(page) {
  const src = fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');
  // Through the DevTools protocol, so the page's CSP does not block it.
  const session = await page.createCDPSession();
  await session.send('Runtime.evaluate', {expression: src});
  await session.detach();
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {resultTypes: ['violations']});
    return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Signs in through the page's form.
export async function sign_in(page, origin, who) {
  await page.goto(`${origin}/signin`, {waitUntil: 'networkidle2'});
  await page.type('#signin-id', who);
  await page.type('#signin-token', tokens()[who]);
  await Promise.all([page.waitForNavigation({waitUntil: 'networkidle2'}), page.click('#signin-form button[type=submit]')]);
}

// Redis + one daemon + chromium in a fresh directory; close() stops all
// and removes the directory.
export async function stack(name, {extra = '', edit = null} = {}) {
  const dir = temp_dir(name);
  const redis = await start_redis(dir);
  let daemon;
  try {
    daemon = await start_daemon(dir, redis, {extra, edit});
  } catch (e) {
    await redis.stop();
    throw e;
  }
  const browser = await launch(dir);
  return {
    dir, redis, daemon, browser, origin: daemon.origin, port: daemon.port,
    async close() {
      await browser.close().catch(() => {});
      await daemon.stop();
      await redis.stop();
      if (!process.env.CASEROUTE_KEEP_TMP) fs.rmSync(dir, {recursive: true, force: true});
    },
  };
}

// A fetch from inside the page (its cookie, its origin), optionally with
// the session's CSRF token: {status, body}.
export function page_fetch(page, method, target, {body, csrf = true} = {}) {
  return page.evaluate(async (method, target, body, csrf) => {
    const headers = {Accept: 'application/json'};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf) {
      const s = await (await fetch('/v1/session', {credentials: 'same-origin'})).json();
      headers['X-CSRF-Token'] = s.csrf;
    }
    const r = await fetch(target, {method, headers, credentials: 'same-origin',
                                   body: body === undefined ? undefined : JSON.stringify(body)});
    return {status: r.status, body: await r.text()};
  }, method, target, body, csrf);
}

// Presses Tab until the element with `id` has the focus (at most `limit`
// presses), then Enter: the keyboard-only path to a button.
export async function tab_to(page, id, limit = 40) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((id) => document.activeElement && document.activeElement.id === id, id)) return i + 1;
  }
  throw new Error(`Tab never reached #${id}`);
}

// Clicks the element matching `selector` in one step inside the page: live
// views re-render their rows on every event, so a handle may go stale
// between finding and clicking it.
export async function press(page, selector, timeout = 5000) {
  await page.waitForSelector(selector, {timeout});
  await page.$eval(selector, (e) => e.click());
}
