// Scores Lighthouse accessibility on the main screens of each demo role.
// Not part of CI; see docs/ACCESSIBILITY.md ("Lighthouse") for how to run it.
//
//   LIGHTHOUSE_DIR=/tmp/lh node scripts/lighthouse.mjs [--lang en] http://127.0.0.1:PORT [out-dir]
//
// --lang en scores the English UI (the app keeps the language in
// localStorage, key studyroll_lang); the default is Chinese.
// LIGHTHOUSE_DIR is where `npm i lighthouse` was run (it brings
// puppeteer-core). ADMIN_PASSWORD adds the admin's screens. Prints one
// tab-separated line per screen and form factor: language, role, path, form
// factor, score (0-100), the audits that failed, what the screen showed
// (its lang attribute and h1, ERROR SHOWN when it showed an error), and
// where the page ended when it moved. Before each role's screens it checks that the browser is signed in
// (a sign-in page would score too, but prove nothing).
//
// The session is set as browser cookies, not as a Cookie header: the app
// reads studyroll_csrf from document.cookie to know it is signed in.
import {pathToFileURL} from 'node:url';
import {fileURLToPath} from 'node:url';
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';

const args = process.argv.slice(2);
let uiLang = 'zh';
const li = args.indexOf('--lang');
if (li >= 0) { uiLang = args[li + 1]; args.splice(li, 2); }
const base = args[0];
if (!base || !['zh', 'en'].includes(uiLang)) {
  console.error('usage: node scripts/lighthouse.mjs [--lang zh|en] BASE_URL [OUT_DIR]'); process.exit(2);
}
const out = args[1] || '/tmp/lighthouse-out';
const dir = process.env.LIGHTHOUSE_DIR || '.';
const chrome = process.env.CHROME_PATH || '/usr/bin/chromium';
const pass = process.env.DEMO_PASSWORD || 'studyroll-demo';
const factors = (process.env.FACTORS || 'mobile desktop').split(/\s+/).filter(Boolean);
const only = (process.env.ONLY || '').split(/[\s,]+/).filter(Boolean); // role names: score only those
const match = new RegExp(process.env.MATCH || ''); // score only the paths it matches
mkdirSync(out, {recursive: true});

const mod = (p) => import(pathToFileURL(join(dir, 'node_modules', p)).href);
const lhMod = await mod('lighthouse/core/index.js');
const lighthouse = lhMod.default;
const desktopConfig = (await mod('lighthouse/core/config/desktop-config.js')).default;
const puppeteer = (await mod('puppeteer-core/lib/puppeteer/puppeteer-core.js')).default;
const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'node_modules/lighthouse/package.json'), 'utf8'));

async function login(username, password) {
  const res = await fetch(`${base}/api/v1/login`, {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username, password})});
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return res.json();
}

async function apiGet(auth, path) {
  const res = await fetch(`${base}/api/v1${path}`, {headers: {Authorization: `Bearer ${auth.token}`}});
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return res.json();
}

const lead = await login('lead', pass);
const sessions = await apiGet(lead, '/sessions');
const sid = sessions.items[sessions.items.length - 1].id;
// a questionnaire the member may answer, and an inspection each of the
// inspector and the lead sees
const member = await login('member', pass);
const qns = (await apiGet(member, '/questionnaires')).items || [];
const qn = qns.find((q) => !q.closed && !q.answered) || qns[0];
const inspections = (await apiGet(await login('inspector', pass), '/inspections')).items || [];
const leadInspections = (await apiGet(lead, '/inspections')).items || [];

// A screen is a path, or [path, selector]: the path, then a click on the
// selector (a view that opens in the page), scored as a snapshot.
const ins = inspections.length ? `/app/inspections/${inspections[0].id}` : null;
const screens = [
  ['member', pass, ['/app', '/app/home', `/checkin/${sid}`, '/app/plans', '/app/my-reports', '/app/learning-reports',
    '/app/questionnaires', qn && `/app/questionnaires/${qn.id}`, '/app/rectifications', '/app/security']],
  ['lead', pass, ['/app', '/app/sessions', '/app/sessions/new', `/app/sessions/${sid}`, `/app/sessions/${sid}/live`,
    '/app/rotation', '/app/plan-editor', '/app/exams', '/app/evaluate', '/app/robots', '/app/overview',
    '/app/warnings', '/app/compliance', '/app/rectifications', '/app/ledger', '/app/inspections',
    leadInspections.length && `/app/inspections/${leadInspections[0].id}`]],
  ['hr', pass, ['/app', '/app/overview', '/app/reports', '/app/audit', '/app/warnings', '/app/exams',
    '/app/compliance', '/app/inspections', '/app/ledger', '/app/rectifications']],
  ['admin', process.env.ADMIN_PASSWORD, ['/app', '/app/members', '/app/groups', '/app/data', '/app/outbox',
    '/app/security']],
  ['inspector', pass, ['/app', '/app/inspections', ins, ins && [ins, '[data-action=results]'], '/app/ledger',
    '/app/exams', '/app/overview', '/app/warnings', '/app/compliance', '/app/rectifications']],
];

