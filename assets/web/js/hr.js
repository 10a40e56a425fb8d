// HR screens: rates across the group tree, warnings, appraisal reports.
import {confirmAction} from './confirm.js';
import {h, s, clear, field, statusBox, setStatus, select} from './dom.js';
import {get, post, qs, items, need, badAnswer} from './api.js';
import {t, tOr, pct, pctText, fmtDate, fmtDateTime, fmtPeriod, fmtNum} from './i18n.js';
import {currentPeriod, periodSelect, periodLock} from './periods.js';
import {reportError} from './errors.js';
import {gradeLabel} from './labels.js';
import {readsAll} from './roles.js';
import {card, pageHead, table, emptyRow} from './layout.js';
import {groupMap, childrenOf, subtreeIds, ancestorsOf, manageableGroups, groupOptions} from './groups.js';
import {rateBars, reportLink, RATE_KEYS} from './widgets.js';

const enc = encodeURIComponent;

function rootsFor(app, groups) {
  const mg = manageableGroups(app.me, groups);
  const ids = new Set(mg.map((g) => String(g.id)));
  return mg.filter((g) => !g.parent_id || !ids.has(String(g.parent_id)));
}

// chart: grouped bars of the three rates per subgroup, 100% target line.
export function ratesChart(entries, onPick) {
  const narrow = document.documentElement.clientWidth < 640;
  const W = narrow ? 340 : 720;
  const rowH = 64;
  const left = narrow ? 92 : 150;
  const right = narrow ? 52 : 70;
  const top = narrow ? 58 : 34;
  const H = top + entries.length * rowH + 26;
  const plotW = W - left - right;
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: onPick ? 'group' : 'img', id: 'rates-chart',
    'aria-label': t('overview.chart_label')});
  svg.appendChild(s('title', {}, t('overview.chart_label')));
  // legend
  RATE_KEYS.forEach((k, i) => {
    const x = narrow ? 8 + (i % 2) * 165 : left + i * 170;
    const y = narrow ? 6 + Math.floor(i / 2) * 22 : 8;
    svg.appendChild(s('rect', {x, y, width: 14, height: 14, class: `c-${k}`}));
    svg.appendChild(s('text', {x: x + 20, y: y + 12, class: 'chart-legend'}, t(`rate.${k}`)));
  });
  // grid at 0/50/100%, the 100% line being the target
  for (const f of [0, 0.5, 1]) {
    const x = left + plotW * f;
    svg.appendChild(s('line', {x1: x, x2: x, y1: top - 4, y2: H - 22, class: f === 1 ? 'chart-target' : 'chart-grid'}));
    svg.appendChild(s('text', {x, y: H - 6, class: 'chart-tick', 'text-anchor': 'middle'}, `${f * 100}%`));
  }
  entries.forEach((e, i) => {
    const y = top + i * rowH;
    const label = s('text', {x: left - 8, y: y + rowH / 2, class: 'chart-label', 'text-anchor': 'end',
      'dominant-baseline': 'middle'}, e.name.length > (narrow ? 6 : 10) ? e.name.slice(0, narrow ? 5 : 9) + '…' : e.name);
    // The row's button holds the bars; its texts sit beside it (a
    // button's name must contain its visible text, WCAG 2.5.3).
    const g = s('g', {class: 'chart-row', 'data-group': e.id});
    const texts = s('g', {class: 'chart-row-texts'});
    g.appendChild(s('title', {}, e.name));
    texts.appendChild(label);
    RATE_KEYS.forEach((k, j) => {
      const r = e.rates && e.rates[k] ? e.rates[k].rate : null;
      const by = y + 8 + j * 16;
      if (r === null || r === undefined) {
        texts.appendChild(s('text', {x: left + 4, y: by + 11, class: 'chart-null'}, `— ${t('rate.none')}`));
      } else {
        g.appendChild(s('rect', {x: left, y: by, width: Math.max(1, plotW * Math.min(1, r)), height: 13, class: `c-${k}`},
          s('title', {}, `${e.name} ${t(`rate.${k}`)} ${pctText(r)}`)));
        texts.appendChild(s('text', {x: left + plotW + 6, y: by + 11, class: 'chart-value'}, pctText(r)));
      }
    });
    if (onPick) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.setAttribute('aria-label', t('overview.open_group', {name: e.name}));
      g.addEventListener('click', () => onPick(e.id));
      texts.addEventListener('click', () => onPick(e.id));
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); onPick(e.id); } });
    }
    svg.appendChild(g);
    svg.appendChild(texts);
  });
  return h('div', {class: 'chart-wrap'}, svg);
}

