// The report page (/reports): cases seeded through the API (signed platform
// referrals, counselors accept and resolve), the page's figures against
// GET /v1/reports, the CSV link, the A4 PDF that Chromium prints (its text
// read with pdftotext), axe-core, and screenshots at 1280 and 360 px.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {stack, new_page, sign_in, refer, bearer, shot, axe, wait_until, shots_dir, page_fetch}
  from './support/harness.mjs';

let s;
before(async () => { s = await stack('reports'); });
after(async () => { if (s) await s.close(); });

const COUNSELORS = ['c1', 'c2', 'c3', 'c4', 'c5'];

// The counselor a case is offered to (each one's GET /v1/me/offers).
async function offered_to(id) {
  let who = null;
  await wait_until(async () => {
    for (const c of COUNSELORS) {
      const r = await bearer(s.port, c, 'GET', '/v1/me/offers');
      if (r.status === 200 && r.body.includes(id)) { who = c; return true; }
    }
    return false;
  }, 20000, `an offer of ${id}`);
  return who;
}

async function take(id, outcome) {
  const who = await offered_to(id);
  const a = await bearer(s.port, who, 'POST', `/v1/cases/${id}/accept`, {});
  assert.equal(a.status, 200, a.body);
  if (outcome) {
    const r = await bearer(s.port, who, 'POST', `/v1/cases/${id}/resolve`, {outcome, note: '虚构的办结记录'});
    assert.equal(r.status, 200, r.body);
  }
  return who;
}

// Today in the daemon's time zone (config/test.yaml: Asia/Shanghai).
function today() {
  const d = new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit'})
    .format(new Date());
  const [y, m] = d.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return {y, m, from: `${y}-${String(m).padStart(2, '0')}-01`, to: `${y}-${String(m).padStart(2, '0')}-${last}`};
}

const n = (v) => Number(v || 0);

// The figure a cell's data-fig (report/section/key/field) names in the JSON.
function expected(reports, id) {
  const [report, name, key, field] = id.split('/');
  const sec = reports[report].sections.find((x) => x.name === name);
  const dim = {total: null, concern: 'concern', outcome: 'outcome', risk: 'risk', group: 'group', site: 'siteId',
               mode: 'mode', counselor: 'counselorId'}[name];
  const row = (sec ? sec.rows : []).find((r) => (dim ? String(r[dim] ?? '') : 'total') === key) || {};
  if (field.startsWith('escalations.')) return {count: n((row.escalations || {})[field.split('.')[1]])};
  if (field.endsWith('Seconds')) return {duration: row[field] === undefined ? '' : String(row[field])};
  return {count: n(row[field])};
}

