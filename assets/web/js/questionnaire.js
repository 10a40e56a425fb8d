// Questionnaires (调研问卷) a member answers: the list of those whose
// audience holds them, and the answer form. An anonymous questionnaire's
// answers are stored with no link to the member (the server keeps only
// that they answered); this screen keeps nothing either.
import {h, clear, statusBox, setStatus} from './dom.js';
import {get, post, items} from './api.js';
import {t, fmtDate} from './i18n.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';
import {ancestorsOf} from './groups.js';

const enc = encodeURIComponent;

// inAudience: the questionnaire's audience groups (subtrees) hold me.
function inAudience(q, me, groups) {
  const chain = new Set(ancestorsOf(groups, me.group_id).map((g) => String(g.id)));
  return (q.audience_group_ids || []).some((id) => chain.has(String(id)));
}

function stateOf(q, mine) {
  if (q.answered) return 'answered';
  if (!q.open) return 'closed';
  return mine ? 'open' : 'not_audience';
}

function badges(q, state) {
  return h('span', {class: 'qn-badges'},
    h('span', {class: `badge ${state === 'open' ? 'badge-warn' : state === 'answered' ? 'badge-ok' : 'badge-muted'}`,
      'data-state': state}, t(`qn.state_${state}`)),
    ' ',
    h('span', {class: 'badge badge-muted'}, q.anonymous ? t('qn.anonymous') : t('qn.named')));
}

// list: /app/questionnaires.
export async function list(app) {
  const [qs, groups] = await Promise.all([get('/questionnaires').then(items), app.groups()]);
  const mineList = qs.filter((q) => inAudience(q, app.me, groups) || q.answered);
  const rows = mineList.map((q) => {
    const state = stateOf(q, true);
    return h('li', {class: 'qn-item', id: `qn-${q.id}`, 'data-state': state},
      h('div', null,
        h('h2', {class: 'h-sub'}, state === 'open' ? h('a', {href: `/app/questionnaires/${enc(q.id)}`}, q.title) : q.title),
        h('p', {class: 'muted'}, t('qn.questions_n', {n: (q.questions || []).length}),
          q.closes_on ? ` · ${t('qn.closes_on', {date: fmtDate(q.closes_on)})}` : '')),
      badges(q, state));
  });
  return h('div', {class: 'page'}, pageHead(t('qn.title')),
    card('', h('p', {class: 'muted'}, t('qn.intro')),
      rows.length ? h('ul', {class: 'qn-list'}, rows) : h('p', {class: 'muted'}, t('qn.none'))));
}

// question: one question as a fieldset: radios, checkboxes or a text box.
function question(q, i) {
  const name = `qn-q-${q.id}`;
  const legend = h('legend', null, `${i + 1}. ${q.text}`,
    q.kind === 'multi' ? h('span', {class: 'muted'}, ` ${t('qn.multi_hint')}`) : null);
  let body;
  if (q.kind === 'text') {
    const ta = h('textarea', {id: name, name, rows: '3', maxlength: '4000', 'aria-labelledby': `${name}-legend`});
    body = ta;
  } else {
    body = h('div', {class: 'checks'}, (q.options || []).map((o, j) => {
      const id = `${name}-${j}`;
      return h('div', {class: 'check'},
        h('input', {type: q.kind === 'multi' ? 'checkbox' : 'radio', id, name, value: String(j)}),
        h('label', {for: id}, o));
    }));
  }
  legend.id = `${name}-legend`;
  const fs = h('fieldset', {class: 'qn-question', 'data-field': `answers[${i}]`, id: `${name}-set`},
    legend, body, h('span', {class: 'field-error', id: `${name}-error`}));
  fs.read = () => {
    if (q.kind === 'text') {
      const v = body.value.trim();
      return v ? {question_id: q.id, text: v} : null;
    }
    const picked = [...body.querySelectorAll('input:checked')].map((c) => Number(c.value));
    if (!picked.length) return null;
    return q.kind === 'multi' ? {question_id: q.id, choices: picked} : {question_id: q.id, choice: picked[0]};
  };
  return fs;
}

// answer: /app/questionnaires/{id} — the form; one answer per member.
export async function answer(app, id) {
  const [q, groups] = await Promise.all([get(`/questionnaires/${enc(id)}`), app.groups()]);
  const state = stateOf(q, inAudience(q, app.me, groups));
  const head = pageHead(q.title, h('p', null, badges(q, state)),
    h('p', null, h('a', {href: '/app/questionnaires'}, t('qn.back'))));
  const note = h('p', {class: q.anonymous ? 'qn-note qn-anon' : 'qn-note', id: 'qn-privacy'},
    q.anonymous ? t('qn.anonymous_note') : t('qn.named_note'));
  if (state !== 'open') {
    return h('div', {class: 'page page-narrow'}, head, card('', note, h('p', {id: 'qn-closed'}, t(`qn.cannot_${state}`))));
  }
  const sets = (q.questions || []).map(question);
  const box = statusBox('qn-status');
  const submit = h('button', {type: 'submit', class: 'btn-primary', id: 'qn-submit'}, t('qn.submit'));
  const form = h('form', {id: 'qn-form', novalidate: true}, note, sets,
    q.closes_on ? h('p', {class: 'muted'}, t('qn.closes_on', {date: fmtDate(q.closes_on)})) : null,
    h('div', {class: 'actions'}, submit), box);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    // choice questions need an answer; a text question may stay blank
    const answers = sets.map((s) => s.read());
    const empty = answers.findIndex((a, i) => !a && q.questions[i].kind !== 'text');
    for (const s of sets) s.querySelector('.field-error').textContent = '';
    if (empty >= 0) {
      sets[empty].querySelector('.field-error').textContent = t('qn.unanswered');
      setStatus(box, t('qn.unanswered_n', {n: empty + 1}), 'error');
      const first = sets[empty].querySelector('input, textarea');
      if (first) first.focus();
      return;
    }
    submit.disabled = true;
    setStatus(box, t('common.working'));
    try {
      // the server names problems by the index in what was sent
      const sent = [];
      sets.forEach((s, i) => {
        s.dataset.field = answers[i] ? `answers[${sent.length}]` : `blank-${i}`;
        if (answers[i]) sent.push(answers[i]);
      });
      await post(`/questionnaires/${enc(id)}/answers`, {answers: sent});
      const done = h('p', {class: 'status status-ok', id: 'qn-done', role: 'status', tabindex: '-1'}, t('qn.thanks'));
      clear(form, note, done, h('p', null, h('a', {href: '/app/questionnaires'}, t('qn.back'))));
      done.focus(); // the button it replaces had the focus
    } catch (err) {
      submit.disabled = false;
      reportError(box, err, form);
    }
  });
  return h('div', {class: 'page page-narrow'}, head, card('', form));
}
