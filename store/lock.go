package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PeriodLock records that a period's appraisal is final. Locking a quarter
// or a year freezes its figures in a snapshot (see PeriodSnapshot) whose
// SHA-256 the lock holds; changes to records dated inside it then need an
// admin, their audit entries carry the flag "locked_period", and the lock
// turns Stale: the records no longer match the frozen figures (which do
// not move). An admin may unlock the period with a written reason; the
// next lock freezes revision N+1, and every report of a revision above 1
// prints 第N版 and that reason.
//
// The period_locks bucket: key the period ("2023Q3" or "2023"), value this
// record as JSON.
type PeriodLock struct {
	Period string `json:"period"`
	// Locked is false between an unlock and the next lock.
	Locked   bool      `json:"locked"`
	Revision int       `json:"revision"`
	LockedAt time.Time `json:"locked_at"`
	LockedBy string    `json:"locked_by"`
	// SnapshotSHA256 is the SHA-256 of the revision's snapshot; "" for a
	// lock made by an older version until its snapshot is taken (see
	// TakeMissingSnapshots).
	SnapshotSHA256 string `json:"snapshot_sha256"`
	// Reason is why the period was last unlocked: the reason the current
	// revision exists (none for revision 1).
	Reason     string     `json:"reason,omitempty"`
	UnlockedAt *time.Time `json:"unlocked_at,omitempty"`
	UnlockedBy string     `json:"unlocked_by,omitempty"`
	Stale      bool       `json:"stale"`
	StaleSince *time.Time `json:"stale_since,omitempty"`
}

// AuditFlagLockedPeriod marks the audit entries of an admin's change to a
// locked period.
const AuditFlagLockedPeriod = "locked_period"

// maxReasonLen bounds an unlock reason.
const maxReasonLen = 500

