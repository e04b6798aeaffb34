// The whole flow in two browser contexts: the supervisor dashboard and the
// counselor page, live from GET /v1/events, never reloaded.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, new_page, sign_in, refer, bearer, shot, axe, tab_to, wait_until, press}
  from './support/harness.mjs';

let s;
before(async () => { s = await stack('flow'); });
after(async () => { if (s) await s.close(); });

test('a signed referral appears live, the counselor takes it by keyboard, resolves it, the dashboard shows it resolved', async () => {
  const dash = await new_page(await s.browser.createBrowserContext());
  await sign_in(dash, s.origin, 's1');
  assert.equal(new URL(dash.url()).pathname, '/');
  await dash.waitForSelector('body[data-loaded]');
  await dash.evaluate(() => { window.not_reloaded = true; });

  const phone_ctx = await s.browser.createBrowserContext();
  const me = await new_page(phone_ctx, {width: 360, height: 740});
  await sign_in(me, s.origin, 'c3');
  assert.equal(new URL(me.url()).pathname, '/me');
  await me.waitForSelector('body[data-loaded]');
  await me.evaluate(() => { window.not_reloaded = true; });

  // exam_stress: only c3 holds it, so the offer goes to c3.
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  await dash.waitForSelector(`#queue tr[data-case-id="${id}"]`, {timeout: 5000});
  await me.waitForSelector(`#offers [data-case-id="${id}"]`, {timeout: 5000});
  const offer = await me.$eval(`#offers [data-case-id="${id}"]`, (e) => e.textContent);
  assert.match(offer, /中风险/);
  assert.match(offer, /考试压力/);
  assert.match(offer, /电话咨询/);
  assert.match(offer, /剩余 \d+ 秒/);
  assert.doesNotMatch(offer, /13900000000|测试来访者|虚构的测试摘要/, 'no contact or summary before accepting');
  assert.ok(Number(await me.evaluate(() => document.body.dataset.beeps || 0)) >= 1, 'the offer beeped');
  assert.equal(await me.evaluate(() => document.body.dataset.notified), id, 'the offer raised a notification');

  // Keyboard only: Tab to the accept button, Enter.
  await me.evaluate(() => document.activeElement && document.activeElement.blur());
  await tab_to(me, `accept-${id}`);
  await me.keyboard.press('Enter');
  await me.waitForSelector(`#cases [data-case-id="${id}"] a.call[href="tel:13900000000"]`, {timeout: 5000});
  const mine = await me.$eval(`#cases [data-case-id="${id}"]`, (e) => e.textContent);
  assert.match(mine, /测试来访者/);
  assert.match(mine, /虚构的测试摘要/);
  await dash.waitForSelector(`#queue tr[data-case-id="${id}"][data-state="CASE_ACTIVE"]`, {timeout: 5000});
  await shot(me, 'me-active-case-360');

  // Resolve with an outcome from the list and a note.
  await me.select(`#outcome-${id}`, 'OUTCOME_HOME_VISIT');
  await me.type(`#note-${id}`, '虚构的办结记录');
  await press(me, `#cases [data-case-id="${id}"] button.resolve-btn`);
  await me.waitForSelector('dialog[open] button.primary');
  await press(me, 'dialog[open] button.primary');
  await me.waitForFunction((id) => !document.querySelector(`#cases [data-case-id="${id}"]`), {timeout: 5000}, id);
  const row = await dash.waitForSelector(`#queue tr[data-case-id="${id}"][data-state="CASE_RESOLVED"]`, {timeout: 5000});
  assert.match(await row.evaluate((e) => e.textContent), /已办结/);
  assert.match(await row.evaluate((e) => e.textContent), /上门化解/);

  // Neither page reloaded.
  assert.equal(await dash.evaluate(() => window.not_reloaded), true);
  assert.equal(await me.evaluate(() => window.not_reloaded), true);

  assert.deepEqual(dash.problems, []);
  assert.deepEqual(me.problems, []);
  await dash.browserContext().close();
  await phone_ctx.close();
});

