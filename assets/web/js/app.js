// studyroll single-page app: layout, login and the client-side router.
import {h, clear, field, statusBox, setStatus} from './dom.js';
import {api, get, post, items, need, setCsrfToken, setUnauthorizedHandler} from './api.js';
import {t, loadLang, savedLang, getLang, paren} from './i18n.js';
import {reportError, errorText} from './errors.js';
import {roleLabel} from './labels.js';
import {isLeadish, isHR, readsAll} from './roles.js';
import * as member from './member.js';
import * as sessions from './sessions.js';
import * as sessionDetail from './session-detail.js';
import * as sessionLive from './session-live.js';
import * as rotation from './rotation.js';
import * as exams from './exams.js';
import * as evaluate from './evaluate.js';
import * as learningReport from './learning-report.js';
import * as auditScreen from './audit.js';
import * as hr from './hr.js';
import * as admin from './admin.js';
import * as inspect from './inspect.js';
import * as meetings from './meetings.js';
import * as reminders from './reminders.js';
import * as security from './security.js';
import * as privacy from './privacy.js';
import * as plans from './plans.js';
import * as questionnaire from './questionnaire.js';

const state = {me: null, groups: null, cleanups: []};

export const app = {
  get me() { return state.me; },
  async groups(force) {
    if (!state.groups || force) {
      state.groups = items(await get('/groups'));
    }
    return state.groups;
  },
  onLeave(fn) { state.cleanups.push(fn); },
  navigate,
  announce(text) { setStatus(document.getElementById('app-status'), text, 'ok'); },
};

// Routes: [pattern, view, roles (undefined = every signed-in user)].
const ROUTES = [
  [/^\/app\/?$/, member.home],
  [/^\/app\/home$/, member.home],
  [/^\/checkin\/([^/]+)$/, member.checkin],
  [/^\/app\/plans$/, plans.mine],
  [/^\/app\/plan-editor$/, plans.editor, ['lead', 'admin']],
  [/^\/app\/questionnaires$/, questionnaire.list],
  [/^\/app\/questionnaires\/([^/]+)$/, questionnaire.answer],
  [/^\/app\/learning-reports$/, learningReport.learningReports],
  [/^\/app\/my-reports$/, member.myReports],
  [/^\/app\/security$/, security.page],
  [/^\/app\/sessions$/, sessions.sessions, ['lead', 'admin']],
  [/^\/app\/sessions\/new$/, sessions.newSession, ['lead', 'admin']],
  [/^\/app\/sessions\/([^/]+)\/live$/, sessionLive.live, ['lead', 'admin']],
  [/^\/app\/sessions\/([^/]+)$/, sessionDetail.sessionDetail, ['lead', 'admin']],
  [/^\/app\/rotation$/, rotation.rotation, ['lead', 'admin']],
  [/^\/app\/exams$/, exams.exams, ['lead', 'admin', 'hr', 'inspector']],
  [/^\/app\/evaluate$/, evaluate.evaluate, ['lead', 'admin']],
  [/^\/app\/overview$/, hr.overview, ['lead', 'hr', 'admin', 'inspector']],
  [/^\/app\/warnings$/, hr.warnings, ['lead', 'hr', 'admin', 'inspector']],
  [/^\/app\/compliance$/, meetings.compliance, ['lead', 'hr', 'admin', 'inspector']],
  [/^\/app\/reports$/, hr.reports, ['hr', 'admin']],
  [/^\/app\/audit$/, auditScreen.audit, ['hr', 'admin']],
  [/^\/app\/members$/, admin.members, ['admin']],
  [/^\/app\/groups$/, admin.groups, ['admin']],
  [/^\/app\/data$/, admin.data, ['admin']],
  [/^\/app\/inspections$/, inspect.workspace, ['inspector', 'hr', 'admin', 'lead']],
  [/^\/app\/inspections\/([^/]+)$/, inspect.inspection, ['inspector', 'hr', 'admin', 'lead']],
  [/^\/app\/rectifications$/, inspect.rectifications],
  [/^\/app\/ledger$/, inspect.ledger, ['lead', 'hr', 'admin', 'inspector']],
  [/^\/app\/robots$/, reminders.robots, ['lead', 'admin']],
  [/^\/app\/outbox$/, reminders.outbox, ['admin', 'sysadmin']],
];

