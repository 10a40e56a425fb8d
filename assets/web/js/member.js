// Member screens: home, check-in, plans, learning report, own appraisal files.
import {h, clear, field, statusBox, setStatus} from './dom.js';
import {get, post, qs, items} from './api.js';
import {t, tOr, fmtDateTime, fmtDate, fmtShortDate, fmtTime, fmtPeriod, colon} from './i18n.js';
import {isoDate, addDays} from './dates.js';
import {currentPeriod, periodSelect} from './periods.js';
import {reportError, errorText} from './errors.js';
import {statusLabel} from './labels.js';
import {card, pageHead, table, emptyRow} from './layout.js';
import {groupMap, ancestorsOf} from './groups.js';
import {sessionCancelled} from './session-state.js';
import {reportLink} from './widgets.js';
import {figuresCard} from './figures.js';

function leaveForm(session, done) {
  const reason = h('textarea', {id: `leave-reason-${session.id}`, name: 'reason', rows: '2', required: true});
  const box = statusBox();
  const form = h('form', {class: 'inline-form leave-form', novalidate: true},
    field(t('leave.reason'), reason, {name: 'reason'}),
    h('div', {class: 'actions'},
      h('button', {type: 'submit', class: 'btn-primary'}, t('leave.submit')),
      h('button', {type: 'button', class: 'btn-plain', onclick: () => done(false)}, t('common.cancel'))),
    box);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { setStatus(box, t('leave.reason_missing'), 'error'); return; }
    try {
      await post(`/sessions/${encodeURIComponent(session.id)}/leave`, {reason: reason.value.trim()});
      done(true);
    } catch (err) { reportError(box, err, form); }
  });
  setTimeout(() => reason.focus(), 0);
  return form;
}

// ownStatus: for a session open for check-in, the member's own record, or a
// link to the check-in page when there is none yet. onRecord runs when there
// is a record (asking for leave makes no sense then).
function ownStatus(app, s, onRecord) {
  const slot = h('span', {class: 'own-status'});
  get(`/sessions/${encodeURIComponent(s.id)}`).then((d) => {
    const rec = (d.attendance || []).find((a) => String(a.member_id) === String(app.me.id));
    if (rec && rec.status) {
      slot.append(h('span', {class: `badge badge-${rec.status}`, 'data-status': rec.status}, statusLabel(rec.status)));
      if (onRecord) onRecord(rec);
    } else {
      slot.append(h('a', {class: 'btn-primary', href: `/checkin/${encodeURIComponent(s.id)}`, 'data-action': 'checkin'},
        t('checkin.button')));
    }
  }).catch((err) => { slot.append(h('span', {class: 'text-error', role: 'alert'}, errorText(err))); });
  return slot;
}

function sessionItem(app, s, groups) {
  const gm = groupMap(groups);
  const g = gm.get(String(s.group_id));
  const slot = h('div', {class: 'leave-slot'});
  const msg = statusBox();
  const leaveBtn = h('button', {type: 'button', class: 'btn-secondary', 'data-action': 'leave',
    onclick: () => {
      leaveBtn.hidden = true;
      clear(slot, leaveForm(s, (ok) => {
        clear(slot);
        leaveBtn.hidden = ok;
        if (ok) setStatus(msg, t('leave.sent'), 'ok');
        leaveBtn.focus();
      }));
    }}, t('leave.ask'));
  const cancelled = sessionCancelled(s);
  const started = new Date(s.starts_at).getTime() <= Date.now();
  const open = !cancelled && new Date(s.starts_at).getTime() - 30 * 60e3 <= Date.now() && Date.now() <= new Date(s.ends_at).getTime();
  return h('li', {class: ['session-item', cancelled ? 'is-cancelled' : ''], id: `session-${s.id}`},
    h('div', {class: 'session-when'},
      h('span', {class: 'session-date'}, fmtShortDate(s.starts_at)),
      h('span', {class: 'session-time'}, `${fmtTime(s.starts_at)}–${fmtTime(s.ends_at)}`)),
    h('div', {class: 'session-body'},
      h('h3', null, s.title || t('session.untitled')),
      h('p', {class: 'muted'},
        [s.place ? `${t('session.place')}${colon()}${s.place}` : null, g ? g.name : null,
          s.lead_name ? `${t('session.lead')}${colon()}${s.lead_name}` : null].filter(Boolean).join(' · ')),
      cancelled ? h('span', {class: 'badge badge-muted'}, t('session.cancelled')) : null,
      open ? ownStatus(app, s, () => { leaveBtn.hidden = true; }) : null,
      (!cancelled && !started) ? leaveBtn : null,
      (app.me.role === 'lead' || app.me.role === 'admin')
        ? h('a', {class: 'btn-link', href: `/app/sessions/${encodeURIComponent(s.id)}`}, t('session.manage')) : null,
      msg),
    slot); // the leave form takes the item's whole width (a phone's too)
}

