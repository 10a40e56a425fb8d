// Lead screens: sessions, live check-in screen, rotation, exams, evaluation.
import {h, clear, field, statusBox, setStatus, select, option, showErrors, clearErrors} from './dom.js';
import {get, post, put, qs, items} from './api.js';

const items_ = items;
import {t, fmtDateTime, fmtDate, fmtTime, fmtPeriod, pctText, paren} from './i18n.js';
import {currentPeriod, periodSelect, isoDate, addDays, localToRFC3339, toLocalInput, reportError, errorText,
  card, pageHead, table, emptyRow, sessionCancelled, groupMap, manageableGroups, groupOptions} from './util.js';
import {attendanceBoard} from './attendance.js';
import {kindsFor, kindLabel, recordedCard, minutesCard} from './meetings.js';

const enc = encodeURIComponent;

async function membersOf(groupId) {
  try { return items(await get(`/members${qs({group_id: groupId})}`)); } catch (e) { return []; }
}

function groupPicker(app, groups, id, value, onchange, withAll) {
  const el = select(id, groupOptions(manageableGroups(app.me, groups), withAll), value);
  if (onchange) el.addEventListener('change', () => onchange(el.value));
  return el;
}

function defaultGroup(app, groups) {
  const mg = manageableGroups(app.me, groups);
  if (app.me.group_id && mg.some((g) => String(g.id) === String(app.me.group_id))) return app.me.group_id;
  return mg.length ? mg[0].id : '';
}

// ---- sessions list --------------------------------------------------------

