// Periods: the current quarter, the list a picker offers, the picker.
import {select} from './dom.js';
import {get, items, need} from './api.js';
import {fmtPeriod} from './i18n.js';

export function currentPeriod(d = new Date()) {
  return `${d.getFullYear()}Q${Math.floor(d.getMonth() / 3) + 1}`;
}

export function periodList() {
  const y = new Date().getFullYear();
  const out = [];
  for (let yy = y; yy >= y - 3; yy--) {
    out.push(`${yy}Q4`, `${yy}Q3`, `${yy}Q2`, `${yy}Q1`, `${yy}`);
  }
  return out;
}

export function periodSelect(id, value, onchange) {
  const opts = periodList().map((p) => [p, fmtPeriod(p)]);
  const el = select(id, opts, value || currentPeriod());
  if (onchange) el.addEventListener('change', () => onchange(el.value));
  return el;
}

// periodLock: the period's lock while it is locked (GET /periods), else
// null. A year's lock covers its quarters too.
export async function periodLock(period) {
  const locks = items(await get('/periods')).filter((l) => need(l, 'period', 'locked', 'revision').locked);
  const year = String(period).slice(0, 4);
  return locks.find((l) => l.period === period) || locks.find((l) => l.period === year) || null;
}
