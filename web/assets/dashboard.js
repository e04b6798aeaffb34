// The supervisor dashboard (/): the queue live from GET /v1/events, the
// crisis alarm, counselors by site and shift, coverage gaps, parked
// callbacks, the hourly chart and a case drawer with the supervisor's
// actions. Viewers see the same without the actions.

import {t, label, current_lang, on_lang_change, wait_reason, duration, clock} from './i18n.js';
import {load_session, call, live, wire_header, show_who, toast, el, confirm_dialog, beep, notify,
        ask_notifications, keep_inputs} from './api.js';
import {hourly, draw} from './chart.js';

const RISK_ORDER = {RISK_CRISIS: 4, RISK_HIGH: 3, RISK_MEDIUM: 2, RISK_LOW: 1};
const OPEN = ['CASE_QUEUED', 'CASE_OFFERED', 'CASE_ACTIVE'];
const CRISIS_LIMIT_S = 60;  // a crisis case not accepted this long after it arrived raises a notification
// No event says a callback was parked: the list is read again this often.
const PARKED_REFRESH_MS = 10000;

const state = {
  session: null,
  cases: new Map(),        // caseId -> Case (no contact/summary)
  counselors: [],
  queue: null,
  chart: new hourly(),
  notified: new Set(),     // crisis cases already notified
  muted: false,
  drawer: null,            // caseId shown in the drawer
  revealed: null,          // the drawer's case with contact/summary, after 查看联系方式
};

const can_act = () => state.session && state.session.role === 'supervisor';

// ---- loading -------------------------------------------------------------

async function section(name, f) {
  try {
    await f();
  } catch (e) {
    const box = document.getElementById(name);
    if (box) {
      delete box.dataset.list;
      box.replaceChildren(el('p', {class: 'error', text: e.message}));
    }
  }
}

async function load_cases() {
  const fresh = new Map();
  for (const s of OPEN) {
    const list = await call('GET', `/v1/cases?state=${s}&limit=500`);
    for (const c of list.cases || []) fresh.set(c.caseId, c);
  }
  // Recent ones too: the chart and the recently closed rows.
  const recent = await call('GET', '/v1/cases?limit=200');
  state.chart.clear();
  for (const c of recent.cases || []) {
    if (!fresh.has(c.caseId)) fresh.set(c.caseId, c);
    state.chart.add('referrals', c.createdAt);
    state.chart.add('offers', c.offeredAt);
    state.chart.add('accepts', c.acceptedAt);
  }
  for (const [id, old] of state.cases) {
    const c = fresh.get(id);
    if (c && old.waitReason !== undefined && c.state === 'CASE_QUEUED') {
      c.waitReason = old.waitReason;
      c.nextEligibleAt = old.nextEligibleAt;
    }
  }
  state.cases = fresh;
  render_queue();
  draw_chart();
  // Why each queued case waits: the one-case view says (without personal data).
  await Promise.all([...fresh.values()].filter((c) => c.state === 'CASE_QUEUED').slice(0, 40)
                      .map((c) => refresh_case(c.caseId)));
}

async function refresh_case(id) {
  try {
    const c = await call('GET', `/v1/cases/${encodeURIComponent(id)}?reveal=false`);
    state.cases.set(id, c);
    render_queue();
    if (state.drawer === id) render_drawer(c);
  } catch { /* purged or gone: the next reload says */ }
}

async function load_summary() {
  state.queue = await call('GET', '/v1/queue');
  render_summary();
}

async function load_counselors() {
  const r = await call('GET', '/v1/counselors');
  state.counselors = r.counselors || [];
  render_counselors();
}

async function load_coverage() {
  const r = await call('GET', '/v1/coverage?days=7');
  render_coverage(r);
}

async function load_parked() {
  const r = await call('GET', '/v1/callbacks/parked');
  render_parked(r.callbacks || []);
}

async function reload_all() {
  await Promise.all([section('queue', load_cases), section('summary', load_summary),
                     section('counselors', load_counselors), section('coverage', load_coverage),
                     section('parked', load_parked)]);
  document.body.dataset.loaded = String(Date.now());
}

