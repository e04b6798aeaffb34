// The report page (/reports): the service, response and workload reports of
// GET /v1/reports for a month (default last month), a quarter or a year, as
// tables and SVG bar charts built here, with the API's CSV to download and
// print CSS for an A4 report (reports.css).

import {t, label, current_lang, on_lang_change} from './i18n.js';
import {load_session, call, wire_header, show_who, el} from './api.js';

const NS = 'http://www.w3.org/2000/svg';
const DIMS = ['siteId', 'county', 'concern', 'risk', 'group', 'mode', 'outcome', 'platformId', 'counselorId'];
const RISKS = ['RISK_CRISIS', 'RISK_HIGH', 'RISK_MEDIUM', 'RISK_LOW'];
const GROUPS = ['GROUP_JUVENILE_OFFENDER', 'GROUP_SERIOUS_MISBEHAVIOR', 'GROUP_HARDSHIP'];
const OUTCOMES = ['OUTCOME_COUNSELED', 'OUTCOME_HOME_VISIT', 'OUTCOME_REFERRED_MEDICAL', 'OUTCOME_REFERRED_LEGAL',
                  'OUTCOME_UNREACHABLE', 'OUTCOME_OTHER'];

const state = {period: null, data: null};

// ---- the period -----------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');
const last_day = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();  // m: 1..12

// The period the URL asks for (?kind=month|quarter|year&year=&month=&quarter=),
// else last month.
export function period_from(search, today = new Date()) {
  const q = new URLSearchParams(search);
  let y = today.getFullYear(), m = today.getMonth();  // last month: 0 means December before
  if (m === 0) { y -= 1; m = 12; }
  const kind = ['month', 'quarter', 'year'].includes(q.get('kind')) ? q.get('kind') : 'month';
  const year = /^\d{4}$/.test(q.get('year') || '') ? Number(q.get('year')) : y;
  const month = Math.min(12, Math.max(1, Number(q.get('month')) || m));
  const quarter = Math.min(4, Math.max(1, Number(q.get('quarter')) || Math.ceil(m / 3)));
  if (kind === 'year') return {kind, year, month, quarter, from: `${year}-01-01`, to: `${year}-12-31`};
  if (kind === 'quarter') {
    const first = quarter * 3 - 2, last = quarter * 3;
    return {kind, year, month, quarter, from: `${year}-${pad(first)}-01`, to: `${year}-${pad(last)}-${last_day(year, last)}`};
  }
  return {kind, year, month, quarter, from: `${year}-${pad(month)}-01`, to: `${year}-${pad(month)}-${last_day(year, month)}`};
}

function period_title(p) {
  if (p.kind === 'year') return t('rep.title.year', p.year);
  if (p.kind === 'quarter') return t('rep.title.quarter', p.year, p.quarter);
  return t('rep.title.month', p.year, p.month, current_lang() === 'en'
    ? new Date(Date.UTC(p.year, p.month - 1, 1)).toLocaleString('en-GB', {month: 'long', timeZone: 'UTC'}) : '');
}

function fill_form(p) {
  const year = document.getElementById('year');
  const now = new Date().getFullYear();
  const years = [];
  for (let y = now; y >= Math.min(now - 4, p.year); y--) years.push(y);
  year.replaceChildren(...years.map((y) => el('option', {value: String(y), text: String(y)})));
  document.getElementById('month').replaceChildren(
    ...Array.from({length: 12}, (_, i) => el('option', {value: String(i + 1), text: t('rep.monthN', i + 1)})));
  document.getElementById('quarter').replaceChildren(
    ...Array.from({length: 4}, (_, i) => el('option', {value: String(i + 1), text: t('rep.quarterN', i + 1)})));
  document.getElementById('kind').value = p.kind;
  year.value = String(p.year);
  document.getElementById('month').value = String(p.month);
  document.getElementById('quarter').value = String(p.quarter);
  show_fields();
}

function show_fields() {
  const kind = document.getElementById('kind').value;
  document.getElementById('month-field').hidden = kind !== 'month';
  document.getElementById('quarter-field').hidden = kind !== 'quarter';
}

const report_url = (p, report, format) =>
  `/v1/reports?from=${p.from}&to=${p.to}&report=${report}&period=all${format ? `&format=${format}` : ''}`;

// ---- figures ----------------------------------------------------------------

const n = (v) => Number(v || 0);
const key_of = (row, by) => (by.length ? String(row[by[0]] ?? '') : 'total');

