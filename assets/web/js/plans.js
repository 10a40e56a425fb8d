// Study plans (学习计划): a member's own plan (what is done, what is due)
// and the lead's plan editor (items, self-study due dates, sessions that
// study the items).
import {h, clear, field, statusBox, setStatus, select, showErrors, clearErrors} from './dom.js';
import {get, post, qs, items} from './api.js';
import {t, fmtDate, fmtShortDate, fmtTime, fmtPeriod, paren} from './i18n.js';
import {isoDate, addDays, localToRFC3339, toLocalInput} from './dates.js';
import {currentPeriod, periodList, periodSelect} from './periods.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';
import {sessionCancelled} from './session-state.js';
import {ancestorsOf, manageableGroups, groupOptions} from './groups.js';
import {planTitleEditor, itemEditor, attachForm, addItemsForm} from './plan-edit.js';

const enc = encodeURIComponent;

// periodBounds: the first day of a period and the day after its last
// ("2026Q4" → 2026-10-01, 2027-01-01; "2026" → 2026-01-01, 2027-01-01).
export function periodBounds(p) {
  const m = /^(\d{4})(?:Q([1-4]))?$/.exec(p || '');
  if (!m) return null;
  const y = Number(m[1]);
  const from = m[2] ? new Date(y, (Number(m[2]) - 1) * 3, 1) : new Date(y, 0, 1);
  const to = m[2] ? new Date(y, Number(m[2]) * 3, 1) : new Date(y + 1, 0, 1);
  return {from, to};
}

// sessionsOf: the sessions of a period that reach a group (its own, its
// ancestors' and its subtree's), cancelled ones left out.
async function sessionsOf(groupId, period) {
  const b = periodBounds(period);
  const list = items(await get(`/sessions${qs({group_id: groupId, from: isoDate(b.from), to: isoDate(addDays(b.to, -1))})}`));
  return list.filter((s) => !sessionCancelled(s));
}

// byItem: item id → the sessions listing it, by start.
function byItem(sessions) {
  const m = new Map();
  for (const s of sessions) {
    for (const id of s.item_ids || []) {
      if (!m.has(String(id))) m.set(String(id), []);
      m.get(String(id)).push(s);
    }
  }
  for (const l of m.values()) l.sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)));
  return m;
}

// itemState: how an item stands for the reader today —
// self-study: done / overdue / due; session item: studied (the reader
// attended, or made up, a session that lists it) / missed (such a session
// has ended without that and none is still to come) / scheduled (one is
// still to come) / unscheduled. attended(session) is true, false, or
// undefined when not known.
export function itemState(it, sessions, attended = () => undefined, now = new Date()) {
  if (it.due_on) {
    if (it.done_at) return {state: 'done', at: it.done_at};
    return {state: it.due_on < isoDate(now) ? 'overdue' : 'due', at: it.due_on};
  }
  const held = sessions.filter((s) => new Date(s.ends_at) <= now);
  const went = held.filter((s) => attended(s) === true);
  if (went.length) return {state: 'studied', at: went[went.length - 1].starts_at};
  const ahead = sessions.filter((s) => new Date(s.ends_at) > now);
  if (ahead.length) return {state: 'scheduled', at: ahead[0].starts_at};
  if (held.length && held.every((s) => attended(s) === false)) return {state: 'missed', at: held[held.length - 1].starts_at};
  if (held.length) return {state: 'held', at: held[held.length - 1].starts_at};
  return {state: 'unscheduled'};
}

// ownAttendance: for each ended session, whether the reader attended it
// (present, late, or a recorded make-up).
async function ownAttendance(me, sessions, now = new Date()) {
  const ended = sessions.filter((s) => new Date(s.ends_at) <= now);
  const details = await Promise.all(ended.map((s) => get(`/sessions/${enc(s.id)}`)));
  const out = new Map();
  for (const d of details) {
    const rec = (d.attendance || []).find((a) => String(a.member_id) === String(me.id));
    out.set(String(d.id), Boolean(rec && (rec.status === 'present' || rec.status === 'late' || rec.makeup_on)));
  }
  return out;
}

const STATE_BADGE = {done: 'badge-ok', studied: 'badge-ok', overdue: 'badge-warn', missed: 'badge-warn',
  due: 'badge-muted', held: 'badge-muted', scheduled: 'badge-muted', unscheduled: 'badge-muted'};

