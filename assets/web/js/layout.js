// Layout: cards, page heads and tables every screen uses.
import {h} from './dom.js';
import {t} from './i18n.js';

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
