// Exams: create one, paste scores, preview the matching, save.
import {clear, clearErrors, field, h, option, select, setStatus, statusBox} from './dom.js';
import {get, items, post, put} from './api.js';
import {fmtDate, paren, t} from './i18n.js';
import {isoDate} from './dates.js';
import {errorText, reportError} from './errors.js';
import {card, emptyRow, pageHead, table} from './layout.js';
import {defaultGroup, groupMap, groupPicker, manageableGroups} from './groups.js';
import {membersOf} from './roster.js';

const enc = encodeURIComponent;

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