function stateText(st) {
  switch (st.state) {
    case 'done': return t('plan.state_done', {date: fmtDate(st.at)});
    case 'overdue': return t('plan.state_overdue', {date: fmtDate(st.at)});
    case 'due': return t('plan.state_due', {date: fmtDate(st.at)});
    case 'studied': return t('plan.state_studied', {date: fmtShortDate(st.at)});
    case 'missed': return t('plan.state_missed', {date: fmtShortDate(st.at)});
    case 'held': return t('plan.state_held', {date: fmtShortDate(st.at)});
    case 'scheduled': return t('plan.state_scheduled', {date: fmtShortDate(st.at), time: fmtTime(st.at)});
    default: return t('plan.state_unscheduled');
  }
}

// ---- a member's own plan ----------------------------------------------------

// mine: /app/plans — the plans that reach the member's group in a period,
// each item with what is done and what is due; self-study is marked done
// here.
export async function mine(app) {
  const per = periodSelect('plan-period', currentPeriod(), () => load());
  const wrap = h('div', {id: 'my-plans'});
  const summary = h('p', {id: 'plan-summary', class: 'muted', 'aria-live': 'polite'});
  const pageBox = statusBox('plan-page-status');

  // load(focusItem): after marking an item done the list is drawn again;
  // the focus goes to that item's row (its button is gone).
  async function load(focusItem) {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    setStatus(pageBox, '');
    let plans;
    let sessions;
    try {
      [plans, sessions] = await Promise.all([
        get(`/plans${qs({group_id: app.me.group_id || '', period: per.value})}`).then(items),
        app.me.group_id ? sessionsOf(app.me.group_id, per.value) : Promise.resolve([]),
      ]);
    } catch (err) {
      clear(wrap);
      reportError(pageBox, err);
      return;
    }
    // a member's sessions: those for their group or a group above it
    const chain = new Set(ancestorsOf(await app.groups(), app.me.group_id).map((g) => String(g.id)));
    const own = sessions.filter((s) => chain.has(String(s.group_id)));
    const bi = byItem(own);
    let went;
    try {
      went = await ownAttendance(app.me, own.filter((s) => (s.item_ids || []).length));
    } catch (err) {
      went = new Map();
      reportError(pageBox, err);
    }
    const attended = (s) => went.get(String(s.id));
    const counts = {done: 0, due: 0, overdue: 0};
    const cards = plans.map((p) => {
      const rows = (p.items || []).map((it) => {
        const st = itemState(it, bi.get(String(it.id)) || [], attended);
        if (st.state === 'done' || st.state === 'studied') counts.done++;
        else if (st.state === 'overdue' || st.state === 'missed') counts.overdue++;
        else counts.due++;
        return planItemRow(p, it, st, () => {
          app.announce(t('plans.marked'));
          load(it.id);
        });
      });
      const c = card(`${p.title}${paren(fmtPeriod(p.period))}`,
        rows.length ? h('ul', {class: 'plan-items'}, rows) : h('p', {class: 'muted'}, t('plan.no_items')));
      c.id = `plan-${p.id}`;
      return c;
    });
    summary.textContent = plans.length ? t('plan.summary', counts) : '';
    summary.className = counts.overdue ? 'text-warn' : 'muted';
    clear(wrap, cards.length ? cards : card('', h('p', {class: 'muted'}, t('plans.none'))));
    const row = focusItem && document.getElementById(`item-${focusItem}`);
    if (row) { row.tabIndex = -1; row.focus(); }
  }

  load();
  return h('div', {class: 'page'}, pageHead(t('plans.title')),
    h('div', {class: 'toolbar'}, field(t('common.period'), per, {name: 'period'})),
    summary, pageBox, wrap);
}

function planItemRow(p, it, st, reload) {
  const box = statusBox();
  const kind = it.due_on ? t('plan.kind_self') : t('plan.kind_session');
  const actions = h('div', {class: 'item-actions'},
    h('span', {class: `badge ${STATE_BADGE[st.state]}`, 'data-state': st.state}, stateText(st)));
  if (it.due_on && !it.done_at) {
    const btn = h('button', {type: 'button', class: 'btn-secondary', 'data-item': it.id}, t('plans.mark_done'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      setStatus(box, t('common.working'));
      try {
        await post(`/plans/${enc(p.id)}/items/${enc(it.id)}/done`);
        reload();
      } catch (err) { btn.disabled = false; reportError(box, err); }
    });
    actions.append(btn);
  }
  actions.append(box);
  return h('li', {class: 'plan-item', id: `item-${it.id}`, 'data-state': st.state},
    h('div', null, h('strong', null, it.title), h('div', {class: 'muted'}, kind)),
    actions);
}

