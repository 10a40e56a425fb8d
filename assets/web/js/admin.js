// Admin screens: members, groups, CSV import and backup.
import {h, clear, field, statusBox, setStatus, select, option, reasonText, showErrors, clearErrors} from './dom.js';
import {api, get, post, patch, qs, items} from './api.js';
import {t, fmtDate, fmtDateTime, colon} from './i18n.js';
import {isoDate, addDays} from './dates.js';
import {reportError, errorText} from './errors.js';
import {roleLabel} from './labels.js';
import {card, pageHead, table, emptyRow} from './layout.js';
import {groupMap, groupOptions, groupPath} from './groups.js';

const enc = encodeURIComponent;
const ROLES = ['member', 'lead', 'hr', 'admin', 'inspector'];

function roleSelect(id, value) {
  const el = select(id, ROLES.map((r) => [r, roleLabel(r)]), value || 'member');
  el.name = 'role';
  return el;
}

function memberForm(app, groups, m, done) {
  const editing = Boolean(m);
  const p = editing ? `edit-${m.id}` : 'new-member';
  const name = h('input', {id: `${p}-name`, name: 'name', required: true, value: m ? m.name : ''});
  const username = h('input', {id: `${p}-username`, name: 'username', required: true, autocomplete: 'off',
    value: m ? m.username || '' : '', disabled: editing});
  const password = h('input', {id: `${p}-password`, name: 'password', type: 'password', autocomplete: 'new-password',
    minlength: '8', required: !editing});
  const group = select(`${p}-group`, groupOptions(groups, t('admin.no_group')), m ? m.group_id || '' : '');
  group.name = 'group_id';
  const role = roleSelect(`${p}-role`, m ? m.role : 'member');
  const joined = h('input', {id: `${p}-joined`, name: 'joined_on', type: 'date', value: m ? m.joined_on || '' : isoDate(),
    disabled: editing});
  const left = h('input', {id: `${p}-left`, name: 'left_on', type: 'date', value: m ? m.left_on || '' : ''});
  const box = statusBox(`${p}-status`);
  const form = h('form', {id: `${p}-form`, class: 'member-form', novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('common.name'), name, {name: 'name'}),
      field(t('admin.username'), username, {name: 'username'}),
      field(editing ? t('admin.new_password') : t('admin.password'), password, {name: 'password', hint: t('admin.password_hint')}),
      field(t('common.group'), group, {name: 'group_id'}),
      field(t('admin.role'), role, {name: 'role'}),
      field(t('admin.joined_on'), joined, {name: 'joined_on'}),
      editing ? field(t('admin.left_on'), left, {name: 'left_on'}) : null),
    h('div', {class: 'actions'},
      h('button', {type: 'submit', class: 'btn-primary', id: `${p}-submit`}, editing ? t('common.save') : t('admin.create_member')),
      editing ? h('button', {type: 'button', class: 'btn-plain', onclick: () => done(null)}, t('common.cancel')) : null),
    box);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const errs = {};
    if (!name.value.trim()) errs.name = t('form.required');
    if (!editing && !username.value.trim()) errs.username = t('form.required');
    if ((!editing || password.value) && password.value.length < 8) errs.password = t('admin.password_hint');
    if (Object.keys(errs).length) { showErrors(form, errs); setStatus(box, t('form.fix'), 'error'); return; }
    try {
      let res;
      if (editing) {
        const body = {};
        if (name.value.trim() !== m.name) body.name = name.value.trim();
        if (group.value !== String(m.group_id || '')) body.group_id = group.value;
        if (role.value !== m.role) body.role = role.value;
        if (left.value !== (m.left_on || '')) body.left_on = left.value; // "" clears it
        if (password.value) body.password = password.value;
        res = await patch(`/members/${enc(m.id)}`, body);
      } else {
        res = await post('/members', {name: name.value.trim(), username: username.value.trim(), password: password.value,
          group_id: group.value, role: role.value, joined_on: joined.value});
        form.reset();
      }
      setStatus(box, t('common.saved'), 'ok');
      done(res);
    } catch (err) { reportError(box, err, form); }
  });
  return form;
}

