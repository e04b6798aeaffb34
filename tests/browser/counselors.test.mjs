// The dashboard's counselor panel shows what GET /v1/counselors says:
// wrapUpUntil after a resolve, missedOffers after a decline, nextShiftAt
// for a counselor off duty, each in its column and updated live.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, new_page, sign_in, refer, bearer, shot, wait_until} from './support/harness.mjs';

// test.yaml's roster key of the Shanghai (UTC+8) weekday three days from now.
const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const day3 = names[new Date(Date.now() + 8 * 3600e3 + 3 * 86400e3).getUTCDay()];

let s;
before(async () => {
  s = await stack('counselors', {
    edit: (text) => text
      .replace('  crisis_wrap_up: 0s\n', '  wrap_up: 120s\n  crisis_wrap_up: 0s\n')
      // c6 on t-hubin-a's roster (its line comes first) three days from now only.
      .replace(`      ${day3}: {all: [c1, c2]}\n`, `      ${day3}: {all: [c1, c2, c6]}\n`),
  });
});
after(async () => { if (s) await s.close(); });

async function offered(who, id) {
  await wait_until(async () => JSON.parse((await bearer(s.port, who, 'GET', '/v1/me/offers')).body).offers
    ?.some((o) => o.caseId === id), 10000, `${id} offered to ${who}`);
}

const cell = (page, id, cls) => page.$eval(`#counselors tr[data-counselor-id="${id}"] td.${cls}`, (e) => e.textContent);
// How the page writes an instant (i18n.js clock()).
const as_clock = (page, iso) => page.evaluate((iso) => new Date(iso).toLocaleString('zh-CN',
  {month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'}), iso);

test('wrap-up, missed offers and next shift in the counselor panel', async () => {
  const ctx = await s.browser.createBrowserContext();
  const dash = await new_page(ctx);
  await sign_in(dash, s.origin, 's1');
  await dash.waitForSelector('body[data-loaded]');
  await dash.waitForSelector('#counselors tr[data-counselor-id="c6"]');
  assert.equal(await cell(dash, 'c3', 'wrap-up'), '—');
  assert.equal(await cell(dash, 'c4', 'missed'), '0');
  assert.equal(await cell(dash, 'c1', 'next-duty'), '在班');

  // c3 takes an exam_stress case (only c3 holds it) and resolves it.
  const taken = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  await offered('c3', taken);
  assert.equal((await bearer(s.port, 'c3', 'POST', `/v1/cases/${taken}/accept`)).status, 200);
  assert.equal((await bearer(s.port, 'c3', 'POST', `/v1/cases/${taken}/resolve`, {outcome: 'OUTCOME_COUNSELED'})).status, 200);
  // c4 declines a school_bullying case (only c4 holds it).
  const declined = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'school_bullying'});
  await offered('c4', declined);
  assert.equal((await bearer(s.port, 'c4', 'POST', `/v1/cases/${declined}/decline`, {reason: '测试'})).status, 200);
  await bearer(s.port, 's1', 'POST', `/v1/cases/${declined}/cancel`, {reason: '测试'});

  const list = JSON.parse((await bearer(s.port, 's1', 'GET', '/v1/counselors')).body).counselors;
  const by_id = Object.fromEntries(list.map((c) => [c.counselorId, c]));
  assert.ok(by_id.c3.wrapUpUntil, JSON.stringify(by_id.c3));
  assert.equal(by_id.c4.missedOffers, 1);
  assert.ok(by_id.c6.nextShiftAt, JSON.stringify(by_id.c6));

  // Live, without a reload: the events of c3 and c4 reload the panel.
  const wrap = await as_clock(dash, by_id.c3.wrapUpUntil);
  await dash.waitForFunction((w) => document.querySelector('#counselors tr[data-counselor-id="c3"] td.wrap-up')
    .textContent === w, {timeout: 5000}, wrap);
  await dash.waitForFunction(() => document.querySelector('#counselors tr[data-counselor-id="c4"] td.missed')
    .textContent === '1', {timeout: 5000});
  assert.equal(await cell(dash, 'c6', 'next-duty'), await as_clock(dash, by_id.c6.nextShiftAt));
  assert.equal(await cell(dash, 'c1', 'missed'), '0');
  await shot(dash, 'dashboard-counselors-1280');
  assert.deepEqual(dash.problems, []);
  await ctx.close();
});