// Coalesces bursts of events into one reload per view.
const pending = new Map();
function soon(key, f, ms = 300) {
  if (pending.has(key)) return;
  pending.set(key, setTimeout(() => { pending.delete(key); f().catch(() => {}); }, ms));
}

// ---- live ----------------------------------------------------------------

function on_event(ev) {
  if (ev.caseId) {
    let c = state.cases.get(ev.caseId);
    if (!c) {
      c = {caseId: ev.caseId, state: ev.state || 'CASE_QUEUED', risk: ev.risk, concerns: ev.concerns || [],
           createdAt: ev.at, escalationLevel: 0};
      state.cases.set(ev.caseId, c);
    }
    if (ev.state) c.state = ev.state;
    if (ev.risk) c.risk = ev.risk;
    if (ev.type === 'case.escalated') c.escalationLevel = ev.escalationLevel || 0;
    if (ev.type === 'case.offered') {
      c.offerExpiresAt = ev.expiresAt;
      if (ev.rule === 'broadcast') c.offeredTo = [...new Set([...(c.offeredTo || []), ev.counselorId])];
      else c.counselorId = ev.counselorId;
      state.chart.add('offers', ev.at);
    }
    if (ev.type === 'case.accepted') {
      c.counselorId = ev.counselorId;
      c.acceptedAt = ev.at;
      state.chart.add('accepts', ev.at);
    }
    if (ev.type === 'case.created') state.chart.add('referrals', ev.at);
    if (ev.type === 'case.resolved') { c.outcome = ev.outcome; c.resolvedAt = ev.at; }
    if (ev.type === 'case.cancelled') c.cancelledAt = ev.at;
    if (ev.type === 'case.offer_expired' && c.risk === 'RISK_CRISIS') crisis_notice(c);
    render_queue();
    draw_chart();
    soon(`case:${ev.caseId}`, () => refresh_case(ev.caseId));
    soon('summary', load_summary, 500);
  }
  if (ev.counselorId || ev.type === 'counselor.availability') soon('counselors', load_counselors, 500);
}

function crisis_notice(c) {
  if (state.notified.has(c.caseId)) return;
  state.notified.add(c.caseId);
  notify(t('dash.alarm'), t('dash.notify.crisis', short(c.caseId), CRISIS_LIMIT_S), c.caseId);
}

// ---- rendering -----------------------------------------------------------

const short = (id) => (id || '').slice(-6);

function waiting_since(c) { return c.createdAt || c.receivedAt; }

function order(a, b) {
  const open_a = OPEN.includes(a.state), open_b = OPEN.includes(b.state);
  if (open_a !== open_b) return open_a ? -1 : 1;
  if (!open_a) return Date.parse(b.resolvedAt || b.cancelledAt || b.createdAt) -
                      Date.parse(a.resolvedAt || a.cancelledAt || a.createdAt);
  const hot_a = is_hot(a), hot_b = is_hot(b);
  if (hot_a !== hot_b) return hot_a ? -1 : 1;
  const r = (RISK_ORDER[b.risk] || 0) - (RISK_ORDER[a.risk] || 0);
  if (r) return r;
  return Date.parse(waiting_since(a)) - Date.parse(waiting_since(b));
}

// Crisis or escalated and nobody has it yet.
function is_hot(c) {
  return (c.risk === 'RISK_CRISIS' || (c.escalationLevel || 0) > 0) && (c.state === 'CASE_QUEUED' ||
                                                                         c.state === 'CASE_OFFERED');
}

function risk_badge(c) {
  const b = el('span', {class: `badge risk-${(c.risk || '').toLowerCase()}`, text: label('risk', c.risk)});
  if ((c.escalationLevel || 0) > 0) return [b, ' ', el('span', {class: 'badge escalated', text: t('dash.level', c.escalationLevel)})];
  return [b];
}

