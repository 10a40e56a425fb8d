// 督查 screens: the inspector's workspace (inspections, draw and record on
// a phone, interviews, findings), "my rectifications" with evidence upload,
// and the rectification ledger with filters.
import {askNote} from './confirm.js';
import {h, clear, field, statusBox, setStatus, select} from './dom.js';
import {get, post, put, qs, items} from './api.js';
import {t, pctText} from './i18n.js';
import {isoDate, addDays} from './dates.js';
import {reportError} from './errors.js';
import {readsAll} from './roles.js';
import {card, pageHead, table, emptyRow} from './layout.js';
import {groupMap, subtreeIds} from './groups.js';
import {questionnaireCard} from './inspect-questionnaires.js';

const METHODS = ['spot_check', 'site_visit', 'interview', 'questionnaire', 'records_review'];
const RESULTS = ['correct', 'partial', 'wrong', 'no_answer'];
const STATES = ['open', 'in_progress', 'submitted', 'returned', 'closed'];

export function mayInspect(me) { return me && ['inspector', 'hr', 'admin'].includes(me.role); }

function figures(sum, idPrefix) {
  const keys = ['organisations', 'branches', 'people', 'problems', 'rectified', 'overdue'];
  return h('dl', {class: 'figures', id: idPrefix},
    keys.map((k) => h('div', {class: 'figure', 'data-figure': k},
      h('dt', null, t(`insp.fig_${k}`)), h('dd', null, String(sum ? sum[k] : 0)))));
}

function stateBadge(f) {
  return h('span', {class: ['badge', `badge-${f.state}`, f.overdue ? 'badge-overdue' : ''], 'data-state': f.state},
    t(`insp.state_${f.state}`) + (f.overdue ? t('insp.overdue_mark') : ''));
}

// ---- workspace ------------------------------------------------------------

export async function workspace(app) {
  const [list, groups] = await Promise.all([get('/inspections'), app.groups()]);
  const box = statusBox('insp-status');
  const rows = items(list).map((i) => h('li', {class: 'insp-item', id: `insp-${i.id}`},
    h('h2', {class: 'h-sub'}, h('a', {href: `/app/inspections/${encodeURIComponent(i.id)}`}, i.title)),
    h('p', {class: 'muted'}, `${i.starts_on} – ${i.ends_on} · ${t(`insp.status_${i.status}`)}`),
    figures(i.summary, `insp-fig-${i.id}`)));
  const page = h('div', null, pageHead(t('insp.title')),
    card(null, rows.length ? h('ul', {class: 'insp-list'}, rows) : h('p', null, t('common.empty'))));
  if (mayInspect(app.me)) page.append(createForm(app, groups, box));
  page.append(box);
  return page;
}

function createForm(app, groups, box) {
  const title = h('input', {id: 'insp-title', name: 'title', required: true});
  const from = h('input', {id: 'insp-from', name: 'starts_on', type: 'date', value: isoDate()});
  const to = h('input', {id: 'insp-to', name: 'ends_on', type: 'date', value: isoDate(addDays(new Date(), 14))});
  const targets = h('fieldset', {class: 'checks', id: 'insp-targets', 'data-field': 'target_group_ids'},
    h('legend', null, t('insp.targets')),
    groups.filter((g) => g.type === 'committee' || g.type === 'branch').map((g) => h('label', {class: 'check'},
      h('input', {type: 'checkbox', value: g.id, name: 'target'}), g.name)),
    h('span', {class: 'field-error'}));
  const methods = h('fieldset', {class: 'checks', id: 'insp-methods'}, h('legend', null, t('insp.methods')),
    METHODS.map((m) => h('label', {class: 'check'}, h('input', {type: 'checkbox', value: m, name: 'method', checked: true}), t(`insp.method_${m}`))));
  const form = h('form', {class: 'stack', id: 'insp-create', novalidate: true},
    field(t('insp.name'), title, {name: 'title'}), field(t('insp.starts_on'), from, {name: 'starts_on'}),
    field(t('insp.ends_on'), to, {name: 'ends_on'}), targets, methods,
    h('button', {type: 'submit', class: 'btn-primary'}, t('insp.create')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {title: title.value.trim(), starts_on: from.value, ends_on: to.value, inspector_ids: [],
      target_group_ids: [...targets.querySelectorAll('input:checked')].map((i) => i.value),
      methods: [...methods.querySelectorAll('input:checked')].map((i) => i.value)};
    try {
      const ins = await post('/inspections', body);
      app.navigate(`/app/inspections/${encodeURIComponent(ins.id)}`);
    } catch (err) { reportError(box, err, form); }
  });
  return card(t('insp.new'), form);
}

