// Reminder screens: a group's chat robots (settings) and the outbox (admin).
import {confirmAction} from './confirm.js';
import {h, clear, field, statusBox, setStatus, select, showErrors, clearErrors} from './dom.js';
import {api, get, post, patch, put, qs, items} from './api.js';
import {t, fmtDateTime} from './i18n.js';
import {reportError} from './errors.js';
import {card, pageHead, table, emptyRow} from './layout.js';
import {groupOptions, manageableGroups, groupPath} from './groups.js';

const enc = encodeURIComponent;
const KINDS = ['wecom', 'dingtalk', 'feishu'];
const EVENTS = ['session_tomorrow', 'session_soon', 'attendance', 'warnings_digest',
  'rectification_due', 'rectification_overdue', 'reports_ready'];
const PLACEHOLDER = {
  wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
  dingtalk: 'https://oapi.dingtalk.com/robot/send?access_token=…',
  feishu: 'https://open.feishu.cn/open-apis/bot/v2/hook/…',
};

function kindLabel(k) { return t(`reminders.kind.${k}`); }
function eventLabel(e) { return t(`reminders.event.${e}`); }

// robotForm adds a robot to group gid; done is called with the new robot.
function robotForm(gid, done) {
  const kind = select('robot-kind', KINDS.map((k) => [k, kindLabel(k)]), 'wecom');
  kind.name = 'kind';
  const name = h('input', {id: 'robot-name', name: 'name', maxlength: '60', placeholder: t('reminders.name_placeholder')});
  const url = h('input', {id: 'robot-url', name: 'url', type: 'url', required: true, autocomplete: 'off',
    spellcheck: 'false', placeholder: PLACEHOLDER.wecom});
  const secret = h('input', {id: 'robot-secret', name: 'secret', type: 'password', autocomplete: 'off'});
  const signed = h('input', {id: 'robot-signed', name: 'signed', type: 'checkbox', checked: false, disabled: true});
  const format = select('robot-format', [['markdown', t('reminders.format.markdown')], ['text', t('reminders.format.text')]], 'markdown');
  format.name = 'format';
  const boxes = EVENTS.map((e) => h('label', {class: 'check'},
    h('input', {type: 'checkbox', name: 'events', value: e, checked: true, id: `robot-event-${e}`}), ' ', eventLabel(e)));
  const secretField = field(t('reminders.secret'), secret, {name: 'secret', hint: t('reminders.secret_hint')});
  const sync = () => {
    url.placeholder = PLACEHOLDER[kind.value];
    const signs = kind.value !== 'wecom';
    signed.disabled = !signs;
    signed.checked = signs;
    secretField.hidden = !signs;
  };
  kind.addEventListener('change', sync);
  signed.addEventListener('change', () => { secretField.hidden = !signed.checked; });
  const box = statusBox('robot-status');
  const form = h('form', {id: 'robot-form', class: 'robot-form', novalidate: true},
    h('div', {class: 'form-grid'},
      field(t('reminders.kind'), kind, {name: 'kind'}),
      field(t('reminders.name'), name, {name: 'name'}),
      field(t('reminders.url'), url, {name: 'url', hint: t('reminders.url_hint')}),
      field(t('reminders.format'), format, {name: 'format'})),
    h('div', {class: 'field', 'data-field': 'signed'},
      h('label', {class: 'check', for: 'robot-signed'}, signed, ' ', t('reminders.signed')),
      h('span', {class: 'field-error', id: 'robot-signed-error'})),
    secretField,
    h('fieldset', {class: 'field', 'data-field': 'events'},
      h('legend', null, t('reminders.events')), h('div', {class: 'checks'}, boxes),
      h('span', {class: 'field-error'})),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'btn-primary', id: 'robot-submit'}, t('reminders.add'))),
    box);
  sync();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!url.value.trim()) { showErrors(form, {url: t('form.required')}); setStatus(box, t('form.fix'), 'error'); return; }
    const body = {kind: kind.value, url: url.value.trim(), format: format.value,
      events: boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value)};
    if (name.value.trim()) body.name = name.value.trim();
    if (kind.value !== 'wecom') {
      body.signed = signed.checked;
      if (signed.checked) body.secret = secret.value;
    }
    try {
      const r = await post(`/groups/${enc(gid)}/robots`, body);
      form.reset();
      sync();
      setStatus(box, t('reminders.added'), 'ok');
      done(r);
    } catch (err) { reportError(box, err, form); }
  });
  return form;
}

