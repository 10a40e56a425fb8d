// Meetings (三会一课): the session page's record of shares, questions and
// the reading turn (editable until the period is locked), the minutes
// (会议记录) with 四落实, and the compliance calendar and heat map.
import {h, clear, field, statusBox, setStatus, select, clearErrors} from './dom.js';
import {api, get, put, qs, items} from './api.js';
import {t, tOr, fmtDate, fmtDateTime, fmtPeriod} from './i18n.js';
import {currentPeriod, periodSelect} from './periods.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';
import {groupMap, manageableGroups} from './groups.js';

const enc = encodeURIComponent;
const del = (p) => api('DELETE', p);

export const KINDS = ['study', 'party_congress', 'committee_meeting', 'group_meeting', 'party_lecture', 'theme_day', 'life_meeting'];

// kindsFor: the kinds a group of this type may hold (the server's rule).
export function kindsFor(type) {
  return KINDS.filter((k) => {
    if (k === 'group_meeting') return type === 'party_group';
    if (k === 'party_congress' || k === 'committee_meeting') return type === 'branch';
    return true;
  });
}

export function kindLabel(k) { return tOr(`kind.${k || 'study'}`, k || 'study'); }

// ---- what was recorded at the session ------------------------------------

// recordedCard lists the reading turn, shares and questions of the session
// with edit and delete buttons; reload refetches the session.
export function recordedCard(sid, sess, reload) {
  const names = new Map((sess.audience || []).map((m) => [String(m.member_id), m.name]));
  const who = (id) => names.get(String(id)) || id;
  const mins = sess.minutes || {};
  const box = statusBox('recorded-status');
  const act = async (fn) => {
    try { await fn(); await reload(); } catch (err) { reportError(box, err); }
  };
  const rows = [];
  if (mins.reading) {
    rows.push(h('li', {id: 'recorded-reading', class: 'recorded-item'},
      h('strong', null, t('record.reading')), ' ', `${who(mins.reading.lead_id)}：${mins.reading.material}`,
      mins.reading.notes ? h('span', {class: 'muted'}, `（${mins.reading.notes}）`) : null, ' ',
      h('button', {type: 'button', class: 'btn-link danger', id: 'reading-delete',
        onclick: () => act(() => del(`/sessions/${sid}/reading`))}, t('common.delete'))));
  }
  const editable = (id, text, save) => {
    const span = h('span', {class: 'recorded-text'}, text);
    const btn = h('button', {type: 'button', class: 'btn-link', id: `${id}-edit`, onclick: () => {
      const ta = h('textarea', {id: `${id}-text`, rows: '2'}, text);
      ta.value = text;
      const ok = h('button', {type: 'button', class: 'btn-primary', id: `${id}-save`,
        onclick: () => act(() => save(ta.value.trim()))}, t('common.save'));
      span.replaceWith(h('span', {class: 'recorded-edit'}, ta, ok));
      btn.remove();
    }}, t('common.edit'));
    return [span, ' ', btn];
  };
  for (const sh of mins.shares || []) {
    const id = `share-${sh.id}`;
    rows.push(h('li', {id, class: 'recorded-item'},
      h('strong', null, t('record.share')), ' ', `${who(sh.member_id)}：`,
      ...editable(id, sh.summary, (v) => put(`/sessions/${sid}/shares/${enc(sh.id)}`, {member_id: sh.member_id, summary: v})), ' ',
      h('button', {type: 'button', class: 'btn-link danger', id: `${id}-delete`,
        onclick: () => act(() => del(`/sessions/${sid}/shares/${enc(sh.id)}`))}, t('common.delete'))));
  }
  for (const q of mins.questions || []) {
    const id = `question-${q.id}`;
    rows.push(h('li', {id, class: 'recorded-item'},
      h('strong', null, t('record.question')), ' ', `${who(q.asker_id)} → ${who(q.answerer_id)}（${q.rating}/5）：`,
      ...editable(id, q.question, (v) => put(`/sessions/${sid}/questions/${enc(q.id)}`,
        {asker_id: q.asker_id, answerer_id: q.answerer_id, question: v, rating: q.rating})), ' ',
      h('button', {type: 'button', class: 'btn-link danger', id: `${id}-delete`,
        onclick: () => act(() => del(`/sessions/${sid}/questions/${enc(q.id)}`))}, t('common.delete'))));
  }
  return card(t('meet.recorded'), rows.length ? h('ul', {id: 'recorded-list', class: 'recorded-list'}, rows)
    : h('p', {class: 'muted', id: 'recorded-list'}, t('meet.nothing_recorded')), box);
}