// subtreeRates sums the members' numerators and denominators of the groups
// in ids, giving each rate as the API gives a group's ({num, den, rate}).
function subtreeRates(members, ids) {
  const out = {};
  for (const k of RATE_KEYS) {
    let num = 0, den = 0;
    for (const m of members) {
      if (ids.has(String(m.group_id)) && m[k]) { num += m[k].num; den += m[k].den; }
    }
    out[k] = {num, den, rate: den > 0 ? num / den : null};
  }
  return out;
}

export async function overview(app) {
  const groups = await app.groups();
  const gm = groupMap(groups);
  const roots = rootsFor(app, groups);
  const params = new URLSearchParams(location.search);
  let period = params.get('period') || currentPeriod();
  let current = params.get('group') || (roots[0] && roots[0].id) || '';
  const per = periodSelect('period-select', period, (v) => { period = v; show(); });
  const tree = h('nav', {class: 'group-tree', id: 'group-tree', 'aria-label': t('overview.tree')});
  const panel = h('div', {class: 'overview-panel', id: 'overview-panel', 'aria-live': 'polite'});

  function treeList(nodes) {
    return h('ul', null, nodes.map((g) => h('li', null,
      h('button', {type: 'button', class: 'tree-btn', 'data-group': g.id,
        'aria-current': String(g.id) === String(current) ? 'true' : undefined,
        onclick: () => pick(g.id)}, g.name),
      childrenOf(groups, g.id).length ? treeList(childrenOf(groups, g.id)) : null)));
  }
  function pick(id) {
    current = id;
    history.replaceState(null, '', `/app/overview${qs({period, group: id})}`);
    show();
  }
  let seq = 0;
  async function show() {
    const my = ++seq;
    clear(tree, treeList(roots));
    history.replaceState(null, '', `/app/overview${qs({period, group: current})}`);
    if (!current) { clear(panel, h('p', {class: 'muted'}, t('overview.no_group'))); return; }
    clear(panel, h('p', {class: 'muted'}, t('common.loading')));
    const kids = childrenOf(groups, current);
    try {
      // One request: each subgroup's rates are the sums of its members'
      // numerators and denominators, as the server sums a group's.
      const rates = await get(`/rates${qs({period, group_id: current})}`);
      if (my !== seq) return;
      const kidRates = kids.map((k) => subtreeRates(rates.members || [], new Set(subtreeIds(groups, k.id))));
      // Groups above the caller's reach show as plain names: a branch
      // lead may not read the parent's figures, so no button leads there.
      const reach = new Set(manageableGroups(app.me, groups).map((x) => String(x.id)));
      const crumbs = h('ol', {class: 'crumbs', 'aria-label': t('overview.path')},
        ancestorsOf(groups, current).map((g) => h('li', null,
          String(g.id) === String(current) ? h('span', {'aria-current': 'page'}, g.name)
            : reach.has(String(g.id)) ? h('button', {type: 'button', class: 'btn-link', onclick: () => pick(g.id)}, g.name)
              : h('span', {class: 'muted', 'data-out-of-reach': 'true'}, g.name))));
      const g = gm.get(String(current));
      const members = rates.members || []; // in the organisation's one order, as the server sends them
      const memberRows = members.map((m) => h('tr', {id: `rate-member-${m.member_id}`},
        h('th', {scope: 'row'}, m.name),
        RATE_KEYS.map((k) => h('td', {class: ['num', m[k] && m[k].rate !== null && m[k].rate < 1 ? 'below' : '']}, pct(m[k] ? m[k].rate : null))),
        h('td', {class: 'num'}, m.evaluation === null || m.evaluation === undefined ? '—' : fmtNum(m.evaluation)),
        h('td', {class: 'num'}, m.score === null || m.score === undefined ? '—' : fmtNum(m.score)),
        h('td', null, gradeLabel(m.grade, period, m.grade_label))));
      const kidEntries = kids.map((k, i) => ({id: k.id, name: k.name, rates: kidRates[i]}));
      const LIMIT = 30;
      const memberBody = table([t('common.name'), ...RATE_KEYS.map((k) => t(`rate.${k}`)),
        t('rate.evaluation'), t('rate.score'), t('rate.grade')],
      memberRows.length ? memberRows.slice(0, LIMIT) : emptyRow(7), {id: 'member-rates', class: 'num-table'});
      const moreBtn = memberRows.length > LIMIT ? h('button', {type: 'button', class: 'btn-secondary', id: 'member-rates-all',
        onclick: () => {
          memberBody.querySelector('tbody').append(...memberRows.slice(LIMIT));
          moreBtn.remove();
        }}, t('overview.show_all', {n: memberRows.length})) : null;
      clear(panel,
        crumbs,
        card(t('overview.group_rates', {name: g ? g.name : '', period: fmtPeriod(period)}), rateBars(rates, 'group-rate')),
        kids.length ? card(t('overview.subgroups'), ratesChart(kidEntries, pick),
          table([t('common.group'), ...RATE_KEYS.map((k) => t(`rate.${k}`))],
            kidEntries.map((e) => h('tr', {id: `rate-group-${e.id}`},
              h('th', {scope: 'row'}, h('button', {type: 'button', class: 'btn-link', onclick: () => pick(e.id)}, e.name)),
              RATE_KEYS.map((k) => h('td', {class: 'num'}, pct(e.rates && e.rates[k] ? e.rates[k].rate : null))))),
            {class: 'num-table', id: 'subgroup-rates'})) : null,
        card(t('overview.members_n', {n: memberRows.length}), memberBody, moreBtn));
    } catch (err) {
      if (my !== seq) return;
      const b = statusBox(); reportError(b, err); clear(panel, b);
    }
  }
  show();
  return h('div', {class: 'page'},
    pageHead(t('overview.title'), h('div', {class: 'toolbar'}, field(t('common.period'), per))),
    h('div', {class: 'overview'}, h('aside', {class: 'card tree-card'}, h('h2', null, t('overview.tree')), tree), panel));
}