export async function home(app) {
  const period = currentPeriod();
  const from = isoDate(addDays(new Date(), -1));
  // to the end of the quarter at least, to count the sessions still ahead in it
  const qm = /^(\d{4})Q([1-4])$/.exec(period);
  const quarterEnd = qm ? new Date(Number(qm[1]), Number(qm[2]) * 3, 0) : addDays(new Date(), 60);
  const to = isoDate(quarterEnd > addDays(new Date(), 60) ? quarterEnd : addDays(new Date(), 60));
  // A failed sessions request is shown in the sessions card; the rest of
  // the page (own figures, own data) still works.
  let sessErr = null;
  const [sessions, groups] = await Promise.all([
    get(`/sessions${qs({from, to})}`).then(items).catch((err) => { sessErr = err; return null; }),
    app.groups(),
  ]);
  // The caller's own sessions: those for their group or a group above it
  // (hr, inspectors and leads may read many more; those are on their own
  // screens, where their buttons work).
  const mineGroups = new Set(ancestorsOf(groups, app.me.group_id).map((x) => String(x.id)));
  const upcoming = (sessions || [])
    .filter((s) => mineGroups.has(String(s.group_id)))
    .filter((s) => new Date(s.ends_at || s.starts_at).getTime() >= Date.now() - 3600e3)
    .sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)));

  // so far / still to come: the member's own figures (figures.js)
  const ratesCard = await figuresCard(app, groups);

  let list;
  if (sessErr) {
    list = statusBox('home-sessions-error');
    reportError(list, sessErr);
  } else {
    list = upcoming.length
      ? h('ul', {class: 'session-list'}, upcoming.map((s) => sessionItem(app, s, groups)))
      : h('p', {class: 'muted'}, t('home.no_sessions'));
  }
  const sessCard = card(t('home.sessions_title'), list);
  sessCard.id = 'home-sessions';

  const dataCard = card(t('home.my_data_title'),
    h('p', {class: 'muted'}, t('home.my_data_intro')),
    h('p', null,
      h('a', {href: '/api/v1/me/data.zip', class: 'btn-secondary', id: 'my-data-download', download: ''}, t('home.my_data_download')),
      ' ',
      h('a', {href: '/app/security', class: 'btn-link', id: 'my-security-link'}, t('home.my_security'))));
  dataCard.id = 'home-my-data';

  const g = groupMap(groups).get(String(app.me.group_id));
  return h('div', {class: 'page'},
    pageHead(t('home.hello', {name: app.me.name}), g ? h('p', {class: 'muted'}, g.name) : null),
    h('div', {class: 'grid-2'}, sessCard, ratesCard),
    dataCard);
}

