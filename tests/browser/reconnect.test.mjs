// Two replicas behind a tiny proxy; the one the dashboard streams from is
// killed with SIGKILL: the page shows the banner, reconnects through the
// proxy to the other replica, resumes with its last event id and misses
// nothing.
import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import {temp_dir, start_redis, start_daemon, start_proxy, launch, new_page, sign_in, refer} from './support/harness.mjs';
import fs from 'node:fs';

const parts = [];
after(async () => {
  for (const p of parts.reverse()) await p().catch(() => {});
});

test('the dashboard survives kill -9 of its replica and misses no event', async () => {
  const dir = temp_dir('reconnect');
  parts.push(async () => { if (!process.env.CASEROUTE_KEEP_TMP) fs.rmSync(dir, {recursive: true, force: true}); });
  const redis = await start_redis(dir);
  parts.push(() => redis.stop());
  const a = await start_daemon(dir, redis);
  parts.push(() => a.stop());
  const b = await start_daemon(dir, redis);
  parts.push(() => b.stop());
  const proxy = await start_proxy([a.port, b.port]);
  parts.push(() => proxy.close());
  const browser = await launch(dir);
  parts.push(() => browser.close());

  const page = await new_page(await browser.createBrowserContext());
  await sign_in(page, proxy.origin, 's1');
  await page.waitForSelector('body[data-loaded]');
  await page.evaluate(() => { window.not_reloaded = true; });
  const first = await refer(a.port, {risk: 'RISK_LOW', concern: 'anxiety'});
  await page.waitForSelector(`#queue tr[data-case-id="${first}"]`, {timeout: 5000});

  const [victim, survivor] = proxy.backend() === a.port ? [a, b] : [b, a];
  await victim.kill9();
  await page.waitForSelector('#live-banner:not([hidden])', {timeout: 10000});
  assert.match(await page.$eval('#live-banner', (e) => e.textContent), /连接已断开/);
  // Written while the page is disconnected, through the surviving replica.
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push(await refer(survivor.port, {risk: 'RISK_MEDIUM', concern: 'depression'}));

  await page.waitForSelector('#live-banner[hidden]', {timeout: 20000});
  for (const id of missed) await page.waitForSelector(`#queue tr[data-case-id="${id}"]`, {timeout: 10000});
  const seen = await page.evaluate(() => window.caseroute_seen);
  for (const id of [first, ...missed]) {
    assert.ok(seen.some((e) => e.caseId === id && e.type === 'case.created'), `case.created of ${id} seen`);
  }
  const ids = seen.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
  const key = (id) => id.split('-').map(Number);
  for (let i = 1; i < ids.length; i++) {
    const [x, y] = [key(ids[i - 1]), key(ids[i])];
    assert.ok(x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]), `in order: ${ids[i - 1]} < ${ids[i]}`);
  }
  assert.equal(await page.evaluate(() => window.caseroute_resyncs || 0), 0, 'resumed, not resynced');
  assert.equal(await page.evaluate(() => window.not_reloaded), true);
  assert.deepEqual(page.problems, []);
});
