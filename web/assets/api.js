// Talking to the daemon from the page: the session (cookie + CSRF token),
// JSON calls with errors in the page's language, the live event stream with
// a banner while it is down, and the header every page shares.

import {t, error_text, set_lang, current_lang, apply_static} from './i18n.js';

let session = null;

export class api_error extends Error {
  constructor(status, code, message) {
    super(error_text(status, code, message));
    this.status = status;
    this.code = code;
    this.detail = message;
  }
}

// GET /v1/session; on 401 goes to the sign-in page (saying why).
export async function load_session({redirect = true} = {}) {
  let r;
  try {
    r = await fetch('/v1/session', {credentials: 'same-origin', headers: {Accept: 'application/json'}});
  } catch {
    throw new api_error(0, '', '');
  }
  if (r.status === 200) {
    session = await r.json();
    return session;
  }
  session = null;
  if (redirect) to_signin('expired');
  return null;
}

export function current_session() { return session; }

export function to_signin(why) {
  location.assign(`/signin${why ? `?why=${encodeURIComponent(why)}` : ''}`);
}

export function home_for(role) { return role === 'counselor' ? '/me' : '/'; }

// One JSON call. Writes carry the CSRF token; a 401 ends the session.
export async function call(method, path, body) {
  const headers = {Accept: 'application/json'};
  if (method !== 'GET' && method !== 'HEAD') {
    if (session && session.csrf) headers['X-CSRF-Token'] = session.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(path, {method, headers, credentials: 'same-origin',
                           body: body === undefined ? undefined : JSON.stringify(body)});
  } catch {
    throw new api_error(0, '', '');
  }
  const text = await r.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = {}; }
  if (r.ok) return data;
  const err = data.error || {};
  if (r.status === 401 && path !== '/v1/session') {
    to_signin('expired');
  }
  throw new api_error(r.status, err.code || '', err.message || '');
}

export async function sign_out() {
  try { await call('DELETE', '/v1/session'); } catch { /* the cookie goes anyway */ }
  location.assign('/signin?why=out');
}

// The event stream. EventSource resumes by itself with Last-Event-ID while
// it retries; when the browser gives up (an error answer: 401, 429, 503) a
// new one is opened with ?lastEventId= (docs/API.md, GET /v1/events), so no
// event is missed either way. A `resync` event asks the page to reload its
// views. A banner shows while the stream is down.
export function live(path, {on_event, on_resync, on_state}) {
  let source = null;
  let retry_timer = null;
  let last_id = '';
  let was_down = false;
  const banner = document.getElementById('live-banner');
  const show = (up) => {
    if (!up) was_down = true;
    if (banner) {
      banner.hidden = up;
      banner.textContent = up ? '' : t('live.disconnected');
    }
    document.body.dataset.live = up ? 'up' : 'down';
    if (on_state) on_state(up);
  };
  // What arrived, in order (ids, types and case ids only): the browser
  // tests read it to check that a reconnect missed nothing.
  window.caseroute_seen = window.caseroute_seen || [];
  const handle = (e) => {
    let ev;
    try { ev = JSON.parse(e.data); } catch { return; }
    if (e.lastEventId) last_id = e.lastEventId;
    window.caseroute_seen.push({id: e.lastEventId, type: ev.type, caseId: ev.caseId || ''});
    if (window.caseroute_seen.length > 2000) window.caseroute_seen.splice(0, 1000);
    on_event(ev, e.lastEventId);
  };
  const open = () => {
    const sep = path.includes('?') ? '&' : '?';
    source = new EventSource(last_id ? `${path}${sep}lastEventId=${encodeURIComponent(last_id)}` : path,
                             {withCredentials: true});
    source.onopen = () => {
      show(true);
      // Back without having seen an event: there was no id to resume from,
      // so what happened meanwhile is read again instead.
      if (was_down && !last_id && on_resync) on_resync('reconnect');
      was_down = false;
    };
    source.onerror = () => {
      show(false);
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(retry_timer);
        retry_timer = setTimeout(async () => {
          try { await load_session(); } catch { /* offline: try again */ }
          open();
        }, 2000);
      }
    };
    source.addEventListener('resync', (e) => {
      if (e.lastEventId) last_id = e.lastEventId;
      window.caseroute_resyncs = (window.caseroute_resyncs || 0) + 1;
      if (on_resync) on_resync('resync');
    });
    source.onmessage = handle;
    for (const type of ['case.created', 'case.offered', 'case.offer_withdrawn', 'case.accepted', 'case.declined',
                        'case.offer_expired', 'case.released', 'case.resolved', 'case.cancelled',
                        'case.escalated', 'case.waiting', 'counselor.availability', 'case.reprioritised']) {
      source.addEventListener(type, handle);
    }
  };
  // A stream over a network that went away may look open for minutes: when
  // the browser says it is offline the stream is closed, and reopened from
  // the last event seen the moment it is back.
  window.addEventListener('offline', () => {
    clearTimeout(retry_timer);
    if (source) source.close();
    show(false);
  });
  window.addEventListener('online', () => {
    clearTimeout(retry_timer);
    if (source) source.close();
    open();
  });
  open();
  return {close: () => { clearTimeout(retry_timer); if (source) source.close(); }};
}

