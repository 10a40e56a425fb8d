package store

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Guessing check-in codes. Six digits are few: a member who tries codes
// instead of scanning the screen is stopped after MaxWrongCodes wrong codes
// for a session (429 too_many_codes for the rest of it; the lead can still
// mark them, and sees who on the live screen). Every wrong code is written
// to the store, so a restart does not hand out new tries. A session as a
// whole takes at most wrongCodeCap wrong codes per 30-second code step
// (many members guessing together); past that, code checks for the session
// wait for the next step.
//
// A try is reserved before the code is compared, so parallel requests of
// one member cannot run more than MaxWrongCodes comparisons.

// MaxWrongCodes is how many wrong codes one member may send for one
// session.
const MaxWrongCodes = 5

// wrongCodeCap is the most wrong codes a session takes in one code step.
func wrongCodeCap(audience int) int { return 20 + audience/10 }

// maxGuardSessions bounds the sessions whose tries are held in memory; an
// evicted session is read back from the store when next needed.
const maxGuardSessions = 1024

var bucketCodeTries = []byte("checkin_code_tries")

func init() { allBuckets = append(allBuckets, bucketCodeTries) }

// codeTries is what the store keeps of one member's wrong codes for one
// session.
type codeTries struct {
	Wrong    int        `json:"wrong"`
	LockedAt *time.Time `json:"locked_at,omitempty"`
}

// CodeLock is a member stopped from checking themselves in (on the lead's
// live screen).
type CodeLock struct {
	MemberID string    `json:"member_id"`
	Name     string    `json:"name"`
	Wrong    int       `json:"wrong"`
	LockedAt time.Time `json:"locked_at"`
}

// sessionTries is the in-memory state of one session's code checks.
type sessionTries struct {
	wrong     map[string]int // member id → wrong codes (as stored)
	inflight  map[string]int // member id → comparisons under way
	step      int64          // code step of stepWrong
	stepWrong int
}

type codeGuard struct {
	mu       sync.Mutex
	sessions map[string]*sessionTries
}

func (s *Store) guard() *codeGuard { return &s.attendance.guard }

func tooManyCodes() error {
	return Errorf(KindTooMany, "too_many_codes", "too many wrong check-in codes for this session: ask the lead to mark you")
}

func tooManySessionCodes() error {
	return Errorf(KindTooMany, "too_many_codes", "too many wrong check-in codes for this session just now: try again in 30 seconds")
}

// sessionTriesOf returns the state of session key, reading it from the
// store when not held (g.mu held).
func (s *Store) sessionTriesOf(g *codeGuard, sessionID string, key []byte) (*sessionTries, error) {
	if st := g.sessions[sessionID]; st != nil {
		return st, nil
	}
	st := &sessionTries{wrong: map[string]int{}, inflight: map[string]int{}}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCodeTries).Cursor()
		for k, v := c.Seek(key); k != nil && len(k) == 2*len(key) && string(k[:len(key)]) == string(key); k, v = c.Next() {
			var ct codeTries
			if err := json.Unmarshal(v, &ct); err != nil {
				return err
			}
			st.wrong[keyID(k[len(key):])] = ct.Wrong
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if g.sessions == nil {
		g.sessions = map[string]*sessionTries{}
	}
	if len(g.sessions) >= maxGuardSessions {
		for id, o := range g.sessions {
			if len(o.inflight) == 0 {
				delete(g.sessions, id)
				break
			}
		}
	}
	g.sessions[sessionID] = st
	return st, nil
}

// reserveTry reserves one code comparison of member at session, or refuses
// with 429 too_many_codes.
func (s *Store) reserveTry(sessionID string, key []byte, memberID string, audience int, now time.Time) error {
	g := s.guard()
	g.mu.Lock()
	defer g.mu.Unlock()
	st, err := s.sessionTriesOf(g, sessionID, key)
	if err != nil {
		return err
	}
	if st.wrong[memberID]+st.inflight[memberID] >= MaxWrongCodes {
		return tooManyCodes()
	}
	if step := codeStep(now); st.step == step && st.stepWrong >= wrongCodeCap(audience) {
		return tooManySessionCodes()
	}
	st.inflight[memberID]++
	return nil
}

// releaseTry ends a reservation; wrong says the code was wrong (and has
// been stored).
func (s *Store) releaseTry(sessionID, memberID string, wrong bool, now time.Time) {
	g := s.guard()
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.sessions[sessionID]
	if st == nil {
		return
	}
	if n := st.inflight[memberID] - 1; n > 0 {
		st.inflight[memberID] = n
	} else {
		delete(st.inflight, memberID)
	}
	if !wrong {
		return
	}
	st.wrong[memberID]++
	if step := codeStep(now); st.step != step {
		st.step, st.stepWrong = step, 0
	}
	st.stepWrong++
}

// recordWrongCode stores one more wrong code of a member; the one that
// reaches MaxWrongCodes locks them out of self check-in for the session,
// which is audited.
func (s *Store) recordWrongCode(ctx context.Context, akey []byte, entity string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCodeTries)
		var ct codeTries
		if _, err := getJSON(b, akey, &ct); err != nil {
			return err
		}
		ct.Wrong++
		if ct.Wrong >= MaxWrongCodes && ct.LockedAt == nil {
			at := s.now().UTC()
			ct.LockedAt = &at
			if err := s.audit(ctx, tx, "checkin_locked", "attendance", entity, nil, map[string]any{"wrong_codes": ct.Wrong}); err != nil {
				return err
			}
		}
		return putJSON(b, akey, &ct)
	})
}

// codeLocksTx lists the members of session key stopped from self check-in.
func codeLocksTx(tx *bolt.Tx, key []byte, names map[string]string) ([]CodeLock, error) {
	out := []CodeLock{}
	c := tx.Bucket(bucketCodeTries).Cursor()
	for k, v := c.Seek(key); k != nil && len(k) == 2*len(key) && string(k[:len(key)]) == string(key); k, v = c.Next() {
		var ct codeTries
		if err := json.Unmarshal(v, &ct); err != nil {
			return nil, err
		}
		if ct.LockedAt == nil {
			continue
		}
		id := keyID(k[len(key):])
		out = append(out, CodeLock{MemberID: id, Name: names[id], Wrong: ct.Wrong, LockedAt: *ct.LockedAt})
	}
	return out, nil
}
