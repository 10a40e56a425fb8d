// Groups: the tree (parents, subtrees, paths), which a member may manage, pickers.
import {select} from './dom.js';
import {readsAll} from './roles.js';

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

// groupPicker: a select of the groups the signed-in member may manage.
export function groupPicker(app, groups, id, value, onchange, withAll) {
  const el = select(id, groupOptions(manageableGroups(app.me, groups), withAll), value);
  if (onchange) el.addEventListener('change', () => onchange(el.value));
  return el;
}

// defaultGroup: the member's own group when they manage it, else the first they do.
export function defaultGroup(app, groups) {
  const mg = manageableGroups(app.me, groups);
  if (app.me.group_id && mg.some((g) => String(g.id) === String(app.me.group_id))) return app.me.group_id;
  return mg.length ? mg[0].id : '';
}