// LockPeriod locks period (a quarter or a year) and freezes its figures,
// computed with the policy in force, as the next revision. Only a period
// that has ended can be locked: locking the current one would stop members
// checking in. Locking a locked period changes nothing and returns the
// existing lock (taking its snapshot if an older version locked it
// without one).
func (s *Store) LockPeriod(ctx context.Context, period string) (*PeriodLock, error) {
	p, err := ParsePeriod(period, s.loc)
	if err != nil {
		return nil, Invalid(map[string]string{"period": "a year like 2023 or a quarter like 2023Q3"})
	}
	if s.now().Before(p.End) {
		return nil, Conflict("period_open", "period %s has not ended yet (it ends on %s); lock it once its appraisal is final", p, p.LastDate())
	}
	pol := s.Policy()
	var l *PeriodLock
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		key := []byte(p.String())
		var old PeriodLock
		found, err := getJSON(b, key, &old)
		if err != nil {
			return err
		}
		if found && old.Locked && old.SnapshotSHA256 != "" {
			l = &old
			return nil
		}
		var before *PeriodLock
		next := PeriodLock{Period: p.String(), Locked: true, Revision: 1, LockedAt: s.now().UTC(), LockedBy: ActorFrom(ctx)}
		if found {
			before = &old
			next.Reason = old.Reason
			if old.Locked { // locked by an older version: freeze it as it stands
				next = old
				next.Revision = max(old.Revision, 1)
			} else {
				next.Revision = old.Revision + 1
			}
		}
		if next.SnapshotSHA256, err = s.takeSnapshot(tx, p, next.Revision, next.Reason, pol, s.now().UTC()); err != nil {
			return err
		}
		l = &next
		if err := putJSON(b, key, l); err != nil {
			return err
		}
		return s.audit(ctx, tx, "lock", "period", l.Period, before, l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// UnlockPeriod reopens a locked period (admin; the route checks the role)
// with a written reason. Its figures are live again until the next lock
// freezes them as the next revision.
func (s *Store) UnlockPeriod(ctx context.Context, period, reason string) (*PeriodLock, error) {
	p, err := ParsePeriod(period, s.loc)
	if err != nil {
		return nil, Invalid(map[string]string{"period": "a year like 2023 or a quarter like 2023Q3"})
	}
	fe := FieldErrors{}
	vetText(fe, "reason", reason, maxReasonLen, true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var l *PeriodLock
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		key := []byte(p.String())
		var old PeriodLock
		found, err := getJSON(b, key, &old)
		if err != nil {
			return err
		}
		if !found || !old.Locked {
			return Conflict("not_locked", "period %s is not locked", p)
		}
		now := s.now().UTC()
		next := old
		next.Locked, next.Reason, next.UnlockedAt, next.UnlockedBy = false, strings.TrimSpace(reason), &now, ActorFrom(ctx)
		next.Stale, next.StaleSince = false, nil
		l = &next
		if err := putJSON(b, key, l); err != nil {
			return err
		}
		return s.audit(ctx, tx, "unlock", "period", l.Period, &old, l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// TakeMissingSnapshots freezes, with the policy in force, every lock an
// older version made without a snapshot; serve and report call it once the
// policy is configured, so such a period's figures stay those it had on
// upgrade.
func (s *Store) TakeMissingSnapshots(ctx context.Context) error {
	ls, err := s.PeriodLocks()
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.Locked && l.SnapshotSHA256 == "" {
			if _, err := s.LockPeriod(ctx, l.Period); err != nil {
				return fmt.Errorf("snapshot of locked period %s: %w", l.Period, err)
			}
		}
	}
	return nil
}

// PeriodLock returns the lock of period ("2023Q3" or "2023"), nil when the
// period is not locked. The reports read Stale to mark their files out of
// date. A locked year does not show as a lock of its quarters here; use
// LockedAt to ask about a date.
func (s *Store) PeriodLock(period string) (*PeriodLock, error) {
	p, err := ParsePeriod(period, s.loc)
	if err != nil {
		return nil, Invalid(map[string]string{"period": "a year like 2023 or a quarter like 2023Q3"})
	}
	var l *PeriodLock
	err = s.view(func(tx *bolt.Tx) error {
		var x PeriodLock
		found, err := getJSON(tx.Bucket(bucketLocks), []byte(p.String()), &x)
		if found {
			l = &x
		}
		return err
	})
	return l, err
}

// PeriodLocks lists every lock, oldest period first (a year before its
// quarters).
func (s *Store) PeriodLocks() ([]PeriodLock, error) {
	out := []PeriodLock{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLocks).ForEach(func(k, v []byte) error {
			var l PeriodLock
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
			out = append(out, l)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Period < out[j].Period })
	return out, err
}

// LockedAt returns the locks (the quarter's and the year's) that cover
// instant at; empty when its period is open.
func (s *Store) LockedAt(at time.Time) ([]PeriodLock, error) {
	var out []PeriodLock
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = s.locksAt(tx, at)
		return err
	})
	return out, err
}

func (s *Store) locksAt(tx *bolt.Tx, at time.Time) ([]PeriodLock, error) {
	b := tx.Bucket(bucketLocks)
	q := PeriodOf(at, s.loc)
	var out []PeriodLock
	for _, key := range []string{strconv.Itoa(q.Year), q.String()} {
		var l PeriodLock
		found, err := getJSON(b, []byte(key), &l)
		if err != nil {
			return nil, err
		}
		if found && l.Locked {
			out = append(out, l)
		}
	}
	return out, nil
}

// MarkPeriodFresh clears Stale on a period's lock once its reports have
// been generated again. Unlocked periods are left alone.
func (s *Store) MarkPeriodFresh(ctx context.Context, period string) error {
	p, err := ParsePeriod(period, s.loc)
	if err != nil {
		return Invalid(map[string]string{"period": "a year like 2023 or a quarter like 2023Q3"})
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		key := []byte(p.String())
		var l PeriodLock
		found, err := getJSON(b, key, &l)
		if err != nil || !found || !l.Stale {
			return err
		}
		before := l
		l.Stale, l.StaleSince = false, nil
		if err := putJSON(b, key, &l); err != nil {
			return err
		}
		return s.audit(ctx, tx, "fresh", "period", l.Period, &before, &l)
	})
}

// lockGuard is called by every write to a record dated at (a session's
// start, an exam's date, a report's period start …) inside its
// transaction. When the quarter or the year holding at is locked:
//   - an admin may go on: the returned ctx flags the write's audit entries
//     "locked_period" and every lock covering at is marked stale;
//   - anyone else, including jobs acting as "system" (the session closer,
//     imports), is refused with 403 "period_locked" — once a period is
//     final only a person answers for a change to it.
func (s *Store) lockGuard(ctx context.Context, tx *bolt.Tx, at time.Time) (context.Context, error) {
	b := tx.Bucket(bucketLocks)
	if k, _ := b.Cursor().First(); k == nil {
		return ctx, nil // nothing is locked: the common case costs one seek
	}
	locks, err := s.locksAt(tx, at)
	if err != nil || len(locks) == 0 {
		return ctx, err
	}
	actor := ActorFrom(ctx)
	isAdmin := false
	if actor != "system" {
		m, err := getMember(tx, actor)
		if err != nil && !IsKind(err, KindNotFound) {
			return ctx, err
		}
		isAdmin = m != nil && m.Role == RoleAdmin
	}
	if !isAdmin {
		return ctx, Errorf(KindForbidden, "period_locked", "period %s is locked: only an admin may change its records", locks[len(locks)-1].Period)
	}
	now := s.now().UTC()
	for _, l := range locks {
		if l.Stale {
			continue
		}
		l.Stale, l.StaleSince = true, &now
		if err := putJSON(b, []byte(l.Period), &l); err != nil {
			return ctx, err
		}
	}
	return WithAuditFlag(ctx, AuditFlagLockedPeriod), nil
}