// ---- minutes and 四落实 ----------------------------------------------------

// fourReason: a check's reason (GET /sessions/{id}/four answers it in
// English, store/four.go) in the UI's language; a form the UI does not
// know shows as sent.
const MINUTES_FIELDS = {host_id: 'meet.host', recorder_id: 'meet.recorder', first_topic: 'meet.first_topic', summary: 'meet.summary'};
const FOUR_REASONS = [
  [/^cancelled$/, 'four.r_cancelled', () => ({})],
  [/^not held yet: ends (.+)$/, 'four.r_not_held', (m) => ({when: fmtDateTime(m[1])})],
  [/^held on (.+)$/, 'four.r_held', (m) => ({date: fmtDate(m[1])})],
  [/^no audience$/, 'four.r_no_audience', () => ({})],
  [/^(\d+) of (\d+) have no attendance status$/, 'four.r_unmarked', (m) => ({n: m[1], of: m[2]})],
  [/^(\d+) of (\d+) attended: under (\d+)%$/, 'four.r_under', (m) => ({n: m[1], of: m[2], pct: m[3]})],
  [/^(\d+) of (\d+) attended, everyone has a status$/, 'four.r_people_ok', (m) => ({n: m[1], of: m[2]})],
  [/^no content item$/, 'four.r_no_item', () => ({})],
  [/^no first topic/, 'four.r_no_first_topic', () => ({})],
  [/^(\d+) content item\(s\), first topic: (.*)$/s, 'four.r_items_topic', (m) => ({n: m[1], topic: m[2]})],
  [/^(\d+) content item\(s\)$/, 'four.r_items', (m) => ({n: m[1]})],
  [/^minutes not complete: missing (.*)$/, 'four.r_incomplete', (m) => ({list: m[1].split(', ').map((k) => (MINUTES_FIELDS[k] ? t(MINUTES_FIELDS[k]) : k)).join(t('warn.list_sep'))})],
  [/^minutes late: due (.+)$/, 'four.r_late', (m) => ({date: fmtDate(m[1])})],
  [/^no share or question recorded$/, 'four.r_no_contrib', () => ({})],
  [/^minutes complete on time, (\d+) share\(s\) or question\(s\)$/, 'four.r_effect_ok', (m) => ({n: m[1]})],
];
export function fourReason(reason) {
  const r = String(reason || '');
  for (const [re, key, vars] of FOUR_REASONS) {
    const m = re.exec(r);
    if (m) return t(key, vars(m));
  }
  return r;
}

function fourList(four) {
  return h('ul', {id: 'four-list', class: 'four-list'}, ['people', 'time', 'content', 'effect'].map((k) => {
    const c = four[k] || {};
    return h('li', {id: `four-${k}`, class: c.ok ? 'four-ok' : 'four-no'},
      h('span', {class: `badge ${c.ok ? 'badge-ok' : 'badge-warn'}`}, `${t(`four.${k}`)} ${c.ok ? '✓' : '✗'}`), ' ',
      h('span', {class: 'muted'}, fourReason(c.reason)));
  }), h('li', {id: 'four-all'}, h('strong', null, four.all ? t('four.all_ok') : t('four.not_all'))));
}

