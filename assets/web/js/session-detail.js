// One session for its lead: facts, attendance board, records, minutes.
import {confirmAction} from './confirm.js';
import {clearErrors, field, h, select, setStatus, statusBox} from './dom.js';
import {get, items, post, qs} from './api.js';
import {fmtDateTime, fmtTime, t} from './i18n.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';
import {groupMap} from './groups.js';
import {sessionCancelled} from './session-state.js';
import {attendanceBoard} from './attendance.js';
import {kindLabel, minutesCard, recordedCard} from './meetings.js';

const enc = encodeURIComponent;

function memberSelect(id, people, withEmpty) {
  const opts = people.map((m) => [m.member_id, m.name]);
  return select(id, withEmpty ? [['', withEmpty], ...opts] : opts, '');
}

function recordForms(sid, sess, onSaved) {
  const people = sess.audience || [];
  const mk = (id, legend, controls, onsubmit, submitLabel) => {
    const box = statusBox(`${id}-status`);
    const form = h('form', {id, class: 'record-form', novalidate: true},
      h('h3', null, legend), ...controls,
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: `${id}-submit`}, submitLabel)), box);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        await onsubmit();
        setStatus(box, t('common.saved'), 'ok');
        if (onSaved) onSaved();
        for (const el of form.querySelectorAll('textarea, input[type=text], input:not([type])')) el.value = '';
      } catch (err) { reportError(box, err, form); }
    });
    return form;
  };
  const rLead = memberSelect('reading-lead', people);
  if (sess.lead_id) rLead.value = sess.lead_id;
  const rMat = h('input', {id: 'reading-material', name: 'material', required: true});
  const rNotes = h('textarea', {id: 'reading-notes', name: 'notes', rows: '2'});
  const reading = mk('reading-form', t('record.reading'), [
    field(t('record.reading_lead'), rLead, {name: 'lead_id'}),
    field(t('record.material'), rMat, {name: 'material'}),
    field(t('record.notes'), rNotes, {name: 'notes'})],
  () => post(`/sessions/${sid}/reading`, {lead_id: rLead.value, material: rMat.value.trim(), notes: rNotes.value.trim()}),
  t('record.save_reading'));

  const shMember = memberSelect('share-member', people);
  const shSummary = h('textarea', {id: 'share-summary', name: 'summary', rows: '3', required: true});
  const share = mk('share-form', t('record.share'), [
    field(t('record.member'), shMember, {name: 'member_id'}),
    field(t('record.summary'), shSummary, {name: 'summary'})],
  () => post(`/sessions/${sid}/shares`, {member_id: shMember.value, summary: shSummary.value.trim()}),
  t('record.save_share'));

  const qAsker = memberSelect('question-asker', people);
  const qAnswerer = memberSelect('question-answerer', people);
  const qText = h('textarea', {id: 'question-text', name: 'question', rows: '2', required: true});
  const qRating = select('question-rating', [5, 4, 3, 2, 1].map((n) => [n, t(`record.rating_${n}`)]), 4);
  const question = mk('question-form', t('record.question'), [
    h('div', {class: 'form-grid'},
      field(t('record.asker'), qAsker, {name: 'asker_id'}),
      field(t('record.answerer'), qAnswerer, {name: 'answerer_id'})),
    field(t('record.question_text'), qText, {name: 'question'}),
    field(t('record.rating'), qRating, {name: 'rating'})],
  () => post(`/sessions/${sid}/questions`, {asker_id: qAsker.value, answerer_id: qAnswerer.value,
    question: qText.value.trim(), rating: Number(qRating.value)}),
  t('record.save_question'));
  return card(t('record.title'), h('div', {class: 'grid-3'}, reading, share, question));
}

function sessionFacts(sess, groups) {
  const g = groupMap(groups).get(String(sess.group_id));
  const leadName = sess.lead_name || ((sess.audience || []).find((m) => String(m.member_id) === String(sess.lead_id)) || {}).name;
  const dl = h('dl', {class: 'facts'});
  const add = (k, v) => { if (v) dl.append(h('dt', null, k), h('dd', null, v)); };
  add(t('meet.kind'), kindLabel(sess.kind));
  add(t('session.time'), `${fmtDateTime(sess.starts_at)}–${fmtTime(sess.ends_at)}`);
  add(t('meet.first_topic'), sess.first_topic);
  add(t('common.group'), g ? g.name : '');
  add(t('session.place'), sess.place);
  add(t('session.lead'), leadName);
  if (sess.proposed_substitute) add(t('session.substitute'), t('session.substitute_text', {name: sess.proposed_substitute.name}));
  return dl;
}

export async function sessionDetail(app, id) {
  const sid = enc(id);
  const [sess, groups] = await Promise.all([get(`/sessions/${sid}`), app.groups()]);
  const cancelled = sessionCancelled(sess);
  const board = attendanceBoard(app, id, {readOnly: cancelled});
  board.update(sess);
  const box = statusBox('session-status');
  const cancelBtn = cancelled ? null : h('button', {type: 'button', class: 'btn-plain danger', id: 'session-cancel',
    onclick: async () => {
      if (!await confirmAction({title: t('session.cancel_title'), body: t('session.cancel_confirm'),
        confirm: t('session.cancel'), keep: t('session.cancel_keep')})) return;
      try {
        await post(`/sessions/${sid}/cancel`);
        app.navigate(location.pathname, true); // shown again, as cancelled
      } catch (err) { reportError(box, err); }
    }}, t('session.cancel'));
  // content items by title, from the plans that cover the session's group
  let list = sess.items || [];
  if (!list.length && (sess.item_ids || []).length) {
    const plans = await get(`/plans${qs({group_id: sess.group_id})}`).then(items);
    const byId = new Map();
    for (const p of plans) for (const it of p.items || []) byId.set(String(it.id), it);
    list = sess.item_ids.map((iid) => byId.get(String(iid)) || {id: iid});
  }
  // what was recorded (reading, shares, questions), refreshed after each
  // save, edit or delete
  let recorded = recordedCard(sid, sess, () => reloadRecorded());
  async function reloadRecorded() {
    const fresh = await get(`/sessions/${sid}`);
    const next = recordedCard(sid, fresh, () => reloadRecorded());
    recorded.replaceWith(next);
    recorded = next;
  }
  const started = new Date(sess.starts_at).getTime() <= Date.now() && !cancelled;
  return h('div', {class: 'page'},
    pageHead(sess.title || t('session.untitled'),
      h('div', {class: 'actions'},
        cancelled || new Date(sess.ends_at).getTime() < Date.now() ? null
          : h('a', {class: 'btn-primary', id: 'session-live-link', href: `/app/sessions/${sid}/live`}, t('session.live')),
        cancelled ? null : h('a', {class: 'btn-secondary', href: `/api/v1/sessions/${sid}/signin-sheet.pdf`, download: '', id: 'signin-sheet-link'}, t('session.signin_sheet')),
        cancelBtn)),
    cancelled ? h('p', {class: 'status status-warn', id: 'session-cancelled'}, t('session.cancelled_banner')) : null,
    box,
    card('', sessionFacts(sess, groups), cancelled ? h('span', {class: 'badge badge-muted'}, t('session.cancelled')) : null,
      list.length ? h('div', {class: 'content-block'}, h('h2', {class: 'h-sub'}, t('session.items')),
        h('ul', {class: 'content-items', id: 'session-items'}, list.map((it) => h('li', null, it.title || it.id)))) : null),
    board.node,
    cancelled ? null : recordForms(sid, sess, () => reloadRecorded()),
    recorded,
    started ? await minutesCard(sid, sess) : null);
}
