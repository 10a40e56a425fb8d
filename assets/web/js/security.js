// Account security: one's own login sessions, second factor and password.
import {h, clear, field, statusBox, setStatus} from './dom.js';
import {api, get, post, items} from './api.js';
import {t, fmtDateTime} from './i18n.js';
import {reportError} from './errors.js';
import {card, pageHead, table, emptyRow} from './layout.js';

function sessionsCard() {
  const wrap = h('div', {id: 'my-sessions'});
  const box = statusBox('my-sessions-status');
  async function load() {
    let list;
    try { list = items(await get('/me/sessions')); } catch (err) { reportError(box, err); return; }
    clear(wrap, table([t('security.session_started'), t('security.session_last_seen'), t('security.session_address'), t('common.actions')],
      list.length ? list.map((s) => h('tr', {'data-session': s.id},
        h('td', null, fmtDateTime(s.created_at)),
        h('td', null, fmtDateTime(s.last_seen)),
        h('td', null, s.address || '', s.agent ? h('div', {class: 'muted'}, s.agent) : null),
        h('td', null, s.current
          ? h('span', {class: 'badge badge-muted'}, t('security.session_current'))
          : h('button', {type: 'button', class: 'btn-secondary', 'data-action': 'end-session', onclick: async () => {
            try { await api('DELETE', `/me/sessions/${encodeURIComponent(s.id)}`); setStatus(box, t('security.session_ended'), 'ok'); load(); } catch (err) { reportError(box, err); }
          }}, t('security.session_end'))))) : [emptyRow(4)]));
  }
  load();
  return card(t('security.sessions_title'), h('p', {class: 'muted'}, t('security.sessions_intro')), box, wrap);
}

function secondFactorCard() {
  const body = h('div', {id: 'my-totp'});
  const box = statusBox('my-totp-status');
  async function load() {
    let st;
    try { st = await get('/me/totp'); } catch (err) { reportError(box, err); return; }
    if (st.enrolled) {
      clear(body, h('p', {id: 'totp-state'}, t('security.totp_on', {n: st.recovery_codes_left})));
      return;
    }
    const start = h('button', {type: 'button', class: 'btn-primary', id: 'totp-start', onclick: async () => {
      let enr;
      try { enr = await post('/me/totp'); } catch (err) { reportError(box, err); return; }
      const code = h('input', {id: 'totp-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6'});
      const form = h('form', {id: 'totp-confirm', novalidate: true},
        h('img', {src: `/api/v1/me/totp/qr.png?k=${encodeURIComponent(enr.secret.slice(0, 4))}`, alt: t('login.enrol_qr'), width: '200', height: '200', id: 'totp-qr'}),
        h('p', {class: 'muted'}, t('login.enrol_secret'), h('code', null, enr.secret)),
        field(t('login.totp'), code, {name: 'code'}),
        h('button', {type: 'submit', class: 'btn-primary'}, t('security.totp_confirm')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          const r = await post('/me/totp/confirm', {code: code.value.trim()});
          clear(body, h('p', null, t('login.recovery_intro')),
            h('ul', {id: 'totp-recovery-codes', class: 'code-list'}, (r.recovery_codes || []).map((c) => h('li', null, h('code', null, c)))));
          setStatus(box, t('security.totp_done'), 'ok');
        } catch (err) { reportError(box, err, form); }
      });
      clear(body, form);
    }}, t('security.totp_start'));
    clear(body, h('p', {id: 'totp-state'}, st.required ? t('security.totp_required') : t('security.totp_off')), start);
  }
  load();
  return card(t('security.totp_title'), box, body);
}

function passwordCard() {
  const cur = h('input', {id: 'pw-current', name: 'current', type: 'password', autocomplete: 'current-password'});
  const next = h('input', {id: 'pw-new', name: 'new', type: 'password', autocomplete: 'new-password'});
  const box = statusBox('pw-status');
  const form = h('form', {id: 'pw-form', novalidate: true},
    field(t('security.pw_current'), cur, {name: 'current'}),
    field(t('security.pw_new'), next, {name: 'new'}),
    box, h('button', {type: 'submit', class: 'btn-primary'}, t('security.pw_submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post('/me/password', {current: cur.value, new: next.value});
      setStatus(box, t('security.pw_done'), 'ok');
      setTimeout(() => location.assign('/app/home'), 1500);
    } catch (err) { reportError(box, err, form); }
  });
  return card(t('security.pw_title'), h('p', {class: 'muted'}, t('security.pw_intro')), form);
}

export async function page() {
  return h('div', {class: 'page'}, pageHead(t('security.title')),
    h('div', {class: 'grid-2'}, sessionsCard(), secondFactorCard()),
    passwordCard());
}
