// Session state: what a session's facts say about it (cancelled, …).

export function sessionCancelled(s) {
  return Boolean(s && (s.cancelled || s.status === 'cancelled' || s.cancelled_at));
}
