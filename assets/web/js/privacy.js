// The privacy notice (个人信息处理告知): after login, a notice above the
// page until the account accepts the version in force. It does not block
// the page; it stays, on every page, until accepted.
import {h, statusBox} from './dom.js';
import {get, post} from './api.js';
import {t} from './i18n.js';
import {reportError} from './errors.js';

let checkedFor = null; // the account whose acceptance was read, this page load

function remove() {
  document.getElementById('privacy-notice')?.remove();
}

// show puts the notice above #main when me has not accepted it; me null
// (signed out) removes it. A failure to read the notice shows nothing.
export async function show(me) {
  if (!me) { remove(); checkedFor = null; return; }
  if (checkedFor === me.id) return;
  checkedFor = me.id;
  let n;
  try { n = await get('/me/privacy-notice'); } catch (e) { return; }
  if (!n || n.accepted_at) { remove(); return; }
  const box = statusBox('privacy-status');
  const btn = h('button', {type: 'button', class: 'btn-primary', id: 'privacy-accept'}, t('privacy.accept'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      await post('/me/privacy-notice', {version: n.version});
      remove();
    } catch (err) {
      btn.disabled = false;
      if (err.code === 'privacy_version') { checkedFor = null; show(me); return; } // changed meanwhile
      reportError(box, err);
    }
  });
  remove();
  const aside = h('aside', {class: 'card privacy-notice', id: 'privacy-notice', 'aria-labelledby': 'privacy-title'},
    h('h2', {id: 'privacy-title'}, t('privacy.title')),
    h('p', {class: 'muted'}, t('privacy.intro')),
    h('div', {class: 'privacy-text', id: 'privacy-text', tabindex: '0'},
      n.text.split('\n').filter((l) => l.trim()).map((l) => h('p', null, l))),
    box, btn);
  document.getElementById('main')?.before(aside);
}