function case_button(c) {
  return el('button', {type: 'button', class: 'link case-open', dataset: {caseId: c.caseId},
                       'aria-label': `${short(c.caseId)} ${t('drawer.title')}`, text: short(c.caseId),
                       onclick: () => open_drawer(c.caseId)});
}

function reason_cell(c) {
  if (c.state === 'CASE_QUEUED') {
    const parts = [];
    if (c.waitReason) parts.push(el('span', {class: 'reason', text: wait_reason(c.waitReason)}));
    if (c.waitReason !== undefined) {
      parts.push(el('span', {class: 'next', text: c.nextEligibleAt ? t('nextEligible', clock(c.nextEligibleAt))
                                                                   : t('nextEligible.none')}));
    }
    return parts;
  }
  if (c.state === 'CASE_OFFERED') {
    const who = c.counselorId || (c.offeredTo || []).join('、');
    return [el('span', {text: who}), c.offerExpiresAt ? el('span', {class: 'next', text: clock(c.offerExpiresAt)}) : ''];
  }
  if (c.state === 'CASE_RESOLVED') return [label('outcome', c.outcome)];
  return [c.counselorId || ''];
}

function render_queue() {
  const body = document.querySelector('#queue tbody');
  const all = [...state.cases.values()].sort(order);
  const closed = all.filter((c) => !OPEN.includes(c.state)).slice(0, 15);
  const rows = [...all.filter((c) => OPEN.includes(c.state)), ...closed];
  body.replaceChildren(...rows.map((c) => el('tr', {class: `${is_hot(c) ? 'hot' : ''} ${OPEN.includes(c.state) ? '' : 'closed'}`,
                                                   dataset: {caseId: c.caseId, state: c.state}},
    el('td', {}, ...risk_badge(c)),
    el('td', {}, case_button(c)),
    el('td', {class: 'state', text: label('state', c.state)}),
    el('td', {text: (c.concerns || []).map((x) => label('concern', x)).join('、')}),
    el('td', {class: 'wait', dataset: {since: OPEN.includes(c.state) ? waiting_since(c) : ''}}),
    el('td', {}, ...reason_cell(c)))));
  document.getElementById('queue-empty').hidden = rows.length > 0;
  render_escalated();
  tick();
}

function render_escalated() {
  const hot = [...state.cases.values()].filter(is_hot).sort(order);
  const box = document.getElementById('escalated-list');
  box.replaceChildren(...hot.map((c) => el('div', {class: 'hot-card', dataset: {caseId: c.caseId}},
    ...risk_badge(c), ' ', case_button(c), ' ', el('span', {text: label('state', c.state)}), ' ',
    el('span', {class: 'wait', dataset: {since: waiting_since(c)}}))));
  box.closest('section').hidden = hot.length === 0;
  const alarm = document.getElementById('alarm');
  const was = !alarm.hidden;
  alarm.hidden = hot.length === 0;
  document.getElementById('alarm-text').textContent = t('dash.alarm.text', hot.length);
  document.body.classList.toggle('alarming', hot.length > 0);
  if (hot.length > 0 && !was && !state.muted) beep(3, 988);
}

function tick() {
  const now = Date.now();
  for (const cell of document.querySelectorAll('[data-since]')) {
    cell.textContent = cell.dataset.since ? duration((now - Date.parse(cell.dataset.since)) / 1000) : '';
  }
  for (const c of state.cases.values()) {
    if (c.risk === 'RISK_CRISIS' && (c.state === 'CASE_QUEUED' || c.state === 'CASE_OFFERED') &&
        (now - Date.parse(waiting_since(c))) / 1000 > CRISIS_LIMIT_S) crisis_notice(c);
  }
}

