package store

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Leave request statuses.
const (
	LeavePending  = "pending"
	LeaveApproved = "approved"
	LeaveRejected = "rejected"
)

// LeaveRequest is a member's request to be excused from a session (请假).
// Stored as JSON in leave_requests under session id + member id, so a member
// has at most one request per session.
type LeaveRequest struct {
	SessionID   string     `json:"session_id"`
	MemberID    string     `json:"member_id"`
	Reason      string     `json:"reason"`
	Status      string     `json:"status"` // pending, approved, rejected
	RequestedAt time.Time  `json:"requested_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	DecidedBy   string     `json:"decided_by,omitempty"`
}

// LeaveInput is the body of POST /sessions/{id}/leave.
type LeaveInput struct {
	Reason string `json:"reason"`
}

// Validate checks the input without touching the store.
func (in *LeaveInput) Validate() error {
	fe := FieldErrors{}
	vetText(fe, "reason", in.Reason, maxNoteLen, true)
	return fe.Err()
}

// LeaveDecision is the body of PUT /sessions/{id}/leave/{member_id}.
type LeaveDecision struct {
	Approved *bool `json:"approved"`
}

// Validate checks the input without touching the store.
func (in *LeaveDecision) Validate() error {
	if in.Approved == nil {
		return Invalid(map[string]string{"approved": "required: true or false"})
	}
	return nil
}

// RequestLeave files member memberID's request to be excused from a
// session: only an audience member, for themselves, before the start (409
// too_late), once (409 leave_exists).
func (s *Store) RequestLeave(ctx context.Context, sessionID, memberID string, in LeaveInput) (*LeaveRequest, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var req *LeaveRequest
	err := s.update(func(tx *bolt.Tx) error {
		sess, _, err := s.sessionForWrite(tx, sessionID, memberID)
		if IsKind(err, KindInvalid) {
			return Errorf(KindForbidden, "not_in_audience", "you are not in this session's audience")
		} else if err != nil {
			return err
		}
		now := s.now()
		if !now.Before(sess.StartsAt) {
			return Conflict("too_late", "leave must be asked for before the session starts")
		}
		key := pairKey(keyOrZero(sessionID), keyOrZero(memberID))
		b := tx.Bucket(bucketLeave)
		if b.Get(key) != nil {
			return Conflict("leave_exists", "you already asked for leave from this session")
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		req = &LeaveRequest{SessionID: sessionID, MemberID: memberID, Reason: in.Reason, Status: LeavePending, RequestedAt: now.UTC()}
		stored := sealedLeave(tx, *req)
		if err := putJSON(b, key, stored); err != nil {
			return err
		}
		return s.audit(ctx, tx, "request", "leave_request", sessionID+"/"+memberID, nil, stored)
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

// DecideLeave approves or rejects a leave request. Approval writes a leave
// record (source "leave"), replacing any record the member had; rejecting a
// request that was approved removes the leave record it had written, unless
// a make-up is recorded on it (409 has_makeup: the make-up would be lost
// silently). The same decision twice changes nothing.
func (s *Store) DecideLeave(ctx context.Context, sessionID, memberID string, in LeaveDecision) (*LeaveRequest, error) {
	if err := ownRecord(ctx, memberID); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var req *LeaveRequest
	err := s.update(func(tx *bolt.Tx) error {
		sess, err := managedSessionTx(ctx, tx, sessionID, "leave decisions")
		if err != nil {
			return err
		}
		if sess.Cancelled {
			return Conflict("session_cancelled", "session %s is cancelled", sessionID)
		}
		key := pairKey(keyOrZero(sessionID), keyOrZero(memberID))
		b := tx.Bucket(bucketLeave)
		req, err = getByKey[LeaveRequest](b, key, "leave request of member", memberID)
		if err != nil {
			return err
		}
		if err := openLeave(tx, req); err != nil {
			return err
		}
		r := req
		want := LeaveRejected
		if *in.Approved {
			want = LeaveApproved
		}
		if r.Status == want {
			return nil
		}
		old, err := getAttendance(tx, key)
		if err != nil {
			return err
		}
		if want == LeaveRejected && r.Status == LeaveApproved && old != nil && old.Source == "leave" && old.MakeupOn != "" {
			return Conflict("has_makeup", "the leave has a make-up recorded on %s: rejecting it would delete the make-up", old.MakeupOn)
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		before := *r
		now := s.now().UTC()
		r.Status, r.DecidedAt, r.DecidedBy = want, &now, ActorFrom(ctx)
		stored := sealedLeave(tx, *r)
		if err := putJSON(b, key, stored); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, "decide", "leave_request", sessionID+"/"+memberID, sealedLeave(tx, before), stored); err != nil {
			return err
		}
		switch {
		case want == LeaveApproved:
			rec := &Attendance{SessionID: sessionID, MemberID: memberID, Status: StatusLeave, Source: "leave",
				Note: r.Reason, UpdatedAt: now, UpdatedBy: ActorFrom(ctx)}
			if old != nil {
				rec.MakeupOn, rec.MakeupNote, rec.MakeupRecordedAt = old.MakeupOn, old.MakeupNote, old.MakeupRecordedAt
			}
			return s.putAttendance(ctx, tx, "leave", key, old, rec)
		case before.Status == LeaveApproved && old != nil && old.Source == "leave":
			if err := tx.Bucket(bucketAttendance).Delete(key); err != nil {
				return err
			}
			return s.audit(ctx, tx, "delete", "attendance", sessionID+"/"+memberID, sealedAttendance(tx, old), nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

// LeaveRequests lists the leave requests of a session in member id order.
func (s *Store) LeaveRequests(sessionID string) ([]LeaveRequest, error) {
	var out []LeaveRequest
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = leaveRequestsTx(tx, sessionID)
		return err
	})
	return out, err
}

func leaveRequestsTx(tx *bolt.Tx, sessionID string) ([]LeaveRequest, error) {
	prefix, ok := idKey(sessionID)
	if !ok {
		return []LeaveRequest{}, nil
	}
	out, err := listPrefix[LeaveRequest](tx.Bucket(bucketLeave), prefix)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := openLeave(tx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
