// /signin: the id + token form, or the one-time code in the URL fragment
// (a supervisor's sign-in link); then on to the page for the role.

import {t, apply_static, on_lang_change} from './i18n.js';
import {wire_header, home_for} from './api.js';

const form = document.getElementById('signin-form');
const msg = document.getElementById('signin-msg');
let shown = null;

function say(key, kind = 'error') {
  shown = key;
  msg.textContent = t(key);
  msg.dataset.kind = kind;
  msg.hidden = false;
}

async function start(body) {
  let r;
  try {
    r = await fetch('/v1/session', {method: 'POST', credentials: 'same-origin',
                                    headers: {'Content-Type': 'application/json', Accept: 'application/json'},
                                    body: JSON.stringify(body)});
  } catch {
    say('err.network');
    return;
  }
  if (r.ok) {
    const s = await r.json();
    location.replace(home_for(s.role));
    return;
  }
  say(body.code ? 'err.code' : r.status === 401 || r.status === 400 ? 'err.signin' : 'err.UNAVAILABLE');
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const id = document.getElementById('signin-id').value.trim();
  const token = document.getElementById('signin-token').value.trim();
  if (!id || !token) {
    say('err.signin');
    return;
  }
  start({id, token});
});

wire_header();
on_lang_change(() => { if (shown) msg.textContent = t(shown); });

const why = new URLSearchParams(location.search).get('why');
if (why === 'expired') say('signin.expired', 'info');
if (why === 'out') say('signin.out', 'info');

// A one-time code: take it out of the address bar (and history) first.
const code = location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : '';
if (code) {
  history.replaceState(null, '', '/signin');
  say('signin.code', 'info');
  start({code});
} else {
  // Already signed in: straight on.
  fetch('/v1/session', {credentials: 'same-origin', headers: {Accept: 'application/json'}})
    .then((r) => (r.ok ? r.json() : null))
    .then((s) => { if (s && !why) location.replace(home_for(s.role)); })
    .catch(() => {});
}
apply_static();
document.getElementById('signin-id').focus();
