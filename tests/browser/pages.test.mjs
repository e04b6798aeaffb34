// Every page at 360 px and 1280 px: screenshots into build/browser-shots/,
// axe-core (no serious or critical violations), no CSP violation, the
// language switch; and a static check that web/ has nothing inline.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {stack, new_page, sign_in, refer, bearer, shot, axe, source_dir, press} from './support/harness.mjs';

let s;
before(async () => { s = await stack('pages'); });
after(async () => { if (s) await s.close(); });

test('web/ has no inline script, style or event handler and no third-party origin', () => {
  const web = path.join(source_dir, 'web');
  const files = [];
  const walk = (d) => {
    for (const f of fs.readdirSync(d, {withFileTypes: true})) {
      if (f.isDirectory()) walk(path.join(d, f.name));
      else files.push(path.join(d, f.name));
    }
  };
  walk(web);
  for (const f of files.filter((f) => f.endsWith('.html'))) {
    const html = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${f}: inline <script>`);
    assert.doesNotMatch(html, /<style/i, `${f}: <style>`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${f}: style=""`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${f}: inline event handler`);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${f}: another origin`);
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      // Assets by hash; links only to a fragment or to the console's own pages.
      assert.match(m[1], /^\{\{asset:[\w./-]+\}\}$|^#|^\/(reports|roster)?$/, `${f}: asset reference ${m[1]} not as {{asset:...}}`);
    }
  }
  for (const f of files.filter((f) => f.endsWith('.js'))) {
    const js = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(js, /\beval\(|new Function\(|\.innerHTML\s*=|setAttribute\('style'|\.style\./, `${f}: eval, innerHTML or inline style`);
    assert.doesNotMatch(js, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${f}: another origin`);
  }
});

const widths = [360, 1280];

async function check(page, name) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 1)}`);
  assert.deepEqual(page.problems, [], name);
  await shot(page, name);
}

test('sign-in page', async () => {
  for (const w of widths) {
    const ctx = await s.browser.createBrowserContext();
    const page = await new_page(ctx, {width: w, height: w < 800 ? 740 : 800});
    await page.goto(`${s.origin}/signin`, {waitUntil: 'networkidle2'});
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await check(page, `signin-${w}`);
    await ctx.close();
  }
});

test('dashboard with cases in every state, and its drawer', async () => {
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: false});
  await refer(s.port, {risk: 'RISK_LOW', concern: 'grief', extra: {groups: ['GROUP_HARDSHIP']}});  // queued: c2 out
  await refer(s.port, {risk: 'RISK_HIGH', concern: 'school_bullying'});  // offered to c4
  const active = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'exam_stress'});
  await bearer(s.port, 'c3', 'POST', `/v1/cases/${active}/accept`);
  for (const w of widths) {
    const ctx = await s.browser.createBrowserContext();
    const page = await new_page(ctx, {width: w, height: 900});
    await sign_in(page, s.origin, 's1');
    await page.waitForSelector('body[data-loaded]');
    await page.waitForSelector('#queue tr .reason');
    await check(page, `dashboard-${w}`);
    await press(page, `#queue tr[data-case-id="${active}"] button.case-open`);
    await page.waitForSelector('#drawer:not([hidden]) .timeline li');
    await check(page, `dashboard-drawer-${w}`);
    await ctx.close();
  }
  await bearer(s.port, 'c2', 'PUT', '/v1/me/availability', {available: true});
});

test('roster page, and its half-day dialog', async () => {
  for (const w of widths) {
    const ctx = await s.browser.createBrowserContext();
    const page = await new_page(ctx, {width: w, height: w < 800 ? 740 : 800});
    await sign_in(page, s.origin, 's1');
    await page.goto(`${s.origin}/roster`, {waitUntil: 'networkidle2'});
    await page.waitForSelector('body[data-loaded="1"]');
    await check(page, `pages-roster-${w}`);
    await press(page, 'button.slot-edit');
    await page.waitForSelector('#slot-dialog[open]');
    await check(page, `pages-roster-dialog-${w}`);
    await ctx.close();
  }
});

test('counselor page with an offer and an active case', async () => {
  for (const w of widths) {
    const ctx = await s.browser.createBrowserContext();
    const page = await new_page(ctx, {width: w, height: w < 800 ? 740 : 800});
    await sign_in(page, s.origin, 'c5');
    const taken = await refer(s.port, {risk: 'RISK_MEDIUM', concern: 'self_harm'});
    await page.waitForSelector(`#accept-${taken}`, {timeout: 5000});
    await page.click(`#accept-${taken}`);
    await page.waitForSelector(`#cases [data-case-id="${taken}"]`);
    const offered = await refer(s.port, {risk: 'RISK_HIGH', concern: 'self_harm', extra: {groups: ['GROUP_SERIOUS_MISBEHAVIOR']}});
    await page.waitForSelector(`#accept-${offered}`, {timeout: 5000});
    await check(page, `me-${w}`);
    if (w === 360) await shot(page, 'docs-me', {full: false});  // docs/console-me.png
    await bearer(s.port, 'c5', 'POST', `/v1/cases/${offered}/decline`, {});
    await bearer(s.port, 'c5', 'POST', `/v1/cases/${taken}/resolve`, {outcome: 'OUTCOME_COUNSELED'});
    await ctx.close();
  }
});

test('the language switch turns the page to English and is remembered', async () => {
  const ctx = await s.browser.createBrowserContext();
  const page = await new_page(ctx);
  await sign_in(page, s.origin, 's1');
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.$eval('#queue-h', (e) => e.textContent), '个案队列');
  await page.click('#lang-switch');
  assert.equal(await page.$eval('#queue-h', (e) => e.textContent), 'Queue');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.reload({waitUntil: 'networkidle2'});
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.$eval('#queue-h', (e) => e.textContent), 'Queue');
  await check(page, 'dashboard-en-1280');
  await page.click('#lang-switch');
  assert.equal(await page.$eval('#queue-h', (e) => e.textContent), '个案队列');
  await ctx.close();
});
