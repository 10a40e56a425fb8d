// Session state: what a session's facts say about it (cancelled, …).

export function sessionCancelled(s) {
  return s.cancelled === true;
}
