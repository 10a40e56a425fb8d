// Shared helpers: periods, dates, error display, common widgets.
import {h, select, setStatus, showErrors, reasonText} from './dom.js';
import {t, tOr, fmtPeriod, getLang} from './i18n.js';

function pad(n) { return String(n).padStart(2, '0'); }

export function currentPeriod(d = new Date()) {
  return `${d.getFullYear()}Q${Math.floor(d.getMonth() / 3) + 1}`;
}

export function periodList() {
  const y = new Date().getFullYear();
  const out = [];
  for (let yy = y; yy >= y - 3; yy--) {
    out.push(`${yy}Q4`, `${yy}Q3`, `${yy}Q2`, `${yy}Q1`, `${yy}`);
  }
  return out;
}

export function periodSelect(id, value, onchange) {
  const opts = periodList().map((p) => [p, fmtPeriod(p)]);
  const el = select(id, opts, value || currentPeriod());
  if (onchange) el.addEventListener('change', () => onchange(el.value));
  return el;
}

export function isoDate(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function addDays(d, n) {
  const x = new Date(d);
  x.setDate(x.getDate() + n);
  return x;
}

// datetime-local value ("2023-09-30T14:00") → RFC 3339 with local offset.
export function localToRFC3339(v) {
  if (!v) return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return v;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const oh = pad(Math.floor(Math.abs(off) / 60));
  const om = pad(Math.abs(off) % 60);
  return `${isoDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${oh}:${om}`;
}

export function toLocalInput(d) {
  return `${isoDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// errorText: a translated text for a known error code, else the server's.
export function errorText(err) {
  if (!err) return t('err.generic');
  if (err.code === 'network') return t('err.network');
  const known = err.code ? tOr(`err.${err.code}`, '') : '';
  if (known) return known;
  if (err.message) return err.message;
  if (err.status === 403) return t('err.forbidden');
  if (err.status === 404) return t('err.not_found');
  return t('err.generic');
}

// reportError shows an API error in a status box and its field errors next to
// the fields of form; fields that match no control are listed in the box.
export function reportError(box, err, form) {
  const rest = form ? showErrors(form, err.fields) : Object.entries(err.fields || {}).map(([k, v]) => [k, reasonText(v)]);
  let text = errorText(err);
  if (rest.length) text += ' ' + rest.map(([k, v]) => `${k}: ${v}`).join('；');
  setStatus(box, text, 'error');
}

export function roleLabel(r) { return tOr(`role.${r}`, r); }
export function statusLabel(s) { return s ? tOr(`status.${s}`, s) : t('status.none'); }
// gradeLabel: the grade's name as the appraisal forms print it. In Chinese
// the policy in force names it (the rates answer's grade_label, e.g. 称职
// when configured); otherwise the default policy's words from the
// translations: quarterly 好/较好/一般/较差, annual 优秀/合格/基本合格/不合格.
export function gradeLabel(g, period, policyLabel) {
  if (!g) return '—';
  if (policyLabel && getLang() === 'zh') return policyLabel;
  return /^\d{4}$/.test(String(period || '')) ? tOr(`grade.annual_${g}`, g) : tOr(`grade.${g}`, g);
}

export function isLeadish(me) { return me && (me.role === 'lead' || me.role === 'admin'); }
export function isHR(me) { return me && (me.role === 'hr' || me.role === 'admin'); }
// readsAll: roles that read the whole organisation (hr, admin, inspector).
export function readsAll(me) { return me && (isHR(me) || me.role === 'inspector'); }

export function card(title, ...children) {
  return h('section', {class: 'card'}, title ? h('h2', null, title) : null, ...children);
}

export function pageHead(title, ...extra) {
  return h('div', {class: 'page-head'}, h('h1', {id: 'page-title', tabindex: '-1'}, title), ...extra);
}

export function emptyRow(cols, text) {
  return h('tr', {class: 'empty'}, h('td', {colspan: cols}, text || t('common.empty')));
}

// table(headers, rows, attrs): attrs.stack lays rows out as cards on phones,
// each cell labelled with its column header (data-label).
export function table(headers, rows, attrs = {}) {
  const {stack, ...rest} = attrs;
  if (stack) rest.class = [rest.class, 'table-stack'].filter(Boolean).join(' ');
  const body = h('tbody', null, rows);
  for (const tr of body.rows) {
    [...tr.cells].forEach((cell, i) => {
      if (!cell.hasAttribute('colspan') && headers[i] !== undefined) cell.setAttribute('data-label', headers[i]);
    });
  }
  // The wrapper scrolls sideways on narrow screens: it takes the focus so a
  // keyboard user can scroll it too.
  return h('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': attrs['aria-label'] || t('common.table')},
    h('table', rest,
      h('thead', null, h('tr', null, headers.map((x) => h('th', {scope: 'col'}, x)))),
      body));
}

export function sessionCancelled(s) {
  return Boolean(s && (s.cancelled || s.status === 'cancelled' || s.cancelled_at));
}

// Groups: a cached list plus tree helpers.
export function groupMap(groups) {
  const m = new Map();
  for (const g of groups) m.set(String(g.id), g);
  return m;
}

export function childrenOf(groups, id) {
  return groups.filter((g) => String(g.parent_id || '') === String(id || ''));
}

export function subtreeIds(groups, id) {
  const out = [String(id)];
  for (let i = 0; i < out.length; i++) {
    for (const g of groups) if (String(g.parent_id || '') === out[i]) out.push(String(g.id));
  }
  return out;
}

export function ancestorsOf(groups, id) {
  const m = groupMap(groups);
  const out = [];
  let g = m.get(String(id));
  const seen = new Set();
  while (g && !seen.has(g.id)) {
    seen.add(g.id);
    out.unshift(g);
    g = g.parent_id ? m.get(String(g.parent_id)) : null;
  }
  return out;
}

export function groupPath(groups, id) {
  return ancestorsOf(groups, id).map((g) => g.name).join(' / ');
}

// Groups a user may pick when managing: admin/hr all, a lead their subtree.
export function manageableGroups(me, groups) {
  if (!me) return [];
  if (readsAll(me) || !me.group_id) return groups;
  const ids = new Set(subtreeIds(groups, me.group_id));
  return groups.filter((g) => ids.has(String(g.id)));
}

export function groupOptions(groups, withAll) {
  const sorted = [];
  const walk = (pid, depth) => {
    for (const g of childrenOf(groups, pid)) {
      sorted.push([g.id, `${'　'.repeat(depth)}${g.name}`]);
      walk(g.id, depth + 1);
    }
  };
  const ids = new Set(groups.map((g) => String(g.id)));
  for (const g of groups) {
    if (!g.parent_id || !ids.has(String(g.parent_id))) {
      sorted.push([g.id, g.name]);
      walk(g.id, 1);
    }
  }
  return withAll ? [['', withAll], ...sorted] : sorted;
}

export function statusNote(box, text) { setStatus(box, text, 'ok'); }