// warningDetail: a warning's detail in the UI's language, from its
// structured fields (below, count, from, to) when the server sends them,
// else from the English sentence in detail; anything else as it came.
export function warningDetail(detail, w) {
  if (w && w.kind === 'below_target' && w.below) {
    const list = ['participation', 'completion', 'excellence'].filter((k) => w.below[k])
      .map((k) => `${t(`rate.${k}`)} ${t('rate.counts', {num: w.below[k].num, den: w.below[k].den})}`);
    if (list.length) return t('warn.detail_below', {list: list.join(t('warn.list_sep'))});
  }
  if (w && w.kind === 'audit_chain_broken') return t('warn.detail_audit', {n: w.count || '?', date: fmtDate(w.from)});
  if (w && w.kind === 'cannot_reach' && w.count && w.from) return t('warn.detail_missed', {n: w.count, date: fmtDate(w.from)});
  if (w && w.kind === 'meeting_missed' && w.meeting_kind) {
    return t('warn.detail_meeting_missed', {kind: tOr(`kind.${w.meeting_kind}`, w.meeting_kind), slot: w.slot || ''});
  }
  if (w && w.kind === 'inactive_group') {
    return w.from ? t('warn.detail_inactive', {date: fmtDate(w.from), n: w.count}) : t('warn.detail_inactive_never');
  }
  if (w && w.kind === 'member_no_org_life' && w.count && w.from && w.to) {
    return t('warn.detail_no_org_life', {n: w.count, from: fmtDate(w.from), to: fmtDate(w.to)});
  }
  if (w && w.kind === 'consecutive_absence' && w.count && w.from && w.to) {
    return t('warn.detail_run', {n: w.count, from: fmtDate(w.from), to: fmtDate(w.to)});
  }
  const d = typeof detail === 'string' ? detail : JSON.stringify(detail || '');
  let m = /^below 100%: (.+)$/.exec(d);
  if (m) {
    const parts = m[1].split(', ').map((x) => /^(participation|completion|excellence) (\d+)\/(\d+)$/.exec(x));
    if (parts.every(Boolean)) {
      return t('warn.detail_below', {list: parts.map(([, k, num, den]) =>
        `${t(`rate.${k}`)} ${t('rate.counts', {num, den})}`).join(t('warn.list_sep'))});
    }
  }
  m = /^missed (\d+) required session\(s\) without make-up since (\d{4}-\d{2}-\d{2})/.exec(d);
  if (m) return t('warn.detail_missed', {n: m[1], date: fmtDate(m[2])});
  m = /^absent without make-up from (\d+) sessions in a row \((\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\)/.exec(d);
  if (m) return t('warn.detail_run', {n: m[1], from: fmtDate(m[2]), to: fmtDate(m[3])});
  return d;
}

export async function warnings(app) {
  const groups = await app.groups();
  const mg = manageableGroups(app.me, groups);
  const allowAll = readsAll(app.me);
  const per = periodSelect('warn-period', currentPeriod(), () => load());
  const grp = select('warn-group', groupOptions(mg, allowAll ? t('common.all_groups') : ''),
    allowAll ? '' : (app.me.group_id || ''));
  grp.addEventListener('change', () => load());
  const wrap = h('div', {id: 'warning-list'});
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      const list = items(await get(`/warnings${qs({period: per.value, group_id: grp.value})}`));
      const rows = list.map((w, i) => h('tr', {id: `warn-${i}`, 'data-kind': w.kind, class: `warn-${w.kind}`},
        h('th', {scope: 'row'}, w.name || w.group_name || w.member_id),
        h('td', null, h('span', {class: `badge badge-kind-${w.kind}`}, tOr(`warn.${w.kind}`, w.kind))),
        h('td', null, warningDetail(w.detail, w))));
      clear(wrap, h('p', {class: 'muted'}, t('warn.count', {n: list.length})),
        table([t('common.name'), t('warn.kind'), t('warn.detail')], rows.length ? rows : emptyRow(3, t('warn.none')), {stack: true}));
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  load();
  return h('div', {class: 'page'}, pageHead(t('warn.title')),
    card('', h('div', {class: 'toolbar'}, field(t('common.period'), per), field(t('common.group'), grp)), wrap));
}

// jobFinished: '' while the run goes on, else done or failed (GET
// /jobs/{id}: status running, succeeded, failed or interrupted).
function jobFinished(j) {
  switch (need(j, 'status').status) {
    case 'running': return '';
    case 'succeeded': return 'done';
    case 'failed': case 'interrupted': return 'failed';
    default: throw badAnswer('status');
  }
}

export async function reports(app) {
  const groups = await app.groups();
  const gm = groupMap(groups);
  let names = new Map();
  names = new Map(items(await get('/members')).map((m) => [String(m.id), m.name]));
  const per = periodSelect('report-period', currentPeriod(), () => load());
  const grp = select('report-group', groupOptions(groups, t('common.all_groups')), '');
  const progress = h('progress', {id: 'report-progress', max: '1', value: '0', 'aria-label': t('reports.progress'), hidden: true});
  const pText = h('span', {id: 'report-progress-text', class: 'muted'});
  const box = statusBox('report-status');
  const wrap = h('div', {id: 'report-list'});
  let pollTimer = null;
  app.onLeave(() => clearTimeout(pollTimer));
  const gen = h('button', {type: 'button', class: 'btn-primary', id: 'report-generate', onclick: async () => {
    gen.disabled = true;
    setStatus(box, t('reports.started'));
    try {
      const body = {period: per.value};
      if (grp.value) body.group_id = grp.value;
      const r = await post('/reports', body);
      progress.hidden = false;
      progress.removeAttribute('value');
      poll(r.job_id);
    } catch (err) { gen.disabled = false; reportError(box, err); }
  }}, t('reports.generate'));
  async function poll(jobId) {
    try {
      const j = await get(`/jobs/${enc(jobId)}`);
      if (j.total > 0) {
        progress.max = j.total;
        progress.value = j.done || 0;
        pText.textContent = t('reports.progress_n', {done: j.done || 0, total: j.total});
      }
      const fin = jobFinished(j);
      if (fin) {
        gen.disabled = false;
        // the job's error is the server's English for its log: say it in words
        if (fin === 'failed') setStatus(box, t(j.status === 'interrupted' ? 'reports.interrupted' : 'reports.failed'), 'error');
        else {
          progress.max = 1; progress.value = 1;
          setStatus(box, t('reports.finished'), 'ok');
          load();
        }
        return;
      }
    } catch (err) { reportError(box, err); }
    pollTimer = setTimeout(() => poll(jobId), 1000);
  }
  const lockBtn = h('button', {type: 'button', class: 'btn-secondary danger', id: 'period-lock', onclick: async () => {
    const period = fmtPeriod(per.value);
    if (!await confirmAction({title: t('reports.lock_title', {period}), body: t('reports.lock_confirm', {period}),
      confirm: t('reports.lock_do')})) return;
    try {
      await post(`/periods/${enc(per.value)}/lock`);
      setStatus(box, t('reports.locked', {period: fmtPeriod(per.value)}), 'ok');
      showLock();
    } catch (err) { reportError(box, err); }
  }}, t('reports.lock'));
  const lockNote = h('span', {id: 'period-lock-state', class: 'badge badge-muted', hidden: true});
  // showLock: a locked period says so, and its lock button rests.
  async function showLock() {
    try {
      const l = await periodLock(per.value);
      lockBtn.disabled = Boolean(l);
      lockBtn.textContent = l ? t('reports.is_locked') : t('reports.lock');
      lockNote.hidden = !l;
      lockNote.textContent = l ? t('reports.lock_state', {revision: l.revision, when: fmtDateTime(l.locked_at)}) : '';
    } catch (err) { reportError(box, err); }
  }
  function subject(r) {
    if (String(r.kind || '').includes('member')) return names.get(String(r.subject_id)) || r.subject_id;
    const g = gm.get(String(r.subject_id));
    return g ? g.name : (names.get(String(r.subject_id)) || r.subject_id || '');
  }
  const filter = h('input', {id: 'report-filter', name: 'filter', type: 'search', autocomplete: 'off'});
  let all = [];
  const LIMIT = 60;
  function render(showAll) {
    const q = filter.value.trim().toLowerCase();
    const list = all.filter((r) => !q || String(subject(r)).toLowerCase().includes(q));
    const shown = showAll ? list : list.slice(0, LIMIT);
    const rows = shown.map((r) => h('tr', {'data-kind': r.kind || ''},
      h('td', null, fmtPeriod(r.period)),
      h('td', null, tOr(`reports.kind_${r.kind}`, r.kind || '')),
      h('td', null, subject(r)),
      h('td', null, fmtDateTime(r.generated_at),
        r.stale ? h('span', {class: 'badge badge-warn', title: t('reports.stale_tip')}, t('reports.stale')) : null),
      h('td', null, reportLink(r, /\.xlsx(\?|$)/.test(r.url || '') ? t('reports.download_xlsx') : t('reports.download_pdf')))));
    clear(wrap, h('p', {class: 'muted'}, t('reports.count', {n: list.length})),
      table([t('common.period'), t('reports.kind'), t('reports.subject'), t('reports.generated_at'), t('common.file')],
        rows.length ? rows : emptyRow(5, t('reports.none')), {stack: true}),
      list.length > shown.length ? h('button', {type: 'button', class: 'btn-secondary', id: 'report-show-all',
        onclick: () => render(true)}, t('overview.show_all', {n: list.length})) : null);
  }
  filter.addEventListener('input', () => render(false));
  // group summaries first, then members by name
  const order = (r) => (String(r.kind).startsWith('group') ? 0 : 1);
  async function load() {
    clear(wrap, h('p', {class: 'muted'}, t('common.loading')));
    try {
      all = items(await get(`/reports${qs({period: per.value})}`))
        .sort((a, b) => order(a) - order(b) || String(subject(a)).localeCompare(String(subject(b)), 'zh') ||
          String(a.kind).localeCompare(String(b.kind)));
      render(false);
    } catch (err) { const b = statusBox(); reportError(b, err); clear(wrap, b); }
  }
  load();
  showLock();
  per.addEventListener('change', showLock);
  return h('div', {class: 'page'}, pageHead(t('reports.title')),
    card(t('reports.generate_title'),
      h('div', {class: 'toolbar'}, field(t('common.period'), per), field(t('common.group'), grp)),
      h('div', {class: 'actions'}, gen, lockBtn, lockNote),
      h('div', {class: 'progress-line'}, progress, pText), box),
    card(t('reports.list'), h('div', {class: 'toolbar'}, field(t('reports.filter'), filter)), wrap));
}