function navItems(me) {
  const list = [
    ['/app/home', 'nav.home'],
    ['/app/plans', 'nav.plans'],
    ['/app/learning-reports', 'nav.learning_reports'],
    ['/app/my-reports', 'nav.my_reports'],
    ['/app/questionnaires', 'nav.questionnaires'],
  ];
  if (isLeadish(me)) {
    list.push(['/app/plan-editor', 'nav.plan_editor'], ['/app/sessions', 'nav.sessions'], ['/app/rotation', 'nav.rotation'],
      ['/app/exams', 'nav.exams'], ['/app/evaluate', 'nav.evaluate'], ['/app/robots', 'nav.robots']);
  }
  // hr and inspectors read exams' saved scores (leads and admins have it above)
  if (readsAll(me) && !isLeadish(me)) list.push(['/app/exams', 'nav.exams']);
  if (me.role === 'lead' || readsAll(me)) {
    list.push(['/app/overview', 'nav.overview'], ['/app/warnings', 'nav.warnings'], ['/app/compliance', 'nav.compliance']);
  }
  list.push(...inspect.navFor(me));
  if (isHR(me)) list.push(['/app/reports', 'nav.reports'], ['/app/audit', 'nav.audit']);
  if (me.role === 'admin') {
    list.push(['/app/members', 'nav.members'], ['/app/groups', 'nav.groups'], ['/app/data', 'nav.data'], ['/app/outbox', 'nav.outbox']);
  }
  return list;
}

function renderHeader() {
  const header = document.getElementById('app-header');
  const skip = document.getElementById('skip-link');
  if (skip) skip.textContent = t('app.skip');
  const me = state.me;
  const langBtn = h('button', {type: 'button', id: 'lang-switch', class: 'btn-plain lang-switch',
    lang: getLang() === 'zh' ? 'en' : 'zh',
    title: t('lang.switch_label'),
    onclick: async () => { await loadLang(getLang() === 'zh' ? 'en' : 'zh'); renderHeader(); route(); }},
  t('lang.other'));
  const top = h('div', {class: 'header-top'},
    h('a', {href: '/app/home', class: 'brand'},
      h('span', {class: 'brand-mark', 'aria-hidden': 'true'}, t('app.mark')),
      h('span', {class: 'brand-name'}, t('app.title'))),
    h('div', {class: 'header-tools'},
      me ? h('span', {class: 'who', id: 'who'}, `${me.name}${paren(roleLabel(me.role))}`) : null,
      langBtn,
      me ? h('button', {type: 'button', class: 'btn-plain', id: 'logout', onclick: logout}, t('nav.logout')) : null));
  if (!me) {
    clear(header, top);
    return;
  }
  const nav = h('nav', {id: 'main-nav', 'aria-label': t('nav.label')},
    h('ul', null, navItems(me).map(([href, key]) =>
      h('li', null, h('a', {href, 'data-nav': href}, t(key)))),
    h('li', {class: 'nav-logout'}, h('button', {type: 'button', class: 'btn-plain', id: 'nav-logout', onclick: logout},
      t('nav.logout'), h('span', {class: 'muted'}, paren(me.name))))));
  const toggle = h('button', {type: 'button', class: 'btn-plain nav-toggle', id: 'nav-toggle',
    'aria-expanded': 'false', 'aria-controls': 'main-nav',
    onclick: () => {
      const open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', String(open));
    }}, t('nav.menu'));
  top.querySelector('.header-tools').prepend(toggle);
  clear(header, top, nav);
  markNav();
}

