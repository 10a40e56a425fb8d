// The audit screen (hr, admin): entries in words — who did what to whom —
// newest first, a page at a time; runs of system entries folded into one
// row; the raw before/after one click away.
import {h, clear, field, statusBox} from './dom.js';
import {get, qs, items} from './api.js';
import {t, fmtDateTime} from './i18n.js';
import {isoDate, addDays} from './dates.js';
import {reportError} from './errors.js';
import {card, pageHead, table, emptyRow} from './layout.js';
import {sentence, actorName, isSystem} from './audit-words.js';

const PAGE = 200;

export async function audit(app) {
  const ctx = {members: new Map(), groups: new Map(), sessions: new Map()};
  const [members, groups] = await Promise.all([get('/members').then(items), app.groups()]);
  for (const m of members) ctx.members.set(String(m.id), m.name);
  for (const g of groups) ctx.groups.set(String(g.id), g.name);
  const from = h('input', {type: 'date', id: 'audit-from', name: 'from', value: isoDate(addDays(new Date(), -7))});
  const to = h('input', {type: 'date', id: 'audit-to', name: 'to', value: isoDate()});
  const wrap = h('div', {id: 'audit-list'});
  const box = statusBox('audit-status');
  const json = (v) => (v === null || v === undefined ? '' : JSON.stringify(v, null, 2));
  let entries = [];
  let nextBefore = null;

  function row(a, hidden) {
    const changed = (a.before !== undefined && a.before !== null) || (a.after !== undefined && a.after !== null);
    return h('tr', {id: `audit-${a.seq}`, class: [a.flag ? 'flagged' : '', isSystem(a) ? 'audit-system' : ''], hidden,
      'data-action': a.action || '', 'data-entity': a.entity || ''},
    h('td', {class: 'nowrap'}, fmtDateTime(a.at)),
    h('td', null, actorName(a, ctx)),
    h('td', {class: 'audit-words'}, sentence(a, ctx)),
    h('td', null, changed
      ? h('details', null, h('summary', null, t('audit.show_change')),
        h('p', {class: 'muted mono'}, `#${a.seq} ${a.action || ''} ${a.entity || ''} ${a.entity_id || ''}`),
        h('div', {class: 'diff'},
          h('div', null, h('strong', null, t('audit.before')), h('pre', {class: 'mono'}, json(a.before))),
          h('div', null, h('strong', null, t('audit.after')), h('pre', {class: 'mono'}, json(a.after))))) : ''),
    h('td', null, a.flag ? h('span', {class: 'badge badge-warn'}, t('audit.flagged')) : ''));
  }

  // Runs of two or more system entries in a row become one folded row
  // with a button that shows them.
  function rows() {
    const out = [];
    for (let i = 0; i < entries.length;) {
      let j = i;
      while (j < entries.length && isSystem(entries[j])) j++;
      if (j - i >= 2) {
        const run = entries.slice(i, j).map((a) => row(a, true));
        const btn = h('button', {type: 'button', class: 'btn-link', 'aria-expanded': 'false', 'data-action': 'unfold',
          onclick: () => {
            const open = btn.getAttribute('aria-expanded') !== 'true';
            btn.setAttribute('aria-expanded', String(open));
            for (const r of run) r.hidden = !open;
            btn.textContent = t(open ? 'audit.system_run_open' : 'audit.system_run', {n: run.length});
          }}, t('audit.system_run', {n: j - i}));
        out.push(h('tr', {class: 'audit-fold', 'data-fold': String(j - i)},
          h('td', {class: 'nowrap'}, `${fmtDateTime(entries[j - 1].at)} – ${fmtDateTime(entries[i].at)}`),
          h('td', null, t('audit.system')),
          h('td', {colspan: 3}, btn)), ...run);
        i = j;
      } else {
        out.push(row(entries[i]));
        i++;
      }
    }
    return out;
  }

  function render() {
    const rs = rows();
    clear(wrap, table([t('audit.at'), t('audit.actor'), t('audit.what'), t('audit.change'), t('audit.flag')],
      rs.length ? rs : emptyRow(5), {stack: true, 'aria-label': t('audit.title')}),
    nextBefore ? h('div', {class: 'actions'}, h('button', {type: 'button', class: 'btn-secondary', id: 'audit-more',
      onclick: () => load(true)}, t('audit.more'))) : null);
  }

  async function load(more) {
    if (!more) {
      entries = [];
      nextBefore = null;
      clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    }
    try {
      const q = {from: from.value, to: to.value, limit: PAGE};
      if (more && nextBefore) q.before = nextBefore;
      const [page, sess] = await Promise.all([
        get(`/audit${qs(q)}`),
        more ? null : get(`/sessions${qs({from: isoDate(addDays(new Date(from.value || Date.now()), -90)), to: to.value})}`),
      ]);
      if (sess) for (const s of items(sess)) ctx.sessions.set(String(s.id), s.title);
      entries = entries.concat(items(page));
      nextBefore = page.next_before || null;
      render();
    } catch (err) { reportError(box, err); if (!more) clear(wrap); }
  }
  for (const el of [from, to]) el.addEventListener('change', () => load());
  await load();
  return h('div', {class: 'page'}, pageHead(t('audit.title')),
    card('', h('div', {class: 'toolbar'}, field(t('common.from'), from), field(t('common.to'), to)), box, wrap));
}