// The browser gets a fontconfig of its own, as in the browser tests: the
// system's fonts plus the repository's CJK font (assets/fonts). Without a
// CJK font Chinese is drawn as narrow boxes, and target sizes and text
// widths are not what a user sees.
const fontHome = mkdtempSync(join(tmpdir(), 'lh-fonts-'));
const fontsConf = join(fontHome, 'fonts.conf');
writeFileSync(fontsConf, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <dir>${join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'fonts')}</dir>
  <cachedir>${join(fontHome, 'cache')}</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
`);

const port = 9200 + Math.floor(Math.random() * 700);
console.log(`lighthouse ${pkg.version}`);
for (const [role, password, paths] of screens) {
  if (!password || (only.length && !only.includes(role))) continue;
  const browser = await puppeteer.launch({executablePath: chrome, headless: true,
    args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${port}`],
    env: {...process.env, FONTCONFIG_FILE: fontsConf}});
  try {
    const auth = await login(role, password);
    const host = new URL(base).hostname;
    await browser.setCookie(
      {name: 'studyroll_session', value: auth.token, domain: host, path: '/', httpOnly: true, sameSite: 'Strict'},
      {name: 'studyroll_csrf', value: auth.csrf_token, domain: host, path: '/', sameSite: 'Strict'});
    // Prove the cookies sign the browser in: the app shows its menu, not the
    // sign-in form (which has the only password field of the app).
    const page = await browser.newPage();
    await page.goto(base + '/app/home', {waitUntil: 'networkidle0'});
    if (await page.$('input[type=password]')) throw new Error(`${role}: the browser shows the sign-in page`);
    // the app reads the language from localStorage, which the runs keep
    await page.evaluate((l) => localStorage.setItem('studyroll_lang', l), uiLang);
    await page.close();
    for (const screen of paths.filter((p) => p && match.test(Array.isArray(p) ? p[0] : p))) {
      const [path, click] = Array.isArray(screen) ? screen : [screen, null];
      const name = click ? `${path} + ${click}` : path;
      for (const ff of factors) {
        const flags = {port, output: 'json', logLevel: 'error', onlyCategories: ['accessibility'],
          disableStorageReset: true, formFactor: ff};
        const config = ff === 'desktop' ? desktopConfig : undefined;
        // what the screen shows: its h1, or the error the app reports
        const seen = await browser.newPage();
        await seen.goto(base + path, {waitUntil: 'networkidle0'});
        let r;
        if (click) {
          await seen.click(click);
          await seen.waitForNetworkIdle();
          r = await lhMod.snapshot(seen, {config, flags});
        } else {
          r = await lighthouse(base + path, flags, config);
        }
        const shown = await seen.evaluate(() => [document.documentElement.lang,
          (document.querySelector('main h1') || {}).textContent || '',
          document.querySelector('#page-error, .status-error:not(:empty)') ? 'ERROR SHOWN' : ''].join(' ').trim());
        await seen.close();
        const lhr = r.lhr;
        writeFileSync(join(out, `${uiLang}-${role}${name.replace(/[^\w-]+/g, '_')}-${ff}.json`), r.report);
        const bad = Object.entries(lhr.audits)
          .filter(([, a]) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'manual')
          .map(([k]) => k);
        const s = lhr.categories.accessibility.score;
        console.log([uiLang, role, name, ff, s === null ? 'error' : Math.round(s * 100), bad.join(',') || '-', shown,
          lhr.finalDisplayedUrl === base + path ? '' : `ended at ${lhr.finalDisplayedUrl}`].join('\t'));
      }
    }
  } finally {
    await browser.close();
  }
}