test('the report page shows the API figures, links the CSV and prints an A4 report with them', async () => {
  // Seeds: one case per concern, three priority groups, two outcomes to compare.
  const seeds = [
    {risk: 'RISK_MEDIUM', concern: 'exam_stress', groups: ['GROUP_JUVENILE_OFFENDER'], outcome: 'OUTCOME_HOME_VISIT'},
    {risk: 'RISK_LOW', concern: 'grief', groups: ['GROUP_HARDSHIP'], outcome: 'OUTCOME_COUNSELED'},
    {risk: 'RISK_CRISIS', concern: 'self_harm', groups: ['GROUP_SERIOUS_MISBEHAVIOR'], outcome: 'OUTCOME_REFERRED_MEDICAL'},
    {risk: 'RISK_MEDIUM', concern: 'anxiety', groups: [], outcome: 'OUTCOME_COUNSELED'},
    {risk: 'RISK_HIGH', concern: 'school_bullying', groups: ['GROUP_HARDSHIP'], outcome: null},
  ];
  for (const seed of seeds) {
    const extra = seed.groups.length ? {groups: seed.groups} : {};
    const id = await refer(s.port, {risk: seed.risk, concern: seed.concern, extra});
    await take(id, seed.outcome);
  }

  const day = today();
  const q = `from=${day.from}&to=${day.to}&period=all`;
  const reports = {};
  for (const r of ['service', 'response', 'workload']) {
    const res = await bearer(s.port, 's1', 'GET', `/v1/reports?${q}&report=${r}`);
    assert.equal(res.status, 200, res.body);
    reports[r] = JSON.parse(res.body);
  }
  // The API counted the seeds (a fresh Redis: nothing else this month).
  const total = expected(reports, 'service/total/total/referrals').count;
  assert.equal(total, seeds.length);
  assert.equal(expected(reports, 'service/outcome/OUTCOME_COUNSELED/resolutions').count, 2);
  assert.equal(expected(reports, 'service/outcome/OUTCOME_HOME_VISIT/resolutions').count, 1);
  assert.equal(expected(reports, 'service/risk/RISK_CRISIS/referrals').count, 1);

  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  // The dashboard links the report page.
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.$eval('.top a[href="/reports"]', (e) => e.textContent), '服务报告');
  // Default: last month.
  await page.goto(`${s.origin}/reports`, {waitUntil: 'networkidle2'});
  await page.waitForSelector('body[data-loaded="1"]');
  const last = day.m === 1 ? {y: day.y - 1, m: 12} : {y: day.y, m: day.m - 1};
  assert.equal(await page.$eval('#report-title', (e) => e.textContent), `${last.y}年${last.m}月 心理个案服务月报`);
  assert.equal(await page.$eval('#month', (e) => e.value), String(last.m));

  // This month, chosen through the form.
  await page.select('#kind', 'month');
  await page.select('#year', String(day.y));
  await page.select('#month', String(day.m));
  await Promise.all([page.waitForNavigation({waitUntil: 'networkidle2'}), page.click('#period-form button[type=submit]')]);
  await page.waitForSelector('body[data-loaded="1"]');
  const title = `${day.y}年${day.m}月 心理个案服务月报`;
  assert.equal(await page.$eval('#report-title', (e) => e.textContent), title);

  // Every figure on the page equals the API's.
  const cells = await page.$$eval('td[data-fig]', (tds) => tds.map((td) => ({id: td.dataset.fig, value: td.dataset.value,
                                                                             text: td.textContent})));
  assert.ok(cells.length > 40, `${cells.length} figures`);
  for (const c of cells) {
    const want = expected(reports, c.id);
    if ('count' in want) {
      assert.equal(c.text, String(want.count), c.id);
    } else {
      assert.equal(c.value, want.duration, c.id);
      if (want.duration === '') assert.equal(c.text, '—', c.id);
    }
  }
  // ... and every non-zero count of the API is on the page.
  const shown = new Set(cells.map((c) => c.id));
  for (const [report, sections] of [['service', ['concern', 'outcome', 'risk', 'group', 'site']], ['workload', ['counselor']]]) {
    for (const name of sections) {
      const sec = reports[report].sections.find((x) => x.name === name);
      for (const row of sec.rows) {
        const dim = {concern: 'concern', outcome: 'outcome', risk: 'risk', group: 'group', site: 'siteId', counselor: 'counselorId'}[name];
        for (const f of ['referrals', 'resolutions', 'accepts']) {
          if (n(row[f]) > 0 && !(name === 'group' && f !== 'referrals') && !(name === 'concern' && f === 'accepts') &&
              !(name === 'outcome' && f !== 'resolutions')) {
            assert.ok(shown.has(`${report}/${name}/${row[dim] ?? ''}/${f}`), `${report}/${name}/${row[dim]}/${f} missing`);
          }
        }
      }
    }
  }
  const kpis = await page.$$eval('dd[data-kpi]', (dds) => dds.map((d) => [d.dataset.kpi, d.textContent]));
  for (const [id, text] of kpis) assert.equal(text, String(expected(reports, id).count), id);
  const body = await page.$eval('#report-body', (e) => e.textContent);
  for (const word of ['咨询解答', '上门化解', '危机干预', '罪错青少年', '严重不良行为青少年', '困境青少年', '考试压力']) {
    assert.match(body, new RegExp(word));
  }
  // The charts: SVG built by the page, one bar per concern.
  assert.equal(await page.$$eval('#service .rep-concern svg rect', (r) => r.length),
               reports.service.sections.find((x) => x.name === 'concern').rows.length);

  // 下载 CSV: the API's CSV of the same period.
  const href = await page.$eval('#csv-service', (a) => a.getAttribute('href'));
  assert.equal(href, `/v1/reports?from=${day.from}&to=${day.to}&report=service&period=all&format=csv`);
  const csv = await page_fetch(page, 'GET', href, {csrf: false});
  assert.equal(csv.status, 200);
  assert.match(csv.body, /^\uFEFF?分项,/);
  assert.match(csv.body, /咨询解答/);

  assert.deepEqual(await axe(page), []);
  await shot(page, 'reports-1280');
  await page.setViewport({width: 360, height: 740});
  await shot(page, 'reports-360');
  await page.setViewport({width: 1280, height: 900});

  // The printed report: A4, the title and the figures, no controls.
  fs.mkdirSync(shots_dir, {recursive: true});
  const pdf = path.join(shots_dir, 'reports-month.pdf');
  await page.pdf({path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true});
  const info = execFileSync('pdfinfo', [pdf]).toString();
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
  assert.ok(size && Math.abs(size[1] - 595.28) < 1 && Math.abs(size[2] - 841.89) < 1, `not A4: ${info}`);
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-']).toString();
  const flat = text.replace(/\s+/g, '');
  assert.ok(flat.includes(title.replace(/\s+/g, '')), 'the title in the PDF');
  assert.ok(flat.includes('12355青少年服务台'), 'the service in the PDF');
  for (const word of ['查询', '打印', '下载CSV', '退出登录']) assert.ok(!flat.includes(word), `${word} printed`);
  // Each table row: its heading and figures, in order, in the PDF text.
  const rows = await page.$$eval('#report-body tbody tr', (trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  for (const cells_of_row of rows) {
    const re = new RegExp(cells_of_row.map((c) => [...c.replace(/\s+/g, '')]
      .map((ch) => ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*')).join('\\s+'));
    assert.match(text, re, `row ${cells_of_row.join(' | ')} not in the PDF`);
  }
  const pages = Number(/Pages:\s+(\d+)/.exec(info)[1]);
  assert.ok(pages >= 3 && pages <= 6, `${pages} pages`);
  execFileSync('pdftoppm', ['-png', '-r', '60', pdf, path.join(shots_dir, 'reports-pdf')]);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a viewer sees the same report; a counselor is told the page is not theirs', async () => {
  const day = today();
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx, {width: 360, height: 740});
  await sign_in(page, s.origin, 'v1');
  await page.goto(`${s.origin}/reports?kind=quarter&year=${day.y}&quarter=${Math.ceil(day.m / 3)}`, {waitUntil: 'networkidle2'});
  await page.waitForSelector('body[data-loaded="1"]');
  assert.equal(await page.$eval('#report-title', (e) => e.textContent), `${day.y}年第${Math.ceil(day.m / 3)}季度 心理个案服务季报`);
  assert.equal(await page.$eval('dd[data-kpi="service/total/total/referrals"]', (e) => e.textContent), '5');
  assert.deepEqual(page.problems, []);
  await ctx.close();

  const c = await s.browser.createBrowserContext();
  const me = await new_page(c, {width: 360, height: 740});
  await sign_in(me, s.origin, 'c1');
  await me.goto(`${s.origin}/reports`, {waitUntil: 'networkidle2'});
  await me.waitForSelector('body[data-loaded="error"]');
  assert.equal(await me.$eval('#report-error', (e) => e.textContent), '只有督导和观察员可以查看服务报告。');
  assert.equal(await me.$('#report-body table'), null);
  await c.close();
});
