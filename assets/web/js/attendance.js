// Attendance board: one row per audience member, kept in place while polling.
import {h, clear, field, statusBox, setStatus} from './dom.js';
import {api, get, put, post} from './api.js';
import {t, fmtTime, fmtDate, colon} from './i18n.js';
import {isoDate} from './dates.js';
import {reportError} from './errors.js';
import {statusLabel} from './labels.js';

export const STATUSES = ['present', 'late', 'leave', 'absent'];

function recordsOf(sess) {
  const recs = new Map();
  for (const a of sess.attendance || []) recs.set(String(a.member_id), a);
  return recs;
}

export function counts(sess) {
  const recs = recordsOf(sess);
  const ids = new Set((sess.audience || []).map((m) => String(m.member_id)));
  for (const id of recs.keys()) ids.add(id);
  const c = {expected: ids.size, present: 0, late: 0, leave: 0, absent: 0, none: 0};
  for (const id of ids) {
    const r = recs.get(id);
    const st = r && r.status;
    if (st && st in c) c[st] += 1; else c.none += 1;
  }
  return c;
}

export function summaryNode(c) {
  const item = (k, v) => h('div', {class: `sum-item sum-${k}`, 'data-count': k},
    h('span', {class: 'sum-num'}, String(v)), h('span', {class: 'sum-label'}, t(`att.count_${k}`)));
  return h('div', {class: 'att-summary', 'aria-live': 'polite'},
    item('expected', c.expected), item('arrived', c.present + c.late), item('late', c.late),
    item('leave', c.leave), item('absent', c.absent), item('none', c.none));
}

