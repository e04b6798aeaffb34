// The roster page (/roster): one site's week as a grid (days by shifts) from
// GET /v1/sites/{siteId}/roster, each list marked with where it comes from;
// supervisors change a half-day in a dialog (PUT, or DELETE to restore the
// plan, of /v1/sites/{siteId}/exceptions/{date}); viewers only read.

import {t, on_lang_change} from './i18n.js';
import {load_session, call, wire_header, show_who, el, toast} from './api.js';

const state = {session: null, sites: [], shifts: [], today: '', timezone: '', site: '', from: '',
               counselors: [], entries: [], error: ''};

// ---- dates (local YYYY-MM-DD of the daemon's time zone, as plain days) -----

const pad = (n) => String(n).padStart(2, '0');
const as_day = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const parse_day = (s) => new Date(`${s}T00:00:00Z`);
export function add_days(day, n) {
  const d = parse_day(day);
  d.setUTCDate(d.getUTCDate() + n);
  return as_day(d);
}
const is_day = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '') && !Number.isNaN(parse_day(s).getTime());
const WEEKDAYS_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const WEEKDAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// [date, weekday] in the page's language: "12月7日", "周一".
function day_parts(day) {
  const d = parse_day(day);
  if (document.documentElement.lang === 'en') return [WEEKDAYS_EN[d.getUTCDay()], `${d.getUTCDate()}/${d.getUTCMonth() + 1}`];
  return [`${d.getUTCMonth() + 1}月${d.getUTCDate()}日`, WEEKDAYS_ZH[d.getUTCDay()]];
}
const day_text = (day) => day_parts(day).join(' ');

function shift_name(name) {
  const key = `ros.shift.${name}`;
  const words = t(key);
  return words === key ? name : words;
}

// ---- the API's answers in words ---------------------------------------------

// A roster call's error in the page's language: the 400s a person can act on
// get their own sentence; anything else reads as api.js words it.
function roster_error(e) {
  const m = e.detail || '';
  let x = /^date: (\S+) is in the past \(today is (\S+) in (\S+)\)/.exec(m);
  if (x) return t('ros.err.past', x[1], x[2], x[3]);
  if ((x = /unknown counselor "([^"]*)"/.exec(m))) return t('ros.err.counselor', x[1]);
  if ((x = /counselor (\S+) is listed twice/.exec(m))) return t('ros.err.twice', x[1]);
  if ((x = /unknown shift "([^"]*)"/.exec(m))) return t('ros.err.shift', x[1]);
  if ((x = /unknown site "([^"]*)"/.exec(m))) return t('ros.err.site', x[1]);
  if (e.status === 404 && /no stored exception/.test(m)) return t('ros.err.none');
  if (e.status === 403 && !/csrf|origin/i.test(m)) return t('ros.err.denied');
  return e.message;
}

function show_error(text) {
  const box = document.getElementById('roster-error');
  box.textContent = text || '';
  box.hidden = !text;
}

// ---- loading -----------------------------------------------------------------

const can_edit = () => state.session && state.session.role === 'supervisor';
const editable = (day) => can_edit() && day >= state.today;

function entries_of(day) {
  return state.entries.filter((e) => e.date === day);
}

async function load_sites() {
  const list = await call('GET', '/v1/sites');
  state.sites = list.sites || [];
  state.shifts = list.shifts || [];
  state.today = list.today || '';
  state.timezone = list.timezone || '';
}

async function load_week() {
  const to = add_days(state.from, 6);
  const r = await call('GET', `/v1/sites/${encodeURIComponent(state.site)}/roster?from=${state.from}&to=${to}`);
  state.entries = r.entries || [];
}

// The view in the URL (?site=&from=), so a reload shows the same week.
function remember_view() {
  const q = new URLSearchParams({site: state.site, from: state.from});
  history.replaceState(null, '', `/roster?${q}`);
}

async function reload() {
  document.body.dataset.loaded = 'loading';
  try {
    await load_week();
    state.error = '';
    show_error('');
    render();
    document.body.dataset.loaded = '1';
  } catch (e) {
    show_error(roster_error(e));
    document.body.dataset.loaded = 'error';
  }
}

// ---- the grid ------------------------------------------------------------------

function name_of(id) {
  const c = state.counselors.find((x) => x.counselorId === id);
  return c && c.name ? c.name : id;
}

