// A member's own figures for the current period, as the home shows them:
// "so far" (the rates to date, 暂评 while the period runs) and "still to
// come" (sessions not yet held, self-study not yet due, exams ahead). Only
// the reader's own row is shown; members are never ranked.
import {h, statusBox} from './dom.js';
import {get, qs, items} from './api.js';
import {t, fmtDate, fmtDateTime, fmtShortDate, fmtTime, fmtPeriod, fmtNum, colon} from './i18n.js';
import {isoDate, addDays} from './dates.js';
import {currentPeriod} from './periods.js';
import {reportError} from './errors.js';
import {card} from './layout.js';
import {sessionCancelled} from './session-state.js';
import {ancestorsOf} from './groups.js';
import {gradeLabel} from './labels.js';
import {rateBars} from './widgets.js';
import {periodBounds} from './plans.js';

// ownRow: the caller's row of a rates answer.
export function ownRow(rates, me) {
  const ms = (rates && Array.isArray(rates.members)) ? rates.members : [];
  return ms.find((m) => String(m.member_id) === String(me.id)) || null;
}

// ahead: what of the period is still to come for the member on the day
// `now`: sessions for their groups not yet ended, self-study items due
// later and not done, exams held later.
export function ahead({sessions, plans, exams}, chain, now = new Date()) {
  const today = isoDate(now);
  return {
    sessions: sessions.filter((s) => chain.has(String(s.group_id)) && !sessionCancelled(s) && new Date(s.ends_at) > now)
      .sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at))),
    selfStudy: plans.flatMap((p) => (p.items || []).filter((it) => it.due_on && !it.done_at && it.due_on >= today))
      .sort((a, b) => a.due_on.localeCompare(b.due_on)),
    exams: exams.filter((e) => chain.has(String(e.group_id)) && e.held_on > today),
  };
}

// figuresCard: the home's card for the current period.
export async function figuresCard(app, groups) {
  const period = currentPeriod();
  const b = periodBounds(period);
  const box = statusBox('home-figures-status');
  const chain = new Set(ancestorsOf(groups, app.me.group_id).map((g) => String(g.id)));
  const gid = app.me.group_id || '';
  let rates = null;
  let rest = null;
  try {
    const [r, sessions, plans, exams] = await Promise.all([
      // a member's answer is their own row; a lead's, hr's or admin's is
      // their group's, of which only their own row is shown
      get(`/rates${qs({period, group_id: app.me.role === 'member' ? '' : gid})}`),
      gid ? get(`/sessions${qs({group_id: gid, from: isoDate(new Date()), to: isoDate(addDays(b.to, -1))})}`).then(items) : [],
      gid ? get(`/plans${qs({group_id: gid, period})}`).then(items) : [],
      gid ? get(`/exams${qs({group_id: gid, period})}`).then(items) : [],
    ]);
    rates = r;
    rest = ahead({sessions, plans, exams}, chain);
  } catch (err) {
    reportError(box, err);
  }
  const mine = ownRow(rates, app.me);
  const c = card(t('home.rates_title', {period: fmtPeriod(period)}), box);
  c.id = 'home-rates';
  if (!rates) return c;
  if (!mine) {
    c.append(h('p', {class: 'muted'}, t('home.no_rates')));
    return c;
  }
  const provisional = Boolean(rates.provisional);
  const soFar = h('section', {id: 'home-so-far', 'aria-labelledby': 'home-so-far-title'},
    h('h3', {id: 'home-so-far-title'}, provisional ? t('fig.so_far') : t('fig.figures'),
      provisional ? h('span', {class: 'badge badge-warn', id: 'home-provisional'}, t('fig.provisional')) : null),
    rates.as_of ? h('p', {class: 'muted', id: 'home-as-of'},
      provisional ? t('fig.as_of', {time: fmtDateTime(rates.as_of)})
        : rates.locked ? t('fig.locked', {time: fmtDateTime(rates.as_of), n: rates.revision || 1}) : '') : null,
    rateBars(mine, 'my-rate'),
    mine.score !== null && mine.score !== undefined
      ? h('p', {class: 'score-line', id: 'home-grade'}, `${t('rate.score')}${colon()}`, h('strong', null, fmtNum(mine.score)),
        '　', `${t('rate.grade')}${colon()}`, h('strong', null, gradeLabel(mine.grade, period, mine.grade_label)),
        provisional ? h('span', {class: 'muted'}, ` ${t('fig.provisional_grade')}`) : null)
      : null);
  c.append(soFar);
  if (provisional && rest) {
    const n = rest.sessions.length + rest.selfStudy.length + rest.exams.length;
    const list = [
      ...rest.sessions.map((s) => h('li', {'data-kind': 'session'},
        t('fig.session', {date: fmtShortDate(s.starts_at), time: fmtTime(s.starts_at), title: s.title || ''}))),
      ...rest.selfStudy.map((it) => h('li', {'data-kind': 'self_study'}, t('fig.self_study', {date: fmtDate(it.due_on), title: it.title}))),
      ...rest.exams.map((e) => h('li', {'data-kind': 'exam'}, t('fig.exam', {date: fmtDate(e.held_on), title: e.title}))),
    ];
    c.append(h('section', {id: 'home-to-come', 'aria-labelledby': 'home-to-come-title'},
      h('h3', {id: 'home-to-come-title'}, t('fig.to_come')),
      h('p', {class: 'muted'}, n ? t('fig.to_come_intro', {s: rest.sessions.length, i: rest.selfStudy.length, e: rest.exams.length})
        : t('fig.nothing_to_come')),
      list.length ? h('ul', {class: 'to-come'}, list) : null));
  }
  return c;
}