function render_summary() {
  const q = state.queue || {};
  const by = q.byState || {};
  const items = [
    [t('state.CASE_QUEUED'), by.CASE_QUEUED || 0], [t('state.CASE_OFFERED'), by.CASE_OFFERED || 0],
    [t('state.CASE_ACTIVE'), by.CASE_ACTIVE || 0], [t('dash.oldest'), duration(q.oldestWaitSeconds || 0)],
    [t('dash.onDuty'), q.counselorsOnDuty || 0], [t('dash.available'), q.counselorsAvailable || 0],
    [t('dash.busy'), q.counselorsBusy || 0],
  ];
  document.getElementById('summary').replaceChildren(...items.map(([k, v]) =>
    el('div', {}, el('dt', {text: k}), el('dd', {text: String(v)}))));
}

function yes_no(v) { return v ? t('yes') : t('no'); }

function render_counselors() {
  const groups = new Map();
  for (const c of state.counselors) {
    const key = c.onDuty ? `${c.siteId} · ${c.shift}` : t('notOnDuty');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === t('notOnDuty')) - (b === t('notOnDuty')) || a.localeCompare(b));
  const box = document.getElementById('counselors');
  box.replaceChildren(...keys.map((k) => el('div', {class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': k}, el('table', {class: 'counselor-table'},
    el('caption', {text: k}),
    el('thead', {}, el('tr', {}, ...['col.counselor', 'col.signedIn', 'col.load', 'col.wrapUp', 'col.missed', 'col.nextDuty']
      .map((h) => el('th', {scope: 'col', text: t(h)})))),
    el('tbody', {}, ...groups.get(k).map((c) => el('tr', {dataset: {counselorId: c.counselorId}},
      el('th', {scope: 'row', text: `${c.name || ''} (${c.counselorId})`}),
      el('td', {text: c.onDuty ? yes_no(c.available) : t('none')}),
      el('td', {class: c.capacity && c.load >= c.capacity ? 'full' : '', text: `${c.load || 0}/${c.capacity || 0}`}),
      // GET /v1/counselors (docs/API.md): wrapUpUntil while resting after a
      // resolve, missedOffers today (absent = 0), nextShiftAt while off duty.
      el('td', {class: 'wrap-up', text: Date.parse(c.wrapUpUntil) > Date.now() ? clock(c.wrapUpUntil) : t('none')}),
      el('td', {class: 'missed', text: String(c.missedOffers || 0)}),
      el('td', {class: 'next-duty', text: c.onDuty ? t('dash.onDutyNow') : c.nextShiftAt ? clock(c.nextShiftAt) : t('none')}))))))));
}

function render_coverage(r) {
  const gaps = r.gaps || [];
  const box = document.getElementById('coverage');
  if (!gaps.length) {
    box.replaceChildren(el('p', {class: 'empty', text: t('dash.coverage.none')}));
    return;
  }
  const what = (g) => (g.kind === 'crisis' ? t('gap.crisis')
    : g.kind === 'specialty' ? t('gap.specialty', label('concern', g.code)) : t('gap.county', g.code));
  box.replaceChildren(el('ul', {class: 'gaps'}, ...gaps.map((g) =>
    el('li', {}, el('span', {class: 'day', text: `${g.day} ${g.shift}`}), ' ', what(g)))));
}

// A parked callback's lastError (docs/API.md: `HTTP <status>`, `timeout` or
// a connection error) in the page's language; the daemon's words in the title.
function callback_error(text) {
  const http = /^HTTP (\d+)/.exec(text || '');
  if (http) return t('parked.http', http[1]);
  if (text === 'timeout') return t('parked.timeout');
  if (/refused/i.test(text || '')) return t('parked.refused');
  return text ? t('parked.other') : '';
}

