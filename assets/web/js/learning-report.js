// A member's own learning report (述学): write it, re-submit only after
// confirming (the replaced text stays in the report's history), see the
// grade and the earlier texts.
import {h, clear, field, statusBox, setStatus} from './dom.js';
import {get, post, qs, items} from './api.js';
import {t, fmtDate, fmtDateTime, fmtPeriod, colon} from './i18n.js';
import {currentPeriod, periodSelect, periodLock} from './periods.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';

function historyNode(r) {
  const hist = r.history || [];
  if (!hist.length) return null;
  return h('details', {class: 'lr-history', id: `lr-history-${r.id}`},
    h('summary', null, t('lr.history', {n: hist.length})),
    h('ol', {reversed: true}, [...hist].reverse().map((v) => h('li', null,
      h('div', {class: 'muted'}, t('lr.saved_at', {when: fmtDateTime(v.saved_at)})),
      h('p', {class: 'prewrap'}, v.text)))));
}

function reportNode(r) {
  return h('article', {class: 'lr-item', id: `lr-${r.id}`},
    h('div', {class: 'lr-meta muted'}, fmtPeriod(r.period),
      r.updated_at ? ` · ${t('lr.saved_at', {when: fmtDateTime(r.updated_at)})}` : (r.created_at ? ` · ${fmtDate(r.created_at)}` : '')),
    h('p', {class: 'prewrap'}, r.text || ''),
    h('p', {class: 'lr-eval'}, r.grade
      ? [t('lr.grade'), colon(), h('strong', null, t(`lr.grade_${r.grade}`)), r.comment ? `　${r.comment}` : '']
      : h('span', {class: 'muted'}, t('lr.not_evaluated'))),
    historyNode(r));
}

export async function learningReports(app) {
  const listWrap = h('div', {id: 'my-learning-reports'});
  const per = periodSelect('lr-period', currentPeriod(), () => load());
  const text = h('textarea', {id: 'lr-text', name: 'text', rows: '8', required: true});
  const box = statusBox('lr-status');
  const submit = h('button', {type: 'submit', class: 'btn-primary', id: 'lr-submit'}, t('lr.submit'));
  // Shown before a second submission of the same period: replacing the
  // text is a choice, never a surprise.
  const confirmBox = h('div', {class: 'confirm-box', id: 'lr-confirm-box', role: 'alert', hidden: true});
  const form = h('form', {id: 'lr-form', novalidate: true},
    field(t('common.period'), per, {name: 'period'}),
    field(t('lr.text'), text, {name: 'text', hint: t('lr.text_hint')}),
    h('div', {class: 'actions'}, submit),
    confirmBox, box);
  let current = null; // this period's report, when there is one

  async function send() {
    clear(confirmBox);
    confirmBox.hidden = true;
    try {
      await post('/learning-reports', {period: per.value, text: text.value});
      setStatus(box, current ? t('lr.replaced') : t('lr.sent'), 'ok');
      text.value = '';
      await load(true);
    } catch (err) { reportError(box, err, form); }
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!text.value.trim()) { setStatus(box, t('lr.text_missing'), 'error'); return; }
    if (!current) { send(); return; }
    setStatus(box, '');
    const yes = h('button', {type: 'button', class: 'btn-primary', id: 'lr-confirm', onclick: send}, t('lr.confirm_replace'));
    const no = h('button', {type: 'button', class: 'btn-plain', id: 'lr-confirm-cancel', onclick: () => {
      confirmBox.hidden = true;
      clear(confirmBox);
      text.focus();
    }}, t('common.cancel'));
    clear(confirmBox, h('p', null, t('lr.confirm_text', {period: fmtPeriod(current.period), when: fmtDateTime(current.updated_at || current.created_at)})),
      h('div', {class: 'actions'}, yes, no));
    confirmBox.hidden = false;
    yes.focus();
  });

  async function load(keepStatus) {
    if (!keepStatus) setStatus(box, '');
    confirmBox.hidden = true;
    clear(listWrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/learning-reports${qs({period: per.value})}`))
        .filter((r) => String(r.member_id) === String(app.me.id));
      current = list.find((r) => r.period === per.value) || null;
      const lock = await periodLock(per.value);
      const frozen = Boolean(current && current.grade) || Boolean(lock);
      text.disabled = frozen;
      submit.disabled = frozen;
      submit.textContent = current ? t('lr.resubmit') : t('lr.submit');
      if (lock) setStatus(box, t('lr.locked', {period: fmtPeriod(per.value)}));
      else if (frozen) setStatus(box, t('err.already_evaluated'));
      clear(listWrap, list.length ? list.map(reportNode) : h('p', {class: 'muted'}, t('lr.none')));
    } catch (err) { current = null; const b = statusBox(); reportError(b, err); clear(listWrap, b); }
  }
  await load();
  return h('div', {class: 'page'}, pageHead(t('lr.title')),
    h('div', {class: 'grid-2'}, card(t('lr.write'), form), card(t('lr.mine'), listWrap)));
}
