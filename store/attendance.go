package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AttendanceRules are the time rules of self check-in and closing.
type AttendanceRules struct {
	// OpensBefore: self check-in opens this long before starts_at (and
	// closes at ends_at).
	OpensBefore time.Duration
	// Grace: a check-in up to this long after starts_at is present, later
	// is late.
	Grace time.Duration
	// CloseAfter: this long after ends_at, audience members without a
	// record become absent.
	CloseAfter time.Duration
}

// DefaultAttendanceRules are the default attendance rules (docs/DOMAIN.md).
var DefaultAttendanceRules = AttendanceRules{
	OpensBefore: 30 * time.Minute,
	Grace:       5 * time.Minute,
	CloseAfter:  10 * time.Minute,
}

// AttendanceRules returns the rules in force.
func (s *Store) AttendanceRules() AttendanceRules {
	if r := s.att().rules.Load(); r != nil {
		return *r
	}
	return DefaultAttendanceRules
}

// SetAttendanceRules replaces the rules in force (configuration at start).
func (s *Store) SetAttendanceRules(r AttendanceRules) { s.att().rules.Store(&r) }

// attState is the store's attendance state that lives in memory: the rules
// and the check-in cache.
type attState struct {
	rules atomic.Pointer[AttendanceRules]

	mu      sync.RWMutex
	entries map[string]*checkinEntry // by session id; ready or loading

	// guard counts wrong check-in codes (checkin_guard.go).
	guard codeGuard
}

// maxCheckinEntries bounds the check-in cache: a handful of sessions run at
// the same time, and an entry of an organisation-wide session holds every
// member's stored bytes.
const maxCheckinEntries = 64

func newAttState() *attState { return &attState{entries: map[string]*checkinEntry{}} }

func (s *Store) att() *attState { return s.attendance }

// checkinEntry is what a check-in needs of its session, decoded once when
// the first member checks in: the session, its stored bytes, its secret and
// its audience. The write transaction compares the stored bytes of the
// session, the member and the member's groups with the ones the entry was
// built from, so a stale entry can never let a check-in through; it only
// costs a rebuild.
type checkinEntry struct {
	ready chan struct{} // closed when loaded (or failed: err set)
	err   error

	sess      Session
	key       []byte
	raw       []byte
	secret    []byte
	startDate string
	codes     atomic.Pointer[stepCodes]
	audience  map[string]*memberCheck // read-only once ready
}

// memberCheck is a positive audience check: a keyed hash of the member's
// stored bytes, and the stored bytes of each group from theirs up to the
// session's (shared by the members of a group). A hash, not the bytes: an
// organisation-wide session's entry holds every member, and at 100,000
// members five open sessions held 250 MB of copies, which kept the
// collector busy through a check-in burst. The hash is maphash with a
// seed drawn when the process starts, so nobody can make a changed record
// hash like the old one.
type memberCheck struct {
	key    []byte
	sum    uint64
	groups [][2][]byte // key, value
}

// memberSeed keys the hashes of memberCheck.
var memberSeed = maphash.MakeSeed()

// still reports whether what the check was made on is unchanged in tx.
func (mc *memberCheck) still(tx *bolt.Tx) bool {
	v := tx.Bucket(bucketMembers).Get(mc.key)
	if v == nil || maphash.Bytes(memberSeed, v) != mc.sum {
		return false
	}
	gb := tx.Bucket(bucketGroups)
	for _, g := range mc.groups {
		if !bytes.Equal(gb.Get(g[0]), g[1]) {
			return false
		}
	}
	return true
}

// codesAt returns the accepted codes at now, computed once per step.
func (e *checkinEntry) codesAt(now time.Time) *stepCodes {
	step := codeStep(now)
	if c := e.codes.Load(); c != nil && c.step == step {
		return c
	}
	c := codesAt(e.secret, step)
	e.codes.Store(c)
	return c
}

// errStaleCheckin says the cached entry no longer matches the store.
var errStaleCheckin = errors.New("check-in cache entry is stale")

// forgetSession drops the cached check-in entry of a session.
func (s *Store) forgetSession(id string) {
	st := s.att()
	st.mu.Lock()
	delete(st.entries, id)
	st.mu.Unlock()
}