export async function sessions(app) {
  const groups = await app.groups();
  const gm = groupMap(groups);
  const from = h('input', {type: 'date', id: 'sess-from', name: 'from', value: isoDate(addDays(new Date(), -30))});
  const to = h('input', {type: 'date', id: 'sess-to', name: 'to', value: isoDate(addDays(new Date(), 60))});
  const grp = groupPicker(app, groups, 'sess-group', '', null, t('common.all_groups'));
  const wrap = h('div', {id: 'session-table'});
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/sessions${qs({group_id: grp.value, from: from.value, to: to.value})}`))
        .sort((a, b) => String(b.starts_at).localeCompare(String(a.starts_at)));
      const rows = list.map((s) => h('tr', {id: `sess-row-${s.id}`, class: sessionCancelled(s) ? 'is-cancelled' : ''},
        h('td', null, fmtDate(s.starts_at), h('br'), h('span', {class: 'muted'}, `${fmtTime(s.starts_at)}–${fmtTime(s.ends_at)}`)),
        h('td', null, h('a', {href: `/app/sessions/${enc(s.id)}`}, s.title || t('session.untitled')),
          sessionCancelled(s) ? h('span', {class: 'badge badge-muted'}, t('session.cancelled')) : null),
        h('td', null, (gm.get(String(s.group_id)) || {}).name || ''),
        h('td', null, s.place || ''),
        h('td', {class: 'nowrap'},
          h('a', {class: 'btn-link', href: `/app/sessions/${enc(s.id)}`}, t('session.manage')), ' ',
          sessionCancelled(s) ? null : h('a', {class: 'btn-link', href: `/app/sessions/${enc(s.id)}/live`}, t('session.live')))));
      clear(wrap, table([t('session.time'), t('session.title'), t('common.group'), t('session.place'), t('common.actions')],
        rows.length ? rows : emptyRow(5), {stack: true}));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  for (const el of [from, to, grp]) el.addEventListener('change', load);
  load();
  return h('div', {class: 'page'},
    pageHead(t('sessions.title'), h('a', {href: '/app/sessions/new', class: 'btn-primary', id: 'session-new'}, t('sessions.new'))),
    card('', h('div', {class: 'toolbar'},
      field(t('common.group'), grp), field(t('common.from'), from), field(t('common.to'), to)), wrap));
}

// ---- new session ----------------------------------------------------------

export async function newSession(app) {
  const groups = await app.groups();
  const start = new Date();
  start.setDate(start.getDate() + 1);
  start.setHours(14, 30, 0, 0);
  const end = new Date(start.getTime() + 90 * 60e3);
  const grp = groupPicker(app, groups, 'ns-group', defaultGroup(app, groups), () => loadGroup());
  grp.name = 'group_id';
  const title = h('input', {id: 'ns-title', name: 'title', required: true});
  const startsAt = h('input', {id: 'ns-starts', name: 'starts_at', type: 'datetime-local', value: toLocalInput(start), required: true});
  const endsAt = h('input', {id: 'ns-ends', name: 'ends_at', type: 'datetime-local', value: toLocalInput(end), required: true});
  const place = h('input', {id: 'ns-place', name: 'place'});
  const kindSel = select('ns-kind', [], 'study');
  kindSel.name = 'kind';
  const firstTopic = h('input', {id: 'ns-first-topic', name: 'first_topic'});
  function loadKinds() {
    const g = groups.find((x) => String(x.id) === String(grp.value));
    const keep = kindSel.value || 'study';
    const ks = kindsFor(g ? g.type : 'other');
    clear(kindSel, ks.map((k) => option(k, kindLabel(k), k === keep)));
    if (!ks.includes(keep)) kindSel.value = 'study';
  }
  const leadSel = select('ns-lead', [['', t('sessions.lead_rotation')]], '');
  leadSel.name = 'lead_id';
  const itemsBox = h('fieldset', {id: 'ns-items', class: 'check-list', 'data-field': 'item_ids'},
    h('legend', null, t('sessions.items')));
  const box = statusBox('ns-status');
  const form = h('form', {id: 'session-form', novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('common.group'), grp, {name: 'group_id'}),
      field(t('meet.kind'), kindSel, {name: 'kind'}),
      field(t('session.title'), title, {name: 'title'}),
      field(t('session.starts_at'), startsAt, {name: 'starts_at'}),
      field(t('session.ends_at'), endsAt, {name: 'ends_at'}),
      field(t('session.place'), place, {name: 'place'}),
      field(t('session.lead'), leadSel, {name: 'lead_id', hint: t('sessions.lead_hint')}),
      field(t('meet.first_topic'), firstTopic, {name: 'first_topic', hint: t('meet.first_topic_hint')})),
    itemsBox,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: 'ns-submit'}, t('sessions.create'))),
    box);

  async function loadGroup() {
    loadKinds();
    const gid = grp.value;
    const [plans, members] = await Promise.all([
      get(`/plans${qs({group_id: gid})}`).then(items).catch(() => []),
      membersOf(gid),
    ]);
    clear(leadSel, option('', t('sessions.lead_rotation'), true),
      members.filter((m) => !m.left_on).map((m) => option(m.id, m.name)));
    const checks = [];
    for (const p of plans) {
      for (const it of p.items || []) {
        const id = `ns-item-${it.id}`;
        checks.push(h('div', {class: 'check'},
          h('input', {type: 'checkbox', id, name: 'item_ids', value: it.id}),
          h('label', {for: id}, it.title, h('span', {class: 'muted'},
            paren(`${p.title}${it.due_on ? ' · ' + t('sessions.self_study_due', {date: fmtDate(it.due_on)}) : ''}`)))));
      }
    }
    clear(itemsBox, h('legend', null, t('sessions.items')),
      checks.length ? checks : h('p', {class: 'muted'}, t('sessions.no_items')),
      h('span', {class: 'field-error', id: 'ns-items-error'}));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const errs = {};
    if (!grp.value) errs.group_id = t('form.required');
    if (!title.value.trim()) errs.title = t('form.required');
    if (!startsAt.value) errs.starts_at = t('form.required');
    if (!endsAt.value) errs.ends_at = t('form.required');
    if (startsAt.value && endsAt.value && new Date(endsAt.value) <= new Date(startsAt.value)) errs.ends_at = t('sessions.end_before_start');
    if (Object.keys(errs).length) { showErrors(form, errs); setStatus(box, t('form.fix'), 'error'); return; }
    const body = {group_id: grp.value, title: title.value.trim(),
      starts_at: localToRFC3339(startsAt.value), ends_at: localToRFC3339(endsAt.value),
      item_ids: [...itemsBox.querySelectorAll('input:checked')].map((c) => c.value)};
    if (place.value.trim()) body.place = place.value.trim();
    if (leadSel.value) body.lead_id = leadSel.value;
    if (kindSel.value && kindSel.value !== 'study') body.kind = kindSel.value;
    if (firstTopic.value.trim()) body.first_topic = firstTopic.value.trim();
    try {
      const s = await post('/sessions', body);
      app.navigate(`/app/sessions/${enc(s.id)}`);
    } catch (err) { reportError(box, err, form); }
  });
  if (grp.value) loadGroup();
  return h('div', {class: 'page'}, pageHead(t('sessions.new')), card('', form));
}

// ---- session detail -------------------------------------------------------

function memberSelect(id, people, withEmpty) {
  const opts = people.map((m) => [m.member_id, m.name]);
  return select(id, withEmpty ? [['', withEmpty], ...opts] : opts, '');
}

function recordForms(sid, sess, onSaved) {
  const people = sess.audience || [];
  const mk = (id, legend, controls, onsubmit, submitLabel) => {
    const box = statusBox(`${id}-status`);
    const form = h('form', {id, class: 'record-form', novalidate: true},
      h('h3', null, legend), ...controls,
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: `${id}-submit`}, submitLabel)), box);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        await onsubmit();
        setStatus(box, t('common.saved'), 'ok');
        if (onSaved) onSaved();
        for (const el of form.querySelectorAll('textarea, input[type=text], input:not([type])')) el.value = '';
      } catch (err) { reportError(box, err, form); }
    });
    return form;
  };
  const rLead = memberSelect('reading-lead', people);
  if (sess.lead_id) rLead.value = sess.lead_id;
  const rMat = h('input', {id: 'reading-material', name: 'material', required: true});
  const rNotes = h('textarea', {id: 'reading-notes', name: 'notes', rows: '2'});
  const reading = mk('reading-form', t('record.reading'), [
    field(t('record.reading_lead'), rLead, {name: 'lead_id'}),
    field(t('record.material'), rMat, {name: 'material'}),
    field(t('record.notes'), rNotes, {name: 'notes'})],
  () => post(`/sessions/${sid}/reading`, {lead_id: rLead.value, material: rMat.value.trim(), notes: rNotes.value.trim()}),
  t('record.save_reading'));

  const shMember = memberSelect('share-member', people);
  const shSummary = h('textarea', {id: 'share-summary', name: 'summary', rows: '3', required: true});
  const share = mk('share-form', t('record.share'), [
    field(t('record.member'), shMember, {name: 'member_id'}),
    field(t('record.summary'), shSummary, {name: 'summary'})],
  () => post(`/sessions/${sid}/shares`, {member_id: shMember.value, summary: shSummary.value.trim()}),
  t('record.save_share'));

  const qAsker = memberSelect('question-asker', people);
  const qAnswerer = memberSelect('question-answerer', people);
  const qText = h('textarea', {id: 'question-text', name: 'question', rows: '2', required: true});
  const qRating = select('question-rating', [5, 4, 3, 2, 1].map((n) => [n, t(`record.rating_${n}`)]), 4);
  const question = mk('question-form', t('record.question'), [
    h('div', {class: 'form-grid'},
      field(t('record.asker'), qAsker, {name: 'asker_id'}),
      field(t('record.answerer'), qAnswerer, {name: 'answerer_id'})),
    field(t('record.question_text'), qText, {name: 'question'}),
    field(t('record.rating'), qRating, {name: 'rating'})],
  () => post(`/sessions/${sid}/questions`, {asker_id: qAsker.value, answerer_id: qAnswerer.value,
    question: qText.value.trim(), rating: Number(qRating.value)}),
  t('record.save_question'));
  return card(t('record.title'), h('div', {class: 'grid-3'}, reading, share, question));
}

function sessionFacts(sess, groups) {
  const g = groupMap(groups).get(String(sess.group_id));
  const leadName = sess.lead_name || ((sess.audience || []).find((m) => String(m.member_id) === String(sess.lead_id)) || {}).name;
  const dl = h('dl', {class: 'facts'});
  const add = (k, v) => { if (v) dl.append(h('dt', null, k), h('dd', null, v)); };
  add(t('meet.kind'), kindLabel(sess.kind));
  add(t('session.time'), `${fmtDateTime(sess.starts_at)}–${fmtTime(sess.ends_at)}`);
  add(t('meet.first_topic'), sess.first_topic);
  add(t('common.group'), g ? g.name : '');
  add(t('session.place'), sess.place);
  add(t('session.lead'), leadName);
  if (sess.proposed_substitute) add(t('session.substitute'), t('session.substitute_text', {name: sess.proposed_substitute.name}));
  return dl;
}

export async function sessionDetail(app, id) {
  const sid = enc(id);
  const [sess, groups] = await Promise.all([get(`/sessions/${sid}`), app.groups()]);
  const board = attendanceBoard(app, id);
  board.update(sess);
  const box = statusBox('session-status');
  const cancelled = sessionCancelled(sess);
  const cancelBtn = cancelled ? null : h('button', {type: 'button', class: 'btn-plain danger', id: 'session-cancel',
    onclick: async () => {
      if (!window.confirm(t('session.cancel_confirm'))) return;
      try { await post(`/sessions/${sid}/cancel`); setStatus(box, t('session.cancelled'), 'ok'); cancelBtn.remove(); } catch (err) { reportError(box, err); }
    }}, t('session.cancel'));
  // content items by title, from the plans that cover the session's group
  let items = sess.items || [];
  if (!items.length && (sess.item_ids || []).length) {
    const plans = await get(`/plans${qs({group_id: sess.group_id})}`).then(items_).catch(() => []);
    const byId = new Map();
    for (const p of plans) for (const it of p.items || []) byId.set(String(it.id), it);
    items = sess.item_ids.map((iid) => byId.get(String(iid)) || {id: iid});
  }
  // what was recorded (reading, shares, questions), refreshed after each
  // save, edit or delete
  let recorded = recordedCard(sid, sess, () => reloadRecorded());
  async function reloadRecorded() {
    const fresh = await get(`/sessions/${sid}`);
    const next = recordedCard(sid, fresh, () => reloadRecorded());
    recorded.replaceWith(next);
    recorded = next;
  }
  const started = new Date(sess.starts_at).getTime() <= Date.now() && !cancelled;
  return h('div', {class: 'page'},
    pageHead(sess.title || t('session.untitled'),
      h('div', {class: 'actions'},
        cancelled || new Date(sess.ends_at).getTime() < Date.now() ? null
          : h('a', {class: 'btn-primary', id: 'session-live-link', href: `/app/sessions/${sid}/live`}, t('session.live')),
        h('a', {class: 'btn-secondary', href: `/api/v1/sessions/${sid}/signin-sheet.pdf`, download: '', id: 'signin-sheet-link'}, t('session.signin_sheet')),
        cancelBtn)),
    box,
    card('', sessionFacts(sess, groups), cancelled ? h('span', {class: 'badge badge-muted'}, t('session.cancelled')) : null,
      items.length ? h('div', {class: 'content-block'}, h('h3', null, t('session.items')),
        h('ul', {class: 'content-items', id: 'session-items'}, items.map((it) => h('li', null, it.title || it.id)))) : null),
    board.node,
    recordForms(sid, sess, () => reloadRecorded()),
    recorded,
    started ? await minutesCard(sid, sess) : null);
}

// ---- live screen (projector) ---------------------------------------------

export async function live(app, id) {
  const sid = enc(id);
  const sess = await get(`/sessions/${sid}`);
  const img = h('img', {id: 'qr-img', class: 'qr-img', alt: t('live.qr_alt'), width: '480', height: '480'});
  const digits = h('div', {id: 'code-digits', class: 'code-digits', 'aria-live': 'polite', 'aria-label': t('live.code')});
  const expires = h('p', {class: 'muted code-expiry', id: 'code-expiry'});
  const urlText = h('p', {class: 'checkin-url muted', id: 'checkin-url'});
  const box = statusBox('live-status');
  let timer = null;
  let tick = null;
  let expiresAt = 0;
  let stopped = false;

  async function loadCode() {
    if (stopped) return;
    let delay = 10000;
    try {
      const c = await get(`/sessions/${sid}/code`);
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
      digits, expires, urlText, box),
    h('div', {class: 'live-side'}, board.node));
  const fsBtn = h('button', {type: 'button', class: 'btn-secondary', id: 'fullscreen-button',
    onclick: () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else stage.requestFullscreen().catch(() => {});
    }}, t('live.fullscreen'));
  return h('div', {class: 'page page-live'},
    h('div', {class: 'live-tools'},
      h('a', {href: `/app/sessions/${sid}`, class: 'btn-plain'}, t('live.back')), fsBtn),
    stage);
}

// ---- rotation -------------------------------------------------------------

export async function rotation(app) {
  const groups = await app.groups();
  const grp = groupPicker(app, groups, 'rot-group', defaultGroup(app, groups), () => load());
  const wrap = h('div', {id: 'rotation'});
  const box = statusBox('rot-status');
  let order = [];
  let names = new Map();
  function render(next) {
    const list = h('ol', {class: 'rot-list', id: 'rot-list'});
    order.forEach((mid, i) => {
      const name = names.get(String(mid)) || mid;
      const move = (d) => {
        const j = i + d;
        if (j < 0 || j >= order.length) return;
        [order[i], order[j]] = [order[j], order[i]];
        render(next);
        const btn = wrap.querySelector(`#rot-${CSS.escape(String(mid))} [data-move="${d < 0 ? 'up' : 'down'}"]`);
        (btn && !btn.disabled ? btn : wrap.querySelector(`#rot-${CSS.escape(String(mid))} button:not([disabled])`))?.focus();
        setStatus(box, t('rot.unsaved'));
      };
      list.appendChild(h('li', {id: `rot-${mid}`, 'data-member': mid},
        h('span', {class: 'rot-name'}, name),
        h('span', {class: 'rot-btns'},
          h('button', {type: 'button', class: 'btn-plain', 'data-move': 'up', disabled: i === 0,
            'aria-label': t('rot.up', {name}), onclick: () => move(-1)}, '↑'),
          h('button', {type: 'button', class: 'btn-plain', 'data-move': 'down', disabled: i === order.length - 1,
            'aria-label': t('rot.down', {name}), onclick: () => move(1)}, '↓'))));
    });
    const save = h('button', {type: 'button', class: 'btn-primary', id: 'rot-save', onclick: async () => {
      try {
        await put(`/groups/${enc(grp.value)}/rotation`, {order});
        setStatus(box, t('common.saved'), 'ok');
        load(true);
      } catch (err) { reportError(box, err); }
    }}, t('rot.save'));
    clear(wrap,
      order.length ? list : h('p', {class: 'muted'}, t('rot.empty')),
      h('div', {class: 'actions'}, save),
      h('h3', null, t('rot.next')),
      next && next.length ? h('ol', {class: 'rot-next', id: 'rot-next'}, next.map((mid) => h('li', null, names.get(String(mid)) || mid)))
        : h('p', {class: 'muted'}, '—'));
  }
  async function load(keepStatus) {
    if (!keepStatus) setStatus(box, '');
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const [rot, members] = await Promise.all([get(`/groups/${enc(grp.value)}/rotation`), membersOf(grp.value)]);
      names = new Map(members.map((m) => [String(m.id), m.name]));
      order = [...(rot.order || [])];
      render(rot.next || []);
    } catch (err) { clear(wrap); reportError(box, err); }
  }
  if (grp.value) load();
  return h('div', {class: 'page page-narrow'}, pageHead(t('rot.title')),
    card('', h('p', {class: 'muted'}, t('rot.intro')), field(t('common.group'), grp), box, wrap));
}

