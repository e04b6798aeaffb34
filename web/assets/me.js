// The counselor page (/me), phone first: duty and the sign-in switch, offers
// the moment they are made (event stream + GET /v1/me/offers) with sound,
// vibration, a notification and a countdown; accept or decline; my active
// cases with contact, tap-to-call, resolve and release.

import {t, label, on_lang_change, clock} from './i18n.js';
import {load_session, call, live, wire_header, show_who, toast, el, confirm_dialog, beep, notify,
        ask_notifications, keep_inputs} from './api.js';

const OUTCOMES = ['OUTCOME_COUNSELED', 'OUTCOME_HOME_VISIT', 'OUTCOME_REFERRED_MEDICAL', 'OUTCOME_REFERRED_LEGAL',
                  'OUTCOME_UNREACHABLE', 'OUTCOME_OTHER'];
const DECLINE_REASONS = ['me.decline.busy', 'me.decline.skill', 'me.decline.conflict', 'me.decline.unwell',
                         'me.decline.other'];

const state = {
  session: null,
  me: null,          // Counselor view when known (duty, availability)
  offers: [],
  cases: [],
  seen: new Set(),   // offers already announced
};

// ---- duty and availability --------------------------------------------------

function slot_text(slot) {
  const hm = (iso) => (iso ? new Date(iso).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', hour12: false}) : '');
  return `${slot.siteName || slot.siteId || ''} · ${slot.shift || ''} ${hm(slot.startsAt)}–${hm(slot.endsAt)}`;
}

// Duty from GET /v1/me (`now`, `next`, `available`); the switch shows
// neither state until the daemon has said.
function render_duty() {
  const me = state.me;
  const now = document.getElementById('duty-now');
  const next = document.getElementById('duty-next');
  now.textContent = !me ? '' : me.now ? t('me.onDuty', slot_text(me.now)) : t('me.offDuty');
  next.textContent = me && me.next ? t('me.nextShift', `${clock(me.next.startsAt)} ${slot_text(me.next)}`) : '';
  next.hidden = !(me && me.next);
  const box = document.getElementById('available');
  box.indeterminate = !me || me.available === undefined;
  if (!box.indeterminate) box.checked = !!me.available;
  document.getElementById('available-text').textContent =
    box.indeterminate ? t('me.unknown') : box.checked ? t('me.signedIn') : t('me.signedOut');
}

async function set_available(on) {
  const box = document.getElementById('available');
  box.disabled = true;
  try {
    const r = await call('PUT', '/v1/me/availability', {available: on});
    state.me = {...(state.me || {}), available: !!r.available};
  } catch (e) {
    box.checked = !on;
    toast(e.message, 'error');
  }
  box.disabled = false;
  render_duty();
}

// ---- offers -----------------------------------------------------------------

async function load_offers() {
  const r = await call('GET', '/v1/me/offers');
  state.offers = r.offers || [];
  render_offers();
  const fresh = state.offers.filter((o) => !state.seen.has(o.caseId));
  for (const o of fresh) state.seen.add(o.caseId);
  if (fresh.length) announce(fresh[0]);
}

function announce(o) {
  beep(o.case && o.case.risk === 'RISK_CRISIS' ? 4 : 2, 880);
  if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
  const c = o.case || {};
  notify(t('me.notify.offer', `${label('risk', c.risk)} ${(c.concerns || []).map((x) => label('concern', x)).join('、')}`),
         label('mode', c.mode), o.caseId);
}

function facts(c) {
  return el('dl', {class: 'facts-list'},
    el('dt', {text: t('col.risk')}), el('dd', {}, el('span', {class: `badge risk-${(c.risk || '').toLowerCase()}`, text: label('risk', c.risk)})),
    el('dt', {text: t('col.concerns')}), el('dd', {text: (c.concerns || []).map((x) => label('concern', x)).join('、')}),
    el('dt', {text: t('col.mode')}), el('dd', {text: label('mode', c.mode)}),
    c.county ? [el('dt', {text: t('drawer.county')}), el('dd', {text: c.county})] : '',
    c.ageBand ? [el('dt', {text: t('drawer.age')}), el('dd', {text: c.ageBand})] : '',
    (c.groups || []).length ? [el('dt', {text: t('drawer.groups')}), el('dd', {text: c.groups.map((g) => label('group', g)).join('、')})] : '',
    c.summary ? [el('dt', {text: t('drawer.summary')}), el('dd', {class: 'summary-text', text: c.summary})] : '');
}

function render_offers() {
  const box = document.getElementById('offers');
  keep_inputs(box, () => box.replaceChildren(...state.offers.map((o) => {
    const c = o.case || {caseId: o.caseId};
    const id = o.caseId;
    return el('article', {class: `card offer risk-${(c.risk || '').toLowerCase()}`, dataset: {caseId: id},
                          'aria-labelledby': `offer-${id}`},
      el('h3', {id: `offer-${id}`}, `${label('risk', c.risk)} · ${(c.concerns || []).map((x) => label('concern', x)).join('、')}`),
      el('p', {class: 'countdown', dataset: {expires: o.expiresAt}, role: 'timer'}),
      facts(c),
      el('div', {class: 'buttons'},
        el('button', {type: 'button', id: `accept-${id}`, class: 'primary accept', text: t('me.accept'), onclick: () => accept(id)}),
        el('button', {type: 'button', id: `decline-${id}`, class: 'decline', text: t('me.decline'), onclick: () => decline(id)})));
  })));
  document.getElementById('offers-empty').hidden = state.offers.length > 0;
  countdown();
}

function countdown() {
  const now = Date.now();
  for (const p of document.querySelectorAll('.countdown[data-expires]')) {
    const left = Math.ceil((Date.parse(p.dataset.expires) - now) / 1000);
    p.textContent = left > 0 ? t('me.expires', left) : t('me.expired');
    p.classList.toggle('urgent', left <= 10);
    if (left <= 0) p.closest('article').querySelectorAll('button').forEach((b) => { b.disabled = true; });
  }
}

async function accept(id) {
  try {
    await call('POST', `/v1/cases/${encodeURIComponent(id)}/accept`);
  } catch (e) {
    toast(e.message, 'error');
  }
  await refresh();
  const card = document.querySelector(`#cases [data-case-id="${CSS.escape(id)}"] h3`);
  if (card) {
    card.tabIndex = -1;
    card.focus();
  }
}

async function decline(id) {
  const choices = DECLINE_REASONS.map((k, i) => el('label', {class: 'radio'},
    el('input', {type: 'radio', name: 'decline-reason', value: k, checked: i === 0}), t(k)));
  const text = el('textarea', {id: 'decline-text', rows: 2, maxlength: 800});
  const extra = el('fieldset', {}, el('legend', {text: t('me.decline.reason')}), ...choices,
                   el('label', {for: 'decline-text', text: t('me.freeText')}), text);
  if (!await confirm_dialog(t('me.decline'), {extra, confirm_text: t('me.decline')})) return;
  const picked = extra.querySelector('input[name="decline-reason"]:checked');
  const reason = [picked ? t(picked.value) : '', text.value.trim()].filter(Boolean).join('：');
  try {
    await call('POST', `/v1/cases/${encodeURIComponent(id)}/decline`, {reason});
  } catch (e) {
    toast(e.message, 'error');
  }
  await refresh();
}

// ---- my cases ---------------------------------------------------------------

async function load_cases() {
  const r = await call('GET', '/v1/me/cases');
  state.cases = (r.cases || []).filter((c) => c.state === 'CASE_ACTIVE');
  render_cases();
}

function render_cases() {
  const box = document.getElementById('cases');
  keep_inputs(box, () => box.replaceChildren(...state.cases.map((c) => {
    const id = c.caseId;
    const contact = c.contact || {};
    const outcome = el('select', {id: `outcome-${id}`, required: true},
      ...OUTCOMES.map((o) => el('option', {value: o, text: label('outcome', o)})));
    const note = el('textarea', {id: `note-${id}`, rows: 2, maxlength: 4000});
    return el('article', {class: 'card mycase', dataset: {caseId: id}, 'aria-labelledby': `case-${id}`},
      el('h3', {id: `case-${id}`}, `${label('state', c.state)} · ${(c.concerns || []).map((x) => label('concern', x)).join('、')}`),
      el('div', {class: 'contact'},
        contact.name ? el('p', {class: 'name', text: contact.name}) : '',
        contact.phone ? el('a', {class: 'call', href: `tel:${contact.phone}`, text: t('me.call', contact.phone)}) : '',
        contact.address ? el('p', {text: contact.address}) : ''),
      facts(c),
      el('p', {class: 'since', text: `${t('event.case.accepted')} ${clock(c.acceptedAt)}`}),
      el('form', {class: 'resolve', onsubmit: (e) => { e.preventDefault(); resolve(id, outcome.value, note.value); }},
        el('label', {for: `outcome-${id}`, text: t('me.outcome')}), outcome,
        el('label', {for: `note-${id}`, text: t('me.note')}), note,
        el('div', {class: 'buttons'},
          el('button', {type: 'submit', class: 'primary resolve-btn', text: t('me.resolve')}),
          el('button', {type: 'button', class: 'release', text: t('me.release'), onclick: () => release(id)}))));
  })));
  document.getElementById('cases-empty').hidden = state.cases.length > 0;
}

async function resolve(id, outcome, note) {
  if (!await confirm_dialog(`${t('me.resolve')}：${label('outcome', outcome)}`)) return;
  try {
    await call('POST', `/v1/cases/${encodeURIComponent(id)}/resolve`, {outcome, note});
    toast(`${t('event.case.resolved')} · ${label('outcome', outcome)}`);
  } catch (e) {
    toast(e.message, 'error');
  }
  await refresh();
}

async function release(id) {
  const text = el('textarea', {id: 'release-text', rows: 2, maxlength: 1000});
  const extra = el('div', {}, el('label', {for: 'release-text', text: t('me.release.reason')}), text);
  if (!await confirm_dialog(t('me.release'), {extra, confirm_text: t('me.release')})) return;
  try {
    await call('POST', `/v1/cases/${encodeURIComponent(id)}/release`, {reason: text.value.trim()});
  } catch (e) {
    toast(e.message, 'error');
  }
  await refresh();
}

// ---- start ------------------------------------------------------------------

// true when both lists were read.
async function refresh() {
  try {
    await Promise.all([load_offers(), load_cases()]);
    document.body.dataset.loaded = String(Date.now());
    return true;
  } catch (e) {
    toast(e.message, 'error');
    return false;
  }
}

let refresh_timer = null;
function refresh_soon() {
  clearTimeout(refresh_timer);
  refresh_timer = setTimeout(refresh, 100);
}

function on_event(ev) {
  if (ev.type === 'counselor.availability' && ev.counselorId === state.session.id) {
    state.me = {...(state.me || {}), available: !!ev.available};
    render_duty();
    return;
  }
  refresh_soon();
}

// While the browser is offline its banner says so and why the lists may
// be behind; the event stream's own banner stays quiet (app.css).
function offline(down) {
  document.getElementById('offline-banner').hidden = !down;
  document.body.toggleAttribute('data-offline', down);
  if (!down) {
    refresh().then((ok) => { if (ok) toast(t('online.back')); });
  }
}

async function main() {
  wire_header();
  state.session = await load_session();
  if (!state.session) return;
  if (state.session.role !== 'counselor') {
    location.replace('/');
    return;
  }
  show_who(state.session);
  document.body.dataset.role = 'counselor';
  document.getElementById('available').addEventListener('change', (e) => set_available(e.target.checked));
  document.getElementById('alerts-enable').addEventListener('click', ask_notifications);
  window.addEventListener('offline', () => offline(true));
  window.addEventListener('online', () => offline(false));
  if (!navigator.onLine) offline(true);
  on_lang_change(() => { render_duty(); render_offers(); render_cases(); show_who(state.session); });
  // Duty and sign-in state, where the daemon tells them (GET /v1/me).
  try {
    const r = await call('GET', '/v1/me');
    state.me = {...r, available: !!r.available};  // JSON leaves out false
  } catch { /* not told: the switch shows neither state until used */ }
  render_duty();
  await refresh();
  live('/v1/events', {on_event, on_resync: refresh});
  setInterval(countdown, 1000);
  // A safety net: offers expire server side; the list is checked every 30 s.
  setInterval(refresh, 30000);
}

main().catch((e) => toast(e.message, 'error'));