// ---- the lead's plan editor -------------------------------------------------

// itemRow: one editable item of a new plan: title, kind, due date.
function itemRow(n, onRemove) {
  const title = h('input', {id: `pe-item-${n}-title`, name: 'title', required: true, maxlength: '200'});
  const kind = select(`pe-item-${n}-kind`, [['session', t('plan.kind_session')], ['self', t('plan.kind_self')]], 'session');
  const due = h('input', {id: `pe-item-${n}-due`, name: 'due_on', type: 'date'});
  const dueField = field(t('plan.due_on'), due, {name: 'due_on'});
  dueField.hidden = true;
  kind.addEventListener('change', () => { dueField.hidden = kind.value !== 'self'; });
  const remove = h('button', {type: 'button', class: 'btn-plain btn-small', 'data-remove': String(n),
    'aria-label': t('plan.remove_item_n', {n: n + 1})}, t('plan.remove_item'));
  const titleField = field(t('plan.item_title'), title, {name: 'title'});
  const row = h('li', {class: 'pe-item', 'data-row': String(n)},
    titleField, field(t('plan.item_kind'), kind, {name: 'kind'}), dueField, remove);
  remove.addEventListener('click', () => onRemove(row));
  row.read = () => {
    const out = {title: title.value.trim()};
    if (kind.value === 'self') out.due_on = due.value;
    return out;
  };
  row.setIndex = (i) => {
    // the server names problems items[i].title / items[i].due_on
    titleField.dataset.field = `items[${i}].title`;
    dueField.dataset.field = `items[${i}].due_on`;
    remove.setAttribute('aria-label', t('plan.remove_item_n', {n: i + 1}));
  };
  row.focusFirst = () => title.focus();
  return row;
}

// scheduleForm: a session that studies one item (POST /sessions with
// item_ids), for the plan's group or a group below it.
function scheduleForm(app, groups, plan, it, done) {
  const start = addDays(new Date(), 1);
  start.setHours(14, 30, 0, 0);
  const p = `pe-sched-${it.id}`;
  const gOpts = groupOptions(manageableGroups(app.me, groups).filter((g) =>
    ancestorsOf(groups, g.id).some((a) => String(a.id) === String(plan.group_id))));
  const grp = select(`${p}-group`, gOpts, gOpts.some(([id]) => String(id) === String(app.me.group_id)) ? app.me.group_id : plan.group_id);
  grp.name = 'group_id';
  const title = h('input', {id: `${p}-title`, name: 'title', required: true, value: t('plan.session_title', {item: it.title})});
  const startsAt = h('input', {id: `${p}-starts`, name: 'starts_at', type: 'datetime-local', value: toLocalInput(start), required: true});
  const endsAt = h('input', {id: `${p}-ends`, name: 'ends_at', type: 'datetime-local',
    value: toLocalInput(new Date(start.getTime() + 90 * 60e3)), required: true});
  const place = h('input', {id: `${p}-place`, name: 'place'});
  const box = statusBox(`${p}-status`);
  const form = h('form', {class: 'inline-form pe-schedule', id: p, novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('common.group'), grp, {name: 'group_id'}),
      field(t('session.title'), title, {name: 'title'}),
      field(t('session.starts_at'), startsAt, {name: 'starts_at'}),
      field(t('session.ends_at'), endsAt, {name: 'ends_at'}),
      field(t('session.place'), place, {name: 'place'})),
    h('div', {class: 'actions'},
      h('button', {type: 'submit', class: 'btn-primary', id: `${p}-submit`}, t('plan.schedule_submit')),
      h('button', {type: 'button', class: 'btn-plain', onclick: () => done(false)}, t('common.cancel'))),
    box);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const errs = {};
    if (!title.value.trim()) errs.title = t('form.required');
    if (!startsAt.value) errs.starts_at = t('form.required');
    if (!endsAt.value) errs.ends_at = t('form.required');
    if (Object.keys(errs).length) { showErrors(form, errs); setStatus(box, t('form.fix'), 'error'); return; }
    const body = {group_id: grp.value, title: title.value.trim(), starts_at: localToRFC3339(startsAt.value),
      ends_at: localToRFC3339(endsAt.value), item_ids: [it.id]};
    if (place.value.trim()) body.place = place.value.trim();
    setStatus(box, t('common.working'));
    try {
      await post('/sessions', body);
      done(true);
    } catch (err) { reportError(box, err, form); }
  });
  setTimeout(() => title.focus(), 0);
  return form;
}

