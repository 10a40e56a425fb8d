// Widgets shared by several screens: rate bars, report links.
import {h} from './dom.js';
import {t, pct, pctText} from './i18n.js';

export const RATE_KEYS = ['participation', 'completion', 'excellence'];

// rateBar: one of the three rates against the 100% target.
export function rateBar(key, r, idPrefix) {
  const rate = r ? r.rate : null;
  const fill = h('span', {class: 'bar-fill'});
  const val = rate === null || rate === undefined ? 0 : Math.max(0, Math.min(1, rate));
  fill.style.width = `${(val * 100).toFixed(1)}%`;
  const full = rate !== null && rate !== undefined && rate >= 1;
  const bar = h('div', {class: ['bar', full ? 'bar-full' : '', rate === null || rate === undefined ? 'bar-null' : ''],
    role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': rate === null || rate === undefined ? undefined : (val * 100).toFixed(1),
    'aria-valuetext': rate === null || rate === undefined ? t('rate.none') : pctText(rate),
    'aria-label': t(`rate.${key}`)}, fill);
  const counts = r && r.den ? t('rate.counts', {num: r.num, den: r.den}) : t('rate.none');
  return h('div', {class: 'rate-row', id: idPrefix ? `${idPrefix}-${key}` : undefined, 'data-rate': key},
    h('div', {class: 'rate-head'},
      h('span', {class: 'rate-name'}, t(`rate.${key}`)),
      h('span', {class: 'rate-value'}, pct(rate), h('span', {class: 'rate-target'}, t('rate.target')))),
    bar,
    h('div', {class: 'rate-counts muted'}, counts));
}

export function rateBars(r, idPrefix) {
  return h('div', {class: 'rate-bars'}, RATE_KEYS.map((k) => rateBar(k, r && r[k], idPrefix)));
}

export function reportLink(item, label) {
  return h('a', {class: 'report-link', href: item.url, download: '', 'data-kind': item.kind || ''},
    label || t('reports.download'));
}
