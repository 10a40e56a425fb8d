// Exams: create one, paste scores, preview the matching, save, and see the
// scores saved so far (a branch lead: their own members', also of an
// organisation-wide exam).
import {clear, clearErrors, field, h, option, reasonText, select, setStatus, statusBox} from './dom.js';
import {get, items, post, put, qs} from './api.js';
import {colon, fmtDate, paren, t} from './i18n.js';
import {isoDate} from './dates.js';
import {errorText, reportError} from './errors.js';
import {card, emptyRow, pageHead, table} from './layout.js';
import {defaultGroup, groupMap, groupPicker, manageableGroups} from './groups.js';
import {isLeadish} from './roles.js';

const enc = encodeURIComponent;

// parseScores: "name or username<TAB or comma>score" lines → rows, each
// with its one problem ('' when it can be saved): not a number, above the
// exam's maximum (opts.max), nobody of that name among members, several of
// that name, or a member already listed on an earlier line. A first line
// that is neither a score nor a member is a header and left out. The
// preview counts and the save both read row.error, so they agree.
export function parseScores(text, members, opts = {}) {
  const byUser = new Map();
  const byName = new Map();
  for (const m of members) {
    if (m.username) byUser.set(String(m.username).toLowerCase(), m);
    const k = String(m.name || '').trim();
    if (!byName.has(k)) byName.set(k, []);
    byName.get(k).push(m);
  }
  const rows = [];
  const seen = new Map(); // member id → line
  text.split(/\r?\n/).forEach((raw, i) => {
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
    const numeric = scoreText !== '' && Number.isFinite(score);
    const u = byUser.get(who.toLowerCase());
    const ns = byName.get(who) || [];
    if (u) row.member = u;
    else if (ns.length === 1) row.member = ns[0];
    if (!numeric && !row.member && rows.length === 0) return; // a header line
    if (!numeric) row.error = t('scores.bad_score');
    else if (score < 0 || (opts.max && score > opts.max)) row.error = t('scores.out_of_range', {max: opts.max || '—'});
    else row.score = score;
    if (!row.member) row.error = row.error || t(ns.length > 1 ? 'scores.ambiguous' : 'scores.unknown');
    else if (seen.has(String(row.member.id))) row.error = row.error || t('scores.twice', {line: seen.get(String(row.member.id))});
    else seen.set(String(row.member.id), row.line);
    rows.push(row);
  });
  return rows;
}