export async function members(app) {
  const groups = await app.groups(true);
  const gm = groupMap(groups);
  const filter = select('members-group', groupOptions(groups, t('common.all_groups')), '');
  const search = h('input', {id: 'members-search', name: 'q', type: 'search', autocomplete: 'off',
    placeholder: t('admin.search_hint')});
  const wrap = h('div', {id: 'member-table'});
  const editSlot = h('div', {id: 'member-edit'});
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      // the server's one order (organisation tree, roster position, pinyin)
      const q = search.value.trim().toLowerCase();
      const list = items(await get(`/members${qs({group_id: filter.value})}`))
        .filter((m) => !q || String(m.name).toLowerCase().includes(q) || String(m.username || '').toLowerCase().includes(q));
      const rows = list.map((m) => h('tr', {id: `member-${m.id}`, class: m.left_on ? 'is-left' : ''},
        h('th', {scope: 'row'}, m.name),
        h('td', null, m.username || ''),
        h('td', null, m.group_id ? groupPath(groups, m.group_id) || (gm.get(String(m.group_id)) || {}).name || m.group_id : t('admin.no_group')),
        h('td', null, roleLabel(m.role)),
        h('td', null, fmtDate(m.joined_on)),
        h('td', null, m.left_on ? fmtDate(m.left_on) : ''),
        h('td', null, h('button', {type: 'button', class: 'btn-link', 'data-edit': m.id,
          'aria-label': t('admin.edit_who', {name: m.name}),
          onclick: () => {
            clear(editSlot, card(t('admin.edit_who', {name: m.name}), memberForm(app, groups, m, (res) => {
              clear(editSlot);
              if (res) load();
            })));
            editSlot.querySelector('input')?.focus();
          }}, t('common.edit')))));
      clear(wrap, h('p', {class: 'muted'}, t('admin.count', {n: list.length})),
        table([t('common.name'), t('admin.username'), t('common.group'), t('admin.role'), t('admin.joined_on'),
          t('admin.left_on'), t('common.actions')], rows.length ? rows : emptyRow(7), {stack: true}));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  filter.addEventListener('change', load);
  let timer = 0;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 200); });
  load();
  return h('div', {class: 'page'}, pageHead(t('admin.members_title')),
    editSlot,
    h('div', {class: 'grid-2 grid-wide-left'},
      card(t('admin.member_list'), h('div', {class: 'toolbar'}, field(t('common.group'), filter),
        field(t('admin.search'), search, {name: 'q'})), wrap),
      card(t('admin.new_member'), memberForm(app, groups, null, () => load()))));
}