// existingPlan: a saved plan with its items; each session item lists the
// sessions that study it and can get one more.
// selfStudyDone: how many of the group's members marked a self-study item
// done (GET /plans/{id}/done), and who has not yet — a list to remind, by
// the roster's order, never a ranking.
function selfStudyDone(it, marks, people) {
  const done = new Set(marks.filter((m) => String(m.item_id) === String(it.id)).map((m) => String(m.member_id)));
  const notYet = people.filter((m) => !done.has(String(m.id)));
  const n = people.length - notYet.length;
  return h('div', {class: 'pe-done', id: `pe-done-${it.id}`, 'data-done': String(n), 'data-of': String(people.length)},
    h('span', null, t('plan.done_count', {n, of: people.length})),
    notYet.length ? h('details', null, h('summary', null, t('plan.not_yet_n', {n: notYet.length})),
      h('p', null, notYet.map((m) => m.name).join('、'))) : null);
}

function existingPlan(app, groups, p, bi, reload, marks, people, sessions) {
  const rows = (p.items || []).map((it) => {
    const sess = bi.get(String(it.id)) || [];
    const slot = h('div', {class: 'pe-slot'});
    let extra = null;
    if (it.due_on) {
      extra = h('div', null, h('span', {class: 'muted'}, t('plans.due', {date: fmtDate(it.due_on)})),
        selfStudyDone(it, marks, people));
    } else {
      const btn = h('button', {type: 'button', class: 'btn-secondary btn-small', 'data-schedule': it.id}, t('plan.schedule'));
      btn.addEventListener('click', () => {
        btn.hidden = true;
        clear(slot, scheduleForm(app, groups, p, it, (ok) => {
          clear(slot);
          btn.hidden = false;
          btn.focus();
          // the list is drawn again with the new session; the focus goes
          // back to this item's button there
          if (ok) { app.announce(t('plan.scheduled')); reload(it.id); }
        }));
      });
      extra = h('div', null,
        attachForm(p, it, sessions, groups, reload),
        sess.length
          ? h('ul', {class: 'pe-sessions'}, sess.map((s) => h('li', null,
            h('a', {href: `/app/sessions/${enc(s.id)}`}, `${fmtShortDate(s.starts_at)} ${fmtTime(s.starts_at)} ${s.title || ''}`))))
          : h('span', {class: 'muted'}, t('plan.state_unscheduled')),
        btn);
    }
    return h('li', {class: 'plan-item', id: `pe-item-${it.id}`},
      h('div', null, h('strong', null, it.title), h('div', {class: 'muted'}, it.due_on ? t('plan.kind_self') : t('plan.kind_session'))),
      h('div', {class: 'item-actions'}, extra),
      slot, itemEditor(p, it, reload));
  });
  const c = card(`${p.title}${paren(fmtPeriod(p.period))}`,
    h('p', {class: 'muted'}, t('plan.for_group', {group: (groups.find((g) => String(g.id) === String(p.group_id)) || {}).name || ''})),
    planTitleEditor(p, reload),
    rows.length ? h('ul', {class: 'plan-items'}, rows) : h('p', {class: 'muted'}, t('plan.no_items')),
    h('details', {class: 'pe-add'}, h('summary', {id: `pe-add-${p.id}-open`}, t('plan.add_item')), addItemsForm(p, reload)));
  c.id = `pe-plan-${p.id}`;
  return c;
}

