// The privacy notice (个人信息处理告知): after login, the home page shows
// it above its content until the account accepts the version in force.
// It blocks nothing: the other pages (the projector's check-in code among
// them) stay as they are.
import {h, statusBox} from './dom.js';
import {get, post} from './api.js';
import {t} from './i18n.js';
import {reportError} from './errors.js';

let readFor = null; // the account whose notice was read, this page load
let pending = null; // its notice while not accepted

function remove() {
  document.getElementById('privacy-notice')?.remove();
}

// failed puts, on the home page, a note that the notice could not be
// read (the error in the user's language) where the notice would be; the
// next visit to the home page reads it again.
function failed(err, onHome) {
  remove();
  if (!onHome || location.pathname.replace(/\/+$/, '') !== '/app/home') return;
  const box = statusBox('privacy-status');
  box.setAttribute('role', 'alert');
  reportError(box, err);
  document.getElementById('main')?.before(h('aside', {class: 'card privacy-notice', id: 'privacy-notice', 'aria-labelledby': 'privacy-title'},
    h('h2', {id: 'privacy-title'}, t('privacy.title')), box));
}

// show puts the notice above #main when me has not accepted it and the
// page is the home page; me null (signed out) forgets it. A failure to
// read the notice is shown in its place.
export async function show(me, onHome) {
  if (!me) { remove(); readFor = pending = null; return; }
  if (readFor !== me.id) {
    readFor = me.id;
    pending = null;
    try {
      const n = await get('/me/privacy-notice');
      if (n && !n.accepted_at) pending = n;
      remove(); // an earlier failure note
    } catch (err) {
      readFor = null; // read it again next time
      failed(err, onHome);
      return;
    }
  }
  const stillHome = onHome && location.pathname.replace(/\/+$/, '') === '/app/home';
  if (!pending || !stillHome || readFor !== me.id) { remove(); return; }
  if (document.getElementById('privacy-notice')) return;
  const n = pending;
  const box = statusBox('privacy-status');
  const btn = h('button', {type: 'button', class: 'btn-primary', id: 'privacy-accept'}, t('privacy.accept'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await post('/me/privacy-notice', {version: n.version});
      pending = null;
      remove();
    } catch (err) {
      btn.disabled = false;
      if (err.code === 'privacy_version') { readFor = null; remove(); show(me, true); return; } // changed meanwhile
      reportError(box, err);
    }
  });
  document.getElementById('main')?.before(h('aside', {class: 'card privacy-notice', id: 'privacy-notice', 'aria-labelledby': 'privacy-title'},
    h('h2', {id: 'privacy-title'}, t('privacy.title')),
    h('p', {class: 'muted'}, t('privacy.intro')),
    h('div', {class: 'privacy-text', id: 'privacy-text', tabindex: '0'},
      n.text.split('\n').filter((l) => l.trim()).map((l) => h('p', null, l))),
    box, btn));
}
