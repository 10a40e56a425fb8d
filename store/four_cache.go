package store

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The 四落实 of a session changes only when a record of that session is
// written (its attendance, leave, minutes, the session itself), when the
// people or the rules change, or when the clock passes the session's end
// or its minutes' deadline. So the results are kept per session and reused
// until then: the rates answer's 四落实 rate, over every session of a
// period, then costs what changed since the last call instead of reading
// the attendance of every session again.
//
// Like the rates index (rates_index.go), the cache follows the audit
// sequence, one step per write: the entries written since it was current
// are read, an entry naming a session drops that session, a write the
// 四落实 does not read is passed over, and anything else (members, groups,
// shares and questions, which name no session, or a kind unknown here)
// drops everything. A new kind of write can make it slower, never wrong.

// fourCache is the kept results.
type fourCache struct {
	mu    sync.Mutex
	audit uint64        // the audit sequence the entries are current at
	rules *MeetingRules // the rules in force when they were worked out
	m     map[string]fourEntry
}

type fourEntry struct {
	f Four
	// until is when the clock changes the result (the session's end, the
	// minutes' deadline); zero when it never does.
	until time.Time
}

// maxFourCached bounds the sessions kept; past it the cache starts over.
const maxFourCached = 100_000

// fourView is the cache as one read transaction may use it: entries are
// read and kept only while the cache is current at the transaction's
// audit sequence.
type fourView struct {
	c   *fourCache
	seq uint64
	now time.Time
}

// fourView brings the cache up to tx and returns the view of it; nil when
// tx is older than the cache (a read that began before the last write
// seen), which then works without it.
func (s *Store) fourView(tx *bolt.Tx) *fourView {
	c := &s.fours
	seq := tx.Bucket(bucketAudit).Sequence()
	rules := s.meetings.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.m == nil || c.rules != rules || seq-c.audit > maxAuditReplay && seq > c.audit:
		c.m, c.rules = map[string]fourEntry{}, rules
	case seq < c.audit:
		return nil
	case seq > c.audit:
		cur := tx.Bucket(bucketAudit).Cursor()
		for k, v := cur.Seek(itob(c.audit + 1)); k != nil; k, v = cur.Next() {
			var e struct {
				Action   string `json:"action"`
				Entity   string `json:"entity"`
				EntityID string `json:"entity_id"`
			}
			if json.Unmarshal(v, &e) != nil {
				c.m = map[string]fourEntry{}
				break
			}
			id, all := fourTouched(e.Action, e.Entity, e.EntityID)
			if all {
				c.m = map[string]fourEntry{}
				break
			}
			if id != "" {
				delete(c.m, id)
			}
		}
	}
	c.audit = seq
	return &fourView{c: c, seq: seq, now: s.now()}
}

// fourTouched says what an audit entry changes in the 四落实: one
// session (its id), nothing (""), or possibly anything (all).
func fourTouched(action, entity, entityID string) (session string, all bool) {
	switch entity {
	case "attendance", "leave_request":
		id, _, _ := strings.Cut(entityID, "/")
		return id, false
	case "minutes", "reading_turn", "session":
		return entityID, false
	case "item_done", "exam", "exam_score", "learning_report", "job", "report", "report_file", "period",
		"rotation", "plan", "robot", "reminder_settings", "security", "finding", "inspection", "inspection_draw",
		"inspection_interview", "bank_question", "questionnaire", "audit":
		return "", false
	case "member", "members":
		return "", action != "login" && action != "logout"
	}
	return "", true
}

// get returns the kept result of session id, if still true at v.now.
func (v *fourView) get(id string) (*Four, bool) {
	if v == nil {
		return nil, false
	}
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	e, ok := v.c.m[id]
	if !ok || v.c.audit != v.seq || !e.until.IsZero() && !v.now.Before(e.until) {
		return nil, false
	}
	f := e.f
	return &f, true
}

// put keeps f, true until until (zero: until a write touches it), while
// the cache is still at the view's sequence.
func (v *fourView) put(f *Four, until time.Time) {
	if v == nil {
		return
	}
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	if v.c.audit != v.seq {
		return
	}
	if len(v.c.m) >= maxFourCached {
		v.c.m = map[string]fourEntry{}
	}
	v.c.m[f.SessionID] = fourEntry{f: *f, until: until}
}