function markNav() {
  const p = location.pathname;
  for (const a of document.querySelectorAll('#main-nav a')) {
    const href = a.getAttribute('data-nav');
    const on = p === href || (href !== '/app/home' && p.startsWith(href + '/'));
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const nav = document.getElementById('main-nav');
  if (nav) nav.classList.remove('open');
  const tg = document.getElementById('nav-toggle');
  if (tg) tg.setAttribute('aria-expanded', 'false');
}

async function logout() {
  try {
    await post('/logout');
  } catch (err) {
    // still signed in on the server: say so, stay
    setStatus(document.getElementById('app-status'), errorText(err), 'error');
    return;
  }
  state.me = null;
  state.groups = null;
  renderHeader();
  navigate('/app/home');
}

function loginView(reason) {
  const user = h('input', {id: 'login-username', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false'});
  const pass = h('input', {id: 'login-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true});
  const box = statusBox('login-status');
  const btn = h('button', {type: 'submit', id: 'login-submit', class: 'btn-primary btn-block'}, t('login.submit'));
  // The second step, shown when the server answers second_factor_required.
  const totp = h('input', {id: 'login-totp', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: '11', spellcheck: 'false'});
  const enrolSlot = h('div', {id: 'login-enrol'});
  const totpField = field(t('login.totp'), totp, {name: 'totp'});
  totpField.hidden = true;
  const form = h('form', {id: 'login-form', class: 'login-form', novalidate: true},
    field(t('login.username'), user, {name: 'username'}),
    field(t('login.password'), pass, {name: 'password'}),
    enrolSlot, totpField,
    box, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!user.value.trim() || !pass.value) {
      setStatus(box, t('login.missing'), 'error');
      return;
    }
    btn.disabled = true;
    setStatus(box, t('common.working'));
    try {
      const body = {username: user.value.trim(), password: pass.value};
      const code = totp.value.replace(/\s+/g, '');
      if (code) { if (/^\d{6}$/.test(code)) body.totp = code; else body.recovery_code = code; }
      const r = await api('POST', '/login', body, {quiet401: true});
      setCsrfToken(r && r.csrf_token);
      if (r && Array.isArray(r.recovery_codes)) {
        // Enrolled just now: the recovery codes are shown once, here.
        state.me = asMember(need(r, 'member').member);
        state.groups = null;
        totpField.hidden = true;
        btn.hidden = true;
        setStatus(box, '');
        clear(enrolSlot,
          h('p', null, t('login.recovery_intro')),
          h('ul', {id: 'login-recovery-codes', class: 'code-list'}, r.recovery_codes.map((c) => h('li', null, h('code', null, c)))),
          h('button', {type: 'button', class: 'btn-primary', id: 'login-continue', onclick: () => { renderHeader(); route(); }},
            t('login.continue')));
        return;
      }
      state.me = asMember(need(r, 'member').member);
      state.groups = null;
      renderHeader();
      route();
    } catch (err) {
      btn.disabled = false;
      if (err.status === 401 && err.code === 'second_factor_required') {
        totpField.hidden = false;
        const enrol = err.detail && err.detail.enrol;
        if (enrol) {
          clear(enrolSlot,
            h('p', null, t('login.enrol_intro')),
            enrol.qr_png ? h('img', {src: enrol.qr_png, alt: t('login.enrol_qr'), id: 'login-enrol-qr', width: '200', height: '200'}) : null,
            h('p', {class: 'muted'}, t('login.enrol_secret'), h('code', {id: 'login-enrol-secret'}, enrol.secret)));
        }
        setStatus(box, t('login.totp_needed'));
        totp.focus();
        return;
      }
      if (err.status === 401 && (err.code === 'bad_second_factor' || err.code === 'totp_reused')) {
        setStatus(box, t(err.code === 'totp_reused' ? 'login.totp_reused' : 'login.totp_wrong'), 'error');
        totp.select();
        return;
      }
      if (err.status === 401) setStatus(box, t('login.failed'), 'error');
      else reportError(box, err, form);
      pass.select();
    }
  });
  const view = h('div', {class: 'login-page'},
    h('section', {class: 'card login-card', 'aria-labelledby': 'login-title'},
      h('h1', {id: 'login-title'}, t('login.title')),
      h('p', {class: 'muted'}, reason || t('login.intro')),
      form));
  setTimeout(() => user.focus(), 0);
  return view;
}

function runCleanups() {
  const fns = state.cleanups;
  state.cleanups = [];
  for (const fn of fns) { try { fn(); } catch (e) { /* ignore */ } }
}

// asMember: the member of GET /me (or of the login's answer).
function asMember(m) {
  return need(m, 'id', 'name', 'role');
}

let routeSeq = 0;
let startError = null; // why the session could not be read at start (not 401)
let moveFocus = false;

export async function route() {
  runCleanups();
  const seq = ++routeSeq;
  const main = document.getElementById('main');
  let path = location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/app') {
    history.replaceState(null, '', '/app/home' + location.search);
    path = '/app/home';
  }
  markNav();
  if (!state.me) {
    privacy.show(null);
    let reason = path.startsWith('/checkin/') ? t('checkin.login_first') : '';
    if (startError) { reason = errorText(startError); startError = null; }
    clear(main, loginView(reason));
    return;
  }
  privacy.show(state.me, path === '/app/home');
  let found = null;
  for (const [re, view, roles] of ROUTES) {
    const m = re.exec(path);
    if (m) { found = [view, roles, m.slice(1).map(decodeURIComponent)]; break; }
  }
  if (!found) {
    clear(main, h('section', {class: 'card'}, h('h1', null, t('err.page_missing')),
      h('p', null, h('a', {href: '/app/home'}, t('nav.home')))));
    return;
  }
  const [view, roles, params] = found;
  if (roles && !roles.includes(state.me.role)) {
    clear(main, h('section', {class: 'card'}, h('h1', null, t('err.page_forbidden'))));
    return;
  }
  clear(main, h('p', {class: 'loading', role: 'status'}, t('common.loading')));
  try {
    const node = await view(app, ...params);
    if (seq !== routeSeq) return;
    clear(main, node);
    const title = main.querySelector('h1');
    if (moveFocus && title) {
      if (!title.hasAttribute('tabindex')) title.setAttribute('tabindex', '-1');
      title.focus({preventScroll: true});
    }
    moveFocus = false;
    document.title = title ? `${title.textContent} · ${t('app.title')}` : t('app.title');
  } catch (err) {
    if (seq !== routeSeq) return;
    const box = statusBox('page-error');
    reportError(box, err);
    clear(main, h('section', {class: 'card'}, h('h1', null, t('err.load_failed')), box));
  }
}

export function navigate(href, replace) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  moveFocus = true;
  route();
  window.scrollTo(0, 0);
}

function onClick(ev) {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest && ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  if (!(url.pathname.startsWith('/app') || url.pathname.startsWith('/checkin/'))) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
}

// hasSessionCookie: the readable CSRF cookie is set with the HttpOnly
// session cookie at login and cleared with it at logout.
function hasSessionCookie() {
  return document.cookie.split(';').some((c) => c.trim().startsWith('studyroll_csrf='));
}

async function start() {
  await loadLang(savedLang());
  setUnauthorizedHandler(() => {
    if (state.me) {
      state.me = null;
      renderHeader();
      route();
    }
  });
  // Only a browser holding a session asks who it is: a signed-out page
  // makes no request that would answer 401 (and log it in the console).
  if (hasSessionCookie()) {
    try {
      state.me = asMember(await api('GET', '/me', undefined, {quiet401: true}));
    } catch (err) {
      state.me = null;
      if (err.status !== 401) startError = err;
    }
  }
  renderHeader();
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', route);
  await route();
}

start();
