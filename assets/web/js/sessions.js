// Sessions list and the new-session form (leads, admins).
import {clear, clearErrors, field, h, option, select, setStatus, showErrors, statusBox} from './dom.js';
import {get, items, post, qs} from './api.js';
import {fmtDate, fmtTime, paren, t} from './i18n.js';
import {addDays, isoDate, localToRFC3339, toLocalInput} from './dates.js';
import {currentPeriod} from './periods.js';
import {reportError} from './errors.js';
import {card, emptyRow, pageHead, table} from './layout.js';
import {defaultGroup, groupMap, groupPicker} from './groups.js';
import {membersOf} from './roster.js';
import {sessionCancelled} from './session-state.js';
import {kindLabel, kindsFor} from './meetings.js';

const enc = encodeURIComponent;

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
  const grp = groupPicker(app, groups, 'ns-group', defaultGroup(app, groups), () => loadGroup().catch((err) => reportError(box, err)));
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

  let plans = [];
  async function loadGroup() {
    loadKinds();
    const gid = grp.value;
    const [pl, members, rot] = await Promise.all([
      get(`/plans${qs({group_id: gid})}`).then(items),
      membersOf(gid),
      get(`/groups/${enc(gid)}/rotation`),
    ]);
    plans = pl;
    // The empty choice names the member the rotation gives the next
    // session: the first of the rotation screen's "next" list.
    const byId = new Map(members.map((m) => [String(m.id), m.name]));
    const next = (rot.next || [])[0];
    clear(leadSel, option('', next ? t('sessions.lead_rotation_named', {name: byId.get(String(next)) || next}) : t('sessions.lead_rotation'), true),
      members.filter((m) => !m.left_on).map((m) => option(m.id, m.name)));
    renderItems();
  }
  // renderItems lists the content items a session can cover: items studied
  // at sessions (not self-study, which has a due date) of the plans for the
  // quarter of the start, or for its year.
  function renderItems() {
    const d = startsAt.value ? new Date(startsAt.value) : new Date();
    const quarter = currentPeriod(d);
    const year = String(d.getFullYear());
    const checks = [];
    for (const p of plans) {
      if (p.period !== quarter && p.period !== year) continue;
      for (const it of p.items || []) {
        if (it.due_on) continue;
        const id = `ns-item-${it.id}`;
        checks.push(h('div', {class: 'check'},
          h('input', {type: 'checkbox', id, name: 'item_ids', value: it.id}),
          h('label', {for: id}, it.title, h('span', {class: 'muted'}, paren(p.title)))));
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
  startsAt.addEventListener('change', renderItems);
  if (grp.value) {
    try { await loadGroup(); } catch (err) { reportError(box, err); }
  }
  return h('div', {class: 'page'}, pageHead(t('sessions.new')), card('', form));
}