// minutesCard: the form of the 会议记录, its state (complete, late, due),
// 应到/实到/请假/缺席 with the absentees, the PDF, and the 四落实.
export async function minutesCard(sid, sess) {
  const people = sess.audience || [];
  const opts = [['', t('meet.choose')], ...people.map((m) => [m.member_id, m.name])];
  const host = select('minutes-host', opts, '');
  const recorder = select('minutes-recorder', opts, '');
  const topic = h('input', {id: 'minutes-topic', name: 'first_topic'});
  const summary = h('textarea', {id: 'minutes-summary', name: 'summary', rows: '4'});
  const decisions = h('textarea', {id: 'minutes-decisions', name: 'decisions', rows: '2'});
  const state = h('div', {id: 'minutes-state'});
  const fourBox = h('div', {id: 'four-box'});
  const box = statusBox('minutes-status');
  function show(rec) {
    host.value = rec.host_id || '';
    recorder.value = rec.recorder_id || '';
    topic.value = rec.first_topic || '';
    summary.value = rec.summary || '';
    decisions.value = rec.decisions || '';
    const badge = rec.late ? h('span', {class: 'badge badge-warn', id: 'minutes-badge'}, t('meet.late'))
      : rec.complete ? h('span', {class: 'badge badge-ok', id: 'minutes-badge'}, t('meet.complete'))
        : h('span', {class: 'badge badge-muted', id: 'minutes-badge'}, t('meet.incomplete'));
    const absent = (rec.absentees || []).map((a) => `${a.name}（${t(`meet.st_${a.status}`)}${a.reason ? '：' + a.reason : ''}）`);
    clear(state, h('p', null, badge, ' ', t('meet.due', {date: fmtDate(rec.due_on)})),
      h('p', {id: 'minutes-counts'}, t('meet.counts', {expected: rec.expected, present: rec.present, leave: rec.leave, absent: rec.absent})),
      absent.length ? h('p', {id: 'minutes-absentees', class: 'muted'}, `${t('meet.absentees')}：${absent.join('；')}`) : null);
  }
  async function loadFour() {
    try { clear(fourBox, fourList(await get(`/sessions/${sid}/four`))); } catch (err) { const b = statusBox(); reportError(b, err); clear(fourBox, b); }
  }
  const form = h('form', {id: 'minutes-form', novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('meet.host'), host, {name: 'host_id'}),
      field(t('meet.recorder'), recorder, {name: 'recorder_id'})),
    field(t('meet.first_topic'), topic, {name: 'first_topic'}),
    field(t('meet.summary'), summary, {name: 'summary'}),
    field(t('meet.decisions'), decisions, {name: 'decisions'}),
    h('div', {class: 'actions'},
      h('button', {type: 'submit', class: 'btn-primary', id: 'minutes-submit'}, t('meet.save')),
      h('a', {class: 'btn-secondary', id: 'minutes-pdf', href: `/api/v1/sessions/${sid}/minutes.pdf`, download: ''}, t('meet.pdf'))),
    box);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const rec = await put(`/sessions/${sid}/minutes`, {host_id: host.value, recorder_id: recorder.value,
        first_topic: topic.value.trim(), summary: summary.value.trim(), decisions: decisions.value.trim()});
      show(rec);
      setStatus(box, t('common.saved'), 'ok');
      loadFour();
    } catch (err) { reportError(box, err, form); }
  });
  try {
    show(await get(`/sessions/${sid}/minutes`));
  } catch (err) {
    if (err.status !== 404) reportError(box, err); // 404: no minutes yet, the form starts empty
  }
  loadFour();
  return card(t('meet.minutes_title', {kind: kindLabel(sess.kind)}), state, form,
    h('h3', null, t('four.title')), fourBox);
}

// ---- compliance -----------------------------------------------------------

function slotLabel(slot) {
  if (/^\d{4}-\d{2}$/.test(slot)) return t('meet.month', {m: Number(slot.slice(5))});
  if (/Q/.test(slot)) return fmtPeriod(slot);
  return t('meet.year', {y: slot});
}

// calendar draws one group's rows: kinds down, slots across.
function calendar(gid, list) {
  const mine = list.filter((it) => String(it.group_id) === String(gid));
  const kinds = [...new Set(mine.map((it) => it.kind))];
  if (!kinds.length) return h('p', {class: 'muted'}, t('meet.none_required'));
  const rows = kinds.map((k) => h('tr', {'data-kind': k},
    h('th', {scope: 'row'}, kindLabel(k)),
    h('td', null, h('div', {class: 'slots'}, mine.filter((it) => it.kind === k).map((it) => {
      const st = it.held > 0 ? 'held' : it.missing > 0 ? 'missing' : 'open';
      return h('span', {class: `slot slot-${st}`, 'data-slot': it.slot, 'data-state': st,
        title: `${slotLabel(it.slot)}：${t(`meet.slot_${st}`)}`},
      `${slotLabel(it.slot)} ${st === 'held' ? '✓' + (it.held > 1 ? it.held : '') : st === 'missing' ? '✗' : '…'}`);
    })))));
  return h('table', {class: 'num-table compliance-table'},
    h('thead', null, h('tr', null, h('th', {scope: 'col'}, t('meet.kind')), h('th', {scope: 'col'}, t('meet.slots')))),
    h('tbody', null, rows));
}