function cell_content(entry) {
  const ids = entry ? entry.counselorIds || [] : [];
  const source = entry ? entry.source || 'weekly' : 'weekly';
  const list = ids.length
    ? el('ul', {class: 'duty-list'}, ...ids.map((id) => el('li', {'data-counselor-id': id, text: name_of(id)})))
    : el('p', {class: 'nobody', text: t('ros.nobody')});
  return [el('span', {class: `src src-${source}`, 'data-source': source, text: t(`ros.src.${source}`)}), list];
}

function render() {
  const to = add_days(state.from, 6);
  document.getElementById('week-range').textContent = t('ros.range', state.from, to);
  const site = state.sites.find((s) => s.siteId === state.site);
  const site_name = site ? site.name || site.siteId : state.site;
  const head = el('tr', {}, el('th', {scope: 'col', text: t('ros.col.day')}),
                  ...state.shifts.map((s) => el('th', {scope: 'col'}, el('span', {class: 'shift-name', text: shift_name(s.name)}),
                                                el('span', {class: 'shift-time', text: t('ros.shift.time', s.start, s.end)}))));
  const rows = [];
  for (let i = 0; i < 7; i++) {
    const day = add_days(state.from, i);
    const by_shift = new Map(entries_of(day).map((e) => [e.shift, e]));
    const past = day < state.today;
    const th = el('th', {scope: 'row', class: 'day'}, el('span', {class: 'day-text'}, ...day_parts(day).flatMap((p, j) => [j ? ' ' : null, el('span', {text: p})])),
                  el('span', {class: 'day-date', text: day}),
                  day === state.today ? el('span', {class: 'tag today', text: t('ros.today')}) : null,
                  past ? el('span', {class: 'tag past', text: t('ros.past')}) : null);
    const cells = state.shifts.map((s) => {
      const entry = by_shift.get(s.name);
      const source = entry ? entry.source : 'weekly';
      const attrs = {class: `slot src-cell-${source}`, 'data-date': day, 'data-shift': s.name, 'data-source': source};
      if (!editable(day)) return el('td', attrs, ...cell_content(entry));
      // The name read out starts with what the button does; the visible
      // list and source follow, so the name holds the text on screen.
      const open = el('button', {type: 'button', class: 'slot-edit', id: `slot-${day}-${s.name}`},
                      el('span', {class: 'visually-hidden', text: t('ros.edit.label', day_text(day), shift_name(s.name))}),
                      ...cell_content(entry));
      open.addEventListener('click', () => edit(day, s.name, open.id));
      return el('td', attrs, open);
    });
    rows.push(el('tr', {class: [past ? 'past' : '', day === state.today ? 'is-today' : ''].join(' ').trim() || undefined,
                        'data-date': day}, th, ...cells));
  }
  const caption = t('ros.caption', site_name, state.from, to);
  document.getElementById('roster-grid').replaceChildren(
    el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption},
       el('table', {class: 'roster-table'}, el('caption', {class: 'visually-hidden', text: caption}),
          el('thead', {}, head), el('tbody', {}, ...rows))));
  document.getElementById('edit-hint').hidden = !can_edit();
}

// ---- changing a half-day -------------------------------------------------------

// The date's stored exception as the roster shows it: a shift whose list
// comes from a stored exception is one the exception names. A PUT replaces
// the whole date's exception, so a change keeps the other shifts it names.
function stored_shifts(day) {
  const out = {};
  for (const e of entries_of(day)) if (e.source === 'stored_exception') out[e.shift] = e.counselorIds || [];
  return out;
}

async function save(day, shift, shifts, restoring) {
  const path = `/v1/sites/${encodeURIComponent(state.site)}/exceptions/${day}`;
  if (Object.keys(shifts).length) await call('PUT', path, {shifts});
  else await call('DELETE', path);
  toast(t(restoring ? 'ros.restored' : 'ros.saved', day_text(day), shift_name(shift)));
}