// scoreCounts: how many rows can be saved and how many have a problem.
export function scoreCounts(rows) {
  const bad = rows.filter((r) => r.error).length;
  return {ok: rows.length - bad, bad};
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
  const scopeNote = h('p', {class: 'muted', id: 'scores-scope'});
  const sform = h('form', {id: 'scores-form', novalidate: true},
    field(t('scores.exam'), examSel, {name: 'exam'}), scopeNote,
    field(t('scores.paste'), paste, {name: 'scores', hint: t('scores.paste_hint')}),
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'btn-secondary', id: 'scores-preview-button', onclick: () => doPreview()}, t('scores.preview')),
      submit),
    sbox, preview);

  const saved = h('div', {id: 'scores-saved'});
  let examList = [];
  let members = null; // the people whose scores the caller enters for the chosen exam
  let parsed = [];
  const chosen = () => examList.find((e) => String(e.id) === examSel.value);
  const manageable = new Set(manageableGroups(app.me, groups).map((g) => String(g.id)));
  // orgWide: an exam held for a group above the lead's: the lead enters
  // (and sees) the scores of their own subtree only.
  const orgWide = (ex) => app.me.role !== 'admin' && !manageable.has(String(ex.group_id));

  async function loadExams(selectId) {
    // GET /exams answers a lead the exams of their subtree and of the
    // groups above theirs: every one of them takes the lead's scores
    try {
      examList = items(await get('/exams')).sort((a, b) => String(b.held_on).localeCompare(String(a.held_on)));
    } catch (err) {
      examList = [];
      reportError(sbox, err);
    }
    clear(examSel, examList.length ? examList.map((e) => option(e.id,
      `${e.title}${paren(`${fmtDate(e.held_on)} · ${(gm.get(String(e.group_id)) || {}).name || ''}${orgWide(e) ? ' · ' + t('scores.org_wide') : ''}`)}`,
      String(e.id) === String(selectId ?? examList[0].id)))
      : option('', t('scores.no_exams'), true));
    members = null;
    await loadSaved();
  }
  async function ensureMembers() {
    const ex = chosen();
    if (!ex) return [];
    if (!members) {
      // an organisation-wide exam: the lead's own subtree
      const gid = orgWide(ex) ? app.me.group_id : ex.group_id;
      members = items(await get(`/members${qs({group_id: gid})}`));
    }
    return members;
  }
  // loadSaved: the scores saved so far for the chosen exam (a lead sees
  // their subtree's), by name, and who has none yet.
  async function loadSaved() {
    const ex = chosen();
    if (!ex) { clear(saved); return; }
    scopeNote.textContent = orgWide(ex) ? t('scores.org_wide_hint') : '';
    clear(saved, h('p', {class: 'muted'}, t('common.loading')));
    let d;
    let people;
    try {
      [d, people] = await Promise.all([get(`/exams/${enc(ex.id)}`), ensureMembers()]);
    } catch (err) {
      const b = statusBox();
      reportError(b, err);
      clear(saved, b);
      return;
    }
    const scores = d.scores || [];
    const have = new Set(scores.map((x) => String(x.member_id)));
    const active = people.filter((m) => (!m.joined_on || m.joined_on <= ex.held_on) && (!m.left_on || m.left_on > ex.held_on));
    const missing = active.filter((m) => !have.has(String(m.id)));
    clear(saved,
      h('h3', null, t('scores.saved_title')),
      h('p', {class: 'muted', id: 'scores-saved-count'}, t('scores.saved_count', {n: scores.length, missing: missing.length})),
      table([t('common.name'), t('scores.score'), t('scores.updated')],
        scores.length ? scores.map((x) => h('tr', {id: `saved-score-${x.member_id}`},
          h('td', null, x.name || x.member_id), h('td', {class: 'num'}, String(x.score)),
          h('td', {class: 'muted'}, x.updated_at ? fmtDate(x.updated_at) : ''))) : emptyRow(3, t('scores.none_saved')),
        {'aria-label': t('scores.saved_title')}),
      missing.length ? h('p', {id: 'scores-missing'}, `${t('scores.missing')}${colon()}`, missing.map((m) => m.name).join('、')) : null);
  }
  function renderPreview(fieldErrors) {
    parsed.forEach((r, i) => { if (fieldErrors && fieldErrors[i]) r.error = fieldErrors[i]; });
    const rows = parsed.map((r, i) => h('tr', {class: r.error ? 'row-error' : '', id: `score-row-${i}`},
      h('td', null, String(r.line)),
      h('td', null, r.who),
      h('td', null, r.member ? `${r.member.name}${paren(r.member.username || r.member.id)}` : '—'),
      h('td', null, r.scoreText),
      h('td', {class: 'error-text'}, r.error)));
    const c = scoreCounts(parsed);
    clear(preview,
      h('p', {class: c.bad ? 'text-warn' : 'muted', id: 'scores-summary', 'data-ok': String(c.ok), 'data-bad': String(c.bad)},
        t('scores.summary', c)),
      table([t('scores.line'), t('scores.input'), t('scores.matched'), t('scores.score'), t('scores.problem')],
        rows.length ? rows : emptyRow(5)));
  }
  async function doPreview() {
    try {
      await ensureMembers();
    } catch (err) {
      reportError(sbox, err);
      return null;
    }
    const ex = chosen();
    parsed = parseScores(paste.value, members, {max: ex && ex.max_score});
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
      setStatus(cbox, t('exam.created'), 'ok');
      title.value = '';
      await loadExams(ex.id);
      paste.focus();
    } catch (err) { reportError(cbox, err, cform); }
  });
  sform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!examSel.value) { setStatus(sbox, t('scores.no_exams'), 'error'); return; }
    if (!await doPreview()) return;
    if (!parsed.length) { setStatus(sbox, t('scores.nothing'), 'error'); return; }
    if (parsed.some((r) => r.error)) { setStatus(sbox, t('scores.fix_first'), 'error'); return; }
    const scores = parsed.map((r) => ({member_id: r.member.id, score: r.score}));
    setStatus(sbox, t('common.working'));
    try {
      await put(`/exams/${enc(examSel.value)}/scores`, {scores});
      setStatus(sbox, t('scores.saved', {n: scores.length}), 'ok');
      paste.value = '';
      parsed = [];
      clear(preview);
      await loadSaved();
    } catch (err) {
      // the server names entries "scores[i]" (i = the row sent, the same
      // as the preview's row) or a member id
      const perRow = {};
      const rest = [];
      for (const [k, v] of Object.entries(err.fields || {})) {
        let idx = scores.findIndex((x) => String(x.member_id) === k);
        if (idx < 0) { const m = /^scores\[(\d+)\]/.exec(k); idx = m ? Number(m[1]) : -1; }
        if (idx >= 0 && idx < parsed.length) perRow[idx] = reasonText(v); else rest.push(`${k}: ${reasonText(v)}`);
      }
      renderPreview(perRow);
      setStatus(sbox, [errorText(err), ...rest].join(' '), 'error');
    }
  });
  examSel.addEventListener('change', () => { members = null; parsed = []; clear(preview); loadSaved(); });
  await loadExams();
  if (!isLeadish(app.me)) {
    // hr and inspectors read the saved scores; entering them is a lead's
    return h('div', {class: 'page'}, pageHead(t('exam.page_title')),
      card(t('scores.saved_title'), field(t('scores.exam'), examSel, {name: 'exam'}), sbox, saved));
  }
  return h('div', {class: 'page'}, pageHead(t('exam.page_title')),
    h('div', {class: 'grid-2'}, card(t('exam.new'), cform), card(t('scores.title'), sform, saved)));
}