// The header every page shares: title, who is signed in, the language
// switch and sign-out.
export function wire_header() {
  const sw = document.getElementById('lang-switch');
  if (sw) sw.addEventListener('click', () => set_lang(current_lang() === 'zh' ? 'en' : 'zh'));
  const out = document.getElementById('sign-out');
  if (out) out.addEventListener('click', () => sign_out());
  apply_static();
}

export function show_who(s) {
  const who = document.getElementById('who');
  if (who && s) who.textContent = `${s.id} · ${t(`role.${s.role}`)}`;
}

// A short message in the page's status area (role=status, read by screen readers).
export function toast(text, kind = 'info') {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, kind === 'error' ? 10000 : 5000);
}

// Element helper: el('td', {class: 'x', text: 'y'}, child...).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Re-rendering a live view keeps what the person typed or chose and where
// the focus was (elements matched by id).
export function keep_inputs(box, render) {
  const values = new Map([...box.querySelectorAll('input[id], select[id], textarea[id]')].map((x) => [x.id, x.value]));
  const focused = box.contains(document.activeElement) ? document.activeElement.id : '';
  render();
  for (const [id, v] of values) {
    const x = document.getElementById(id);
    if (x && box.contains(x)) x.value = v;
  }
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

// A modal confirmation (native <dialog>): resolves true on confirm.
export function confirm_dialog(message, {extra = null, confirm_text = t('action.confirm'), danger = false} = {}) {
  return new Promise((resolve) => {
    const dlg = el('dialog', {class: 'confirm', 'aria-labelledby': 'confirm-text'});
    const ok = el('button', {type: 'button', class: danger ? 'danger' : 'primary', text: confirm_text});
    const back = el('button', {type: 'button', text: t('action.back')});
    dlg.append(el('p', {id: 'confirm-text', text: message}), extra || '', el('div', {class: 'buttons'}, back, ok));
    document.body.append(dlg);
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    ok.addEventListener('click', () => done(true));
    back.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    dlg.showModal();
    back.focus();
  });
}

// Sound, vibration and system notifications. Browsers allow sound only
// after a user gesture: the first click anywhere unlocks it.
let audio = null;
export function unlock_audio() {
  if (!audio) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) audio = new Ctx();
  }
  if (audio && audio.state === 'suspended') audio.resume();
}
document.addEventListener('pointerdown', unlock_audio, {once: true});
document.addEventListener('keydown', unlock_audio, {once: true});

export function beep(times = 2, freq = 880) {
  document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  if (!audio) return;
  const start = audio.currentTime;
  for (let i = 0; i < times; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    osc.type = 'square';
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.35);
    osc.stop(start + i * 0.35 + 0.2);
  }
}

export function notify(title, body, tag) {
  document.body.dataset.notified = tag || title;
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try { new Notification(title, {body, tag, requireInteraction: true}); } catch { /* not allowed here */ }
}

export async function ask_notifications() {
  unlock_audio();
  if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
}