// ---- exams and scores -----------------------------------------------------

const EXAM_KEY = 'studyroll_exams';
function rememberExam(ex) {
  try {
    const list = JSON.parse(localStorage.getItem(EXAM_KEY) || '[]').filter((e) => e.id !== ex.id);
    list.unshift(ex);
    localStorage.setItem(EXAM_KEY, JSON.stringify(list.slice(0, 30)));
  } catch (e) { /* ignore */ }
}
function rememberedExams() {
  try { return JSON.parse(localStorage.getItem(EXAM_KEY) || '[]'); } catch (e) { return []; }
}

// parseScores: "name or username<TAB or comma>score" lines → rows.
export function parseScores(text, members) {
  const byUser = new Map();
  const byName = new Map();
  for (const m of members) {
    if (m.username) byUser.set(String(m.username).toLowerCase(), m);
    const k = String(m.name || '').trim();
    if (!byName.has(k)) byName.set(k, []);
    byName.get(k).push(m);
  }
  const rows = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let parts = raw.split('\t');
    if (parts.length < 2) parts = line.split(/[,，;；]/);
    if (parts.length < 2) parts = line.split(/\s+/);
    parts = parts.map((p) => p.trim()).filter((p) => p !== '');
    const who = parts[0] || '';
    const scoreText = parts.length >= 2 ? parts[parts.length - 1] : '';
    const row = {line: i + 1, who, scoreText, member: null, score: null, error: ''};
    const score = Number(scoreText.replace(/分$/, ''));
    if (scoreText === '' || !Number.isFinite(score)) {
      if (rows.length === 0 && i === lines.findIndex((l) => l.trim())) { row.header = true; }
      row.error = t('scores.bad_score');
    } else {
      row.score = score;
    }
    const u = byUser.get(who.toLowerCase());
    const ns = byName.get(who) || [];
    if (u) row.member = u;
    else if (ns.length === 1) row.member = ns[0];
    else if (ns.length > 1) row.error = row.error || t('scores.ambiguous');
    else row.error = row.error || t('scores.unknown');
    rows.push(row);
  });
  return rows.filter((r) => !(r.header && !r.member));
}

