// JSON API client: cookie session, CSRF header on every non-GET request.

let csrfFallback = '';
let onUnauthorized = null;

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
    this.fields = fields || {};
  }
}

// statusCode: the error code of an answer that names none (a proxy's or the
// server's plain-text page: 413 body too large, 502 while restarting), by
// its HTTP status, as the server's own errors use them.
const STATUS_CODES = {400: 'malformed', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found',
  405: 'method_not_allowed', 409: 'conflict', 413: 'too_large', 415: 'unsupported_media_type', 422: 'invalid',
  429: 'too_many_requests', 500: 'internal', 502: 'unavailable', 503: 'unavailable', 504: 'unavailable'};
export function statusCode(status) { return STATUS_CODES[status] || 'error'; }

export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }
export function setCsrfToken(tok) { csrfFallback = tok || ''; }

export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return '';
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// api('POST', '/sessions', body); a FormData body is sent as a multipart
// form. opts.raw: send body as is with
// opts.contentType; opts.quiet401: do not call the unauthorized handler.
export async function api(method, path, body, opts = {}) {
  const headers = {Accept: 'application/json'};
  const init = {method, headers, credentials: 'same-origin'};
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = cookie('studyroll_csrf') || csrfFallback;
  }
  if (body instanceof FormData) {
    init.body = body; // the browser writes the multipart Content-Type and its boundary
  } else if (body !== undefined) {
    if (opts.raw) {
      headers['Content-Type'] = opts.contentType || 'application/octet-stream';
      init.body = body;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch (e) {
    throw new ApiError(0, 'network', '');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!res.ok) {
    const er = (data && data.error) || {};
    const err = new ApiError(res.status, er.code || statusCode(res.status), er.message, er.fields);
    err.detail = er;
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (p, o) => api('GET', p, undefined, o);
export const post = (p, b, o) => api('POST', p, b === undefined ? {} : b, o);
export const put = (p, b, o) => api('PUT', p, b, o);
export const patch = (p, b, o) => api('PATCH', p, b, o);

export const del = (p, o) => api('DELETE', p, undefined, o);

// badAnswer: the server answered, but not in the shape its contract
// (docs/API.md, the OpenAPI document) promises. Shown as err.bad_answer.
export function badAnswer(what) {
  return new ApiError(0, 'bad_answer', what);
}

// items: the list of a {"items": […]} answer, which every list route
// gives; anything else is a bad answer, never an empty list.
export function items(data) {
  if (!data || !Array.isArray(data.items)) throw badAnswer('items');
  return data.items;
}

// need: data, checked to carry each of keys (a bad answer otherwise).
export function need(data, ...keys) {
  if (!data || typeof data !== 'object') throw badAnswer(keys.join(','));
  for (const k of keys) if (!(k in data)) throw badAnswer(k);
  return data;
}
