// Reading-lead rotation of a group.
import {clear, field, h, setStatus, statusBox} from './dom.js';
import {get, put} from './api.js';
import {t, fmtDateTime} from './i18n.js';
import {reportError} from './errors.js';
import {card, pageHead} from './layout.js';
import {defaultGroup, groupPicker} from './groups.js';
import {membersOf} from './roster.js';

const enc = encodeURIComponent;

export async function rotation(app) {
  const groups = await app.groups();
  const grp = groupPicker(app, groups, 'rot-group', defaultGroup(app, groups), () => load());
  const wrap = h('div', {id: 'rotation'});
  const box = statusBox('rot-status');
  let order = [];
  let names = new Map();
  let dirty = false; // the order was changed and not saved yet
  let subs = [];
  function render(next) {
    const list = h('ol', {class: 'rot-list', id: 'rot-list'});
    order.forEach((mid, i) => {
      const name = names.get(String(mid)) || mid;
      const move = (d) => {
        const j = i + d;
        if (j < 0 || j >= order.length) return;
        [order[i], order[j]] = [order[j], order[i]];
        dirty = true;
        render(next);
        const btn = wrap.querySelector(`#rot-${CSS.escape(String(mid))} [data-move="${d < 0 ? 'up' : 'down'}"]`);
        (btn && !btn.disabled ? btn : wrap.querySelector(`#rot-${CSS.escape(String(mid))} button:not([disabled])`))?.focus();
        setStatus(box, t('rot.unsaved'));
      };
      list.appendChild(h('li', {id: `rot-${mid}`, 'data-member': mid},
        h('span', {class: 'rot-name'}, name),
        h('span', {class: 'rot-btns'},
          h('button', {type: 'button', class: 'btn-plain', 'data-move': 'up', disabled: i === 0,
            'aria-label': t('rot.up', {name}), onclick: () => move(-1)}, '↑'),
          h('button', {type: 'button', class: 'btn-plain', 'data-move': 'down', disabled: i === order.length - 1,
            'aria-label': t('rot.down', {name}), onclick: () => move(1)}, '↓'))));
    });
    const save = h('button', {type: 'button', class: 'btn-primary', id: 'rot-save', onclick: async () => {
      try {
        await put(`/groups/${enc(grp.value)}/rotation`, {order});
        setStatus(box, t('common.saved'), 'ok');
        load(true);
      } catch (err) { reportError(box, err); }
    }}, t('rot.save'));
    clear(wrap,
      order.length ? list : h('p', {class: 'muted'}, t('rot.empty')),
      h('div', {class: 'actions'}, save),
      h('h2', {class: 'h-sub'}, t('rot.next')),
      h('p', {class: 'muted'}, dirty ? t('rot.next_unsaved') : t('rot.next_hint')),
      next && next.length ? h('ol', {class: ['rot-next', dirty ? 'is-stale' : ''], id: 'rot-next'}, next.map((mid) => h('li', null, names.get(String(mid)) || mid)))
        : h('p', {class: 'muted'}, '—'),
      subs.length ? h('div', {id: 'rot-substitutes'}, h('h2', {class: 'h-sub'}, t('rot.substitutes')),
        h('ul', null, subs.map((x) => h('li', null, t('rot.substitute_line', {
          when: fmtDateTime(x.starts_at), lead: names.get(String(x.lead_id)) || t('rot.nobody'),
          sub: x.proposed_substitute ? names.get(String(x.proposed_substitute)) || x.proposed_substitute : t('rot.nobody')}))))) : null);
  }
  async function load(keepStatus) {
    if (!keepStatus) setStatus(box, '');
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const [rot, members] = await Promise.all([get(`/groups/${enc(grp.value)}/rotation`), membersOf(grp.value)]);
      names = new Map(members.map((m) => [String(m.id), m.name]));
      order = [...(rot.order || [])];
      subs = rot.substitutes || [];
      dirty = false;
      render(rot.next || []);
    } catch (err) { clear(wrap); reportError(box, err); }
  }
  if (grp.value) load();
  return h('div', {class: 'page page-narrow'}, pageHead(t('rot.title')),
    card('', h('p', {class: 'muted'}, t('rot.intro')), field(t('common.group'), grp), box, wrap));
}
