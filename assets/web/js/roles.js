// Roles: what a signed-in member's role lets the screens offer.

export function isLeadish(me) { return me && (me.role === 'lead' || me.role === 'admin'); }

export function isHR(me) { return me && (me.role === 'hr' || me.role === 'admin'); }

// readsAll: roles that read the whole organisation (hr, admin, inspector).
export function readsAll(me) { return me && (isHR(me) || me.role === 'inspector'); }
