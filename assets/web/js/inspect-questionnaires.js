// 调研问卷 on the inspection screen: an inspector (hr, admin) creates a
// questionnaire for this inspection — title, anonymous or named, an audience
// of groups, choice and free-text questions — closes it, and reads its results per
// question (counts, percentages of respondents, the free-text answers as the
// server gives them: never attributed) with the XLSX download. Members answer
// in questionnaire.js.
import {confirmAction} from './confirm.js';
import {h, clear, field, statusBox, setStatus, select} from './dom.js';
import {get, post, items} from './api.js';
import {t, pctText} from './i18n.js';
import {reportError} from './errors.js';
import {card, table} from './layout.js';

const enc = encodeURIComponent;
const KINDS = ['single', 'multi', 'text'];

// questionnaireCard: the card for inspection id; groups are the audience
// choices (the inspection's target groups first).
export async function questionnaireCard(app, id, groups) {
  const box = statusBox('qa-status');
  const list = h('ul', {class: 'qn-list', id: 'qa-list'});
  const results = h('div', {id: 'qa-results'});
  const load = async () => {
    const qs = items(await get('/questionnaires')).filter((q) => q.inspection_id === id);
    clear(list, qs.length ? qs.map((q) => row(q, results, box, load)) : h('li', {class: 'muted'}, t('qa.none')));
  };
  await load();
  const form = createForm(id, groups, box, load);
  return card(t('qa.title'), list, results,
    h('details', {id: 'qa-new'}, h('summary', null, t('qa.new')), form), box);
}

function row(q, results, box, reload) {
  const show = h('button', {type: 'button', class: 'btn-secondary', 'data-action': 'results',
    onclick: async () => {
      try { clear(results, resultsView(await get(`/questionnaires/${enc(q.id)}/results`))); } catch (err) { reportError(box, err); }
    }}, t('qa.results'));
  return h('li', {class: 'qn-item', id: `qa-${q.id}`},
    h('div', null, h('h3', null, q.title),
      h('p', {class: 'muted'}, `${q.anonymous ? t('qn.anonymous') : t('qn.named')} · ${t('qn.questions_n', {n: (q.questions || []).length})}`,
        ` · ${q.open ? t('qa.open') : t('qn.state_closed')}`)),
    h('span', {class: 'actions'}, show,
      q.open && !q.closed ? h('button', {type: 'button', class: 'btn-plain', 'data-action': 'close', onclick: async () => {
        if (!await confirmAction({title: t('qa.close_title', {title: q.title}), body: t('qa.close_confirm'), confirm: t('qa.close')})) return;
        try { await post(`/questionnaires/${enc(q.id)}/close`, {}); await reload(); setStatus(box, t('qa.closed'), 'ok'); } catch (err) { reportError(box, err); }
      }}, t('qa.close')) : null,
      h('a', {class: 'btn-link', href: `/api/v1/questionnaires/${enc(q.id)}/results.xlsx`, 'data-action': 'xlsx'}, t('qa.xlsx'))));
}

// resultsView: one table per choice question, a list per text question.
export function resultsView(r) {
  const q = r.questionnaire;
  return h('section', {class: 'qa-result', id: `qa-result-${q.id}`, 'data-respondents': String(r.respondents)},
    h('h3', null, q.title),
    h('p', {id: 'qa-respondents'}, t('qa.respondents', {n: r.respondents, audience: r.audience}),
      ' · ', q.anonymous ? t('qa.anonymous_note') : t('qa.named_note')),
    (r.questions || []).map((x, i) => h('div', {class: 'qa-question', 'data-question': x.id},
      h('h4', null, `${i + 1}. ${x.text}`, h('span', {class: 'muted'}, ` ${t('qa.answered', {n: x.answered})}`)),
      x.kind === 'text'
        ? ((x.texts || []).length ? h('ul', {class: 'qa-texts'}, x.texts.map((s) => h('li', null, s))) : h('p', {class: 'muted'}, t('qa.no_texts')))
        : table([t('qa.option'), t('qa.count'), t('qa.percent')],
          (x.counts || []).map((c) => h('tr', {'data-option': c.option},
            h('td', null, c.option), h('td', null, String(c.count)), h('td', null, pctText(c.percent)))),
          {'aria-label': x.text}))),
    h('p', null, h('a', {class: 'btn-secondary', href: `/api/v1/questionnaires/${enc(q.id)}/results.xlsx`, id: 'qa-xlsx'}, t('qa.xlsx'))));
}