// heatMap: one row per group with required meetings, one cell per month of
// the period: the share of the month's required meetings held.
function heatMap(groups, list, onPick) {
  const gm = groupMap(groups);
  const byGroup = new Map();
  for (const it of list) {
    if (!byGroup.has(it.group_id)) byGroup.set(it.group_id, []);
    byGroup.get(it.group_id).push(it);
  }
  const months = [...new Set(list.filter((it) => /^\d{4}-\d{2}$/.test(it.slot)).map((it) => it.slot))].sort();
  const rows = [];
  for (const [gid, its] of byGroup) {
    const missing = its.reduce((n, it) => n + it.missing, 0);
    const cells = months.map((m) => {
      const due = its.filter((it) => it.slot === m && it.due);
      if (!due.length) return h('td', {class: 'heat heat-open'}, '…');
      const held = due.filter((it) => it.held > 0).length;
      const share = held / due.length;
      const lvl = share >= 1 ? 'full' : share >= 0.5 ? 'part' : 'none';
      return h('td', {class: `heat heat-${lvl}`, 'data-month': m}, `${held}/${due.length}`);
    });
    rows.push(h('tr', {'data-group': gid, class: missing ? 'has-missing' : ''},
      h('th', {scope: 'row'}, h('button', {type: 'button', class: 'btn-link', onclick: () => onPick(gid)},
        (gm.get(String(gid)) || {}).name || gid)),
      ...cells, h('td', {class: missing ? 'heat-count-bad' : ''}, String(missing))));
  }
  if (!rows.length) return h('p', {class: 'muted'}, t('meet.none_required'));
  return h('table', {class: 'num-table heat-map', id: 'heat-map'},
    h('thead', null, h('tr', null, h('th', {scope: 'col'}, t('common.group')),
      ...months.map((m) => h('th', {scope: 'col'}, slotLabel(m))), h('th', {scope: 'col'}, t('meet.missing_n')))),
    h('tbody', null, rows));
}

// compliance is the screen /app/compliance: a lead sees the calendar of
// each group they lead (months × kinds); hr, inspectors and admins first
// the organisation-wide heat map, and a group's calendar on a click.
export async function compliance(app) {
  const groups = await app.groups();
  const gm = groupMap(groups);
  const all = app.me.role !== 'lead';
  const per = periodSelect('comp-period', currentPeriod(), () => load());
  const scoped = all ? groups : manageableGroups(app.me, groups);
  const required = scoped.filter((g) => g.type === 'branch' || g.type === 'party_group');
  const grp = select('comp-group', [['', all ? t('meet.whole_org') : t('meet.my_groups')], ...required.map((g) => [g.id, g.name])], '');
  grp.addEventListener('change', () => load());
  const wrap = h('div', {id: 'compliance-view'});
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const gid = grp.value || (all ? '' : app.me.group_id || '');
      const list = items(await get(`/compliance${qs({period: per.value, group_id: gid})}`));
      const ids = [...new Set(list.map((it) => it.group_id))];
      if (all && !grp.value) {
        clear(wrap, h('h2', null, t('meet.heat_title')),
          heatMap(groups, list, (id) => { grp.value = id; load(); }),
          h('p', {class: 'muted'}, t('meet.heat_hint')));
        return;
      }
      clear(wrap, ...ids.map((id) => h('section', {class: 'compliance-group', 'data-group': id},
        h('h2', null, (gm.get(String(id)) || {}).name || id), calendar(id, list))),
      ids.length ? null : h('p', {class: 'muted'}, t('meet.none_required')));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  load();
  return h('div', {class: 'page'}, pageHead(t('meet.compliance_title')),
    card('', h('div', {class: 'toolbar'}, field(t('common.period'), per), field(t('common.group'), grp)),
      h('p', {class: 'muted legend'},
        h('span', {class: 'slot slot-held'}, `✓ ${t('meet.slot_held')}`), ' ',
        h('span', {class: 'slot slot-missing'}, `✗ ${t('meet.slot_missing')}`), ' ',
        h('span', {class: 'slot slot-open'}, `… ${t('meet.slot_open')}`)),
      wrap));
}
