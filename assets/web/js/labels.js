// Labels: roles, attendance statuses and grades in the UI's language.
import {getLang, t, tOr} from './i18n.js';

export function roleLabel(r) { return tOr(`role.${r}`, r); }

export function statusLabel(s) { return s ? tOr(`status.${s}`, s) : t('status.none'); }

// gradeLabel: the grade's name as the appraisal forms print it. In Chinese
// the policy in force names it (the rates answer's grade_label, e.g. 称职
// when configured); otherwise the default policy's words from the
// translations: quarterly 好/较好/一般/较差, annual 优秀/合格/基本合格/不合格.
export function gradeLabel(g, period, policyLabel) {
  if (!g) return '—';
  if (policyLabel && getLang() === 'zh') return policyLabel;
  return /^\d{4}$/.test(String(period || '')) ? tOr(`grade.annual_${g}`, g) : tOr(`grade.${g}`, g);
}