// ---- one inspection: draw and record, interviews, findings ----------------

export async function inspection(app, id) {
  const [d, groups, qList, mList, cats] = await Promise.all([
    get(`/inspections/${encodeURIComponent(id)}`), app.groups(),
    mayInspect(app.me) ? get('/questions?retired=1') : Promise.resolve({items: []}),
    get('/members'), get('/finding-categories')]);
  const gm = groupMap(groups);
  const questions = new Map(items(qList).map((q) => [String(q.id), q]));
  const members = new Map(items(mList).map((m) => [String(m.id), m]));
  const inTargets = new Set(d.target_group_ids.flatMap((g) => subtreeIds(groups, g)).map(String));
  const targetGroups = groups.filter((g) => inTargets.has(String(g.id)));
  const targetMembers = items(mList).filter((m) => inTargets.has(String(m.group_id)) && !['admin', 'inspector'].includes(m.role));
  const box = statusBox('insp-page-status');
  const draws = h('div', {id: 'draws'}, d.draws.slice().reverse().map((dr) => drawCard(id, dr, questions, members, gm, box)));
  const page = h('div', {class: 'inspection'},
    pageHead(d.title, h('p', {class: 'muted'}, `${d.starts_on} – ${d.ends_on} · ${t(`insp.status_${d.status}`)}`)),
    figures(d.summary, 'insp-figures'),
    h('p', {id: 'insp-awareness'}, `${t('insp.awareness')}${t('fmt.colon')}${pctText(d.awareness.rate)}（${d.awareness.asked}）`),
    h('p', {class: 'actions'},
      h('a', {class: 'btn-secondary', href: `/api/v1/inspections/${encodeURIComponent(id)}/report.pdf`, id: 'insp-report'}, t('insp.report')),
      h('a', {class: 'btn-secondary', href: `/api/v1/inspections/${encodeURIComponent(id)}/ledger.xlsx`, id: 'insp-ledger'}, t('insp.ledger')),
      h('a', {class: 'btn-link', href: `/app/ledger?inspection_id=${encodeURIComponent(id)}`}, t('insp.ledger_view'))));
  if (mayInspect(app.me)) {
    page.append(drawForm(id, targetGroups, questions, members, gm, draws, box), draws,
      interviewForm(id, targetMembers, gm, box), findingForm(id, targetGroups, targetMembers, items(cats), box),
      await questionnaireCard(app, id, targetGroups));
  }
  page.append(box);
  return page;
}

function drawForm(id, groups, questions, members, gm, draws, box) {
  const grp = select('draw-group', groups.map((g) => [g.id, g.name]), '');
  const n = h('input', {id: 'draw-members', type: 'number', min: '1', value: '3', inputmode: 'numeric'});
  const m = h('input', {id: 'draw-questions', type: 'number', min: '1', value: '1', inputmode: 'numeric'});
  const seed = h('input', {id: 'draw-seed', type: 'number', min: '0', inputmode: 'numeric'});
  const form = h('form', {class: 'stack draw-form', id: 'draw-form', novalidate: true},
    field(t('insp.draw_group'), grp, {name: 'group_id'}), field(t('insp.draw_members'), n, {name: 'members'}),
    field(t('insp.draw_questions'), m, {name: 'questions'}), field(t('insp.draw_seed'), seed, {name: 'seed', hint: t('insp.draw_seed_hint')}),
    h('button', {type: 'submit', class: 'btn-primary btn-big', id: 'draw-button'}, t('insp.draw')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {group_id: grp.value, members: Number(n.value), questions: Number(m.value)};
    if (seed.value !== '') body.seed = Number(seed.value);
    try {
      const dr = await post(`/inspections/${encodeURIComponent(id)}/draws`, body);
      draws.prepend(drawCard(id, dr, questions, members, gm, box));
      setStatus(box, t('insp.drawn', {seed: dr.seed}), 'ok');
    } catch (err) { reportError(box, err, form); }
  });
  return card(t('insp.draw_title'), form);
}