function section(report, name) {
  return ((report && report.sections) || []).find((s) => s.name === name) || {by: [], rows: []};
}

// Rows of a section by the value of its dimension.
function rows_by(report, name) {
  const s = section(report, name);
  const by = s.by && s.by.length ? s.by : [];
  const dim = by.length ? by.map((b) => DIMS.find((d) => d.toLowerCase().startsWith(b.toLowerCase())) || b) : [];
  const out = new Map();
  for (const r of s.rows || []) out.set(key_of(r, dim), r);
  return out;
}

function duration_text(v) {
  if (v === undefined || v === null) return t('rep.none');
  const s = Number(v);
  if (s < 0) return t('rep.dur.over');
  if (s < 60) return t('rep.dur.s', s);
  if (s < 3600) return t('rep.dur.m', s / 60);
  if (s < 86400) return t('rep.dur.h', s / 3600);
  return t('rep.dur.d', s / 86400);
}

// A figure cell: data-fig names it (report/section/key/field) for the tests.
function fig(id, v, text) {
  return el('td', {class: 'num', 'data-fig': id, 'data-value': v === undefined ? '' : String(v),
                   text: text === undefined ? String(v) : text});
}

function table(caption_key, head, rows) {
  const thead = el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', {scope: 'col', class: i ? 'num' : '', text: h}))));
  const body = el('tbody', {}, ...rows);
  return el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t(caption_key)},
            el('table', {}, el('caption', {class: 'visually-hidden', text: t(caption_key)}), thead, body));
}

function row(name, cells, cls) {
  return el('tr', {class: cls}, el('th', {scope: 'row', text: name}), ...cells);
}

