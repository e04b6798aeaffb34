// Tablet and phone layouts: the dashboard at 768 px and the counselor page
// at 360 px never scroll sideways, and every panel (queue, counselors, the
// case drawer; offers and cases) can be scrolled to and is not covered.
// Screenshots into build/browser-shots/.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, new_page, sign_in, refer, bearer, shot, press, wait_until} from './support/harness.mjs';

let s;
before(async () => { s = await stack('layout'); });
after(async () => { if (s) await s.close(); });

// The page's widest content against the viewport.
async function overflow(page) {
  return page.evaluate(() => ({
    viewport: window.innerWidth,
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    // Elements sticking out of the viewport on the right or left (tables
    // scroll inside their .table-wrap, which is allowed).
    out: [...document.querySelectorAll('body *')].filter((e) => {
      if (e.closest('.table-wrap, [hidden], dialog:not([open]), .visually-hidden, .skip')) return false;
      const r = e.getBoundingClientRect();
      return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
    }).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`),
  }));
}

async function assert_no_overflow(page, name) {
  const o = await overflow(page);
  assert.ok(o.document <= o.viewport && o.body <= o.viewport, `${name}: page ${o.document}/${o.body} px wide in ${o.viewport}`);
  assert.deepEqual(o.out, [], `${name}: elements outside the viewport`);
}

// Scrolls `selector` into view; its top-left corner is on screen and not
// under anything else (the drawer, a banner, the toast).
async function assert_reachable(page, selector) {
  const hit = await page.$eval(selector, (e) => {
    e.scrollIntoView({block: 'start'});
    const r = e.getBoundingClientRect();
    const x = Math.min(r.left + 8, window.innerWidth - 1), y = Math.min(r.top + 8, window.innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    return {visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.left < window.innerWidth && r.top < window.innerHeight,
            on_top: !!top && (e === top || e.contains(top)), top: top ? `${top.tagName}#${top.id}.${top.className}` : ''};
  });
  assert.ok(hit.visible, `${selector} on screen`);
  assert.ok(hit.on_top, `${selector} not covered (found ${hit.top})`);
}

test('the dashboard at 768 px: no sideways scroll, queue, counselors and the case drawer reachable', async () => {
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: false});
  await refer(s.port, {risk: 'RISK_LOW', concern: 'grief', extra: {groups: ['GROUP_HARDSHIP']}});  // queued: c2 out
  await refer(s.port, {risk: 'RISK_HIGH', concern: 'school_bullying'});  // offered to c4
  const active = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  await wait_until(async () => (await bearer(s.port, 'c3', 'POST', `/v1/cases/${active}/accept`)).status === 200,
                   5000, 'c3 accepts');

  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx, {width: 768, height: 1024});
  await sign_in(page, s.origin, 's1');
  await page.waitForSelector('body[data-loaded]');
  await page.waitForSelector('#queue tr .reason');
  await page.waitForSelector('#counselors table');
  await assert_no_overflow(page, 'dashboard-768');
  for (const sel of ['#queue', '#counselors', '#coverage', '#parked', '#chart']) await assert_reachable(page, sel);
  // Every counselor row's last column can be scrolled to inside its table.
  const last = await page.$eval('#counselors table tr[data-counselor-id] td:last-child', (td) => {
    const wrap = td.closest('.table-wrap');
    wrap.scrollLeft = wrap.scrollWidth;
    const r = td.getBoundingClientRect(), w = wrap.getBoundingClientRect();
    return r.right <= w.right + 1 && r.left >= w.left - 1;
  });
  assert.ok(last, 'the next-duty column scrolls into its table');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'dashboard-768');

  await press(page, `#queue tr[data-case-id="${active}"] button.case-open`);
  await page.waitForSelector('#drawer:not([hidden]) .timeline li');
  await assert_no_overflow(page, 'dashboard-drawer-768');
  await assert_reachable(page, '#drawer-close');
  await assert_reachable(page, '#drawer .timeline');
  const drawer = await page.$eval('#drawer', (e) => {
    const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, width: window.innerWidth};
  });
  assert.ok(drawer.left >= 0 && drawer.right <= drawer.width, JSON.stringify(drawer));
  await page.$eval('#drawer', (e) => e.scrollTo(0, 0));
  await shot(page, 'dashboard-drawer-768', {full: false});
  // Closed, the queue is reachable again.
  await press(page, '#drawer-close');
  await assert_reachable(page, '#queue');
  assert.deepEqual(page.problems, []);
  await ctx.close();
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: true});
});

test('the counselor page at 360 px: no sideways scroll, offers and cases reachable', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx, {width: 360, height: 740});
  await sign_in(page, s.origin, 'c5');
  await page.waitForSelector('body[data-loaded]');
  const taken = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'self_harm'});
  await page.waitForSelector(`#accept-${taken}`, {timeout: 5000});
  await press(page, `#accept-${taken}`);
  await page.waitForSelector(`#cases [data-case-id="${taken}"]`);
  const offered = await refer(s.port, {risk: 'RISK_HIGH', concern: 'self_harm', extra: {groups: ['GROUP_SERIOUS_MISBEHAVIOR']}});
  await page.waitForSelector(`#accept-${offered}`, {timeout: 5000});
  await assert_no_overflow(page, 'me-360');
  for (const sel of ['#available', `#offers [data-case-id="${offered}"]`, `#decline-${offered}`,
                     `#cases [data-case-id="${taken}"]`, `#cases [data-case-id="${taken}"] a.call`,
                     `#cases [data-case-id="${taken}"] button.resolve-btn`]) {
    await assert_reachable(page, sel);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'me-layout-360');
  assert.deepEqual(page.problems, []);
  await bearer(s.port, 'c5', 'POST', `/v1/cases/${offered}/decline`, {});
  await bearer(s.port, 'c5', 'POST', `/v1/cases/${taken}/resolve`, {outcome: 'OUTCOME_COUNSELED'});
  await ctx.close();
});