// drawCard: one card per pair, four big buttons that record at once.
function drawCard(id, dr, questions, members, gm, box) {
  const g = gm.get(String(dr.group_id));
  return h('section', {class: 'card draw', id: `draw-${dr.id}`, 'data-seed': String(dr.seed)},
    h('h2', null, `${t('insp.draw_of', {group: g ? g.name : dr.group_id})} · ${t('insp.seed')} ${dr.seed}`),
    h('ol', {class: 'pairs'}, dr.pairs.map((p, i) => {
      const q = questions.get(String(p.question_id));
      const mem = members.get(String(p.member_id));
      const li = h('li', {class: 'pair', id: `pair-${dr.id}-${i}`, 'data-result': p.result || ''},
        h('p', {class: 'pair-who'}, mem ? mem.name : p.member_id),
        h('p', {class: 'pair-q'}, q ? q.question : `#${p.question_id}`),
        q && q.answer ? h('details', null, h('summary', null, t('insp.reference')), h('p', null, q.answer)) : null);
      const buttons = h('div', {class: 'result-buttons', role: 'group', 'aria-label': t('insp.record')},
        RESULTS.map((r) => h('button', {type: 'button', class: 'btn-secondary btn-big', 'data-result': r,
          'aria-pressed': String(p.result === r),
          onclick: async () => {
            try {
              await put(`/inspections/${encodeURIComponent(id)}/draws/${encodeURIComponent(dr.id)}/answers`,
                {answers: [{member_id: p.member_id, question_id: p.question_id, result: r}]});
              li.dataset.result = r;
              for (const b of buttons.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.result === r));
            } catch (err) { reportError(box, err); }
          }}, t(`insp.result_${r}`))));
      li.append(buttons);
      return li;
    })));
}

function memberChecks(id, members, gm) {
  return h('fieldset', {class: 'checks member-checks', id, 'data-field': 'member_ids'}, h('legend', null, t('insp.people')),
    members.map((m) => h('label', {class: 'check'}, h('input', {type: 'checkbox', value: m.id}),
      `${m.name}（${(gm.get(String(m.group_id)) || {}).name || ''}）`)),
    h('span', {class: 'field-error'}));
}

function interviewForm(id, members, gm, box) {
  const who = memberChecks('interview-members', members, gm);
  const notes = h('textarea', {id: 'interview-notes', rows: '3'});
  const form = h('form', {class: 'stack', id: 'interview-form', novalidate: true}, who,
    field(t('insp.notes'), notes, {name: 'notes'}),
    h('button', {type: 'submit', class: 'btn-primary'}, t('insp.save_interview')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post(`/inspections/${encodeURIComponent(id)}/interviews`, {
        member_ids: [...who.querySelectorAll('input:checked')].map((i) => i.value), notes: notes.value});
      form.reset();
      setStatus(box, t('insp.saved'), 'ok');
    } catch (err) { reportError(box, err, form); }
  });
  return card(t('insp.interview_title'), h('details', null, h('summary', null, t('insp.interview_open')), form));
}

function findingForm(id, groups, members, cats, box) {
  const grp = select('finding-group', groups.map((g) => [g.id, g.name]), '', {name: 'group_id'});
  const cat = select('finding-category', cats.map((c) => [c, c]), cats[0], {name: 'category'});
  const sev = select('finding-severity', ['minor', 'serious', 'grave'].map((s) => [s, t(`insp.sev_${s}`)]), 'minor', {name: 'severity'});
  const desc = h('textarea', {id: 'finding-description', name: 'description', rows: '2'});
  const resp = select('finding-responsible', members.map((m) => [m.id, m.name]), '', {name: 'responsible_id'});
  const measures = h('textarea', {id: 'finding-measures', name: 'measures', rows: '2'});
  const deadline = h('input', {id: 'finding-deadline', name: 'deadline', type: 'date', value: isoDate(addDays(new Date(), 30))});
  const form = h('form', {class: 'stack', id: 'finding-form', novalidate: true},
    field(t('insp.group'), grp, {name: 'group_id'}), field(t('insp.category'), cat, {name: 'category'}),
    field(t('insp.severity'), sev, {name: 'severity'}), field(t('insp.problem'), desc, {name: 'description'}),
    field(t('insp.responsible'), resp, {name: 'responsible_id'}), field(t('insp.measures'), measures, {name: 'measures'}),
    field(t('insp.deadline'), deadline, {name: 'deadline'}),
    h('button', {type: 'submit', class: 'btn-primary'}, t('insp.save_finding')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post(`/inspections/${encodeURIComponent(id)}/findings`, {group_id: grp.value, category: cat.value, severity: sev.value,
        description: desc.value, responsible_id: resp.value, measures: measures.value, deadline: deadline.value});
      form.reset();
      setStatus(box, t('insp.saved'), 'ok');
    } catch (err) { reportError(box, err, form); }
  });
  return card(t('insp.finding_title'), h('details', null, h('summary', null, t('insp.finding_open')), form));
}

