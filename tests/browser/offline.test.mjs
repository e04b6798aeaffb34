// The counselor page when the network or the daemon goes away: a clear
// Chinese message while it lasts, and an offer made meanwhile shows up once
// it is back, from the event stream resuming where it stopped, without a
// reload.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, new_page, sign_in, refer, bearer, shot, sleep, start_daemon} from './support/harness.mjs';

let s;
// Offers last a minute here, so one made while the page is away is still open.
before(async () => { s = await stack('offline', {edit: (text) => text.replace('  offer_timeout: 5s\n', '  offer_timeout: 60s\n')}); });
after(async () => { if (s) await s.close(); });

async function counselor_page(who) {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx, {width: 360, height: 740});
  await sign_in(page, s.origin, who);
  await page.waitForSelector('body[data-loaded]');
  await page.waitForSelector('body[data-live="up"]');
  await page.evaluate(() => { window.not_reloaded = true; });
  return page;
}

const saw_offer = (page, id) =>
  page.evaluate((id) => window.caseroute_seen.some((e) => e.caseId === id && e.type === 'case.offered'), id);

test('offline: the page says so in Chinese and catches up from the event stream when back', async () => {
  const page = await counselor_page('c3');
  // The page has seen an event (its own sign-in), so the stream has a place to resume from.
  await bearer(s.port, 'c3', 'PUT', '/v1/me/availability', {available: true});
  await page.waitForFunction(() => window.caseroute_seen.some((e) => e.type === 'counselor.availability'), {timeout: 5000});
  await page.setOfflineMode(true);
  await page.waitForSelector('#offline-banner:not([hidden])', {timeout: 5000});
  assert.equal(await page.$eval('#offline-banner', (e) => e.textContent), '网络已断开。恢复后会自动补齐错过的派单和个案。');
  await page.waitForSelector('body[data-live="down"]', {timeout: 10000});
  // One message, not two: the stream's banner stays quiet while offline.
  assert.equal(await page.$eval('#live-banner', (e) => getComputedStyle(e).display), 'none');
  await shot(page, 'me-offline-360', {full: false});

  // exam_stress goes to c3 alone.
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  await sleep(1000);
  assert.equal(await page.$(`#offers [data-case-id="${id}"]`), null, 'nothing arrives while offline');

  await page.setOfflineMode(false);
  await page.waitForSelector(`#offers [data-case-id="${id}"]`, {timeout: 15000});
  await page.waitForSelector('#offline-banner[hidden]');
  await page.waitForSelector('body[data-live="up"]', {timeout: 15000});
  // The stream is up at its headers; what it resumes with comes after them
  // (the list may show the offer first: the page reads it again when back).
  await page.waitForFunction(
      (id) => window.caseroute_seen.some((e) => e.caseId === id && e.type === 'case.offered'), {timeout: 10000}, id)
      .catch(() => {});
  assert.ok(await saw_offer(page, id), 'the offer came through the resumed event stream');
  assert.equal(await page.evaluate(() => window.caseroute_resyncs || 0), 0, 'resumed, not resynced');
  assert.equal(await page.evaluate(() => window.not_reloaded), true);
  assert.match(await page.$eval(`#offers [data-case-id="${id}"]`, (e) => e.textContent), /考试压力/);
  await shot(page, 'me-back-online-360', {full: false});
  assert.deepEqual(page.problems, []);
  await page.browserContext().close();
});

test('the daemon restarts: the page says so in Chinese and shows an offer made before it reconnected', async () => {
  // c4's page has seen no event yet: its stream has no id to resume from.
  const page = await counselor_page('c4');
  await s.daemon.stop();
  await page.waitForSelector('#live-banner:not([hidden])', {timeout: 10000});
  assert.equal(await page.$eval('#live-banner', (e) => e.textContent), '与服务器的连接已断开，正在自动重连……');
  assert.equal(await page.$eval('#offline-banner', (e) => e.hidden), true, 'the network itself is fine');
  await shot(page, 'me-daemon-down-360', {full: false});

  // Back on the same port, and an offer (school_bullying goes to c4 alone)
  // made before the page's stream is back (it retries every 2 s).
  s.daemon = await start_daemon(s.dir, s.redis, {port: s.port,
    edit: (text) => text.replace('  offer_timeout: 5s\n', '  offer_timeout: 60s\n')});
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'school_bullying'});
  await page.waitForSelector(`#offers [data-case-id="${id}"]`, {timeout: 10000});
  await page.waitForSelector('#live-banner[hidden]', {timeout: 10000});
  assert.equal(await page.evaluate(() => window.not_reloaded), true);
  assert.deepEqual(page.problems, []);
  await page.browserContext().close();
});