test('the dashboard reads no contact or summary until 查看联系方式, and that click is audited', async () => {
  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  const id = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  await dash.waitForSelector(`#queue tr[data-case-id="${id}"]`, {timeout: 5000});
  await bearer(s.port, 'c3', 'POST', `/v1/cases/${id}/accept`);
  await dash.waitForSelector(`#queue tr[data-case-id="${id}"][data-state="CASE_ACTIVE"]`, {timeout: 5000});
  // The dashboard never read the sealed fields until asked: the audit log
  // has the counselor's reads only. The 查看联系方式 click adds the supervisor's.
  const before = JSON.parse((await bearer(s.port, 's1', 'GET', `/v1/audit?caseId=${id}`)).body).events || [];
  assert.ok(before.every((e) => e.principal.startsWith('counselor:')), JSON.stringify(before));
  await press(dash, `#queue tr[data-case-id="${id}"] button.case-open`);
  await dash.waitForSelector('#drawer:not([hidden]) .timeline li');
  const timeline = await dash.$eval('#drawer .timeline', (e) => e.textContent);
  for (const word of ['收到转介', '派单', '已接单']) assert.match(timeline, new RegExp(word));
  assert.equal(await dash.$('#drawer a[href^="tel:"]'), null, 'contact hidden until the button');
  await press(dash, '#reveal');
  await dash.waitForSelector('#drawer a[href="tel:13900000000"]');
  const after_reveal = JSON.parse((await bearer(s.port, 's1', 'GET', `/v1/audit?caseId=${id}`)).body).events || [];
  assert.ok(after_reveal.some((e) => e.principal === 'supervisor:s1'), 'the reveal was audited');
  assert.deepEqual(dash.problems, []);
  await ctx.close();
});

test('a crisis case nobody accepts raises the visible and audible alarm and a notification', async () => {
  const ctx = await s.browser.createBrowserContext();
  await ctx.overridePermissions(s.origin, ['notifications']);
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  assert.equal(await dash.$eval('#alarm', (e) => e.hidden), true);
  const beeps = Number(await dash.evaluate(() => document.body.dataset.beeps || 0));
  // c5 (self_harm, crisis trained) gets the broadcast and lets it expire.
  const id = await refer(s.port, {risk: 'RISK_CRISIS', concern: 'self_harm'});
  await dash.waitForSelector(`#escalated-list [data-case-id="${id}"]`, {timeout: 5000});
  assert.equal(await dash.$eval('#alarm', (e) => e.hidden), false);
  assert.match(await dash.$eval('#alarm', (e) => e.textContent), /危机警报/);
  assert.ok(Number(await dash.evaluate(() => document.body.dataset.beeps || 0)) > beeps, 'the alarm beeped');
  // crisis_offer_timeout is 3 s in config/test.yaml: the expiry notifies.
  await dash.waitForFunction((id) => document.body.dataset.notified === id, {timeout: 10000}, id);
  await shot(dash, 'dashboard-crisis-alarm-1280');
  await shot(dash, 'docs-dashboard', {full: false});  // docs/console-dashboard.png
  // The supervisor cancels it through the drawer, with the confirmation.
  await press(dash, `#escalated-list [data-case-id="${id}"] button.case-open`);
  await dash.waitForSelector('#drawer #cancel');
  await press(dash, '#drawer #cancel');
  await dash.waitForSelector('dialog[open] #cancel-reason');
  await dash.type('dialog[open] #cancel-reason', '测试：重复来电');
  await press(dash, 'dialog[open] button.danger');
  await dash.waitForSelector(`#queue tr[data-case-id="${id}"][data-state="CASE_CANCELLED"]`, {timeout: 5000});
  await dash.waitForFunction(() => document.getElementById('alarm').hidden, {timeout: 5000});
  assert.deepEqual(dash.problems, []);
  await ctx.close();
});

