// Errors: an API error worded in the UI's language, shown in a status box and on its fields.
import {reasonText, setStatus, showErrors} from './dom.js';
import {t, tOr} from './i18n.js';

// errorText: a translated text for a known error code, else the server's.
export function errorText(err) {
  if (!err) return t('err.generic');
  if (err.code === 'network') return t('err.network');
  const known = err.code ? tOr(`err.${err.code}`, '') : '';
  if (known) return known;
  if (err.message) return err.message;
  if (err.status === 403) return t('err.forbidden');
  if (err.status === 404) return t('err.not_found');
  return t('err.generic');
}

// reportError shows an API error in a status box and its field errors next to
// the fields of form; fields that match no control are listed in the box.
export function reportError(box, err, form) {
  const rest = form ? showErrors(form, err.fields) : Object.entries(err.fields || {}).map(([k, v]) => [k, reasonText(v)]);
  let text = errorText(err);
  if (rest.length) text += ' ' + rest.map(([k, v]) => `${k}: ${v}`).join('；');
  setStatus(box, text, 'error');
}

export function statusNote(box, text) { setStatus(box, text, 'ok'); }