// questionRow: kind, text and (for choices) one option a line.
function questionRow(i, onRemove) {
  const kind = select(`qa-kind-${i}`, KINDS.map((k) => [k, t(`qa.kind_${k}`)]), 'single');
  const text = h('input', {id: `qa-text-${i}`, maxlength: '1000'});
  const opts = h('textarea', {id: `qa-options-${i}`, rows: '3'});
  const optField = field(t('qa.options'), opts, {name: `questions[${i}].options`, hint: t('qa.options_hint')});
  kind.addEventListener('change', () => { optField.hidden = kind.value === 'text'; });
  const el = h('fieldset', {class: 'qa-q stack'}, h('legend', null, t('qa.question_n', {n: i + 1})),
    field(t('qa.kind'), kind, {name: `questions[${i}].kind`}), field(t('qa.text'), text, {name: `questions[${i}].text`}), optField,
    h('button', {type: 'button', class: 'btn-plain', onclick: onRemove}, t('qa.remove')));
  el.read = () => ({kind: kind.value, text: text.value.trim(),
    options: kind.value === 'text' ? undefined : opts.value.split('\n').map((s) => s.trim()).filter(Boolean)});
  return el;
}

function createForm(id, groups, box, reload) {
  const title = h('input', {id: 'qa-title', name: 'title'});
  const anon = h('input', {id: 'qa-anonymous', type: 'checkbox', checked: true});
  const audience = h('fieldset', {class: 'checks', id: 'qa-audience', 'data-field': 'audience_group_ids'},
    h('legend', null, t('qa.audience')),
    groups.map((g) => h('label', {class: 'check'}, h('input', {type: 'checkbox', value: g.id}), g.name)),
    h('span', {class: 'field-error'}));
  const closes = h('input', {id: 'qa-closes', type: 'date'});
  const qbox = h('div', {id: 'qa-questions'});
  let n = 0;
  const add = () => {
    const r = questionRow(n++, () => { r.remove(); });
    qbox.append(r);
  };
  add();
  const form = h('form', {class: 'stack', id: 'qa-form', novalidate: true},
    field(t('qa.name'), title, {name: 'title'}),
    h('label', {class: 'check'}, anon, t('qa.anonymous')),
    audience, field(t('qa.closes_on'), closes, {name: 'closes_on'}), qbox,
    h('button', {type: 'button', class: 'btn-secondary', id: 'qa-add', onclick: add}, t('qa.add')),
    h('button', {type: 'submit', class: 'btn-primary', id: 'qa-create'}, t('qa.create')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const rows = [...qbox.children];
    // the server names problems by the index sent: renumber before sending
    rows.forEach((r, i) => {
      for (const f of r.querySelectorAll('[data-field]')) f.dataset.field = f.dataset.field.replace(/^questions\[\d+\]/, `questions[${i}]`);
    });
    const body = {inspection_id: id, title: title.value.trim(), anonymous: anon.checked,
      audience_group_ids: [...audience.querySelectorAll('input:checked')].map((i) => i.value),
      questions: rows.map((r) => r.read())};
    if (closes.value) body.closes_on = closes.value;
    try {
      await post('/questionnaires', body);
      form.reset();
      clear(qbox);
      add();
      await reload();
      setStatus(box, t('qa.created'), 'ok');
    } catch (err) { reportError(box, err, form); }
  });
  return form;
}