// checkinEntry returns the cached entry of session id, loading it if
// needed; concurrent callers wait for one load.
func (s *Store) checkinEntry(id string) (*checkinEntry, error) {
	st := s.att()
	st.mu.RLock()
	e := st.entries[id]
	st.mu.RUnlock()
	if e == nil {
		st.mu.Lock()
		if e = st.entries[id]; e == nil {
			if len(st.entries) >= maxCheckinEntries {
				for k := range st.entries {
					delete(st.entries, k)
					break
				}
			}
			e = &checkinEntry{ready: make(chan struct{})}
			st.entries[id] = e
			st.mu.Unlock()
			e.err = s.loadCheckinEntry(e, id)
			if e.err != nil {
				s.forgetSession(id)
			}
			close(e.ready)
			return e, e.err
		}
		st.mu.Unlock()
	}
	<-e.ready
	return e, e.err
}

// loadCheckinEntry reads the session, its secret and its audience (active
// members of the subtree on the start date) in one read transaction.
func (s *Store) loadCheckinEntry(e *checkinEntry, id string) error {
	key, ok := idKey(id)
	if !ok {
		return NotFound("session", id)
	}
	e.key = key
	return s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get(key)
		if v == nil {
			return NotFound("session", id)
		}
		e.raw = copyBytes(v)
		if err := json.Unmarshal(v, &e.sess); err != nil {
			return err
		}
		e.startDate = s.startDate(&e.sess)
		e.secret = copyBytes(tx.Bucket(bucketSecrets).Get(key))
		if len(e.secret) == 0 {
			return Errorf(KindInternal, "internal", "session %s has no secret", id)
		}
		// The chain of stored groups from each group of the subtree up to
		// the session's group.
		type node struct {
			kv     [2][]byte
			parent string
		}
		nodes := map[string]node{}
		err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			var g Group
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			nodes[g.ID] = node{kv: [2][]byte{copyBytes(k), copyBytes(v)}, parent: g.ParentID}
			return nil
		})
		if err != nil {
			return err
		}
		chains := map[string][][2][]byte{}
		for gid := range nodes {
			var chain [][2][]byte
			for g, i := gid, 0; g != "" && i <= len(nodes); i++ {
				n, ok := nodes[g]
				if !ok {
					break
				}
				chain = append(chain, n.kv)
				if g == e.sess.GroupID {
					chains[gid] = chain
					break
				}
				g = n.parent
			}
		}
		e.audience = map[string]*memberCheck{}
		return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if chain, ok := chains[m.GroupID]; ok && m.ActiveOn(e.startDate) {
				e.audience[m.ID] = &memberCheck{key: copyBytes(k), sum: maphash.Bytes(memberSeed, v), groups: chain}
			}
			return nil
		})
	})
}

// Checkin checks member memberID in at session sessionID with a check-in
// code. created is false when the member already had a record: it is
// returned unchanged, whatever the code and the clock say, so a retried
// request gets the same answer. Otherwise the member must be in the active
// audience (403 not_in_audience), the session not cancelled (409
// session_cancelled), the window open (409 checkin_not_open /
// checkin_closed) and the code current or one step old (422 bad_code).
//
// Concurrent check-ins share one commit (internal/groupcommit). The answer is given
// only after that commit.
func (s *Store) Checkin(ctx context.Context, sessionID, memberID, code string) (rec *Attendance, created bool, err error) {
	for attempt := 0; attempt < 3; attempt++ {
		rec, created, err = s.checkinOnce(ctx, sessionID, memberID, code)
		if !errors.Is(err, errStaleCheckin) {
			return rec, created, err
		}
		s.forgetSession(sessionID)
	}
	return nil, false, Errorf(KindUnavailable, "busy", "the session changed while checking in: retry")
}