export async function groups(app) {
  let list = await app.groups(true);
  const treeWrap = h('div', {id: 'group-list'});
  const name = h('input', {id: 'group-name', name: 'name', required: true});
  const parent = select('group-parent', [], '');
  parent.name = 'parent_id';
  const TYPES = ['committee', 'branch', 'party_group', 'other'];
  const gtype = select('group-type', [['', t('gtype.auto')], ...TYPES.map((x) => [x, t(`gtype.${x}`)])], '');
  gtype.name = 'type';
  const box = statusBox('group-status');
  const form = h('form', {id: 'group-form', novalidate: true},
    field(t('admin.group_name'), name, {name: 'name'}),
    field(t('admin.group_parent'), parent, {name: 'parent_id'}),
    field(t('gtype.label'), gtype, {name: 'type'}),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: 'group-submit'}, t('admin.create_group'))),
    box);
  const treeBox = statusBox('group-tree-status');
  async function change(g, body, done) {
    try {
      await patch(`/groups/${enc(g.id)}`, body);
      list = await app.groups(true);
      render();
      setStatus(treeBox, done, 'ok');
    } catch (err) { reportError(treeBox, err); }
  }
  // groupTools: rename, and move up or down among its siblings (the
  // organisation's one order: every list, form and sheet follows it).
  function groupTools(g, i, n) {
    const slot = h('span', {class: 'group-tools'});
    const rename = h('button', {type: 'button', class: 'btn-link', 'data-rename': g.id,
      'aria-label': t('admin.rename_who', {name: g.name}),
      onclick: () => {
        const input = h('input', {id: `rename-${g.id}`, name: 'name', value: g.name, 'aria-label': t('admin.group_name')});
        const form = h('form', {class: 'inline-rename', novalidate: true}, input,
          h('button', {type: 'submit', class: 'btn-primary'}, t('common.save')),
          h('button', {type: 'button', class: 'btn-plain', onclick: () => render()}, t('common.cancel')));
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          const v = input.value.trim();
          if (!v) { setStatus(treeBox, t('form.required'), 'error'); return; }
          change(g, {name: v}, t('admin.group_renamed', {name: v}));
        });
        clear(slot, form);
        input.select();
      }}, t('admin.rename'));
    const pos = i + 1;
    const up = h('button', {type: 'button', class: 'btn-plain btn-small', 'data-up': g.id, disabled: i === 0 ? true : undefined,
      'aria-label': t('admin.move_up_who', {name: g.name}), onclick: () => change(g, {position: pos - 1}, t('admin.group_moved', {name: g.name}))}, '↑');
    const down = h('button', {type: 'button', class: 'btn-plain btn-small', 'data-down': g.id, disabled: i === n - 1 ? true : undefined,
      'aria-label': t('admin.move_down_who', {name: g.name}), onclick: () => change(g, {position: pos + 1}, t('admin.group_moved', {name: g.name}))}, '↓');
    const typeSel = select(`group-type-${g.id}`, TYPES.map((x) => [x, t(`gtype.${x}`)]), g.type || 'other',
      {'aria-label': t('gtype.of', {name: g.name}), class: 'select-small'});
    typeSel.addEventListener('change', () => change(g, {type: typeSel.value}, t('gtype.changed', {name: g.name})));
    clear(slot, rename, up, down, typeSel);
    return slot;
  }
  function render() {
    const walk = (pid) => {
      const kids = list.filter((g) => String(g.parent_id || '') === String(pid || ''))
        .sort((a, b) => (a.position || 0) - (b.position || 0));
      if (!kids.length) return null;
      return h('ul', null, kids.map((g, i) => h('li', {id: `group-${g.id}`}, h('span', null, g.name),
        groupTools(g, i, kids.length), walk(g.id))));
    };
    const ids = new Set(list.map((g) => String(g.id)));
    const roots = list.filter((g) => !g.parent_id || !ids.has(String(g.parent_id)))
      .sort((a, b) => (a.position || 0) - (b.position || 0));
    clear(treeWrap, roots.length ? h('ul', {class: 'tree'}, roots.map((g, i) => h('li', {id: `group-${g.id}`},
      h('strong', null, g.name), groupTools(g, i, roots.length), walk(g.id)))) : h('p', {class: 'muted'}, t('admin.no_groups')));
    const v = parent.value;
    clear(parent, option('', t('admin.top_level'), !v), groupOptions(list).map(([id, l]) => option(id, l, String(id) === v)));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!name.value.trim()) { showErrors(form, {name: t('form.required')}); return; }
    const body = {name: name.value.trim()};
    if (parent.value) body.parent_id = parent.value;
    if (gtype.value) body.type = gtype.value;
    try {
      await post('/groups', body);
      setStatus(box, t('admin.group_created', {name: body.name}), 'ok');
      name.value = '';
      list = await app.groups(true);
      render();
    } catch (err) { reportError(box, err, form); }
  });
  render();
  return h('div', {class: 'page'}, pageHead(t('admin.groups_title')),
    h('div', {class: 'grid-2'}, card(t('admin.group_tree'), treeBox, treeWrap), card(t('admin.new_group'), form)));
}

