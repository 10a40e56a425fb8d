// Dates: ISO days, day arithmetic, datetime-local ↔ RFC 3339.

function pad(n) { return String(n).padStart(2, '0'); }

export function isoDate(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function addDays(d, n) {
  const x = new Date(d);
  x.setDate(x.getDate() + n);
  return x;
}

// datetime-local value ("2023-09-30T14:00") → RFC 3339 with local offset.
export function localToRFC3339(v) {
  if (!v) return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return v;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const oh = pad(Math.floor(Math.abs(off) / 60));
  const om = pad(Math.abs(off) % 60);
  return `${isoDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${oh}:${om}`;
}

export function toLocalInput(d) {
  return `${isoDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
