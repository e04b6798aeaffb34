// A supervisor changes a queued case's risk from the dashboard's drawer,
// through the confirmation dialog: the case moves up the queue live and its
// timeline shows the change; a reason the daemon refuses shows a clear
// Chinese error and changes nothing.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, new_page, sign_in, refer, bearer, shot, press, wait_until} from './support/harness.mjs';

let s;
before(async () => { s = await stack('risk'); });
after(async () => { if (s) await s.close(); });

const queue_order = (page) => page.$$eval('#queue tbody tr', (rows) => rows.map((r) => r.dataset.caseId));

test('a queued case raised to high risk moves up the queue and its timeline says so', async () => {
  // grief goes to c2 alone (c6 is never on duty): with c2 signed out both wait.
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: false});
  const medium = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'grief'});
  const low = await refer(s.port, {risk: 'RISK_LOW', concern: 'grief'});

  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  await dash.evaluate(() => { window.not_reloaded = true; });
  await dash.waitForSelector(`#queue tr[data-case-id="${low}"] .reason`, {timeout: 5000});
  let order = await queue_order(dash);
  assert.ok(order.indexOf(medium) < order.indexOf(low), `medium before low: ${order}`);

  await press(dash, `#queue tr[data-case-id="${low}"] button.case-open`);
  await dash.waitForSelector('#drawer:not([hidden]) #risk-to');
  await dash.select('#risk-to', 'RISK_HIGH');
  await press(dash, '#drawer #risk');
  await dash.waitForSelector('dialog[open] #risk-reason');
  assert.match(await dash.$eval('dialog[open] #confirm-text', (e) => e.textContent), /高风险/);
  await dash.type('dialog[open] #risk-reason', '测试：来电中提到近期计划');
  await press(dash, 'dialog[open] button.primary');
  await dash.waitForSelector('#toast[data-kind="info"]:not([hidden])');
  assert.equal(await dash.$eval('#toast', (e) => e.textContent), '风险等级已调整');

  // The row moves above the medium one, from the event stream.
  await dash.waitForFunction((low, medium) => {
    const ids = [...document.querySelectorAll('#queue tbody tr')].map((r) => r.dataset.caseId);
    return ids.indexOf(low) >= 0 && ids.indexOf(low) < ids.indexOf(medium);
  }, {timeout: 5000}, low, medium);
  assert.match(await dash.$eval(`#queue tr[data-case-id="${low}"]`, (e) => e.textContent), /高风险/);
  assert.ok(await dash.evaluate((id) => window.caseroute_seen.some((e) => e.caseId === id && e.type === 'case.reprioritised'), low),
            'the change came through the event stream');

  // The drawer's timeline shows the reprioritisation, by whom and to what.
  await dash.waitForFunction(() => /调整风险等级/.test(document.querySelector('#drawer .timeline')?.textContent || ''),
                             {timeout: 5000});
  const item = await dash.$$eval('#drawer .timeline li', (lis) => lis.map((l) => l.textContent).find((x) => /调整风险等级/.test(x)));
  assert.match(item, /督导 s1/);
  assert.match(item, /高风险/);
  assert.match(await dash.$eval('#drawer .facts-list', (e) => e.textContent), /高风险/);
  await shot(dash, 'dashboard-risk-changed-1280');

  const stored = JSON.parse((await bearer(s.port, 's1', 'GET', `/v1/cases/${low}`)).body);
  assert.equal(stored.risk, 'RISK_HIGH');
  assert.equal(await dash.evaluate(() => window.not_reloaded), true);
  assert.deepEqual(dash.problems, []);
  await ctx.close();
});

test('a reason the daemon refuses shows a clear Chinese error and the risk stays', async () => {
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: false});
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'grief'});
  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  await press(dash, `#queue tr[data-case-id="${id}"] button.case-open`);
  await dash.waitForSelector('#drawer:not([hidden]) #risk-to');
  await dash.select('#risk-to', 'RISK_LOW');
  await press(dash, '#drawer #risk');
  await dash.waitForSelector('dialog[open] #risk-reason');
  // 400 characters fit the box, but they are 1200 bytes: the daemon takes 1000.
  await dash.$eval('dialog[open] #risk-reason', (e) => { e.value = '很'.repeat(400); });
  await press(dash, 'dialog[open] button.primary');
  await dash.waitForSelector('#toast[data-kind="error"]:not([hidden])');
  assert.equal(await dash.$eval('#toast', (e) => e.textContent), '原因太长：最多 1000 字节（约 333 个汉字），请删减后重试。');
  await shot(dash, 'dashboard-risk-refused-1280', {full: false});
  await wait_until(async () => JSON.parse((await bearer(s.port, 's1', 'GET', `/v1/cases/${id}`)).body).risk === 'RISK_MEDIUM',
                   2000, 'the risk unchanged');
  assert.doesNotMatch(await dash.$eval('#drawer .timeline', (e) => e.textContent), /调整风险等级/);
  assert.deepEqual(dash.problems, []);
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: true});
  await ctx.close();
});