// robots is the settings screen: pick a group, see its robots, add one,
// send a test, switch one off or remove it; the group's naming choice.
export async function robots(app) {
  const groups = manageableGroups(app.me, await app.groups());
  const first = app.me.group_id && groups.some((g) => String(g.id) === String(app.me.group_id)) ? app.me.group_id : (groups[0] || {}).id;
  const pick = select('robots-group', groupOptions(groups), first || '');
  const listWrap = h('div', {id: 'robot-list'});
  const formWrap = h('div', {id: 'robot-add'});
  const settingsWrap = h('div', {id: 'robot-settings'});
  const box = statusBox('robots-status');

  async function loadSettings(gid) {
    const rs = await get(`/groups/${enc(gid)}/reminders`);
    const names = h('input', {type: 'checkbox', id: 'name-absentees', checked: Boolean(rs.name_absentees)});
    names.addEventListener('change', async () => {
      try {
        await put(`/groups/${enc(gid)}/reminders`, {name_absentees: names.checked});
        setStatus(box, t('common.saved'), 'ok');
      } catch (err) { names.checked = !names.checked; reportError(box, err); }
    });
    clear(settingsWrap, h('label', {class: 'check', for: 'name-absentees'}, names, ' ', t('reminders.name_absentees')),
      h('p', {class: 'hint'}, t('reminders.name_absentees_hint')));
  }

  async function load() {
    const gid = pick.value;
    if (!gid) { clear(listWrap, h('p', {class: 'muted'}, t('common.empty'))); return; }
    clear(listWrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/groups/${enc(gid)}/robots`));
      const rows = list.map((r) => h('tr', {id: `robot-${r.id}`, class: r.enabled ? '' : 'is-left'},
        h('th', {scope: 'row'}, r.name || kindLabel(r.kind), h('div', {class: 'muted small'}, kindLabel(r.kind))),
        h('td', {class: 'mono small'}, r.url),
        h('td', null, r.events.map(eventLabel).join('、')),
        h('td', null, r.signed ? t('reminders.signed_yes') : t('reminders.signed_no')),
        h('td', null, r.enabled ? t('reminders.on') : t('reminders.off')),
        h('td', null,
          h('button', {type: 'button', class: 'btn-link', 'data-test': r.id, disabled: !r.enabled, onclick: async () => {
            try { await post(`/robots/${enc(r.id)}/test`); setStatus(box, t('reminders.test_queued'), 'ok'); } catch (err) { reportError(box, err); }
          }}, t('reminders.test')), ' ',
          h('button', {type: 'button', class: 'btn-link', 'data-toggle': r.id, onclick: async () => {
            try { await patch(`/robots/${enc(r.id)}`, {enabled: !r.enabled}); load(); } catch (err) { reportError(box, err); }
          }}, r.enabled ? t('reminders.switch_off') : t('reminders.switch_on')), ' ',
          h('button', {type: 'button', class: 'btn-link danger', 'data-delete': r.id, onclick: async () => {
            if (!await confirmAction({title: t('reminders.delete_title', {name: r.name || kindLabel(r.kind)}),
              body: t('reminders.confirm_delete'), confirm: t('common.delete')})) return;
            try { await api('DELETE', `/robots/${enc(r.id)}`); load(); } catch (err) { reportError(box, err); }
          }}, t('common.delete')))));
      clear(listWrap, table([t('reminders.robot'), t('reminders.url'), t('reminders.events'), t('reminders.signing'),
        t('reminders.state'), t('common.actions')], rows.length ? rows : emptyRow(6, t('reminders.none')), {stack: true}));
      clear(formWrap, robotForm(gid, () => load()));
      await loadSettings(gid);
    } catch (err) { const b = statusBox(); reportError(b, err); clear(listWrap, b); }
  }
  pick.addEventListener('change', load);
  load();
  return h('div', {class: 'page'}, pageHead(t('reminders.title')),
    h('p', {class: 'muted'}, t('reminders.intro')),
    card(null, h('div', {class: 'toolbar'}, field(t('common.group'), pick)), box),
    card(t('reminders.list'), listWrap),
    h('div', {class: 'grid-2 grid-wide-left'},
      card(t('reminders.add_title'), formWrap),
      card(t('reminders.settings'), settingsWrap)));
}

// outbox is the admin screen of the outbox: every message with its state,
// tries and the robot's last error.
export async function outbox(app) {
  const groups = await app.groups();
  const state = select('outbox-state', [['', t('reminders.all_states')], ['queued', t('reminders.msg.queued')],
    ['sent', t('reminders.msg.sent')], ['failed', t('reminders.msg.failed')]], '');
  const wrap = h('div', {id: 'outbox-table'});
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/outbox${qs({state: state.value})}`));
      const rows = list.map((m) => h('tr', {id: `message-${m.id}`, class: `msg-${m.state}`},
        h('th', {scope: 'row'}, m.id),
        h('td', null, eventLabel(m.event) || m.event),
        h('td', null, groupPath(groups, m.group_id) || m.group_id, h('div', {class: 'muted small'}, t('reminders.robot_n', {id: m.robot_id}))),
        h('td', null, h('span', {class: `badge badge-${m.state}`}, t(`reminders.msg.${m.state}`))),
        h('td', null, String(m.tries)),
        h('td', {class: 'small'}, m.last_error || ''),
        h('td', null, fmtDateTime(m.created_at)),
        h('td', null, m.sent_at ? fmtDateTime(m.sent_at) : (m.next_at ? t('reminders.next', {at: fmtDateTime(m.next_at)}) : ''))));
      clear(wrap, table([t('reminders.msg_id'), t('reminders.event'), t('common.group'), t('reminders.state'), t('reminders.tries'),
        t('reminders.last_error'), t('reminders.created'), t('reminders.sent')], rows.length ? rows : emptyRow(8), {stack: true}));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  state.addEventListener('change', load);
  load();
  return h('div', {class: 'page'}, pageHead(t('reminders.outbox_title')),
    h('p', {class: 'muted'}, t('reminders.outbox_intro')),
    card(null, h('div', {class: 'toolbar'}, field(t('reminders.state'), state),
      h('button', {type: 'button', class: 'btn-plain', id: 'outbox-refresh', onclick: load}, t('reminders.refresh')))),
    card(null, wrap));
}