function render_parked(list) {
  const box = document.getElementById('parked');
  // The list is re-read every PARKED_REFRESH_MS: redraw only when it changed,
  // so a retry button keeps the keyboard focus.
  const key = current_lang() + JSON.stringify(list);
  if (box.dataset.list === key && box.childElementCount) return;
  box.dataset.list = key;
  if (!list.length) {
    box.replaceChildren(el('p', {class: 'empty', text: t('dash.parked.none')}));
    return;
  }
  keep_inputs(box, () => box.replaceChildren(el('div', {class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('dash.parked')}, el('table', {},
    el('thead', {}, el('tr', {}, ...['col.callback', 'col.attempts', 'col.lastError', 'col.parkedAt', 'col.state']
      .map((h) => el('th', {scope: 'col', text: t(h)})))),
    el('tbody', {}, ...list.map((p) => el('tr', {dataset: {eventId: p.callback.eventId, caseId: p.callback.caseId, type: p.callback.type}},
      el('td', {text: `${short(p.callback.caseId)} ${label('event', p.callback.type)}`}),
      el('td', {class: 'attempts', text: String(p.attempts || 0)}),
      el('td', {class: 'last-error', title: p.lastError || '', text: callback_error(p.lastError)}),
      el('td', {text: clock(p.parkedAt)}),
      el('td', {}, can_act() ? el('button', {type: 'button', id: `retry-${p.callback.eventId}`, class: 'retry',
                                             'aria-label': `${t('action.retry')} ${short(p.callback.caseId)} ${label('event', p.callback.type)}`,
                                             text: t('action.retry'), onclick: async (e) => {
        e.target.disabled = true;
        try {
          await call('POST', `/v1/callbacks/parked/${encodeURIComponent(p.callback.eventId)}/retry`);
          toast(t('done.retry'));
          await load_parked();
        } catch (err) {
          toast(err.message, 'error');
          e.target.disabled = false;
        }
      }}) : ''))))))));
}

function draw_chart() {
  draw(document.getElementById('chart'), state.chart,
       {locale: current_lang() === 'zh' ? 'zh-CN' : 'en-GB', desc: t('chart.desc'), referrals: t('chart.referrals'), offers: t('chart.offers'), accepts: t('chart.accepts')});
}

// ---- the drawer ----------------------------------------------------------

let drawer_opener = null;

async function open_drawer(id) {
  drawer_opener = document.activeElement;
  state.drawer = id;
  state.revealed = null;
  const drawer = document.getElementById('drawer');
  drawer.hidden = false;
  document.getElementById('drawer-body').replaceChildren(el('p', {text: t('loading')}));
  document.getElementById('drawer-close').focus();
  try {
    const c = await call('GET', `/v1/cases/${encodeURIComponent(id)}?reveal=false`);
    state.cases.set(id, Object.assign(state.cases.get(id) || {}, c));
    render_drawer(c);
  } catch (e) {
    document.getElementById('drawer-body').replaceChildren(el('p', {class: 'error', text: e.message}));
  }
}

function close_drawer() {
  state.drawer = null;
  state.revealed = null;
  document.getElementById('drawer').hidden = true;
  document.getElementById('drawer-body').replaceChildren();
  if (drawer_opener && document.contains(drawer_opener)) drawer_opener.focus();
}

function actor_text(a) {
  if (!a) return '';
  const [kind, id] = a.split(':');
  return id ? `${t(`actor.${kind}`)} ${id}` : t(`actor.${kind}`);
}

function history_item(ev) {
  const bits = [];
  if (ev.counselorId && ev.actor !== `counselor:${ev.counselorId}`) bits.push(ev.counselorId);
  if (ev.rule) bits.push(label('rule', ev.rule));
  if (ev.reasonCode) bits.push(label('reasonCode', ev.reasonCode));
  if (ev.outcome) bits.push(label('outcome', ev.outcome));
  if (ev.escalationLevel) bits.push(t('dash.level', ev.escalationLevel));
  if (ev.risk && ev.type === 'case.reprioritised') bits.push(label('risk', ev.risk));
  return el('li', {},
    el('time', {datetime: ev.at, text: clock(ev.at)}), ' ',
    el('strong', {text: label('event', ev.type)}), ' ',
    el('span', {class: 'actor', text: actor_text(ev.actor)}),
    bits.length ? el('span', {class: 'facts', text: ` · ${bits.join(' · ')}`}) : '');
}

