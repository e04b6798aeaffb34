// The roster page (/roster) against the real daemon, with config/test.yaml
// turned into half-days (am, pm) and one dated exception in the file: the
// weekly plan on the grid, a supervisor's change through the dialog (mouse
// and keyboard) seen by the API and by a second replica, 恢复排班, a past
// date refused in Chinese, a viewer without edit controls, axe-core, and
// screenshots at 1280 and 360 px.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {stack, start_daemon, new_page, sign_in, bearer, shot, axe, wait_until, page_fetch, tab_to, press}
  from './support/harness.mjs';

// Today in the daemon's time zone (config/test.yaml: Asia/Shanghai), and days after it.
const TODAY = new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit'})
  .format(new Date());
function day(n) {
  const d = new Date(`${TODAY}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const SITE = 't-hubin-a';
const CONFIG_EXCEPTION_DAY = day(3);
const EDIT_DAY = day(1);

// Two half-days instead of the test config's one all-day shift; site
// t-hubin-a: c1 and c2 in the morning, c2 in the afternoon, and a dated
// exception in the file (c1 alone in the afternoon of CONFIG_EXCEPTION_DAY).
function half_days(text) {
  const swap = (from, to) => {
    if (!text.includes(from)) throw new Error(`config/test.yaml changed shape: ${from}`);
    text = text.replaceAll(from, to);
  };
  swap('  all: "00:00-24:00"', '  am: "08:30-12:00"\n  pm: "14:30-18:00"');
  swap('{all: [c1, c2]}', '{am: [c1, c2], pm: [c2]}');
  swap('{all: [c5]}', '{am: [c5], pm: [c5]}');
  swap('{all: [c3, c4]}', '{am: [c3], pm: [c4]}');
  swap('      sun: {am: [c1, c2], pm: [c2]}\n',
       `      sun: {am: [c1, c2], pm: [c2]}\n    exceptions:\n      "${CONFIG_EXCEPTION_DAY}": {pm: [c1]}\n`);
  return text;
}

let s, replica;
before(async () => {
  s = await stack('roster', {edit: half_days});
  replica = await start_daemon(s.dir, s.redis, {edit: half_days});
});
after(async () => {
  if (replica) await replica.stop();
  if (s) await s.close();
});

async function api_roster(from, to = from) {
  const r = await bearer(s.port, 's1', 'GET', `/v1/sites/${SITE}/roster?from=${from}&to=${to}`);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body).entries;
}

const entry = (entries, date, shift) => entries.find((e) => e.date === date && e.shift === shift);

// The grid's cell: the counselor ids listed and the source it shows.
function cell(page, date, shift) {
  return page.$eval(`td.slot[data-date="${date}"][data-shift="${shift}"]`, (td) => ({
    ids: [...td.querySelectorAll('[data-counselor-id]')].map((li) => li.dataset.counselorId),
    source: td.dataset.source,
    tag: td.querySelector('.src').textContent,
    nobody: !!td.querySelector('.nobody'),
    button: !!td.querySelector('button.slot-edit'),
  }));
}

async function open_roster(page, origin, query = '') {
  await page.goto(`${origin}/roster${query}`, {waitUntil: 'networkidle2'});
  await page.waitForSelector('body[data-loaded="1"]');
}

// Ticks exactly `ids` in the open dialog and saves; waits for the grid.
async function choose_and_save(page, ids) {
  await page.waitForSelector('#slot-dialog[open]');
  await page.$$eval('#slot-dialog input[type=checkbox]', (boxes, ids) => {
    for (const b of boxes) if (b.checked !== ids.includes(b.value)) b.click();
  }, ids);
  await page.click('#slot-save');
  await page.waitForSelector('#slot-dialog', {hidden: true});
  await page.waitForSelector('body[data-loaded="1"]');
}

test('a supervisor sees the plan, changes half-days (mouse and keyboard), a replica shows it, 恢复排班 restores it', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  await page.waitForSelector('body[data-loaded]');
  // The dashboard links the page.
  assert.equal(await page.$eval('.top a[href="/roster"]', (e) => e.textContent), '排班表');
  await Promise.all([page.waitForNavigation({waitUntil: 'networkidle2'}), page.click('.top a[href="/roster"]')]);
  await page.waitForSelector('body[data-loaded="1"]');

  // The coming week of the first site, in half-days, as the API and the config say.
  assert.equal(await page.$eval('#site', (e) => e.value), SITE);
  assert.equal(await page.$eval('#week-range', (e) => e.textContent), `${TODAY} 至 ${day(6)}`);
  assert.deepEqual(await page.$$eval('.roster-table thead .shift-name', (t) => t.map((x) => x.textContent)), ['上午', '下午']);
  assert.deepEqual(await page.$$eval('.roster-table thead .shift-time', (t) => t.map((x) => x.textContent)),
                   ['08:30–12:00', '14:30–18:00']);
  assert.equal(await page.$$eval('.roster-table tbody tr', (r) => r.length), 7);
  const week = await api_roster(TODAY, day(6));
  assert.equal(week.length, 14);
  for (const e of week) {
    const c = await cell(page, e.date, e.shift);
    assert.deepEqual(c.ids, e.counselorIds || [], `${e.date} ${e.shift}`);
    assert.equal(c.source, e.source, `${e.date} ${e.shift}`);
    assert.ok(c.button, `${e.date} ${e.shift}: a supervisor can edit`);
  }
  assert.deepEqual(await cell(page, EDIT_DAY, 'am'), {ids: ['c1', 'c2'], source: 'weekly', tag: '周计划', nobody: false, button: true});
  assert.deepEqual(await cell(page, EDIT_DAY, 'pm'), {ids: ['c2'], source: 'weekly', tag: '周计划', nobody: false, button: true});
  assert.deepEqual(await cell(page, CONFIG_EXCEPTION_DAY, 'pm'),
                   {ids: ['c1'], source: 'config_exception', tag: '配置例外', nobody: false, button: true});
  assert.match(await page.$eval(`td.slot[data-date="${EDIT_DAY}"][data-shift="am"] li`, (e) => e.textContent), /测试咨询师一/);

  // The afternoon of EDIT_DAY, by mouse: c3 and c5 instead of c2.
  await page.click(`#slot-${EDIT_DAY}-pm`);
  await page.waitForSelector('#slot-dialog[open]');
  assert.match(await page.$eval('#slot-dialog-h', (e) => e.textContent), /下午 值班咨询师$/);
  assert.deepEqual(await page.$$eval('#slot-dialog input:checked', (b) => b.map((x) => x.value)), ['c2']);
  assert.equal(await page.$('#slot-restore'), null, 'nothing stored yet: no 恢复排班');
  assert.doesNotMatch(await page.$eval('#slot-dialog', (d) => d.textContent), /null|undefined/);
  assert.deepEqual(await axe(page), [], 'the dialog');
  await shot(page, 'roster-dialog-1280');
  await choose_and_save(page, ['c3', 'c5']);
  assert.deepEqual(await cell(page, EDIT_DAY, 'pm'),
                   {ids: ['c3', 'c5'], source: 'stored_exception', tag: '临时调整', nobody: false, button: true});
  assert.deepEqual(await cell(page, EDIT_DAY, 'am'), {ids: ['c1', 'c2'], source: 'weekly', tag: '周计划', nobody: false, button: true});
  assert.equal(await page.evaluate(() => document.activeElement.id), `slot-${EDIT_DAY}-pm`, 'the focus goes back to the cell');

  // Through the API: the roster and the stored exception (the history's record of it).
  let days = await api_roster(EDIT_DAY);
  assert.deepEqual(entry(days, EDIT_DAY, 'pm'), {date: EDIT_DAY, weekday: entry(days, EDIT_DAY, 'pm').weekday, shift: 'pm',
                                                 counselorIds: ['c3', 'c5'], source: 'stored_exception'});
  assert.equal(entry(days, EDIT_DAY, 'am').source, 'weekly');
  let changes = JSON.parse((await bearer(s.port, 's1', 'GET', '/v1/duty/changes?limit=1')).body).changes;
  assert.equal(changes[0].kind, 'exception_set');
  assert.equal(changes[0].actor, 'supervisor:s1');
  assert.equal(changes[0].siteId, SITE);
  assert.equal(changes[0].date, EDIT_DAY);
  assert.deepEqual(changes[0].after, {shifts: {pm: ['c3', 'c5']}});

  // The morning, by keyboard: Tab to the cell, Enter opens; Escape closes;
  // Space opens again; c4 added. The afternoon's change stays (a PUT
  // replaces the date's whole exception, so the page sends both).
  await page.focus('#site');
  await tab_to(page, `slot-${EDIT_DAY}-am`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#slot-dialog[open]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#slot-dialog', {hidden: true});
  assert.equal(await page.evaluate(() => document.activeElement.id), `slot-${EDIT_DAY}-am`);
  await page.keyboard.press('Space');
  await page.waitForSelector('#slot-dialog[open]');
  await choose_and_save(page, ['c1', 'c2', 'c4']);
  days = await api_roster(EDIT_DAY);
  assert.deepEqual(entry(days, EDIT_DAY, 'am').counselorIds, ['c1', 'c2', 'c4']);
  assert.equal(entry(days, EDIT_DAY, 'am').source, 'stored_exception');
  assert.deepEqual(entry(days, EDIT_DAY, 'pm').counselorIds, ['c3', 'c5']);
  changes = JSON.parse((await bearer(s.port, 's1', 'GET', '/v1/duty/changes?limit=1')).body).changes;
  assert.deepEqual(changes[0].after, {shifts: {am: ['c1', 'c2', 'c4'], pm: ['c3', 'c5']}});
  assert.deepEqual(page.problems, []);
  assert.deepEqual(await axe(page), []);
  await shot(page, 'roster-1280');
  await page.setViewport({width: 360, height: 740});
  await shot(page, 'roster-360');
  await page.click(`#slot-${EDIT_DAY}-pm`);
  await page.waitForSelector('#slot-dialog[open]');
  await shot(page, 'roster-dialog-360', {full: false});
  await page.click('#slot-cancel');
  await page.setViewport({width: 1280, height: 900});

  // A second replica (same Redis) and a reload show the change.
  const ctx2 = await s.browser.createBrowserContext();
  const other = await new_page(ctx2);
  await sign_in(other, replica.origin, 's1');
  await open_roster(other, replica.origin, `?site=${SITE}&from=${TODAY}`);
  assert.deepEqual((await cell(other, EDIT_DAY, 'pm')).ids, ['c3', 'c5']);
  assert.deepEqual((await cell(other, EDIT_DAY, 'am')).ids, ['c1', 'c2', 'c4']);
  assert.equal((await cell(other, EDIT_DAY, 'am')).source, 'stored_exception');
  await page.reload({waitUntil: 'networkidle2'});
  await page.waitForSelector('body[data-loaded="1"]');
  assert.deepEqual((await cell(page, EDIT_DAY, 'pm')).ids, ['c3', 'c5']);

  // 恢复排班 on the afternoon: the morning's change stays; then on the
  // morning: nothing stored is left, so the exception is deleted.
  await page.click(`#slot-${EDIT_DAY}-pm`);
  await page.waitForSelector('#slot-restore');
  await page.click('#slot-restore');
  await page.waitForSelector('#slot-dialog', {hidden: true});
  await page.waitForSelector('body[data-loaded="1"]');
  assert.deepEqual(await cell(page, EDIT_DAY, 'pm'), {ids: ['c2'], source: 'weekly', tag: '周计划', nobody: false, button: true});
  assert.equal((await cell(page, EDIT_DAY, 'am')).source, 'stored_exception');
  await page.click(`#slot-${EDIT_DAY}-am`);
  await page.waitForSelector('#slot-restore');
  await page.click('#slot-restore');
  await page.waitForSelector('#slot-dialog', {hidden: true});
  await page.waitForSelector('body[data-loaded="1"]');
  assert.deepEqual(await cell(page, EDIT_DAY, 'am'), {ids: ['c1', 'c2'], source: 'weekly', tag: '周计划', nobody: false, button: true});
  days = await api_roster(EDIT_DAY);
  assert.deepEqual(days.map((e) => [e.shift, e.source, e.counselorIds]), [['am', 'weekly', ['c1', 'c2']], ['pm', 'weekly', ['c2']]]);
  changes = JSON.parse((await bearer(s.port, 's1', 'GET', '/v1/duty/changes?limit=1')).body).changes;
  assert.equal(changes[0].kind, 'exception_deleted');
  assert.equal(changes[0].date, EDIT_DAY);
  // ... and the replica's page, reloaded, shows the plan again.
  await other.reload({waitUntil: 'networkidle2'});
  await other.waitForSelector('body[data-loaded="1"]');
  assert.equal((await cell(other, EDIT_DAY, 'am')).source, 'weekly');

  // Closing a half-day: nobody chosen is an empty list (无人值班).
  await page.click(`#slot-${EDIT_DAY}-pm`);
  await choose_and_save(page, []);
  assert.deepEqual(await cell(page, EDIT_DAY, 'pm'), {ids: [], source: 'stored_exception', tag: '临时调整', nobody: true, button: true});
  assert.deepEqual(entry(await api_roster(EDIT_DAY), EDIT_DAY, 'pm').counselorIds, undefined);
  const gone = await page_fetch(page, 'DELETE', `/v1/sites/${SITE}/exceptions/${EDIT_DAY}`);
  assert.equal(gone.status, 200, gone.body);

  // The week switch: next week, then back.
  await page.click('#week-next');
  await page.waitForSelector(`td.slot[data-date="${day(7)}"]`);
  assert.equal(await page.$eval('#week-range', (e) => e.textContent), `${day(7)} 至 ${day(13)}`);
  assert.match(page.url(), new RegExp(`from=${day(7)}`));
  await page.click('#week-this');
  await page.waitForSelector(`td.slot[data-date="${TODAY}"]`);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(other.problems, []);
  await ctx2.close();
  await ctx.close();
});

test('a past date is refused by the daemon and the page says so in Chinese', async () => {
  // The API itself: yesterday is 400 naming the date.
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  const r = await page_fetch(page, 'PUT', `/v1/sites/${SITE}/exceptions/${day(-1)}`, {body: {shifts: {am: ['c1']}}});
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /is in the past/);

  // A page that still thinks today is a week ago (left open overnight):
  // its GET /v1/sites answers with the old today, so last week looks editable.
  const stale = day(-7);
  await page.setRequestInterception(true);
  const stale_sites = async (req) => {
    if (new URL(req.url()).pathname !== '/v1/sites') return req.continue();
    const real = await bearer(s.port, 's1', 'GET', '/v1/sites');
    const body = JSON.parse(real.body);
    body.today = stale;
    return req.respond({status: 200, contentType: 'application/json', body: JSON.stringify(body)});
  };
  page.on('request', stale_sites);
  await open_roster(page, s.origin, `?site=${SITE}&from=${stale}`);
  const past = day(-2);
  await page.click(`#slot-${past}-am`);
  await page.waitForSelector('#slot-dialog[open]');
  await page.$eval('#pick-c6', (b) => b.click());
  await page.click('#slot-save');
  await page.waitForSelector('#slot-dialog-error:not([hidden])');
  assert.equal(await page.$eval('#slot-dialog-error', (e) => e.textContent),
               `不能修改过去的排班：${past} 已经过去（今天是 ${TODAY}，时区 Asia/Shanghai）。`);
  assert.equal(await page.$eval('#slot-dialog-error', (e) => e.getAttribute('role')), 'alert');
  await shot(page, 'roster-past-1280', {full: false});
  await page.click('#slot-cancel');
  // Nothing was stored.
  assert.equal(entry(await api_roster(past), past, 'am').source, 'weekly');
  page.off('request', stale_sites);
  await page.setRequestInterception(false);
  // Reloaded with the real today, last week has no edit controls.
  await open_roster(page, s.origin, `?site=${SITE}&from=${stale}`);
  assert.equal((await cell(page, past, 'am')).button, false);
  assert.equal(await page.$eval(`tr[data-date="${past}"] .tag.past`, (e) => e.textContent), '已过去');
  assert.equal((await cell(page, day(-1), 'am')).button, false);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a viewer reads the grid without edit controls; a counselor is told the page is not theirs', async () => {
  for (const w of [1280, 360]) {
    const ctx = await s.browser.createBrowserContext();
    const page = await new_page(ctx, {width: w, height: w < 800 ? 740 : 900});
    await sign_in(page, s.origin, 'v1');
    await open_roster(page, s.origin);
    assert.equal(await page.$$eval('.roster-table tbody tr', (r) => r.length), 7);
    assert.deepEqual((await cell(page, EDIT_DAY, 'am')).ids, ['c1', 'c2']);
    assert.equal(await page.$$eval('button.slot-edit, #slot-dialog', (b) => b.length), 0);
    assert.equal(await page.$eval('#viewer-note', (e) => e.hidden), false);
    assert.equal(await page.$eval('#edit-hint', (e) => e.hidden), true);
    await page.click(`td.slot[data-date="${EDIT_DAY}"][data-shift="am"]`);
    assert.equal(await page.$('#slot-dialog'), null, 'a click opens nothing');
    // The daemon refuses a viewer's write anyway.
    const put = await page_fetch(page, 'PUT', `/v1/sites/${SITE}/exceptions/${EDIT_DAY}`, {body: {shifts: {am: ['c1']}}});
    assert.equal(put.status, 403, put.body);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(page.problems, []);
    await shot(page, `roster-viewer-${w}`);
    await ctx.close();
  }
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 'c1');
  await page.goto(`${s.origin}/roster`, {waitUntil: 'networkidle2'});
  await page.waitForSelector('body[data-loaded="error"]');
  assert.equal(await page.$eval('#roster-error', (e) => e.textContent), '只有督导和观察员可以查看排班表。');
  await ctx.close();
});

test('the page in English', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  await open_roster(page, s.origin);
  await press(page, '#lang-switch');
  assert.deepEqual(await page.$$eval('.roster-table thead .shift-name', (t) => t.map((x) => x.textContent)), ['Morning', 'Afternoon']);
  assert.equal((await cell(page, EDIT_DAY, 'am')).tag, 'Weekly plan');
  await wait_until(() => page.evaluate(() => document.documentElement.lang === 'en'), 2000, 'lang=en');
  await press(page, '#lang-switch');
  assert.equal((await cell(page, EDIT_DAY, 'am')).tag, '周计划');
  await ctx.close();
});
