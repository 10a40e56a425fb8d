// Evaluation of learning reports (述学) by leads.
import {clear, clearErrors, field, h, select, setStatus, showErrors, statusBox} from './dom.js';
import {get, items, put, qs} from './api.js';
import {colon, fmtPeriod, pctText, t} from './i18n.js';
import {currentPeriod, periodSelect} from './periods.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';
import {defaultGroup, groupPicker} from './groups.js';

const enc = encodeURIComponent;

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
    // Nobody grades their own report: a lead's own goes to a lead above.
    const own = String(r.member_id) === String(app.me.id);
    const sim = r.similar_to || [];
    return h('article', {class: 'card eval-card', id: `eval-${r.id}`},
      h('header', {class: 'eval-head'},
        h('h2', null, r.name || r.member_id),
        h('span', {class: 'muted'}, fmtPeriod(r.period)),
        sim.length ? h('span', {class: 'badge badge-warn similar-badge', title: t('eval.similar_tip')}, t('eval.similar')) : null),
      sim.length ? h('ul', {class: 'similar-list'}, sim.map((x) =>
        h('li', null, t('eval.similar_to', {name: x.name || x.member_id, pct: pctText(x.similarity)})))) : null,
      h('p', {class: 'prewrap report-text'}, r.text || ''),
      own ? h('p', {class: 'muted own-report', id: `eval-own-${r.id}`},
        r.grade ? [t('lr.grade'), colon(), t(`lr.grade_${r.grade}`)] : t('eval.own_report')) : form);
  }
  load();
  return h('div', {class: 'page'}, pageHead(t('eval.title')),
    card('', h('div', {class: 'toolbar'}, field(t('common.period'), per), field(t('common.group'), grp))), wrap);
}