// ---- my rectifications ----------------------------------------------------

export async function rectifications(app) {
  const [list, groups] = await Promise.all([get('/findings?mine=1'), app.groups()]);
  const gm = groupMap(groups);
  const fs = items(list);
  return h('div', null, pageHead(t('insp.my_title')),
    fs.length ? h('div', {id: 'my-findings'}, fs.map((f) => rectCard(app, f, gm))) : card(null, h('p', null, t('insp.my_none'))));
}

// The evidence rule the server applies (store.MaxEvidenceBytes, a JPEG,
// PNG or PDF by content), worded for the upload.
const MAX_EVIDENCE_BYTES = 10 << 20;
const EVIDENCE_WORDS = {too_large: 'insp.evidence_too_large', unsupported_media_type: 'insp.evidence_type'};

function rectCard(app, f, gm) {
  const el = h('section', {class: ['card', 'finding', f.overdue ? 'is-overdue' : ''], id: `finding-${f.id}`, 'data-state': f.state});
  // each finding says how its upload or submission went under its buttons
  const box = statusBox(`rect-status-${f.id}`);
  const render = (f) => {
    el.dataset.state = f.state;
    const note = h('textarea', {id: `rect-note-${f.id}`, rows: '3'});
    const file = h('input', {id: `rect-file-${f.id}`, type: 'file', accept: 'image/jpeg,image/png,application/pdf'});
    const canWork = ['open', 'in_progress', 'returned'].includes(f.state);
    const last = (f.history || [])[f.history.length - 1];
    clear(el,
      h('h2', null, f.description),
      h('p', null, stateBadge(f), ' ', `${t('insp.deadline')}${t('fmt.colon')}${f.deadline}`, ' · ',
        (gm.get(String(f.group_id)) || {}).name || '', ' · ', f.category),
      f.measures ? h('p', null, `${t('insp.measures')}${t('fmt.colon')}${f.measures}`) : null,
      f.state === 'returned' && last ? h('p', {class: 'status status-error'}, `${t('insp.returned_note')}${t('fmt.colon')}${last.note}`) : null,
      h('ul', {class: 'evidence', id: `evidence-${f.id}`}, (f.evidence || []).map((e) => h('li', null,
        h('a', {href: `/api/v1/findings/${encodeURIComponent(f.id)}/evidence/${encodeURIComponent(e.id)}`}, e.name)))),
      canWork && f.state !== 'in_progress' ? h('button', {type: 'button', class: 'btn-secondary', 'data-action': 'start',
        onclick: async () => {
          try { render(await post(`/findings/${encodeURIComponent(f.id)}/progress`, {state: 'in_progress', note: ''})); } catch (err) { reportError(box, err); }
        }}, t('insp.start')) : null,
      canWork ? h('div', {class: 'stack'},
        field(t('insp.evidence_file'), file, {hint: t('insp.evidence_hint')}),
        h('button', {type: 'button', class: 'btn-secondary', 'data-action': 'upload', onclick: async () => {
          if (!file.files.length) { setStatus(box, t('insp.evidence_none'), 'error'); file.focus(); return; }
          const chosen = file.files[0];
          // the server refuses it anyway (413); saying so first spares a
          // phone the upload, which the server would cut off half-way
          if (chosen.size > MAX_EVIDENCE_BYTES) { setStatus(box, t(EVIDENCE_WORDS.too_large), 'error'); return; }
          const fd = new FormData();
          fd.append('file', chosen);
          setStatus(box, t('common.working'));
          try {
            const data = await post(`/findings/${encodeURIComponent(f.id)}/evidence`, fd);
            f.evidence = [...(f.evidence || []), data];
            render(f);
            setStatus(box, t('insp.uploaded'), 'ok');
          } catch (err) { reportError(box, err, null, EVIDENCE_WORDS); }
        }}, t('insp.upload')),
        field(t('insp.rect_note'), note),
        h('button', {type: 'button', class: 'btn-primary', 'data-action': 'submit', onclick: async () => {
          try {
            render(await post(`/findings/${encodeURIComponent(f.id)}/progress`, {state: 'submitted', note: note.value}));
            setStatus(box, t('insp.submitted'), 'ok');
          } catch (err) { reportError(box, err); }
        }}, t('insp.submit'))) : null,
      box);
  };
  render(f);
  return el;
}

