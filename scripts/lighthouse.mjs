// Scores Lighthouse accessibility on the main screens of each demo role.
// Not part of CI; see docs/ACCESSIBILITY.md ("Lighthouse") for how to run it.
//
//   LIGHTHOUSE_DIR=/tmp/lh node scripts/lighthouse.mjs http://127.0.0.1:PORT [out-dir]
//
// LIGHTHOUSE_DIR is where `npm i lighthouse` was run (it brings
// puppeteer-core). ADMIN_PASSWORD adds the admin's screens. Prints one
// tab-separated line per screen and form factor: role, path, form factor,
// score (0-100), the audits that failed, and where the page ended when it
// moved. Before each role's screens it checks that the browser is signed in
// (a sign-in page would score too, but prove nothing).
//
// The session is set as browser cookies, not as a Cookie header: the app
// reads studyroll_csrf from document.cookie to know it is signed in.
import {pathToFileURL} from 'node:url';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

const base = process.argv[2];
if (!base) { console.error('usage: node scripts/lighthouse.mjs BASE_URL [OUT_DIR]'); process.exit(2); }
const out = process.argv[3] || '/tmp/lighthouse-out';
const dir = process.env.LIGHTHOUSE_DIR || '.';
const chrome = process.env.CHROME_PATH || '/usr/bin/chromium';
const pass = process.env.DEMO_PASSWORD || 'studyroll-demo';
const factors = (process.env.FACTORS || 'mobile desktop').split(/\s+/).filter(Boolean);
const only = process.env.ONLY || ''; // a role name: score only that role
const match = new RegExp(process.env.MATCH || ''); // score only the paths it matches
mkdirSync(out, {recursive: true});

const mod = (p) => import(pathToFileURL(join(dir, 'node_modules', p)).href);
const lighthouse = (await mod('lighthouse/core/index.js')).default;
const desktopConfig = (await mod('lighthouse/core/config/desktop-config.js')).default;
const puppeteer = (await mod('puppeteer-core/lib/puppeteer/puppeteer-core.js')).default;
const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'node_modules/lighthouse/package.json'), 'utf8'));

async function login(username, password) {
  const res = await fetch(`${base}/api/v1/login`, {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username, password})});
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return res.json();
}

const lead = await login('lead', pass);
const sessions = await (await fetch(`${base}/api/v1/sessions`, {headers: {Authorization: `Bearer ${lead.token}`}})).json();
const sid = sessions.items[sessions.items.length - 1].id;

const screens = [
  ['member', pass, ['/app/home', `/checkin/${sid}`, '/app/plans', '/app/my-reports', '/app/learning-reports']],
  ['lead', pass, ['/app/sessions', `/app/sessions/${sid}`, `/app/sessions/${sid}/live`, '/app/rotation',
    '/app/plan-editor', '/app/exams', '/app/overview']],
  ['hr', pass, ['/app/overview', '/app/reports', '/app/audit', '/app/warnings']],
  ['admin', process.env.ADMIN_PASSWORD, ['/app/members', '/app/groups', '/app/data']],
  ['inspector', pass, ['/app/inspections', '/app/ledger']],
];

const port = 9200 + Math.floor(Math.random() * 700);
console.log(`lighthouse ${pkg.version}`);
for (const [role, password, paths] of screens) {
  if (!password || (only && only !== role)) continue;
  const browser = await puppeteer.launch({executablePath: chrome, headless: true,
    args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${port}`]});
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
    await page.close();
    for (const path of paths.filter((p) => match.test(p))) {
      for (const ff of factors) {
        const flags = {port, output: 'json', logLevel: 'error', onlyCategories: ['accessibility'],
          disableStorageReset: true, formFactor: ff};
        const config = ff === 'desktop' ? desktopConfig : undefined;
        const r = await lighthouse(base + path, flags, config);
        const lhr = r.lhr;
        writeFileSync(join(out, `${role}${path.replaceAll('/', '_')}-${ff}.json`), r.report);
        const bad = Object.entries(lhr.audits)
          .filter(([, a]) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'manual')
          .map(([k]) => k);
        const s = lhr.categories.accessibility.score;
        console.log([role, path, ff, s === null ? 'error' : Math.round(s * 100), bad.join(',') || '-',
          lhr.finalDisplayedUrl === base + path ? '' : `ended at ${lhr.finalDisplayedUrl}`].join('\t'));
      }
    }
  } finally {
    await browser.close();
  }
}