export async function exams(app) {
  const groups = await app.groups();
  const gm = groupMap(groups);
  // create form
  const grp = groupPicker(app, groups, 'exam-group', defaultGroup(app, groups));
  grp.name = 'group_id';
  const title = h('input', {id: 'exam-title', name: 'title', required: true});
  const held = h('input', {id: 'exam-held', name: 'held_on', type: 'date', value: isoDate(), required: true});
  const max = h('input', {id: 'exam-max', name: 'max_score', type: 'number', min: '1', step: 'any', value: '100', required: true});
  const exc = h('input', {id: 'exam-excellent', name: 'excellent_score', type: 'number', min: '0', step: 'any'});
  const cbox = statusBox('exam-status');
  const cform = h('form', {id: 'exam-form', novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('common.group'), grp, {name: 'group_id'}),
      field(t('exam.title_field'), title, {name: 'title'}),
      field(t('exam.held_on'), held, {name: 'held_on'}),
      field(t('exam.max_score'), max, {name: 'max_score'}),
      field(t('exam.excellent_score'), exc, {name: 'excellent_score', hint: t('exam.excellent_hint')})),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: 'exam-submit'}, t('exam.create'))),
    cbox);

  // score entry
  const examSel = select('score-exam', [], '');
  const paste = h('textarea', {id: 'scores-paste', name: 'scores', rows: '8', class: 'mono',
    placeholder: t('scores.placeholder')});
  const preview = h('div', {id: 'scores-preview'});
  const sbox = statusBox('scores-status');
  const submit = h('button', {type: 'submit', class: 'btn-primary', id: 'scores-submit'}, t('scores.submit'));
  const sform = h('form', {id: 'scores-form', novalidate: true},
    field(t('scores.exam'), examSel, {name: 'exam'}),
    field(t('scores.paste'), paste, {name: 'scores', hint: t('scores.paste_hint')}),
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'btn-secondary', id: 'scores-preview-button', onclick: () => doPreview()}, t('scores.preview')),
      submit),
    sbox, preview);

  let examList = [];
  let members = [];
  let parsed = [];
  async function loadExams(selectId) {
    let list = [];
    try { list = items(await get('/exams')); } catch (e) { list = []; }
    const seen = new Set(list.map((e) => String(e.id)));
    for (const e of rememberedExams()) if (!seen.has(String(e.id))) list.push(e);
    // scores are entered by the leads of the exam's group (or an admin)
    const mine = new Set(manageableGroups(app.me, groups).map((g) => String(g.id)));
    list = list.filter((e) => mine.has(String(e.group_id)))
      .sort((a, b) => String(b.held_on).localeCompare(String(a.held_on)));
    examList = list;
    clear(examSel, list.length ? list.map((e) => option(e.id,
      `${e.title}${paren(`${fmtDate(e.held_on)} · ${(gm.get(String(e.group_id)) || {}).name || ''}`)}`, String(e.id) === String(selectId)))
      : option('', t('scores.no_exams'), true));
    members = [];
  }
  async function ensureMembers() {
    const ex = examList.find((e) => String(e.id) === examSel.value);
    if (!ex) return [];
    if (!members.length || members.examId !== ex.id) {
      // a lead enters scores for their own subtree, also for an exam of an
      // ancestor group (an organisation-wide test)
      members = await membersOf(ex.group_id);
      members.examId = ex.id;
    }
    return members;
  }
  function renderPreview(fieldErrors) {
    const ex = examList.find((e) => String(e.id) === examSel.value);
    const rows = parsed.map((r, i) => {
      const err = (fieldErrors && fieldErrors[i]) || r.error;
      const over = ex && r.score !== null && ex.max_score && r.score > ex.max_score;
      return h('tr', {class: err || over ? 'row-error' : '', id: `score-row-${i}`},
        h('td', null, String(r.line)),
        h('td', null, r.who),
        h('td', null, r.member ? `${r.member.name}${paren(r.member.username || r.member.id)}` : '—'),
        h('td', null, r.scoreText),
        h('td', {class: 'error-text'}, err || (over ? t('scores.over_max') : '')));
    });
    const bad = parsed.filter((r) => r.error).length;
    clear(preview,
      h('p', {class: bad ? 'text-warn' : 'muted'}, t('scores.summary', {ok: parsed.length - bad, bad})),
      table([t('scores.line'), t('scores.input'), t('scores.matched'), t('scores.score'), t('scores.problem')],
        rows.length ? rows : emptyRow(5)));
  }
  async function doPreview() {
    await ensureMembers();
    parsed = parseScores(paste.value, members);
    renderPreview();
    return parsed;
  }
  cform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(cform);
    const body = {group_id: grp.value, title: title.value.trim(), held_on: held.value, max_score: Number(max.value)};
    if (exc.value !== '') body.excellent_score = Number(exc.value);
    try {
      const ex = await post('/exams', body);
      rememberExam({id: ex.id, title: ex.title || body.title, held_on: ex.held_on || body.held_on,
        group_id: ex.group_id || body.group_id, max_score: ex.max_score || body.max_score});
      setStatus(cbox, t('exam.created'), 'ok');
      title.value = '';
      await loadExams(ex.id);
      paste.focus();
    } catch (err) { reportError(cbox, err, cform); }
  });
  sform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!examSel.value) { setStatus(sbox, t('scores.no_exams'), 'error'); return; }
    await doPreview();
    if (!parsed.length) { setStatus(sbox, t('scores.nothing'), 'error'); return; }
    if (parsed.some((r) => r.error)) { setStatus(sbox, t('scores.fix_first'), 'error'); return; }
    const scores = parsed.map((r) => ({member_id: r.member.id, score: r.score}));
    try {
      await put(`/exams/${enc(examSel.value)}/scores`, {scores});
      setStatus(sbox, t('scores.saved', {n: scores.length}), 'ok');
    } catch (err) {
      // map error.fields onto the pasted rows: keys may name an index
      // ("scores[2].score", "2") or a member id
      const perRow = {};
      const rest = [];
      for (const [k, v] of Object.entries(err.fields || {})) {
        let idx = scores.findIndex((s) => String(s.member_id) === k);
        if (idx < 0) { const m = /(\d+)/.exec(k); idx = m ? Number(m[1]) : -1; }
        if (idx >= 0 && idx < parsed.length) perRow[idx] = String(v); else rest.push(`${k}: ${v}`);
      }
      renderPreview(perRow);
      setStatus(sbox, [errorText(err), ...rest].join(' '), 'error');
    }
  });
  examSel.addEventListener('change', () => { members = []; });
  await loadExams();
  return h('div', {class: 'page'}, pageHead(t('exam.page_title')),
    h('div', {class: 'grid-2'}, card(t('exam.new'), cform), card(t('scores.title'), sform)));
}