function render_drawer(c) {
  const body = document.getElementById('drawer-body');
  const facts = el('dl', {class: 'facts-list'},
    el('dt', {text: t('col.case')}), el('dd', {text: c.caseId}),
    el('dt', {text: t('col.risk')}), el('dd', {}, ...risk_badge(c)),
    el('dt', {text: t('col.state')}), el('dd', {class: 'drawer-state', text: label('state', c.state)}),
    el('dt', {text: t('col.concerns')}), el('dd', {text: (c.concerns || []).map((x) => label('concern', x)).join('、')}),
    el('dt', {text: t('col.mode')}), el('dd', {text: label('mode', c.mode)}),
    c.county ? [el('dt', {text: t('drawer.county')}), el('dd', {text: c.county})] : '',
    c.ageBand ? [el('dt', {text: t('drawer.age')}), el('dd', {text: c.ageBand})] : '',
    (c.groups || []).length ? [el('dt', {text: t('drawer.groups')}), el('dd', {text: c.groups.map((g) => label('group', g)).join('、')})] : '',
    el('dt', {text: t('drawer.received')}), el('dd', {text: clock(c.receivedAt)}),
    c.counselorId ? [el('dt', {text: t('col.counselor')}), el('dd', {text: c.counselorId})] : '',
    (c.offeredTo || []).length ? [el('dt', {text: t('drawer.offeredTo')}), el('dd', {text: c.offeredTo.join('、')})] : '',
    c.outcome ? [el('dt', {text: t('drawer.outcome')}), el('dd', {text: label('outcome', c.outcome)})] : '',
    c.state === 'CASE_QUEUED' ? [el('dt', {text: t('col.reason')}), el('dd', {},
      wait_reason(c.waitReason || ''), ' ', c.nextEligibleAt ? t('nextEligible', clock(c.nextEligibleAt)) : '')] : '');

  const personal = el('section', {class: 'personal', 'aria-labelledby': 'personal-h'},
    el('h3', {id: 'personal-h', text: t('drawer.contact')}));
  if (state.revealed && state.revealed.caseId === c.caseId) {
    const r = state.revealed;
    const contact = r.contact || {};
    personal.append(el('dl', {class: 'facts-list revealed'},
      el('dt', {text: t('drawer.contact')}),
      el('dd', {}, contact.name || '', ' ', contact.phone ? el('a', {href: `tel:${contact.phone}`, text: contact.phone}) : '',
         contact.address ? ` ${contact.address}` : ''),
      el('dt', {text: t('drawer.summary')}), el('dd', {class: 'summary-text', text: r.summary || t('none')})));
  } else if (state.session.role === 'supervisor') {
    personal.append(el('button', {type: 'button', id: 'reveal', text: t('drawer.reveal'), onclick: () => reveal(c.caseId)}),
                    el('p', {class: 'note', text: t('drawer.reveal.note')}));
  } else {
    personal.append(el('p', {class: 'note', text: t('viewer.sealed')}));
  }

  const history = el('section', {class: 'history', 'aria-labelledby': 'history-h'},
    el('h3', {id: 'history-h', text: t('drawer.history')}),
    el('ol', {class: 'timeline'}, ...(c.history || []).map(history_item)));

  keep_inputs(body, () => body.replaceChildren(facts, actions(c), personal, history));
}

async function reveal(id) {
  try {
    state.revealed = await call('GET', `/v1/cases/${encodeURIComponent(id)}`);
    render_drawer(state.revealed);
  } catch (e) {
    toast(e.message, 'error');
  }
}

