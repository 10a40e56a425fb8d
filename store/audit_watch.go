package store

import (
	"runtime"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Every write is audited: each transaction that changes the store appends
// at least one audit entry in that same transaction — except the writes
// listed in AuditExempt, each with the reason. WatchWrites lets a test see
// every write transaction and find one that changed the store without an
// audit entry (store.TestEveryWriteAudited, and every store test through
// mustOpen).

// AuditExempt names the store functions whose write transactions carry
// no audit entry, and why. docs/SECURITY.md repeats the list.
var AuditExempt = map[string]string{
	"recordWrongCode":       "counts one wrong check-in code (the state of the 5-try limit); the lockout at the 5th is audited (checkin_locked)",
	"Notify":                "queues reminder and digest messages for the group robots (the outbox, GET /outbox): delivery state, no record changes",
	"QueueSessionReminders": "queues session reminders for the group robots (the outbox): delivery state, no record changes",
	"BeginAttempt":          "outbox delivery state: an attempt to send a robot message starts (tries + 1)",
	"FinishAttempt":         "outbox delivery state: how the attempt ended (sent, retry at, failed)",
	"touch":                 "notes a login session's last use (the idle timeout's clock) or ends an idle one; logins and logouts are audited",
	"CheckSecondFactor":     "remembers the last TOTP step used so that a code works once; the login it completes is audited, and so is a recovery code's use",
}

// WriteSeen is one committed write transaction as WatchWrites sees it.
type WriteSeen struct {
	Method  string // the store function that opened it ("CreateMember")
	Changed bool   // it put, deleted or created something
	Audited bool   // it appended to the audit log
}

// WatchWrites calls fn after each successful write transaction of s (in
// the transaction, before it commits). For tests: set it before the store
// is shared.
func (s *Store) WatchWrites(fn func(WriteSeen)) { s.writeWatch = fn }

// watched wraps a write transaction's fn for the watch, if any.
func (s *Store) watched(fn func(tx *bolt.Tx) error) func(tx *bolt.Tx) error {
	w := s.writeWatch
	if w == nil {
		return fn
	}
	method := storeMethod()
	if method == "" {
		return fn
	}
	return func(tx *bolt.Tx) error {
		seq := tx.Bucket(bucketAudit).Sequence()
		st := tx.Stats()
		nodes := st.GetNodeCount()
		if err := fn(tx); err != nil {
			return err
		}
		// bbolt materialises a node for every bucket page a put, delete
		// or sequence change touches, and never for a read.
		st = tx.Stats()
		w(WriteSeen{Method: method, Changed: st.GetNodeCount() > nodes, Audited: tx.Bucket(bucketAudit).Sequence() > seq})
		return nil
	}
}

// storeMethod names the store function that opened the write
// transaction: the innermost function of package store on the stack
// above update and batch ("PruneTokens", "recordWrongCode").
func storeMethod() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		name, ok := strings.CutPrefix(f.Function, "studyroll/store.")
		if ok && strings.HasSuffix(f.File, "_test.go") {
			return "" // a test writing raw records (a fixture)
		}
		if ok {
			name = strings.TrimPrefix(name, "(*Store).")
			name, _, _ = strings.Cut(name, ".") // closures: Method.func1
			if name != "update" && name != "batch" && name != "watched" {
				return name
			}
		}
		if !more {
			return "?"
		}
	}
}
