import {tOr} from './i18n.js';
// Tiny DOM builders. Data is only ever placed with textContent or attribute
// setters, never parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'text') {
      el.textContent = String(v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if ((k === 'checked' || k === 'selected' || k === 'disabled') && k in el) {
      el[k] = Boolean(v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// h('div', {class: 'x', onclick: fn}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

// s('rect', {x: 1}) builds SVG elements.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') el.setAttribute('class', v);
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix || 'f'}-${uid}`;
}

// field(label, control, {name, hint}) wraps a control with its label and an
// error slot that showErrors fills. The control must have an id.
export function field(label, control, opts = {}) {
  if (!control.id) control.id = nextId('f');
  const name = opts.name || control.name || control.id;
  const errId = `${control.id}-error`;
  const hintId = `${control.id}-hint`;
  control.setAttribute('aria-describedby', opts.hint ? `${hintId} ${errId}` : errId);
  const wrap = h('div', {class: ['field', opts.class], 'data-field': name},
    h('label', {for: control.id}, label),
    control,
    opts.hint ? h('span', {class: 'hint', id: hintId}, opts.hint) : null,
    h('span', {class: 'field-error', id: errId}));
  return wrap;
}

export function statusBox(id) {
  return h('div', {class: 'status', role: 'status', 'aria-live': 'polite', id});
}

export function setStatus(box, text, kind) {
  if (!box) return;
  box.textContent = text || '';
  box.className = 'status' + (kind ? ` status-${kind}` : '');
}

export function clearErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) e.textContent = '';
  for (const e of root.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

// reasonText: a field error's reason in the UI's language: a fixed reason
// by its translation ("reason.<text>"; every fixed reason the server words
// has one: handlers.TestEveryFieldReasonTranslated), one with values in it
// by its form (REASON_FORMS), several ("a: x; b: y", a roster line) each
// in turn; else as sent.
const REASON_FORMS = [
  [/^required: (.+)$/s, 'reason.f_required', (m) => ({why: reasonText(m[1])})],
  [/^at most (\d+) characters$/, 'reason.f_at_most_chars', (m) => ({n: m[1]})],
  [/^at least (\d+) characters$/, 'reason.f_at_least_chars', (m) => ({n: m[1]})],
  [/^at least (\d+) of: lower case, upper case, digits, other characters$/, 'reason.f_classes', (m) => ({n: m[1]})],
  [/^at most (\d+) tags$/, 'reason.f_at_most_tags', (m) => ({n: m[1]})],
  [/^from 0 to (\d+)$/, 'reason.f_from_0_to', (m) => ({n: m[1]})],
  [/^no member "(.*)"$/, 'reason.f_no_member', (m) => ({id: m[1]})],
  [/^no group "(.*)"$/, 'reason.f_no_group', (m) => ({id: m[1]})],
  [/^no content item "(.*)"$/, 'reason.f_no_item', (m) => ({id: m[1]})],
  [/^"(.*)" is not one of (.+)$/, 'reason.f_not_one_of', (m) => ({value: m[1], list: m[2]})],
  [/^"(.*)" is not a whole number from (\d+) to (\d+)$/, 'reason.f_not_whole', (m) => ({value: m[1], min: m[2], max: m[3]})],
  [/^"(.*)" is not a date like (.+)$/, 'reason.f_not_date', (m) => ({value: m[1]})],
  [/^"(.*)" also on line (\d+)$/, 'reason.f_also_on_line', (m) => ({value: m[1], line: m[2]})],
  [/^the same question as line (\d+)$/, 'reason.f_same_question', (m) => ({line: m[1]})],
  [/^(.+) is no longer on the roster$/, 'reason.f_off_roster', (m) => ({name: m[1]})],
  [/^(.+) is not a member of the finding's group$/, 'reason.f_not_in_finding_group', (m) => ({name: m[1]})],
  [/^(.+) is not in a group the inspection targets$/, 'reason.f_not_targeted', (m) => ({name: m[1]})],
  [/^(\d+) asked, but the question bank has (\d+) active questions$/, 'reason.f_bank_short', (m) => ({n: m[1], have: m[2]})],
  [/^(\d+) asked, but (.+) has (\d+) active members$/, 'reason.f_group_short', (m) => ({n: m[1], group: m[2], have: m[3]})],
  [/^one of (.+)$/, 'reason.f_one_of', (m) => ({list: m[1]})],
];

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (x, k) => (k in vars ? String(vars[k]) : x));
}

export function reasonText(msg) {
  const s = String(msg);
  const fixed = tOr(`reason.${s}`, '');
  if (fixed) return fixed;
  for (const [re, key, vars] of REASON_FORMS) {
    const m = re.exec(s);
    if (m) return fill(tOr(key, s), vars(m));
  }
  if (s.includes('; ')) {
    return s.split('; ').map((part) => {
      const m = /^([a-z_]+): (.+)$/s.exec(part);
      return m ? `${m[1]}${tOr('fmt.colon', ': ')}${reasonText(m[2])}` : reasonText(part);
    }).join(tOr('reason.sep', '; '));
  }
  return s;
}

// showErrors puts err.fields next to the matching fields and returns the
// entries that matched no field.
export function showErrors(root, fields) {
  clearErrors(root);
  const rest = [];
  for (const [k, msg] of Object.entries(fields || {})) {
    const f = root.querySelector(`[data-field="${CSS.escape(k)}"]`);
    if (f) {
      const slot = f.querySelector('.field-error');
      if (slot) slot.textContent = reasonText(msg);
      const ctl = f.querySelector('input,select,textarea');
      if (ctl) ctl.setAttribute('aria-invalid', 'true');
    } else {
      rest.push([k, reasonText(msg)]);
    }
  }
  return rest;
}

export function option(value, label, selected) {
  return h('option', {value, selected: Boolean(selected)}, label);
}

export function select(id, options, value, attrs = {}) {
  const el = h('select', {id, name: attrs.name || id, ...attrs});
  for (const [v, l] of options) el.appendChild(option(v, l, String(v) === String(value ?? '')));
  return el;
}