function lineNo(k) { const m = /(\d+)/.exec(k); return m ? Number(m[1]) : 0; }

export async function data(app) {
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const file = h('input', {type: 'file', id: 'import-file', name: 'file', accept: `.csv,.xlsx,text/csv,${XLSX}`});
  const text = h('textarea', {id: 'import-text', name: 'csv', rows: '8', class: 'mono',
    placeholder: 'name,username,group,role,joined_on,password'});
  const box = statusBox('import-status');
  const errs = h('div', {id: 'import-errors'});
  const form = h('form', {id: 'import-form', novalidate: true},
    h('p', {class: 'muted'}, t('import.intro')),
    h('pre', {class: 'sample mono'}, 'name,username,group,role,joined_on,password\n张三,zhangsan,第一党支部,member,2023-01-01,ChangeMe123'),
    field(t('import.file'), file, {name: 'file'}),
    field(t('import.text'), text, {name: 'csv'}),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: 'import-submit'}, t('import.submit'))),
    box, errs);
  // A chosen file is sent as its raw bytes: the server reads UTF-8, GBK
  // (Excel's CSV on Chinese Windows) and XLSX. The box shows a CSV decoded
  // as the server will; editing it sends the edited text (UTF-8) instead.
  let chosen = null;
  let preview = '';
  const isXLSX = (f) => /\.xlsx$/i.test(f.name) || f.type === XLSX;
  file.addEventListener('change', async () => {
    chosen = file.files && file.files[0] ? file.files[0] : null;
    preview = '';
    if (!chosen) return;
    if (isXLSX(chosen)) {
      text.value = '';
      text.placeholder = t('import.xlsx_chosen', {name: chosen.name});
      return;
    }
    const buf = await chosen.arrayBuffer();
    try { preview = new TextDecoder('utf-8', {fatal: true}).decode(buf); } catch (e) { preview = new TextDecoder('gb18030').decode(buf); }
    text.value = preview;
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(errs);
    const asFile = chosen && (isXLSX(chosen) ? !text.value.trim() : text.value === preview);
    const body = asFile ? chosen : text.value;
    if (!asFile && !text.value.trim()) { setStatus(box, t('import.empty'), 'error'); return; }
    const contentType = asFile ? (isXLSX(chosen) ? XLSX : 'text/csv') : 'text/csv; charset=utf-8';
    setStatus(box, t('common.working'));
    try {
      const r = await api('POST', '/members/import', body, {raw: true, contentType});
      setStatus(box, t('import.done', {created: (r && r.created) || 0, updated: (r && r.updated) || 0}), 'ok');
      app.groups(true);
    } catch (err) {
      const entries = Object.entries(err.fields || {}).sort((a, b) => lineNo(a[0]) - lineNo(b[0]));
      setStatus(box, entries.length ? t('import.bad_lines', {n: entries.length}) : errorText(err), 'error');
      if (entries.length) {
        clear(errs,
          h('ul', {class: 'error-list', id: 'import-error-list'}, entries.map(([k, v]) =>
            h('li', {'data-line': lineNo(k)}, h('strong', null, k), colon(), reasonText(v)))));
      }
    }
  });
  return h('div', {class: 'page'}, pageHead(t('data.title')),
    h('div', {class: 'grid-2 grid-wide-left'},
      card(t('import.title'), form),
      h('div', null,
        card(t('backup.title'), h('p', {class: 'muted'}, t('backup.intro')),
          h('a', {href: '/api/v1/backup', class: 'btn-primary', id: 'backup-download', download: ''}, t('backup.download'))),
        card(t('openapi.title'), h('p', {class: 'muted'}, t('openapi.intro')),
          h('p', null, t('openapi.link'), colon(),
            h('a', {href: '/api/v1/openapi.json', id: 'openapi-link', class: 'mono', target: '_blank', rel: 'noopener'},
              `${location.origin}/api/v1/openapi.json`))))));
}
