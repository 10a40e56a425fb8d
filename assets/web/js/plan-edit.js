// Editing a saved study plan (PATCH /plans/{id}): rename it, change an
// item's title and due date, remove an item, add items; and attaching a
// session item to an existing session not yet held (PUT
// /sessions/{id}/items). The server decides what may change (locked
// periods, items already done or studied); its refusals show in the
// user's language next to the control.
import {confirmAction} from './confirm.js';
import {h, clear, field, statusBox, setStatus, select} from './dom.js';
import {patch, put} from './api.js';
import {t, fmtShortDate, fmtTime} from './i18n.js';
import {reportError} from './errors.js';
import {ancestorsOf} from './groups.js';

const enc = encodeURIComponent;

// kindControls: a title, a kind (session / self-study) and a due date,
// prefilled from item it (or empty); read() gives {title, due_on}.
function kindControls(prefix, it = {}) {
  const title = h('input', {id: `${prefix}-title`, name: 'title', required: true, maxlength: '200', value: it.title || ''});
  const kind = select(`${prefix}-kind`, [['session', t('plan.kind_session')], ['self', t('plan.kind_self')]], it.due_on ? 'self' : 'session');
  const due = h('input', {id: `${prefix}-due`, name: 'due_on', type: 'date', value: it.due_on || ''});
  const dueField = field(t('plan.due_on'), due, {name: 'due_on'});
  dueField.hidden = !it.due_on;
  kind.addEventListener('change', () => { dueField.hidden = kind.value !== 'self'; });
  return {
    fields: [field(t('plan.item_title'), title, {name: 'title'}), field(t('plan.item_kind'), kind, {name: 'kind'}), dueField],
    read: () => ({title: title.value.trim(), due_on: kind.value === 'self' ? due.value : ''}),
    focus: () => title.focus(),
  };
}

// send runs a change, showing it in box; on success reload draws the
// plan again.
async function send(box, fn, reload, focus) {
  setStatus(box, t('common.working'));
  try {
    await fn();
    reload(focus);
  } catch (err) { reportError(box, err); }
}

// planTitleEditor: the plan's title with a rename form.
export function planTitleEditor(p, reload) {
  const input = h('input', {id: `pe-rename-${p.id}`, name: 'title', required: true, maxlength: '200', value: p.title});
  const box = statusBox(`pe-rename-${p.id}-status`);
  const form = h('form', {class: 'inline-form', id: `pe-rename-form-${p.id}`, novalidate: true},
    field(t('plan.title_field'), input, {name: 'title'}),
    h('button', {type: 'submit', class: 'btn-secondary btn-small', id: `pe-rename-${p.id}-submit`}, t('plan.rename')), box);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) { setStatus(box, t('form.required'), 'error'); return; }
    send(box, () => patch(`/plans/${enc(p.id)}`, {title: input.value.trim()}), reload);
  });
  return form;
}

// itemEditor: the edit and remove buttons of one item, with the edit form
// they open in place.
export function itemEditor(p, it, reload) {
  const prefix = `pe-edit-${it.id}`;
  const box = statusBox(`${prefix}-status`);
  const slot = h('div');
  const edit = h('button', {type: 'button', class: 'btn-plain btn-small', id: `${prefix}-open`,
    'aria-label': t('plan.edit_item_named', {item: it.title})}, t('plan.edit_item'));
  const remove = h('button', {type: 'button', class: 'btn-plain btn-small', id: `pe-remove-${it.id}`,
    'aria-label': t('plan.remove_item_named', {item: it.title})}, t('plan.remove_item'));
  edit.addEventListener('click', () => {
    const c = kindControls(prefix, it);
    const form = h('form', {class: 'inline-form', id: `${prefix}-form`, novalidate: true},
      h('div', {class: 'form-grid'}, c.fields),
      h('div', {class: 'actions'},
        h('button', {type: 'submit', class: 'btn-primary btn-small', id: `${prefix}-submit`}, t('plan.save_item')),
        h('button', {type: 'button', class: 'btn-plain btn-small', onclick: () => { clear(slot); edit.focus(); }}, t('common.cancel'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = c.read();
      if (!v.title) { setStatus(box, t('form.required'), 'error'); return; }
      if (!v.due_on && form.querySelector('select').value === 'self') { setStatus(box, t('plan.due_missing'), 'error'); return; }
      send(box, () => patch(`/plans/${enc(p.id)}`, {items: [{id: it.id, title: v.title, due_on: v.due_on}]}), reload);
    });
    clear(slot, form);
    c.focus();
  });
  remove.addEventListener('click', async () => {
    if (!await confirmAction({title: t('plan.remove_title'), body: t('plan.remove_confirm', {item: it.title}),
      confirm: t('plan.remove_item')})) return;
    send(box, () => patch(`/plans/${enc(p.id)}`, {remove_item_ids: [it.id]}), reload);
  });
  return h('div', {class: 'pe-edit'}, h('div', {class: 'actions'}, edit, remove), slot, box);
}

// attachForm: attach session item it to an existing session not yet held
// (of the plan's group or below it) that does not list it yet.
export function attachForm(p, it, sessions, groups, reload, now = new Date()) {
  const open = sessions.filter((s) => new Date(s.ends_at) > now
    && !(s.item_ids || []).map(String).includes(String(it.id))
    && ancestorsOf(groups, s.group_id).some((g) => String(g.id) === String(p.group_id)));
  if (!open.length) return null;
  const prefix = `pe-attach-${it.id}`;
  const sel = select(`${prefix}-session`, open.map((s) => [s.id, `${fmtShortDate(s.starts_at)} ${fmtTime(s.starts_at)} ${s.title || ''}`]), open[0].id);
  const box = statusBox(`${prefix}-status`);
  const form = h('form', {class: 'inline-form pe-attach', id: prefix, novalidate: true},
    field(t('plan.attach_label'), sel, {name: 'session_id'}),
    h('button', {type: 'submit', class: 'btn-secondary btn-small', id: `${prefix}-submit`}, t('plan.attach')), box);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = open.find((x) => String(x.id) === sel.value);
    send(box, () => put(`/sessions/${enc(s.id)}/items`, {item_ids: [...(s.item_ids || []), it.id]}), reload);
  });
  return form;
}

// addItemsForm: one new item appended to the plan.
export function addItemsForm(p, reload) {
  const prefix = `pe-add-${p.id}`;
  const c = kindControls(prefix);
  const box = statusBox(`${prefix}-status`);
  const form = h('form', {class: 'inline-form', id: `${prefix}-form`, novalidate: true},
    h('div', {class: 'form-grid'}, c.fields),
    h('button', {type: 'submit', class: 'btn-secondary btn-small', id: `${prefix}-submit`}, t('plan.add_item')), box);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = c.read();
    if (!v.title) { setStatus(box, t('form.required'), 'error'); return; }
    if (form.querySelector('select').value === 'self' && !v.due_on) { setStatus(box, t('plan.due_missing'), 'error'); return; }
    const item = v.due_on ? v : {title: v.title};
    send(box, () => patch(`/plans/${enc(p.id)}`, {add_items: [item]}), reload);
  });
  return form;
}
