package store

import "context"

// Nobody acts on their own record: a lead does not mark their own
// attendance, record their own make-up, decide their own leave or enter
// their own exam score — another lead over the group, or an admin, does.
// The acting account is the context's actor, so the rule holds for every
// caller of the store, in the transaction of the write.

// ownRecord refuses a write by the actor on their own record.
func ownRecord(ctx context.Context, memberID string) error {
	if a := ActorFrom(ctx); a != "" && a == memberID {
		return Errorf(KindForbidden, "own_record", "you may not change your own record: another lead over your group or an admin does it")
	}
	return nil
}
