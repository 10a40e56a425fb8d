// Translations: every visible string comes from i18n/zh.json or en.json.
import {h} from './dom.js';

const LANGS = ['zh', 'en'];
const KEY = 'studyroll_lang';
let lang = 'zh';
let dict = {};

export function getLang() { return lang; }

export async function loadLang(want) {
  const l = LANGS.includes(want) ? want : 'zh';
  const res = await fetch(`/static/i18n/${l}.json`, {credentials: 'same-origin'});
  dict = await res.json();
  lang = l;
  try { localStorage.setItem(KEY, l); } catch (e) { /* private mode */ }
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
}

export function savedLang() {
  try { return localStorage.getItem(KEY) || 'zh'; } catch (e) { return 'zh'; }
}

// t(KEY, {name: 'x'}) fills {name} placeholders.
export function t(key, vars) {
  let str = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : key;
  if (vars) {
    str = str.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  }
  return str;
}

// tOr: translation if the key exists, else the fallback text.
export function tOr(key, fallback) {
  return Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : fallback;
}

// colon and paren: "：" and "（…）" in Chinese, ": " and " (…)" in English.
export function colon() { return t('fmt.colon'); }
export function paren(x) { return t('fmt.paren', {x}); }

export function pctText(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

// pct: a rate as "95.0%", or "—" with a "none required" tooltip.
export function pct(rate) {
  if (rate === null || rate === undefined) {
    return h('span', {class: 'rate-null', title: t('rate.none'), 'aria-label': t('rate.none')}, '—');
  }
  return h('span', {class: 'rate'}, pctText(rate));
}

function pad(n) { return String(n).padStart(2, '0'); }

export function fmtDate(v) {
  if (!v) return '';
  let d;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const [y, m, dd] = v.split('-').map(Number);
    d = new Date(y, m - 1, dd);
  } else {
    d = new Date(v);
  }
  if (Number.isNaN(d.getTime())) return String(v);
  return t('fmt.date', {y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(),
    mm: pad(d.getMonth() + 1), dd: pad(d.getDate())});
}

// fmtShortDate: month and day, with the year only when it is not this year.
export function fmtShortDate(v) {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v || '');
  const vars = {y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), mm: pad(d.getMonth() + 1), dd: pad(d.getDate())};
  return d.getFullYear() === new Date().getFullYear() ? t('fmt.month_day', vars) : t('fmt.date', vars);
}

export function fmtTime(v) {
  if (!v) return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fmtDateTime(v) {
  if (!v) return '';
  return `${fmtDate(v)} ${fmtTime(v)}`;
}

export function fmtPeriod(p) {
  if (!p) return '';
  const m = /^(\d{4})(?:Q([1-4]))?$/.exec(p);
  if (!m) return p;
  // {qn}: the quarter as Chinese numerals (第三季度, as the PDFs and file
  // names print it); {q}: as a digit (Q3).
  return m[2] ? t('period.quarter', {y: m[1], q: m[2], qn: '一二三四'[Number(m[2]) - 1]}) : t('period.year', {y: m[1]});
}

export function fmtNum(n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return Number(n).toFixed(digits);
}