// board(app, sessionId) → {node, update(session), refresh()}
export function attendanceBoard(app, sessionId, opts = {}) {
  const sid = encodeURIComponent(sessionId);
  const rows = new Map();
  const list = h('ul', {class: ['att-list', opts.compact ? 'att-compact' : ''], id: 'att-list'});
  const sumWrap = h('div', {id: 'att-summary'});
  const leaveWrap = h('div', {id: 'leave-requests'});
  const msg = statusBox('att-status');
  let refreshFn = async () => {};

  async function setStatusFor(mid, status, row) {
    const note = row.noteInput.value.trim();
    const body = note ? {status, note} : {status};
    try {
      const rec = await put(`/sessions/${sid}/attendance/${encodeURIComponent(mid)}`, body);
      applyRecord(row, {...(rec || {}), member_id: mid, status: (rec && rec.status) || status});
      setStatus(msg, t('att.saved', {name: row.name, status: statusLabel(status)}), 'ok');
      refreshFn();
    } catch (err) { reportError(msg, err); }
  }

  // clearFor takes the member's record away: back to 未签到.
  async function clearFor(mid, row) {
    try {
      await api('DELETE', `/sessions/${sid}/attendance/${encodeURIComponent(mid)}`);
      applyRecord(row, null);
      setStatus(msg, t('att.cleared', {name: row.name}), 'ok');
      refreshFn();
    } catch (err) { reportError(msg, err); }
  }

  function makeupForm(mid, row) {
    const on = h('input', {type: 'date', id: `makeup-on-${mid}`, name: 'on', value: isoDate(), required: true});
    const note = h('input', {id: `makeup-note-${mid}`, name: 'note'});
    const box = statusBox();
    const form = h('form', {class: 'inline-form makeup-form', novalidate: true},
      field(t('att.makeup_on'), on, {name: 'on'}),
      field(t('att.makeup_note'), note, {name: 'note'}),
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary'}, t('att.makeup_save'))),
      box);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const rec = await post(`/sessions/${sid}/attendance/${encodeURIComponent(mid)}/makeup`,
          {on: on.value, note: note.value.trim()});
        if (rec) applyRecord(row, {...rec, member_id: mid});
        setStatus(box, t('att.makeup_saved'), 'ok');
        refreshFn();
      } catch (err) { reportError(box, err, form); }
    });
    return form;
  }

  function makeRow(mid, name) {
    const row = {name};
    row.badge = h('span', {class: 'badge'});
    row.time = h('span', {class: 'att-time muted'});
    row.extra = h('span', {class: 'att-extra muted'});
    row.lock = h('span', {class: 'badge badge-absent att-code-locked', hidden: true}, t('att.code_locked'));
    row.noteInput = h('input', {id: `att-note-${mid}`, name: 'note', class: 'note-input'});
    row.buttons = STATUSES.map((st) => h('button', {type: 'button', class: `btn-status btn-${st}`,
      'data-set-status': st, 'aria-pressed': 'false', 'aria-label': `${name}${colon()}${statusLabel(st)}`,
      onclick: () => setStatusFor(mid, st, row)}, statusLabel(st)));
    row.clearBtn = h('button', {type: 'button', class: 'btn-plain', id: `att-clear-${mid}`, 'data-action': 'clear',
      onclick: () => clearFor(mid, row)}, t('att.clear'));
    const more = h('div', {class: 'att-more', hidden: true},
      field(t('att.note'), row.noteInput, {name: 'note', hint: t('att.note_hint')}),
      makeupForm(mid, row),
      h('div', {class: 'actions'}, row.clearBtn));
    const moreBtn = h('button', {type: 'button', class: 'btn-link btn-more', 'aria-expanded': 'false',
      'data-action': 'more',
      onclick: () => {
        more.hidden = !more.hidden;
        moreBtn.setAttribute('aria-expanded', String(!more.hidden));
      }}, t('att.more'));
    // a cancelled session's board only shows what was recorded
    const fixed = opts.compact || opts.readOnly;
    row.li = h('li', {class: 'att-row', id: `att-${mid}`, 'data-member': mid, 'data-status': 'none'},
      h('div', {class: 'att-who'}, h('span', {class: 'att-name'}, name), row.badge, row.lock, row.time, row.extra,
        fixed ? null : moreBtn),
      opts.readOnly ? null : h('div', {class: 'att-actions', role: 'group', 'aria-label': t('att.set_for', {name})}, row.buttons),
      fixed ? null : more);
    rows.set(mid, row);
    return row;
  }

  function applyRecord(row, rec) {
    const st = (rec && rec.status) || 'none';
    row.li.setAttribute('data-status', st);
    row.badge.textContent = statusLabel(rec && rec.status);
    row.badge.className = `badge badge-${st}`;
    row.time.textContent = rec && rec.checked_in_at ? fmtTime(rec.checked_in_at) : '';
    const bits = [];
    if (rec && rec.note) bits.push(rec.note);
    if (rec && rec.makeup_on) bits.push(t('att.made_up', {date: fmtDate(rec.makeup_on)}));
    row.extra.textContent = bits.join(' · ');
    for (const b of row.buttons) b.setAttribute('aria-pressed', String(b.getAttribute('data-set-status') === st));
    if (row.clearBtn) row.clearBtn.hidden = st === 'none';
  }

  function renderLeaves(sess) {
    const reqs = sess.leave_requests || [];
    if (!reqs.length) { clear(leaveWrap); return; }
    clear(leaveWrap, h('h3', null, t('leave.requests')),
      h('ul', {class: 'leave-list'}, reqs.map((r) => {
        const box = statusBox();
        const decide = async (approved) => {
          try {
            await put(`/sessions/${sid}/leave/${encodeURIComponent(r.member_id)}`, {approved});
            setStatus(box, approved ? t('leave.approved_msg') : t('leave.rejected_msg'), 'ok');
            refreshFn();
          } catch (err) { reportError(box, err); }
        };
        const pending = !r.status || r.status === 'pending';
        return h('li', {class: 'leave-row', id: `leave-${r.member_id}`, 'data-status': r.status || 'pending'},
          h('div', null, h('strong', null, r.name || r.member_id), colon(), h('span', {class: 'prewrap'}, r.reason || '')),
          h('div', {class: 'actions'},
            h('span', {class: `badge badge-leave-${r.status || 'pending'}`}, t(`leave.status_${r.status || 'pending'}`)),
            pending ? h('button', {type: 'button', class: 'btn-secondary', 'data-approve': 'true',
              onclick: () => decide(true)}, t('leave.approve')) : null,
            pending ? h('button', {type: 'button', class: 'btn-plain', 'data-approve': 'false',
              onclick: () => decide(false)}, t('leave.reject')) : null),
          box);
      })));
  }

  function update(sess) {
    const recs = recordsOf(sess);
    const people = [];
    const seen = new Set();
    for (const m of sess.audience || []) {
      const id = String(m.member_id);
      if (!seen.has(id)) { seen.add(id); people.push([id, m.name]); }
    }
    for (const a of sess.attendance || []) {
      const id = String(a.member_id);
      if (!seen.has(id)) { seen.add(id); people.push([id, a.name || id]); }
    }
    const ph = list.querySelector('.att-placeholder');
    if (ph && people.length) ph.remove();
    const locked = new Set((sess.code_locks || []).map((l) => String(l.member_id)));
    for (const [id, name] of people) {
      let row = rows.get(id);
      if (!row) { row = makeRow(id, name || id); list.appendChild(row.li); }
      applyRecord(row, recs.get(id));
      // too many wrong codes: only the lead can mark them now
      row.lock.hidden = !locked.has(id) || Boolean(recs.get(id));
      row.li.toggleAttribute('data-code-locked', !row.lock.hidden);
    }
    clear(sumWrap, summaryNode(counts(sess)));
    if (!opts.compact && !opts.readOnly) renderLeaves(sess);
    if (!people.length && !rows.size && !list.querySelector('.att-placeholder')) {
      list.appendChild(h('li', {class: 'muted att-placeholder'}, t('att.no_audience')));
    }
  }

  const node = h('section', {class: 'card att-card', 'aria-labelledby': 'att-title'},
    h('h2', {id: 'att-title'}, t('att.title')), sumWrap, msg, list, leaveWrap);

  // poll every 2 s while the screen is shown
  let busy = false;
  async function refresh() {
    if (busy) return null;
    busy = true;
    try {
      const sess = await get(`/sessions/${sid}`);
      update(sess);
      if (opts.onSession) opts.onSession(sess);
      return sess;
    } catch (err) {
      reportError(msg, err);
      return null;
    } finally { busy = false; }
  }
  refreshFn = refresh;
  const timer = setInterval(() => { if (!document.hidden) refresh(); }, 2000);
  app.onLeave(() => clearInterval(timer));
  return {node, update, refresh};
}
