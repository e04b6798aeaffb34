// Sessions from the browser: sign-in by form and by one-time link, sign-out,
// idle expiry, CSRF, what a viewer and a counselor may not do.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, new_page, sign_in, refer, tokens, page_fetch, sleep, press} from './support/harness.mjs';

let s;
// A short idle expiry, so the expiry test waits seconds, not minutes.
before(async () => { s = await stack('session', {extra: 'sessions:\n  idle: 3s\n'}); });
after(async () => { if (s) await s.close(); });

test('a wrong token is refused in Chinese; the right one leads to the page for the role', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx, {width: 360, height: 740});
  await page.goto(`${s.origin}/signin`, {waitUntil: 'networkidle2'});
  await page.type('#signin-id', 's1');
  await page.type('#signin-token', 'crt_wrong');
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#signin-msg:not([hidden])');
  assert.equal(await page.$eval('#signin-msg', (e) => e.textContent), '工号或口令错误。');
  assert.equal(new URL(page.url()).pathname, '/signin');
  await sign_in(page, s.origin, 's1');
  assert.equal(new URL(page.url()).pathname, '/');
  await ctx.close();

  const c = await s.browser.createBrowserContext();
  const me = await new_page(c);
  await sign_in(me, s.origin, 'c1');
  assert.equal(new URL(me.url()).pathname, '/me');
  // A counselor who opens the dashboard goes to their own page.
  await me.goto(`${s.origin}/`, {waitUntil: 'networkidle2'});
  await me.waitForFunction(() => location.pathname === '/me');
  assert.deepEqual(me.problems, []);
  await c.close();
});

test('sign-out ends the session', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  await page.waitForSelector('body[data-loaded]');
  await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
  assert.equal(new URL(page.url()).pathname, '/signin');
  assert.match(await page.$eval('#signin-msg', (e) => e.textContent), /已退出登录/);
  assert.equal((await page_fetch(page, 'GET', '/v1/session', {csrf: false})).status, 401);
  await page.goto(`${s.origin}/`);
  await page.waitForFunction(() => location.pathname === '/signin');
  await ctx.close();
});

test('an idle session expires and the page says so', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 'c1');
  await page.goto('about:blank');
  await sleep(4500);  // sessions.idle is 3 s
  await page.goto(`${s.origin}/me`);
  await page.waitForFunction(() => location.pathname === '/signin', {timeout: 10000});
  await page.waitForSelector('#signin-msg:not([hidden])');
  assert.match(await page.$eval('#signin-msg', (e) => e.textContent), /登录已过期/);
  await ctx.close();
});

test('a write without the CSRF header is refused', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  const id = await refer(s.port, {risk: 'RISK_LOW', concern: 'anxiety'});
  const without = await page_fetch(page, 'POST', `/v1/cases/${id}/cancel`, {body: {}, csrf: false});
  assert.equal(without.status, 403, without.body);
  const c = await page_fetch(page, 'GET', `/v1/cases/${id}?reveal=false`, {csrf: false});
  assert.notEqual(JSON.parse(c.body).state, 'CASE_CANCELLED');
  // The same request with the header goes through: the header was the difference.
  const with_header = await page_fetch(page, 'POST', `/v1/cases/${id}/cancel`, {body: {}});
  assert.equal(with_header.status, 200, with_header.body);
  await ctx.close();
});

test('a viewer sees the dashboard without actions and cannot act', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 'v1');
  assert.equal(new URL(page.url()).pathname, '/');
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'depression'});
  await page.waitForSelector(`#queue tr[data-case-id="${id}"]`, {timeout: 5000});
  assert.equal(await page.$eval('#viewer-note', (e) => e.hidden), false);
  await press(page, `#queue tr[data-case-id="${id}"] button.case-open`);
  await page.waitForSelector('#drawer:not([hidden]) .timeline');
  for (const sel of ['#assign', '#cancel', '#risk', '#reveal']) assert.equal(await page.$(`#drawer ${sel}`), null, sel);
  const r = await page_fetch(page, 'POST', `/v1/cases/${id}/cancel`, {body: {}});
  assert.equal(r.status, 403, r.body);
  await ctx.close();
});

test('a counselor cannot open another counselor\'s case', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx, {width: 360, height: 740});
  await sign_in(page, s.origin, 'c1');
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});  // goes to c3
  for (const target of [`/v1/cases/${id}`, `/v1/cases/${id}?reveal=false`]) {
    const r = await page_fetch(page, 'GET', target, {csrf: false});
    assert.equal(r.status, 403, r.body);
    assert.doesNotMatch(r.body, /13900000000/);
  }
  const accept = await page_fetch(page, 'POST', `/v1/cases/${id}/accept`);
  assert.equal(accept.status, 409, accept.body);
  await ctx.close();
});

test('a one-time sign-in link from a supervisor signs the counselor in once', async () => {
  const ctx = await s.browser.createBrowserContext();
  const sup = await new_page(ctx);
  await sign_in(sup, s.origin, 's1');
  const r = await page_fetch(sup, 'POST', '/v1/session/links', {body: {id: 'c2'}});
  assert.equal(r.status, 200, r.body);
  const {url} = JSON.parse(r.body);
  assert.match(url, /^\/signin#/);
  const phone = await s.browser.createBrowserContext();
  const me = await new_page(phone, {width: 360, height: 740});
  await me.goto(`${s.origin}${url}`);
  await me.waitForFunction(() => location.pathname === '/me', {timeout: 10000});
  assert.equal(await me.evaluate(() => location.hash), '');
  // Used once: the same link again is refused.
  const other = await new_page(await s.browser.createBrowserContext(), {width: 360, height: 740});
  await other.goto(`${s.origin}${url}`);
  await other.waitForSelector('#signin-msg[data-kind="error"]:not([hidden])', {timeout: 10000});
  assert.match(await other.$eval('#signin-msg', (e) => e.textContent), /登录链接无效或已使用/);
  assert.ok(tokens().c2);
  await ctx.close();
  await phone.close();
  await other.browserContext().close();
});
