// A platform whose callback endpoint refuses connections: its status
// callbacks are parked after callbacks.max_attempts, the dashboard lists
// them without a reload, and once the endpoint works the retry button
// delivers one and it leaves the list.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import {stack, new_page, sign_in, refer, shot, press, free_port, wait_until, platform_secret} from './support/harness.mjs';

let s;
let target_port;
let target = null;
const delivered = [];  // {eventId, signed}

before(async () => {
  // Nothing listens here until the test starts the endpoint: connect is refused.
  target_port = await free_port();
  s = await stack('parked', {
    edit: (text) => text.replace('    secret_file: secrets/test-platform.key\n',
                                 `    secret_file: secrets/test-platform.key\n` +
                                 `    callback_url: "http://127.0.0.1:${target_port}/status"\n`),
    extra: 'callbacks:\n  max_attempts: 2\n  initial_backoff: 50ms\n  max_backoff: 100ms\n  timeout: 2s\n',
  });
});
after(async () => {
  if (target) await new Promise((r) => target.close(r));
  if (s) await s.close();
});

// The platform's endpoint: checks the signature and acknowledges.
function start_target() {
  target = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const ts = req.headers['x-timestamp'] || '';
      const want = crypto.createHmac('sha256', platform_secret()).update(`${ts}\n${req.method}\n${req.url}\n${body}`).digest('hex');
      let event_id = '';
      try { event_id = JSON.parse(body).eventId || ''; } catch { /* not JSON */ }
      delivered.push({eventId: event_id, signed: req.headers['x-signature'] === want});
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end('{}');
    });
  });
  return new Promise((r) => target.listen(target_port, '127.0.0.1', r));
}

test('a refused callback is parked, shown live, and delivered by the retry button once the endpoint works', async () => {
  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  await dash.evaluate(() => { window.not_reloaded = true; });
  assert.match(await dash.$eval('#parked', (e) => e.textContent), /没有暂停的回调/);

  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  const short = id.slice(-6);
  // case.created is refused twice and parked; the dashboard picks it up by itself.
  const row = `#parked tr[data-case-id="${id}"][data-type="case.created"]`;
  await dash.waitForSelector(row, {timeout: 20000});
  const text = await dash.$eval(row, (e) => e.textContent);
  assert.match(text, new RegExp(short));
  assert.match(text, /收到转介/);
  assert.match(text, /平台拒绝连接/, 'the connection error is shown');
  assert.match(await dash.$eval(`${row} td.last-error`, (e) => e.title), /refused/i, 'the daemon\'s words in the title');
  assert.equal(await dash.$eval(`${row} td.attempts`, (e) => e.textContent), '2');
  await shot(dash, 'dashboard-parked-1280');

  const event_id = await dash.$eval(row, (e) => e.dataset.eventId);
  await start_target();
  await press(dash, `${row} button.retry`);
  await dash.waitForSelector('#toast[data-kind="info"]:not([hidden])');
  assert.equal(await dash.$eval('#toast', (e) => e.textContent), '已重新排队发送');
  await dash.waitForFunction((sel) => !document.querySelector(sel), {timeout: 5000}, row);
  await wait_until(() => delivered.some((d) => d.eventId === event_id), 10000, 'the retried callback delivered');
  assert.ok(delivered.filter((d) => d.eventId === event_id).every((d) => d.signed), 'signed like every callback');
  assert.equal(await dash.evaluate(() => window.not_reloaded), true);
  assert.deepEqual(dash.problems, []);
  await ctx.close();
});
