package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SheetEntry is one line of a paper sign-in sheet entered after the fact.
type SheetEntry struct {
	MemberID    string     `json:"member_id"`
	Status      string     `json:"status"`
	Note        string     `json:"note,omitempty"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	MakeupOn    string     `json:"makeup_on,omitempty"`
	MakeupNote  string     `json:"makeup_note,omitempty"`
}

// RecordSheet enters a whole paper sign-in sheet (学习签到表) for a session
// in one transaction: organisations keep paper sheets and leads record them
// later. Every entry is checked first; any bad entry rejects the sheet, with
// each problem named as "entries[i]". Each record gets its audit entry.
func (s *Store) RecordSheet(ctx context.Context, sessionID string, entries []SheetEntry) ([]Attendance, error) {
	fe := FieldErrors{}
	status := make([]Status, len(entries))
	seen := map[string]bool{}
	for i, e := range entries {
		f := fmt.Sprintf("entries[%d]", i)
		st, ok := ParseStatus(e.Status)
		switch {
		case !ok:
			fe.Add(f, "status: one of present, late, leave, absent")
		case e.MakeupOn != "" && !ValidDate(e.MakeupOn):
			fe.Add(f, "makeup_on: a date YYYY-MM-DD")
		case e.MakeupOn != "" && st != StatusLeave && st != StatusAbsent:
			fe.Add(f, "makeup_on: only for a leave or absent record")
		case seen[e.MemberID]:
			fe.Add(f, "member "+e.MemberID+" listed twice")
		}
		seen[e.MemberID] = true
		status[i] = st
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := ownRecord(ctx, e.MemberID); err != nil {
			return nil, err
		}
	}
	out := make([]Attendance, 0, len(entries))
	err := s.update(func(tx *bolt.Tx) error {
		out = out[:0]
		sess, err := managedSessionTx(ctx, tx, sessionID, "attendance")
		if err != nil {
			return err
		}
		if sess.Cancelled {
			return Conflict("session_cancelled", "session %s is cancelled", sessionID)
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		start := sess.StartsAt.In(s.loc).Format(DateLayout)
		bad := FieldErrors{}
		now := s.now().UTC()
		for i, e := range entries {
			m, err := getMember(tx, e.MemberID)
			if err != nil || !s.inAudience(t, sess, m) {
				bad.Add(fmt.Sprintf("entries[%d]", i), "member "+e.MemberID+" is not in this session's audience")
				continue
			}
			if e.MakeupOn != "" && e.MakeupOn < start {
				bad.Add(fmt.Sprintf("entries[%d]", i), "makeup_on: before the session's start")
				continue
			}
			if e.MakeupOn != "" && e.MakeupOn > s.Today() {
				bad.Add(fmt.Sprintf("entries[%d]", i), "makeup_on: after today")
				continue
			}
			key := pairKey(keyOrZero(sessionID), keyOrZero(e.MemberID))
			before, err := getAttendance(tx, key)
			if err != nil {
				return err
			}
			rec := Attendance{SessionID: sessionID, MemberID: e.MemberID, Status: status[i], CheckedInAt: e.CheckedInAt,
				Source: "lead", Note: e.Note, MakeupOn: e.MakeupOn, MakeupNote: e.MakeupNote, UpdatedAt: now, UpdatedBy: ActorFrom(ctx)}
			if rec.MakeupOn != "" {
				// A make-up already on the record keeps when it was recorded.
				rec.MakeupRecordedAt = &now
				if before != nil && before.MakeupOn == rec.MakeupOn && before.MakeupRecordedAt != nil {
					rec.MakeupRecordedAt = before.MakeupRecordedAt
				}
			}
			if err := s.putAttendance(ctx, tx, "sheet", key, before, &rec); err != nil {
				return err
			}
			out = append(out, rec)
		}
		return bad.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