// ---- ledger ---------------------------------------------------------------

export async function ledger(app) {
  const params = new URLSearchParams(location.search);
  const [ins, groups] = await Promise.all([get('/inspections'), app.groups()]);
  const gm = groupMap(groups);
  const insSel = select('ledger-inspection', [['', t('insp.all')], ...items(ins).map((i) => [i.id, i.title])], params.get('inspection_id') || '');
  const grpSel = select('ledger-group', [['', t('common.all_groups')], ...groups.map((g) => [g.id, g.name])], params.get('group_id') || '');
  const stSel = select('ledger-state', [['', t('insp.all')], ...[...STATES, 'overdue'].map((s) => [s, t(`insp.state_${s}`)])], params.get('state') || '');
  const box = statusBox('ledger-status');
  const wrap = h('div', {id: 'ledger-table'});
  const load = async () => {
    try {
      const fs = items(await get('/findings' + qs({inspection_id: insSel.value, group_id: grpSel.value, state: stSel.value})));
      const heads = [t('insp.idx'), t('insp.unit'), t('insp.problem'), t('insp.category'), t('insp.measures'), t('insp.deadline'), t('insp.state'), t('insp.closed_on'), ''];
      const rows = fs.map((f, i) => h('tr', {id: `ledger-${f.id}`, class: f.overdue ? 'row-overdue' : '', 'data-overdue': String(f.overdue)},
        h('td', null, String(i + 1)), h('td', null, (gm.get(String(f.group_id)) || {}).name || ''), h('td', null, f.description),
        h('td', null, f.category), h('td', null, f.measures), h('td', null, f.deadline), h('td', null, stateBadge(f)),
        h('td', null, f.closed_on || ''), h('td', null, mayInspect(app.me) && f.state === 'submitted' ? verifyButtons(f, load, box) : '')));
      clear(wrap, table(heads, rows.length ? rows : [emptyRow(heads.length)], {stack: true, 'aria-label': t('insp.ledger_title')}));
    } catch (err) { reportError(box, err); }
  };
  for (const s of [insSel, grpSel, stSel]) s.addEventListener('change', load);
  await load();
  return h('div', null, pageHead(t('insp.ledger_title')),
    card(null, h('div', {class: 'filters'}, field(t('insp.inspection'), insSel), field(t('insp.group'), grpSel), field(t('insp.state'), stSel))),
    wrap, box);
}

function verifyButtons(f, reload, box) {
  const act = (verb) => async () => {
    const note = await askNote({title: t(`insp.${verb}_title`), body: f.description, label: t(`insp.${verb}_prompt`),
      confirm: t(`insp.${verb}`)});
    if (note === null) return;
    try { await post(`/findings/${encodeURIComponent(f.id)}/${verb}`, {note}); await reload(); } catch (err) { reportError(box, err); }
  };
  return h('span', {class: 'actions'},
    h('button', {type: 'button', class: 'btn-secondary', 'data-action': 'close', onclick: act('close')}, t('insp.close')),
    h('button', {type: 'button', class: 'btn-plain', 'data-action': 'return', onclick: act('return')}, t('insp.return')));
}

export function navFor(me) {
  const list = [['/app/rectifications', 'nav.rectifications']];
  if (mayInspect(me)) list.unshift(['/app/inspections', 'nav.inspections']);
  if (me.role === 'lead' || readsAll(me)) list.push(['/app/ledger', 'nav.ledger']);
  return list;
}