// editor: /app/plan-editor — a lead writes a new plan for a group of their
// subtree (items studied at sessions, self-study items with a due date)
// and attaches items to sessions.
export async function editor(app) {
  const groups = await app.groups();
  const mg = manageableGroups(app.me, groups);
  const startGroup = mg.some((g) => String(g.id) === String(app.me.group_id)) ? app.me.group_id : (mg[0] || {}).id || '';
  const grp = select('pe-group', groupOptions(mg), startGroup);
  grp.name = 'group_id';
  // plans are written ahead: next quarter and next year come first
  const next = new Date();
  next.setMonth(next.getMonth() + 3);
  const ahead = [String(new Date().getFullYear() + 1), currentPeriod(next)];
  const per = select('pe-period', [...new Set([...ahead, ...periodList()])].map((p) => [p, fmtPeriod(p)]), currentPeriod());
  per.name = 'period';
  const title = h('input', {id: 'pe-title', name: 'title', required: true, maxlength: '200'});
  const list = h('ol', {id: 'pe-items', class: 'pe-items'});
  let n = 0;
  const rows = () => [...list.children];
  const renumber = () => rows().forEach((r, i) => r.setIndex(i));
  const addRow = (focus) => {
    const row = itemRow(n++, (r) => {
      const i = rows().indexOf(r);
      r.remove();
      renumber();
      const next = rows()[Math.max(0, i - 1)];
      if (next) next.focusFirst(); else addBtn.focus();
    });
    list.append(row);
    renumber();
    if (focus) row.focusFirst();
  };
  const addBtn = h('button', {type: 'button', class: 'btn-secondary', id: 'pe-add-item', onclick: () => addRow(true)}, t('plan.add_item'));
  addRow(false);
  const box = statusBox('pe-status');
  const form = h('form', {id: 'plan-form', novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('common.group'), grp, {name: 'group_id'}),
      field(t('common.period'), per, {name: 'period'}),
      field(t('plan.title_field'), title, {name: 'title', hint: t('plan.title_hint')})),
    h('fieldset', {'data-field': 'items'}, h('legend', null, t('plan.items')), list, addBtn,
      h('span', {class: 'field-error', id: 'pe-items-error'})),
    h('p', {class: 'muted'}, t('plan.save_note')),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: 'pe-submit'}, t('plan.save'))),
    box);

  const existing = h('div', {id: 'pe-existing'});
  const exBox = statusBox('pe-existing-status');
  async function loadExisting(focusItem) {
    setStatus(exBox, '');
    clear(existing, h('p', {class: 'muted'}, t('common.loading')));
    if (!grp.value) { clear(existing); return; }
    try {
      const [plans, sessions, roster] = await Promise.all([
        get(`/plans${qs({group_id: grp.value, period: per.value})}`).then(items),
        sessionsOf(grp.value, per.value),
        get(`/members${qs({group_id: grp.value})}`).then(items),
      ]);
      // self-study marks of the plans that have self-study items
      const marks = await Promise.all(plans.map((p) => ((p.items || []).some((it) => it.due_on)
        ? get(`/plans/${enc(p.id)}/done`).then(items) : Promise.resolve([]))));
      const bi = byItem(sessions);
      const b = periodBounds(per.value);
      const active = roster.filter((m) => (!m.joined_on || m.joined_on < isoDate(b.to)) && (!m.left_on || m.left_on > isoDate(b.from)));
      clear(existing, plans.length ? plans.map((p, i) => existingPlan(app, groups, p, bi, loadExisting, marks[i], active, sessions))
        : h('p', {class: 'muted'}, t('plans.none')));
      const again = focusItem && existing.querySelector(`[data-schedule="${CSS.escape(String(focusItem))}"]`);
      if (again) again.focus();
    } catch (err) {
      clear(existing);
      reportError(exBox, err);
    }
  }
  grp.addEventListener('change', () => loadExisting());
  per.addEventListener('change', () => loadExisting());

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = {group_id: grp.value, period: per.value, title: title.value.trim()};
    const errs = {};
    if (!body.title) errs.title = t('form.required');
    rows().forEach((r, i) => {
      // a blank extra row is dropped; any other row needs its title, and a
      // self-study row its due date
      const it = r.read();
      if (!it.title && !it.due_on && rows().length > 1) return;
      if (!it.title) errs[`items[${i}].title`] = t('form.required');
      if ('due_on' in it && !it.due_on) errs[`items[${i}].due_on`] = t('plan.due_missing');
    });
    if (Object.keys(errs).length) { showErrors(form, errs); setStatus(box, t('form.fix'), 'error'); return; }
    // blank rows are dropped; the server's items[i] then counts the rest
    const kept = rows().filter((r) => r.read().title);
    kept.forEach((r, i) => r.setIndex(i));
    body.items = kept.map((r) => r.read());
    setStatus(box, t('common.working'));
    try {
      const p = await post('/plans', body);
      setStatus(box, t('plan.saved', {title: p.title || body.title}), 'ok');
      title.value = '';
      clear(list);
      addRow(false);
      await loadExisting();
    } catch (err) { reportError(box, err, form); } finally { renumber(); }
  });

  loadExisting();
  return h('div', {class: 'page'}, pageHead(t('plan.editor_title')),
    h('div', {class: 'grid-2'},
      card(t('plan.new'), form),
      card(t('plan.existing'), h('p', {class: 'muted'}, t('plan.existing_intro')), exBox, existing)));
}
