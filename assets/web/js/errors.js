// Errors: an API error worded in the UI's language, shown in a status box and on its fields.
import {reasonText, setStatus, showErrors} from './dom.js';
import {t, tOr} from './i18n.js';
import {ApiError} from './api.js';

// errorText: the UI's words for an API error, by its code (every code the
// server answers has an "err.CODE" text; api.js gives a code to answers
// that carry none, such as a proxy's 413 page, by their HTTP status).
// words maps a code to a key worded for one screen (the evidence upload's
// "at most 10 MB"). The server's English message is never shown; anything
// that is not an API error is logged and shown as the generic failure.
export function errorText(err, words) {
  if (!err) return t('err.generic');
  if (!(err instanceof ApiError)) {
    console.error(err);
    return t('err.generic');
  }
  if (words && words[err.code]) return t(words[err.code]);
  return tOr(`err.${err.code}`, '') || t('err.generic');
}

// reportError shows an API error in a status box and its field errors next to
// the fields of form; fields that match no control are listed in the box.
export function reportError(box, err, form, words) {
  const rest = form ? showErrors(form, err.fields) : Object.entries(err.fields || {}).map(([k, v]) => [k, reasonText(v)]);
  let text = errorText(err, words);
  if (rest.length) text += ' ' + rest.map(([k, v]) => `${k}: ${v}`).join('；');
  setStatus(box, text, 'error');
}

export function statusNote(box, text) { setStatus(box, text, 'ok'); }
