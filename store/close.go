package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CloseSessions closes every session that ended at least CloseAfter (10
// min) before now: audience members without a record are marked absent
// (source "close") and the session's ClosedAt is set. Cancelled and already
// closed sessions are skipped, so a second run changes nothing. Each session
// is closed in its own transaction; a session that fails (a locked period)
// does not stop the others, and the errors are returned joined.
// The scheduler calls it every minute.
func (s *Store) CloseSessions(now time.Time) (closedSessions, markedAbsent int, err error) {
	ctx := WithActor(context.Background(), "system")
	after := s.AttendanceRules().CloseAfter
	due := func(sess *Session) bool {
		return !sess.Cancelled && sess.ClosedAt == nil && !now.Before(sess.EndsAt.Add(after))
	}
	var ids []string
	err = s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var sess Session
			if err := json.Unmarshal(v, &sess); err != nil {
				return err
			}
			if due(&sess) {
				ids = append(ids, sess.ID)
			}
			return nil
		})
	})
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, id := range ids {
		marked := 0
		closed := false
		err := s.update(func(tx *bolt.Tx) error {
			marked, closed = 0, false
			sess, err := getSession(tx, id)
			if err != nil {
				return err
			}
			if !due(sess) {
				return nil // closed or cancelled meanwhile
			}
			ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
			if err != nil {
				return err
			}
			t, err := loadTree(tx)
			if err != nil {
				return err
			}
			aud, err := s.audienceTx(tx, t, sess)
			if err != nil {
				return err
			}
			at := now.UTC()
			skey := keyOrZero(id)
			for _, m := range aud {
				key := pairKey(skey, keyOrZero(m.ID))
				if tx.Bucket(bucketAttendance).Get(key) != nil {
					continue
				}
				rec := &Attendance{SessionID: id, MemberID: m.ID, Status: StatusAbsent, Source: "close", UpdatedAt: at, UpdatedBy: "system"}
				if err := s.putAttendance(ctx, tx, "close", key, nil, rec); err != nil {
					return err
				}
				marked++
			}
			before := *sess
			sess.ClosedAt = &at
			if err := putJSON(tx.Bucket(bucketSessions), skey, sess); err != nil {
				return err
			}
			closed = true
			if err := s.audit(ctx, tx, "close", "session", id, &before, sess); err != nil {
				return err
			}
			// The attendance message is queued with the close itself.
			return s.notifyClosed(tx, t, sess, aud)
		})
		s.forgetSession(id)
		var e *Error
		if errors.As(err, &e) && e.Code == "period_locked" {
			continue // only a person may change a locked period's records
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if closed {
			closedSessions++
			markedAbsent += marked
		}
	}
	return closedSessions, markedAbsent, errors.Join(errs...)
}