function edit(day, shift, opener_id) {
  const entry = entries_of(day).find((e) => e.shift === shift);
  const current = new Set(entry ? entry.counselorIds || [] : []);
  const source = entry ? entry.source : 'weekly';
  const title = t('ros.dlg.title', day_text(day), shift_name(shift));
  const dlg = el('dialog', {class: 'confirm roster-dialog', id: 'slot-dialog', 'aria-labelledby': 'slot-dialog-h'});
  const boxes = state.counselors.map((c) => el('label', {class: 'radio', for: `pick-${c.counselorId}`},
    el('input', {type: 'checkbox', id: `pick-${c.counselorId}`, value: c.counselorId, checked: current.has(c.counselorId)}),
    el('span', {text: `${c.name || c.counselorId}（${c.counselorId}）`})));
  const problem = el('p', {class: 'error', id: 'slot-dialog-error', role: 'alert', hidden: true});
  const cancel = el('button', {type: 'button', id: 'slot-cancel', text: t('ros.dlg.cancel')});
  const ok = el('button', {type: 'button', class: 'primary', id: 'slot-save', text: t('ros.dlg.save')});
  const restore = source === 'stored_exception'
    ? el('button', {type: 'button', id: 'slot-restore', text: t('ros.dlg.restore')}) : null;
  dlg.append(...[el('h2', {id: 'slot-dialog-h', text: title}),
             el('p', {class: 'hint', text: t('ros.dlg.now', t(`ros.src.${source}`))}),
             el('fieldset', {}, el('legend', {text: t('ros.dlg.choose')}), ...boxes),
             el('p', {class: 'hint', text: t('ros.dlg.none')}),
             restore ? el('p', {class: 'hint', text: t('ros.dlg.restore.hint')}) : null,
             problem,
             el('div', {class: 'buttons'}, restore, cancel, ok)].filter(Boolean));
  document.body.append(dlg);
  const close = () => {
    dlg.close();
    dlg.remove();
    const back = document.getElementById(opener_id);
    if (back) back.focus();
  };
  const run = async (shifts, restoring) => {
    for (const b of dlg.querySelectorAll('button')) b.disabled = true;
    try {
      await save(day, shift, shifts, restoring);
      close();
      await reload();
      const back = document.getElementById(opener_id);
      if (back) back.focus();
    } catch (e) {
      problem.textContent = roster_error(e);
      problem.hidden = false;
      for (const b of dlg.querySelectorAll('button')) b.disabled = false;
      // A date that passed while the page was open: learn today again, so
      // the grid stops offering it once the dialog is closed.
      if (/is in the past/.test(e.detail || '')) {
        try { await load_sites(); } catch { /* keep the old today */ }
      }
      if (e.status === 404) {
        try { await load_week(); } catch { /* shown on the next reload */ }
      }
    }
  };
  ok.addEventListener('click', () => {
    const picked = state.counselors.map((c) => c.counselorId).filter((id) => dlg.querySelector(`#pick-${CSS.escape(id)}`).checked);
    run({...stored_shifts(day), [shift]: picked}, false);
  });
  if (restore) {
    restore.addEventListener('click', () => {
      const rest = stored_shifts(day);
      delete rest[shift];
      run(rest, true);
    });
  }
  cancel.addEventListener('click', close);
  dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  dlg.showModal();
  const first = dlg.querySelector('input');
  (first || cancel).focus();
}

// ---- start -----------------------------------------------------------------------

function fill_sites() {
  const select = document.getElementById('site');
  select.replaceChildren(...state.sites.map((s) => el('option', {value: s.siteId, text: s.name ? `${s.name}（${s.siteId}）` : s.siteId})));
  select.value = state.site;
}

async function go(from) {
  state.from = from;
  remember_view();
  await reload();
}

async function start() {
  wire_header();
  const s = await load_session();
  if (!s) return;
  state.session = s;
  show_who(s);
  if (s.role === 'counselor') {
    show_error(t('ros.forbidden'));
    document.body.dataset.loaded = 'error';
    return;
  }
  document.getElementById('viewer-note').hidden = s.role !== 'viewer';
  try {
    await load_sites();
    const list = await call('GET', '/v1/counselors');
    state.counselors = (list.counselors || []).slice().sort((a, b) => a.counselorId.localeCompare(b.counselorId));
  } catch (e) {
    show_error(e.status === 403 ? t('ros.forbidden') : roster_error(e));
    document.body.dataset.loaded = 'error';
    return;
  }
  const q = new URLSearchParams(location.search);
  state.site = state.sites.some((x) => x.siteId === q.get('site')) ? q.get('site') : (state.sites[0] || {}).siteId || '';
  state.from = is_day(q.get('from')) ? q.get('from') : state.today;
  fill_sites();
  document.getElementById('site').addEventListener('change', (e) => { state.site = e.target.value; go(state.from); });
  document.getElementById('week-prev').addEventListener('click', () => go(add_days(state.from, -7)));
  document.getElementById('week-next').addEventListener('click', () => go(add_days(state.from, 7)));
  document.getElementById('week-this').addEventListener('click', () => go(state.today));
  document.getElementById('week-form').addEventListener('submit', (e) => e.preventDefault());
  on_lang_change(() => { fill_sites(); render(); });
  // Another supervisor's change shows when the page is looked at again.
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !document.getElementById('slot-dialog')) reload();
  });
  await go(state.from);
}

start();
