// The projector screen: QR, the 6 digits, live attendance.
import {h, setStatus, statusBox} from './dom.js';
import {get, need} from './api.js';
import {fmtDateTime, fmtTime, t} from './i18n.js';
import {reportError} from './errors.js';
import {attendanceBoard} from './attendance.js';

const enc = encodeURIComponent;

export async function live(app, id) {
  const sid = enc(id);
  const sess = await get(`/sessions/${sid}`);
  const img = h('img', {id: 'qr-img', class: 'qr-img', alt: t('live.qr_alt'), width: '480', height: '480'});
  const digits = h('div', {id: 'code-digits', class: 'code-digits', 'aria-live': 'polite', 'aria-label': t('live.code')});
  const expires = h('p', {class: 'muted code-expiry', id: 'code-expiry'});
  const urlText = h('p', {class: 'checkin-url muted', id: 'checkin-url'});
  const box = statusBox('live-status');
  // Before check-in opens the screen says when, and the digits are muted.
  const opens = h('p', {class: 'status status-warn checkin-opens', id: 'checkin-opens', hidden: true});
  let timer = null;
  let tick = null;
  let expiresAt = 0;
  let stopped = false;

  async function loadCode() {
    if (stopped) return;
    let delay = 10000;
    try {
      const c = need(await get(`/sessions/${sid}/code`), 'code', 'expires_at', 'url', 'opens_at');
      const notYet = new Date(c.opens_at).getTime() > Date.now();
      opens.hidden = !notYet;
      opens.textContent = notYet ? t('live.opens_at', {when: fmtDateTime(c.opens_at)}) : '';
      digits.classList.toggle('not-open', notYet);
      digits.setAttribute('data-open', String(!notYet));
      digits.textContent = String(c.code || '').replace(/^(\d{3})(\d{3})$/, '$1 $2');
      digits.setAttribute('data-code', c.code || '');
      img.src = `/api/v1/sessions/${sid}/qr.png?t=${enc(c.code || '')}-${Date.now()}`;
      if (c.url) urlText.textContent = c.url;
      expiresAt = c.expires_at ? new Date(c.expires_at).getTime() : Date.now() + 30000;
      delay = Math.max(1000, Math.min(15000, expiresAt - Date.now() - 5000));
      setStatus(box, '');
    } catch (err) {
      reportError(box, err);
      delay = 5000;
    }
    if (!stopped) timer = setTimeout(loadCode, delay);
  }
  function showExpiry() {
    if (!expiresAt) return;
    const s = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    expires.textContent = t('live.expires_in', {s});
  }
  tick = setInterval(showExpiry, 1000);
  app.onLeave(() => { stopped = true; clearTimeout(timer); clearInterval(tick); if (document.fullscreenElement) document.exitFullscreen().catch(() => {}); });
  loadCode();

  const board = attendanceBoard(app, id, {compact: true});
  board.update(sess);
  const stage = h('div', {class: 'live-stage', id: 'live-stage'},
    h('section', {class: 'live-qr', 'aria-labelledby': 'live-title'},
      h('h1', {id: 'live-title', class: 'live-title'}, sess.title || t('session.untitled')),
      h('p', {class: 'live-when'}, `${fmtDateTime(sess.starts_at)}–${fmtTime(sess.ends_at)}${sess.place ? ' · ' + sess.place : ''}`),
      h('div', {class: 'qr-frame'}, img),
      h('p', {class: 'live-hint'}, t('live.scan')),
      h('div', {class: 'code-label'}, t('live.code')),
      opens, digits, expires, urlText, box),
    h('div', {class: 'live-side'}, board.node));
  const fsBtn = h('button', {type: 'button', class: 'btn-secondary', id: 'fullscreen-button',
    onclick: () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else stage.requestFullscreen().catch(() => setStatus(box, t('live.fullscreen_failed'), 'error')); // e.g. a browser that forbids it: say so, the page works as it is
    }}, t('live.fullscreen'));
  return h('div', {class: 'page page-live'},
    h('div', {class: 'live-tools'},
      h('a', {href: `/app/sessions/${sid}`, class: 'btn-plain'}, t('live.back')), fsBtn),
    stage);
}