function actions(c) {
  const box = el('section', {class: 'actions', 'aria-label': t('action.confirm')});
  const open = OPEN.includes(c.state);
  if (!open) return box;
  if (!can_act()) {
    box.append(el('p', {class: 'note', text: t('viewer.note')}));
    return box;
  }
  if (c.state === 'CASE_QUEUED' || c.state === 'CASE_OFFERED') {
    const choices = state.counselors.filter((x) => x.onDuty)
      .map((x) => el('option', {value: x.counselorId, text: `${x.name || ''} (${x.counselorId}) ${x.load || 0}/${x.capacity || 0}`}));
    const sel = el('select', {id: 'assign-to'}, ...choices);
    box.append(el('div', {class: 'action-row'},
      el('label', {for: 'assign-to', text: t('action.assign.to')}), sel,
      el('button', {type: 'button', id: 'assign', text: t('action.assign'), onclick: async () => {
        if (!sel.value) return;
        if (!await confirm_dialog(t('confirm.assign', short(c.caseId), sel.value))) return;
        act(() => call('POST', `/v1/cases/${encodeURIComponent(c.caseId)}/assign`, {counselorId: sel.value}), 'done.assign', c.caseId);
      }})));
  }
  const risk = el('select', {id: 'risk-to'}, ...Object.keys(RISK_ORDER).reverse()
    .map((r) => el('option', {value: r, selected: r === c.risk, text: label('risk', r)})));
  box.append(el('div', {class: 'action-row'},
    el('label', {for: 'risk-to', text: t('action.risk')}), risk,
    el('button', {type: 'button', id: 'risk', text: t('action.confirm'), onclick: async () => {
      const reason = el('textarea', {id: 'risk-reason', maxlength: 1000, rows: 2});
      const extra = el('div', {}, el('label', {for: 'risk-reason', text: t('action.reason')}), reason);
      if (!await confirm_dialog(t('confirm.risk', short(c.caseId), label('risk', risk.value)), {extra})) return;
      act(() => call('POST', `/v1/cases/${encodeURIComponent(c.caseId)}/risk`, {risk: risk.value, reason: reason.value}), 'done.risk', c.caseId);
    }})));
  box.append(el('div', {class: 'action-row'},
    el('button', {type: 'button', id: 'cancel', class: 'danger', text: t('action.cancel'), onclick: async () => {
      const reason = el('textarea', {id: 'cancel-reason', maxlength: 1000, rows: 2});
      const extra = el('div', {}, el('label', {for: 'cancel-reason', text: t('action.reason')}), reason);
      if (!await confirm_dialog(t('confirm.cancel', short(c.caseId)), {extra, danger: true})) return;
      act(() => call('POST', `/v1/cases/${encodeURIComponent(c.caseId)}/cancel`, {reason: reason.value}), 'done.cancel', c.caseId);
    }})));
  return box;
}

async function act(f, done_key, id) {
  try {
    await f();
    toast(t(done_key));
  } catch (e) {
    toast(e.message, 'error');
  }
  await refresh_case(id);
}

// ---- start ---------------------------------------------------------------

async function main() {
  wire_header();
  state.session = await load_session();
  if (!state.session) return;
  if (state.session.role === 'counselor') {
    location.replace('/me');
    return;
  }
  show_who(state.session);
  document.body.dataset.role = state.session.role;
  document.getElementById('viewer-note').hidden = can_act();
  document.getElementById('drawer-close').addEventListener('click', close_drawer);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && state.drawer && !document.querySelector('dialog[open]')) close_drawer(); });
  document.getElementById('alarm-mute').addEventListener('click', (e) => {
    state.muted = !state.muted;
    e.target.textContent = t(state.muted ? 'dash.alarm.sound' : 'dash.alarm.silence');
  });
  document.getElementById('notify-enable').addEventListener('click', ask_notifications);
  on_lang_change(() => {
    render_queue(); render_summary(); render_counselors(); draw_chart();
    section('coverage', load_coverage); section('parked', load_parked);
    if (state.drawer) render_drawer(state.revealed || state.cases.get(state.drawer));
    show_who(state.session);
  });
  await reload_all();
  live('/v1/events', {on_event, on_resync: () => reload_all()});
  setInterval(tick, 1000);
  setInterval(() => section('parked', load_parked), PARKED_REFRESH_MS);
  // Keep the alarm audible while it lasts.
  setInterval(() => { if (document.body.classList.contains('alarming') && !state.muted) beep(2, 988); }, 15000);
}

main().catch((e) => toast(e.message, 'error'));