// A horizontal bar chart as SVG: one bar per item with its value at its end.
function bars(title, items, cls = 'bar-referrals') {
  const W = 480, rowH = 24, left = 150, right = 40, top = 6;
  const H = top * 2 + Math.max(1, items.length) * rowH;
  const max = Math.max(1, ...items.map((i) => i.value));
  const root = document.createElementNS(NS, 'svg');
  const attrs = {viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'report-chart', 'aria-label': title};
  for (const [k, v] of Object.entries(attrs)) root.setAttribute(k, v);
  const mk = (tag, a, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(a)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  root.append(mk('title', {}, title));
  items.forEach((it, i) => {
    const y = top + i * rowH;
    const w = (it.value / max) * (W - left - right);
    root.append(mk('text', {x: left - 8, y: y + rowH / 2 + 5, 'text-anchor': 'end', class: 'axis'}, it.label));
    root.append(mk('rect', {x: left, y: y + 4, width: Math.max(w, it.value ? 2 : 0), height: rowH - 8, class: cls}));
    root.append(mk('text', {x: left + w + 6, y: y + rowH / 2 + 5, class: 'value'}, String(it.value)));
  });
  return el('figure', {class: 'chart-box'}, root);
}

function block(id, title_key, ...children) {
  return el('section', {class: `rep-section ${id}`, 'aria-labelledby': `${id}-h`},
            el('h3', {id: `${id}-h`, text: t(title_key)}), ...children);
}

// ---- the reports ------------------------------------------------------------

function render_service(service) {
  const total = rows_by(service, 'total').get('total') || {};
  const risk = rows_by(service, 'risk');
  const crisis = risk.get('RISK_CRISIS') || {};
  const outcome = rows_by(service, 'outcome');
  const id = (s, k, f) => `service/${s}/${k}/${f}`;
  const kpis = [
    ['rep.referrals', id('total', 'total', 'referrals'), n(total.referrals)],
    ['rep.accepts', id('total', 'total', 'accepts'), n(total.accepts)],
    ['rep.resolutions', id('total', 'total', 'resolutions'), n(total.resolutions)],
    ['outcome.OUTCOME_COUNSELED', id('outcome', 'OUTCOME_COUNSELED', 'resolutions'), n((outcome.get('OUTCOME_COUNSELED') || {}).resolutions)],
    ['outcome.OUTCOME_HOME_VISIT', id('outcome', 'OUTCOME_HOME_VISIT', 'resolutions'), n((outcome.get('OUTCOME_HOME_VISIT') || {}).resolutions)],
    ['rep.crisis', id('risk', 'RISK_CRISIS', 'referrals'), n(crisis.referrals)],
  ];
  const summary = el('dl', {class: 'kpis'}, ...kpis.map(([k, fid, v]) =>
    el('div', {}, el('dt', {text: t(k)}), el('dd', {'data-kpi': fid, text: String(v)}))));

  const concern = [...rows_by(service, 'concern')].sort((a, b) => n(b[1].referrals) - n(a[1].referrals));
  const concern_block = block('rep-concern', 'rep.sec.concern',
    table('rep.sec.concern', [t('rep.col.concern'), t('rep.referrals'), t('rep.resolutions')],
          concern.map(([k, r]) => row(label('concern', k), [fig(id('concern', k, 'referrals'), n(r.referrals)),
                                                            fig(id('concern', k, 'resolutions'), n(r.resolutions))]))),
    bars(t('rep.chart.concern'), concern.map(([k, r]) => ({label: label('concern', k), value: n(r.referrals)}))));
  if (!concern.length) concern_block.append(el('p', {class: 'empty', text: t('rep.empty')}));

  const outcomes = [...OUTCOMES, ...[...outcome.keys()].filter((k) => !OUTCOMES.includes(k))];
  const outcome_sum = outcomes.reduce((a, k) => a + n((outcome.get(k) || {}).resolutions), 0);
  const outcome_block = block('rep-outcome', 'rep.sec.outcome',
    table('rep.sec.outcome', [t('rep.col.outcome'), t('rep.resolutions'), t('rep.share')],
          outcomes.map((k) => {
            const v = n((outcome.get(k) || {}).resolutions);
            return row(label('outcome', k), [fig(id('outcome', k, 'resolutions'), v),
                                             el('td', {class: 'num', text: outcome_sum ? `${Math.round((v / outcome_sum) * 100)}%` : '—'})],
                       k === 'OUTCOME_COUNSELED' || k === 'OUTCOME_HOME_VISIT' ? 'key-row' : undefined);
          })),
    bars(t('rep.chart.outcome'), outcomes.map((k) => ({label: label('outcome', k), value: n((outcome.get(k) || {}).resolutions)})),
         'bar-accepts'));

  const risk_block = block('rep-risk', 'rep.sec.risk',
    table('rep.sec.risk', [t('rep.col.risk'), t('rep.referrals'), t('rep.accepts'), t('rep.resolutions')],
          RISKS.map((k) => {
            const r = risk.get(k) || {};
            return row(label('risk', k), [fig(id('risk', k, 'referrals'), n(r.referrals)), fig(id('risk', k, 'accepts'), n(r.accepts)),
                                          fig(id('risk', k, 'resolutions'), n(r.resolutions))], k === 'RISK_CRISIS' ? 'crisis-row' : undefined);
          })));

  const group = rows_by(service, 'group');
  const group_block = block('rep-group', 'rep.sec.group',
    table('rep.sec.group', [t('rep.col.group'), t('rep.referrals')],
          GROUPS.map((k) => row(label('group', k), [fig(id('group', k, 'referrals'), n((group.get(k) || {}).referrals))]))),
    el('p', {class: 'hint', text: t('rep.group.hint')}));

  const site = [...rows_by(service, 'site')].sort((a, b) => a[0].localeCompare(b[0]));
  const site_block = block('rep-site', 'rep.sec.site',
    site.length
      ? table('rep.sec.site', [t('rep.col.site'), t('rep.offers'), t('rep.accepts'), t('rep.resolutions')],
              site.map(([k, r]) => row(k || t('rep.site.none'), [fig(id('site', k, 'offers'), n(r.offers)),
                                                                 fig(id('site', k, 'accepts'), n(r.accepts)),
                                                                 fig(id('site', k, 'resolutions'), n(r.resolutions))])))
      : el('p', {class: 'empty', text: t('rep.empty')}));

  const mode = [...rows_by(service, 'mode')];
  const mode_block = block('rep-mode', 'rep.sec.mode',
    mode.length
      ? table('rep.sec.mode', [t('rep.col.mode'), t('rep.referrals')],
              mode.map(([k, r]) => row(label('mode', k), [fig(id('mode', k, 'referrals'), n(r.referrals))])))
      : el('p', {class: 'empty', text: t('rep.empty')}));

  return el('section', {class: 'report-part', id: 'service', 'aria-labelledby': 'service-h'},
            el('h2', {id: 'service-h', text: t('rep.part.service')}), summary,
            concern_block, outcome_block, risk_block, group_block, site_block, mode_block);
}

function render_response(response) {
  const risk = rows_by(response, 'risk');
  const levels = new Set();
  for (const r of risk.values()) for (const l of Object.keys(r.escalations || {})) levels.add(Number(l));
  if (!levels.size) levels.add(1);
  const lv = [...levels].sort((a, b) => a - b);
  const id = (k, f) => `response/risk/${k}/${f}`;
  const dur = ['offerP50Seconds', 'offerP90Seconds', 'acceptP50Seconds', 'acceptP90Seconds', 'resolveP50Seconds', 'resolveP90Seconds'];
  const head = [t('rep.col.risk'), t('rep.offerP50'), t('rep.offerP90'), t('rep.acceptP50'), t('rep.acceptP90'),
                t('rep.resolveP50'), t('rep.resolveP90'), ...lv.map((l) => t('rep.escalated', l)),
                t('rep.crisisEscalated'), t('rep.crisisDirect')];
  const rows = RISKS.map((k) => {
    const r = risk.get(k) || {};
    return row(label('risk', k), [
      ...dur.map((f) => fig(id(k, f), r[f], duration_text(r[f]))),
      ...lv.map((l) => fig(id(k, `escalations.${l}`), n((r.escalations || {})[l]))),
      fig(id(k, 'crisisAcceptsEscalated'), n(r.crisisAcceptsEscalated)),
      fig(id(k, 'crisisAcceptsDirect'), n(r.crisisAcceptsDirect)),
    ], k === 'RISK_CRISIS' ? 'crisis-row' : undefined);
  });
  return el('section', {class: 'report-part', id: 'response', 'aria-labelledby': 'response-h'},
            el('h2', {id: 'response-h', text: t('rep.part.response')}),
            table('rep.part.response', head, rows),
            el('p', {class: 'hint', text: t('rep.response.hint')}));
}

function render_workload(workload) {
  const rows = [...rows_by(workload, 'counselor')].sort((a, b) => a[0].localeCompare(b[0]));
  const fields = ['hoursOnDuty', 'offers', 'accepts', 'crisisAccepts', 'declines', 'expiries', 'releases', 'resolutions'];
  const id = (k, f) => `workload/counselor/${k}/${f}`;
  const part = el('section', {class: 'report-part', id: 'workload', 'aria-labelledby': 'workload-h'},
                  el('h2', {id: 'workload-h', text: t('rep.part.workload')}));
  if (!rows.length) {
    part.append(el('p', {class: 'empty', text: t('rep.empty')}));
    return part;
  }
  part.append(table('rep.part.workload', [t('rep.col.counselor'), ...fields.map((f) => t(`rep.${f}`))],
                    rows.map(([k, r]) => row(k, fields.map((f) => fig(id(k, f), n(r[f])))))),
              bars(t('rep.chart.workload'), rows.map(([k, r]) => ({label: k, value: n(r.resolutions)})), 'bar-offers'));
  return part;
}

function render() {
  const p = state.period;
  document.getElementById('report-title').textContent = period_title(p);
  document.getElementById('report-range').textContent = t('rep.range', p.from, p.to);
  document.title = `${period_title(p)} · 12355`;
  if (!state.data) return;
  const [service, response, workload] = state.data;
  document.getElementById('report-body').replaceChildren(
    render_service(service), render_response(response), render_workload(workload),
    el('p', {class: 'footnote', text: t('rep.footnote', service.timeZone || '')}));
}

async function start() {
  wire_header();
  const s = await load_session();
  if (!s) return;
  show_who(s);
  state.period = period_from(location.search);
  fill_form(state.period);
  document.getElementById('kind').addEventListener('change', show_fields);
  document.getElementById('print').addEventListener('click', () => window.print());
  for (const r of ['service', 'response', 'workload']) {
    document.getElementById(`csv-${r}`).href = report_url(state.period, r, 'csv');
    document.getElementById(`csv-${r}`).setAttribute('download', `${r}-${state.period.from}-${state.period.to}.csv`);
  }
  on_lang_change(() => { fill_form(state.period); render(); });
  render();
  const err = document.getElementById('report-error');
  if (s.role === 'counselor') {
    err.textContent = t('rep.forbidden');
    err.hidden = false;
    document.body.dataset.loaded = 'error';
    return;
  }
  try {
    state.data = await Promise.all(['service', 'response', 'workload'].map((r) => call('GET', report_url(state.period, r))));
    err.hidden = true;
    render();
    document.body.dataset.loaded = '1';
  } catch (e) {
    err.textContent = e.status === 403 ? t('rep.forbidden') : e.message;
    err.hidden = false;
    document.body.dataset.loaded = 'error';
  }
}

start();