// ---- evaluation of learning reports --------------------------------------

export async function evaluate(app) {
  const groups = await app.groups();
  const per = periodSelect('eval-period', currentPeriod(), () => load());
  const grp = groupPicker(app, groups, 'eval-group', defaultGroup(app, groups), () => load());
  const wrap = h('div', {id: 'eval-list'});
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/learning-reports${qs({period: per.value, group_id: grp.value})}`));
      clear(wrap, list.length ? list.map(evalCard) : card('', h('p', {class: 'muted'}, t('eval.none'))));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  function evalCard(r) {
    const grade = select(`eval-grade-${r.id}`, [['', t('eval.choose')], ...[5, 4, 3, 2, 1].map((n) => [n, t(`lr.grade_${n}`)])], r.grade || '');
    grade.name = 'grade';
    const comment = h('textarea', {id: `eval-comment-${r.id}`, name: 'comment', rows: '2', value: r.comment || ''});
    const box = statusBox();
    const form = h('form', {class: 'eval-form', novalidate: true},
      h('div', {class: 'form-grid'},
        field(t('eval.grade'), grade, {name: 'grade'}),
        field(t('eval.comment'), comment, {name: 'comment'})),
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary'}, t('eval.save'))), box);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!grade.value) { showErrors(form, {grade: t('form.required')}); return; }
      try {
        await put(`/learning-reports/${enc(r.id)}/evaluation`, {grade: Number(grade.value), comment: comment.value.trim()});
        clearErrors(form);
        setStatus(box, t('common.saved'), 'ok');
      } catch (err) { reportError(box, err, form); }
    });
    const sim = r.similar_to || [];
    return h('article', {class: 'card eval-card', id: `eval-${r.id}`},
      h('header', {class: 'eval-head'},
        h('h2', null, r.name || r.member_id),
        h('span', {class: 'muted'}, fmtPeriod(r.period)),
        sim.length ? h('span', {class: 'badge badge-warn similar-badge', title: t('eval.similar_tip')}, t('eval.similar')) : null),
      sim.length ? h('ul', {class: 'similar-list'}, sim.map((x) =>
        h('li', null, t('eval.similar_to', {name: x.name || x.member_id, pct: pctText(x.similarity)})))) : null,
      h('p', {class: 'prewrap report-text'}, r.text || ''),
      form);
  }
  load();
  return h('div', {class: 'page'}, pageHead(t('eval.title')),
    card('', h('div', {class: 'toolbar'}, field(t('common.period'), per), field(t('common.group'), grp))), wrap);
}