func (s *Store) checkinOnce(ctx context.Context, sessionID, memberID, code string) (*Attendance, bool, error) {
	now := s.now()
	e, err := s.checkinEntry(sessionID)
	if err != nil {
		return nil, false, err
	}
	mc := e.audience[memberID]
	if mc == nil {
		// Not in the audience when the entry was built: the member may
		// have joined since, which makes the entry stale.
		if in, err := s.joinedSince(e, memberID); err != nil {
			return nil, false, err
		} else if in {
			return nil, false, errStaleCheckin
		}
		return nil, false, Errorf(KindForbidden, "not_in_audience", "you are not in this session's audience")
	}
	if e.sess.Cancelled {
		return nil, false, Conflict("session_cancelled", "session %s is cancelled", sessionID)
	}
	akey := pairKey(e.key, mc.key)
	entity := sessionID + "/" + memberID
	rules := s.AttendanceRules()
	var refuse error
	switch {
	case now.Before(e.sess.StartsAt.Add(-rules.OpensBefore)):
		refuse = Conflict("checkin_not_open", "check-in opens at %s", e.sess.StartsAt.Add(-rules.OpensBefore).In(s.loc).Format(time.RFC3339))
	case !now.Before(e.sess.EndsAt):
		refuse = Conflict("checkin_closed", "check-in closed at %s, when the session ended", e.sess.EndsAt.In(s.loc).Format(time.RFC3339))
	}
	// A try is reserved before the code is compared (checkin_guard.go).
	reserved := false
	if refuse == nil {
		if err := s.reserveTry(sessionID, e.key, memberID, len(e.audience), now); IsKind(err, KindTooMany) {
			refuse = err
		} else if err != nil {
			return nil, false, err
		} else {
			reserved = true
			if !e.codesAt(now).accepts(code) {
				err := Errorf(KindInvalid, "bad_code", "wrong or expired check-in code: scan the code on the screen again")
				err.Fields = map[string]string{"code": "wrong or expired"}
				refuse = err
			}
		}
	}
	if refuse != nil {
		// A member who already has a record gets it back (a retried
		// request whose code has gone stale meanwhile).
		var existing *Attendance
		err := s.view(func(tx *bolt.Tx) (err error) {
			existing, err = getAttendance(tx, akey)
			return err
		})
		if err != nil || existing != nil {
			if reserved {
				s.releaseTry(sessionID, memberID, false, now)
			}
			return existing, false, err
		}
		if reserved { // a wrong code: count it
			err := s.recordWrongCode(ctx, akey, entity)
			s.releaseTry(sessionID, memberID, err == nil, now)
			if err != nil {
				return nil, false, err
			}
		}
		return nil, false, refuse
	}
	defer s.releaseTry(sessionID, memberID, false, now)
	at := now.UTC()
	rec := Attendance{SessionID: sessionID, MemberID: memberID, Status: StatusPresent, CheckedInAt: &at,
		Source: "self", UpdatedAt: at, UpdatedBy: ActorFrom(ctx)}
	if now.After(e.sess.StartsAt.Add(rules.Grace)) {
		rec.Status = StatusLate
	}
	enc := encodeAttendance(&rec)
	after, err := json.Marshal(&rec)
	if err != nil {
		return nil, false, err
	}
	var out *Attendance
	created := false
	err = s.batch(func(tx *bolt.Tx) error {
		out, created = nil, false
		if !bytes.Equal(tx.Bucket(bucketSessions).Get(e.key), e.raw) || !mc.still(tx) {
			return errStaleCheckin
		}
		ab := tx.Bucket(bucketAttendance)
		if v := ab.Get(akey); v != nil {
			a, err := decodeAttendanceTx(tx, akey, v)
			out = a
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, e.sess.StartsAt)
		if err != nil {
			return err
		}
		if err := ab.Put(akey, enc); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, "checkin", "attendance", entity, nil, json.RawMessage(after)); err != nil {
			return err
		}
		r := rec
		out, created = &r, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// joinedSince reports whether memberID, absent from the entry's audience,
// is in the session's audience now (moved into the group, or re-dated).
func (s *Store) joinedSince(e *checkinEntry, memberID string) (bool, error) {
	in := false
	err := s.view(func(tx *bolt.Tx) error {
		m, err := getMember(tx, memberID)
		if IsKind(err, KindNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		in = s.inAudience(t, &e.sess, m)
		return nil
	})
	return in, err
}

// AttendanceInput is the body of PUT /sessions/{id}/attendance/{member_id}.
type AttendanceInput struct {
	Status string `json:"status"`
	// Note replaces the record's note; nil keeps it.
	Note *string `json:"note,omitempty"`

	status Status
}

// maxNoteLen caps notes and reasons.
const maxNoteLen = 500

// Validate checks the input without touching the store.
func (in *AttendanceInput) Validate() error {
	fe := FieldErrors{}
	if in.Status == "" {
		fe.Add("status", "required")
	} else if st, ok := ParseStatus(in.Status); !ok {
		fe.Add("status", "one of present, late, leave, absent")
	} else {
		in.status = st
	}
	if in.Note != nil {
		vetText(fe, "note", *in.Note, maxNoteLen, false)
	}
	return fe.Err()
}

// inAudience reports whether m is in the audience of sess.
func (s *Store) inAudience(t *Tree, sess *Session, m *Member) bool {
	return m.GroupID != "" && t.Covers(sess.GroupID, m.GroupID) && m.ActiveOn(s.startDate(sess))
}

func notInAudience(memberID string) error {
	e := Errorf(KindInvalid, "not_in_audience", "member %s is not in this session's audience", memberID)
	e.Fields = map[string]string{"member_id": "not in the session's audience"}
	return e
}

// sessionForWrite loads a session that may still be written to, and the
// tree and the member; the member must be in its audience.
func (s *Store) sessionForWrite(tx *bolt.Tx, sessionID, memberID string) (*Session, *Member, error) {
	sess, err := getSession(tx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	if sess.Cancelled {
		return nil, nil, Conflict("session_cancelled", "session %s is cancelled", sessionID)
	}
	m, err := getMember(tx, memberID)
	if err != nil {
		return nil, nil, err
	}
	t, err := loadTree(tx)
	if err != nil {
		return nil, nil, err
	}
	if !s.inAudience(t, sess, m) {
		return nil, nil, notInAudience(memberID)
	}
	return sess, m, nil
}

// handEntryTx is the start of a lead's or admin's write on one member's
// record at a session, inside its transaction: the actor manages the
// session's group (scope), the session is not cancelled and the member is
// in its audience, the period's lock allows it (ctx comes back marked for
// an admin's write into a locked period); then the record's key and the
// record as it stands (nil: none).
func (s *Store) handEntryTx(ctx context.Context, tx *bolt.Tx, sessionID, memberID string) (context.Context, []byte, *Attendance, error) {
	if _, err := managedSessionTx(ctx, tx, sessionID, "attendance"); err != nil {
		return ctx, nil, nil, err
	}
	sess, _, err := s.sessionForWrite(tx, sessionID, memberID)
	if err != nil {
		return ctx, nil, nil, err
	}
	ctx, err = s.lockGuard(ctx, tx, sess.StartsAt)
	if err != nil {
		return ctx, nil, nil, err
	}
	key := pairKey(keyOrZero(sessionID), keyOrZero(memberID))
	before, err := getAttendance(tx, key)
	return ctx, key, before, err
}

// getAttendance reads one record, nil when there is none.
func getAttendance(tx *bolt.Tx, key []byte) (*Attendance, error) {
	v := tx.Bucket(bucketAttendance).Get(key)
	if v == nil {
		return nil, nil
	}
	return decodeAttendanceTx(tx, key, v)
}

// putAttendance writes a record and its audit entry.
func (s *Store) putAttendance(ctx context.Context, tx *bolt.Tx, action string, key []byte, before, after *Attendance) error {
	stored := sealedAttendance(tx, after)
	if err := tx.Bucket(bucketAttendance).Put(key, encodeAttendance(stored)); err != nil {
		return err
	}
	var b any
	if before != nil {
		b = sealedAttendance(tx, before)
	}
	return s.audit(ctx, tx, action, "attendance", after.SessionID+"/"+after.MemberID, b, stored)
}

// SetAttendance sets a member's status at a session, at any time, with an
// optional note (a lead's or admin's hand entry: a manager of the session's
// group, checked in the write's transaction).
// The member must be in the session's audience.
func (s *Store) SetAttendance(ctx context.Context, sessionID, memberID string, in AttendanceInput) (*Attendance, error) {
	if err := ownRecord(ctx, memberID); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var rec *Attendance
	err := s.update(func(tx *bolt.Tx) error {
		ctx, key, before, err := s.handEntryTx(ctx, tx, sessionID, memberID)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		rec = &Attendance{SessionID: sessionID, MemberID: memberID, Status: in.status, Source: "lead",
			UpdatedAt: now, UpdatedBy: ActorFrom(ctx)}
		if before != nil {
			rec.CheckedInAt, rec.Note = before.CheckedInAt, before.Note
			rec.MakeupOn, rec.MakeupNote, rec.MakeupRecordedAt = before.MakeupOn, before.MakeupNote, before.MakeupRecordedAt
		}
		if in.Note != nil {
			rec.Note = *in.Note
		}
		return s.putAttendance(ctx, tx, "set", key, before, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// ClearAttendance takes a member's record at a session away, back to no
// record (未签到): a lead's or admin's hand entry undone. A record that
// carries a make-up is kept (409 has_makeup: the make-up would be lost
// silently), and so is one an approved leave request wrote (409
// leave_approved: reject the request instead). No record: nothing changes,
// nothing is audited. The caller manages the session's group (checked in
// the write's transaction) and may not clear their own record.
func (s *Store) ClearAttendance(ctx context.Context, sessionID, memberID string) error {
	if err := ownRecord(ctx, memberID); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		ctx, key, before, err := s.handEntryTx(ctx, tx, sessionID, memberID)
		if err != nil || before == nil {
			return err
		}
		switch {
		case before.MakeupOn != "":
			return Conflict("has_makeup", "the record carries a make-up on %s: clearing it would lose the make-up", before.MakeupOn)
		case before.Source == "leave":
			return Conflict("leave_approved", "an approved leave request wrote this record: reject the request instead")
		}
		if err := tx.Bucket(bucketAttendance).Delete(key); err != nil {
			return err
		}
		return s.audit(ctx, tx, "clear", "attendance", sessionID+"/"+memberID, sealedAttendance(tx, before), nil)
	})
}

// MakeupInput is the body of POST /sessions/{id}/attendance/{member_id}/makeup.
type MakeupInput struct {
	On   string `json:"on"`
	Note string `json:"note"`
}

// Validate checks the input without touching the store.
func (in *MakeupInput) Validate() error {
	fe := FieldErrors{}
	if in.On == "" {
		fe.Add("on", "required")
	} else if !ValidDate(in.On) {
		fe.Add("on", "a date YYYY-MM-DD")
	}
	vetText(fe, "note", in.Note, maxNoteLen, false)
	return fe.Err()
}

// RecordMakeup records that a member made up a session they were on leave
// from or absent at (补学). The session must have started, and the make-up
// date must be on or after its start date and not after today: a make-up
// is recorded once it happened, never ahead of it.
func (s *Store) RecordMakeup(ctx context.Context, sessionID, memberID string, in MakeupInput) (*Attendance, error) {
	if err := ownRecord(ctx, memberID); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var rec *Attendance
	err := s.update(func(tx *bolt.Tx) error {
		sess, err := managedSessionTx(ctx, tx, sessionID, "make-ups")
		if err != nil {
			return err
		}
		if sess.Cancelled {
			return Conflict("session_cancelled", "session %s is cancelled", sessionID)
		}
		if s.now().Before(sess.StartsAt) {
			return Conflict("not_started", "the session has not started: nothing to make up yet")
		}
		if day := s.startDate(sess); in.On < day {
			return Invalid(map[string]string{"on": "on or after the session's start date " + day})
		}
		if today := s.Today(); in.On > today {
			return Invalid(map[string]string{"on": "not after today " + today})
		}
		key := pairKey(keyOrZero(sessionID), keyOrZero(memberID))
		before, err := getAttendance(tx, key)
		if err != nil {
			return err
		}
		if before == nil || (before.Status != StatusLeave && before.Status != StatusAbsent) {
			return Conflict("not_leave_or_absent", "make-up is recorded only on a leave or absent record")
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		r := *before
		now := s.now().UTC()
		r.MakeupOn, r.MakeupNote, r.MakeupRecordedAt = in.On, in.Note, &now
		r.UpdatedAt, r.UpdatedBy = now, ActorFrom(ctx)
		rec = &r
		return s.putAttendance(ctx, tx, "makeup", key, before, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// Attendance lists the records of a session in member id order.
func (s *Store) Attendance(sessionID string) ([]Attendance, error) {
	var out []Attendance
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = attendanceTx(tx, sessionID)
		return err
	})
	return out, err
}

// MemberAttendance reads member memberID's records of the sessions named,
// in one read transaction, by session id; a session without a record is
// left out. The appraisal batch reads each member's records this way
// rather than holding every record of the period in memory.
func (s *Store) MemberAttendance(memberID string, sessionIDs []string) (map[string]Attendance, error) {
	out := make(map[string]Attendance, len(sessionIDs))
	mk, ok := idKey(memberID)
	if !ok {
		return out, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttendance)
		for _, id := range sessionIDs {
			sk, ok := idKey(id)
			if !ok {
				continue
			}
			key := pairKey(sk, mk)
			v := b.Get(key)
			if v == nil {
				continue
			}
			a, err := decodeAttendanceTx(tx, key, v)
			if err != nil {
				return fmt.Errorf("attendance %s/%s: %w", id, memberID, err)
			}
			out[id] = *a
		}
		return nil
	})
	return out, err
}

func attendanceTx(tx *bolt.Tx, sessionID string) ([]Attendance, error) {
	out := []Attendance{}
	prefix, ok := idKey(sessionID)
	if !ok {
		return out, nil
	}
	err := eachPrefix(tx.Bucket(bucketAttendance), prefix, func(k, v []byte) error {
		a, err := decodeAttendanceTx(tx, k, v)
		if err != nil {
			return fmt.Errorf("attendance %s/%s: %w", keyID(k[:8]), keyID(k[8:]), err)
		}
		out = append(out, *a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