test('an action the daemon refuses shows a clear Chinese error', async () => {
  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  // c6 is never on duty: grief goes to c2; sign c2 out so the case queues.
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: false});
  const id = await refer(s.port, {risk: 'RISK_LOW', concern: 'grief'});
  await dash.waitForSelector(`#queue tr[data-case-id="${id}"] .reason`, {timeout: 5000});
  assert.match(await dash.$eval(`#queue tr[data-case-id="${id}"]`, (e) => e.textContent), /擅长丧失与哀伤的值班咨询师均已签退/);
  await press(dash, `#queue tr[data-case-id="${id}"] button.case-open`);
  await dash.waitForSelector('#drawer #assign');
  await dash.select('#assign-to', 'c2');
  await press(dash, '#drawer #assign');
  await dash.waitForSelector('dialog[open] button.primary');
  await press(dash, 'dialog[open] button.primary');
  await dash.waitForSelector('#toast[data-kind="error"]:not([hidden])');
  assert.equal(await dash.$eval('#toast', (e) => e.textContent), '该咨询师已签退。');
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: true});
  await ctx.close();
});

test('the counselor page shows declines with a reason list and free text', async () => {
  const ctx = await s.browser.createBrowserContext();
  const me = await new_page(ctx, {width: 360, height: 740});
  await sign_in(me, s.origin, 'c4');
  await me.waitForSelector('body[data-loaded]');
  const id = await refer(s.port, {risk: 'RISK_HIGH', concern: 'school_bullying'});
  await me.waitForSelector(`#decline-${id}`, {timeout: 5000});
  await shot(me, 'me-offer-360');
  await press(me, `#decline-${id}`);
  await me.waitForSelector('dialog[open] input[name="decline-reason"]');
  const reasons = await me.$$eval('dialog[open] label.radio', (ls) => ls.map((l) => l.textContent));
  assert.ok(reasons.includes('不擅长此类问题'), reasons.join());
  await press(me, 'dialog[open] input[value="me.decline.skill"]');
  await me.type('dialog[open] #decline-text', '虚构的补充说明');
  await press(me, 'dialog[open] button.primary');
  // The supervisor's history shows the decline by c4 (who is offered the
  // case again: nobody else on duty holds school_bullying).
  await wait_until(async () => JSON.parse((await bearer(s.port, 's1', 'GET', `/v1/cases/${id}`)).body).history
    .some((e) => e.type === 'case.declined' && e.counselorId === 'c4'), 5000, 'the decline');
  assert.deepEqual(me.problems, []);
  await ctx.close();
});

test('the counselor signs out and in with the switch', async () => {
  const ctx = await s.browser.createBrowserContext();
  const me = await new_page(ctx, {width: 360, height: 740});
  await sign_in(me, s.origin, 'c1');
  await me.waitForSelector('body[data-loaded]');
  const available = async () =>
    JSON.parse((await bearer(s.port, 's1', 'GET', '/v1/counselors')).body).counselors
      .find((c) => c.counselorId === 'c1').available === true;
  const flip = async (want) => {
    if (await me.$eval('#available', (e) => e.checked && !e.indeterminate) !== want) await me.click('#available');
    await wait_until(async () => (await available()) === want, 5000, `c1 available=${want}`);
    await me.waitForFunction(() => !document.getElementById('available').disabled);
  };
  await flip(true);
  await flip(false);
  assert.match(await me.$eval('#available-text', (e) => e.textContent), /已签退/);
  await flip(true);
  assert.match(await me.$eval('#available-text', (e) => e.textContent), /已签到/);
  await ctx.close();
});

test('axe-core finds no serious or critical violations with cases on the pages', async () => {
  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  assert.deepEqual(await axe(dash), []);
  await press(dash, '#queue button.case-open');
  await dash.waitForSelector('#drawer:not([hidden]) .timeline');
  assert.deepEqual(await axe(dash), []);
  await ctx.close();
});