// Check-in: /checkin/{id}?code=NNNNNN, one tap.
export async function checkin(app, id) {
  const params = new URLSearchParams(location.search);
  const code = (params.get('code') || '').trim();
  let session = null;
  let loadError = null;
  try { session = await get(`/sessions/${encodeURIComponent(id)}`); } catch (err) { session = null; loadError = err; }
  const result = h('div', {class: 'checkin-result'});
  const box = statusBox('checkin-message');
  box.setAttribute('role', 'alert');
  if (loadError) reportError(box, loadError);
  const codeInput = h('input', {id: 'checkin-code', name: 'code', inputmode: 'numeric', pattern: '[0-9]{6}',
    maxlength: '6', autocomplete: 'one-time-code', value: code, class: 'code-input'});
  const btn = h('button', {type: 'submit', id: 'checkin-button', class: 'btn-primary btn-huge'}, t('checkin.button'));
  const codeField = field(t('checkin.code'), codeInput, {name: 'code', hint: t('checkin.code_hint')});
  codeField.hidden = Boolean(code);
  const form = h('form', {id: 'checkin-form', class: 'checkin-form', novalidate: true}, codeField, btn);

  function showResult(rec) {
    const st = rec.status === 'late' ? 'late' : 'present';
    clear(result,
      h('div', {id: 'checkin-status', class: `checkin-status checkin-${st}`, 'data-status': st, role: 'status'},
        h('span', {class: 'checkin-mark', 'aria-hidden': 'true'}, '✓'),
        h('strong', null, t(`checkin.result_${st}`)),
        rec.checked_in_at ? h('span', {class: 'muted'}, t('checkin.at', {time: fmtTime(rec.checked_in_at)})) : null));
    form.hidden = true;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const c = codeInput.value.trim();
    // 6 typed digits, or the 22-character token a scanned QR code carries
    if (!/^\d{6}$/.test(c) && !(c === code && /^[A-Za-z0-9_-]{22}$/.test(c))) {
      setStatus(box, t('checkin.code_invalid'), 'error'); return;
    }
    btn.disabled = true;
    setStatus(box, t('common.working'));
    try {
      const rec = await post(`/sessions/${encodeURIComponent(id)}/checkin`, {code: c});
      setStatus(box, '');
      showResult(rec || {});
    } catch (err) {
      btn.disabled = false;
      setStatus(box, errorText(err), 'error');
      if (err.code === 'bad_code') {
        // a stale QR: let the member type the digits shown on the screen
        codeField.hidden = false;
        if (codeInput.value.length !== 6) codeInput.value = '';
        codeInput.select();
        codeInput.focus();
      }
    }
  });

  return h('div', {class: 'page page-narrow'},
    pageHead(t('checkin.title')),
    h('section', {class: 'card checkin-card'},
      session ? h('div', {class: 'checkin-session'},
        h('h2', null, session.title || ''),
        h('p', {class: 'muted'}, `${fmtDateTime(session.starts_at)}–${fmtTime(session.ends_at)}`,
          session.place ? ` · ${session.place}` : '')) : null,
      h('p', null, t('checkin.as', {name: app.me.name})),
      form, result, box));
}

export async function myReports(app) {
  const wrap = h('div', {id: 'my-report-list'});
  const per = periodSelect('myrep-period', currentPeriod(), () => load());
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/reports${qs({period: per.value})}`))
        .filter((r) => app.me.role === 'member' || String(r.subject_id) === String(app.me.id));
      const rows = list.map((r) => h('tr', null,
        h('td', null, fmtPeriod(r.period)),
        h('td', null, tOr(`reports.kind_${r.kind}`, r.kind || '')),
        h('td', null, fmtDateTime(r.generated_at)),
        h('td', null, reportLink(r))));
      clear(wrap, table([t('common.period'), t('reports.kind'), t('reports.generated_at'), t('common.file')],
        rows.length ? rows : emptyRow(4, t('reports.none_mine')), {stack: true}));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  load();
  return h('div', {class: 'page'}, pageHead(t('myreports.title')),
    card('', h('div', {class: 'toolbar'}, field(t('common.period'), per, {name: 'period'})), wrap));
}

