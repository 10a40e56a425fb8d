package store

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Reading-lead rotation (轮值).
//
// Each group keeps an order of its own direct members, stored in bucket
// rotations under the group's key once a lead sets it (JSON rotationRecord).
// Until then the order is joined_on, then name, then id. Once set, members
// who joined the group later are appended (by joined_on, name, id) and
// members no longer in the group are dropped; members who left the roster
// keep their place internally (so the rotation can continue after them) but
// are never picked and are not shown.
//
// The rule for a new session S of group g: take the group's latest earlier
// session (by start time, then id; not cancelled; scheduled ones count) and
// its ACTUAL lead — the reading turn's lead_id when one was recorded, else
// the session's lead_id. Walk the order cyclically from the member after
// that lead and pick the first who is active on S's date and has no approved
// leave for S. When the actual lead is not in the order (a lead from above
// the group, or someone who moved away), the rule looks further back to the
// latest session whose actual lead is in the order; with no such session it
// starts at the head of the order. Nobody eligible: no lead ("").

// rotationRecord is a group's order as set by a lead.
type rotationRecord struct {
	GroupID string    `json:"group_id"`
	Order   []string  `json:"order"`
	SetAt   time.Time `json:"set_at"`
	SetBy   string    `json:"set_by"`
}

// Rotation is a group's reading-lead order as shown to leads.
type Rotation struct {
	GroupID string `json:"group_id"`
	// Order lists the group's current direct members in rotation order.
	Order []string `json:"order"`
	// Next lists the leads the rotation gives the next sessions (up to
	// RotationLookahead), simulated forward from the group's latest
	// session, counting members active today (or on the latest session's
	// date, when later).
	Next []string `json:"next"`
	// Custom is true once a lead has set the order.
	Custom bool `json:"custom"`
	// Substitutes lists the group's sessions that have not started and have
	// no reading turn yet, whose assigned lead can no longer lead them
	// (approved leave, no longer active, or none assigned), each with the
	// member the rotation proposes instead (ProposeSubstitute).
	Substitutes []Substitute `json:"substitutes"`
}

// Substitute proposes a replacement for a session's assigned lead.
type Substitute struct {
	SessionID          string    `json:"session_id"`
	StartsAt           time.Time `json:"starts_at"`
	LeadID             string    `json:"lead_id"`
	ProposedSubstitute string    `json:"proposed_substitute"` // "" when nobody is eligible
}

// RotationLookahead is how many upcoming leads Rotation simulates.
const RotationLookahead = 5

// RotationInput is the body of PUT /groups/{id}/rotation.
type RotationInput struct {
	Order []string `json:"order"`
}

// Validate checks the shape of the order; SetRotation checks it against the
// group's members.
func (in *RotationInput) Validate() error {
	fe := FieldErrors{}
	if in.Order == nil {
		fe.Add("order", "required: the member ids in rotation order")
		return fe.Err()
	}
	seen := map[string]bool{}
	var dups, bad []string
	for _, id := range in.Order {
		if _, ok := idKey(id); !ok {
			bad = append(bad, quoteID(id))
			continue
		}
		if seen[id] {
			dups = append(dups, id)
		}
		seen[id] = true
	}
	switch {
	case len(bad) > 0:
		fe.Add("order", "not member ids: "+strings.Join(bad, ", "))
	case len(dups) > 0:
		fe.Add("order", "listed twice: "+strings.Join(dups, ", "))
	}
	return fe.Err()
}

// quoteID shows a bad id in an error message, cut to a readable length.
func quoteID(id string) string {
	r := []rune(id)
	if len(r) > 20 {
		id = string(r[:20]) + "…"
	}
	data, _ := json.Marshal(id)
	return string(data)
}

// rotationState is what the rotation rule needs about one group.
type rotationState struct {
	order   []string           // every direct member, departed ones included
	pos     map[string]int     // member id -> index in order
	members map[string]*Member // direct members by id
	custom  bool
}

// loadRotation builds the group's full order: the stored order (members no
// longer in the group dropped), then the direct members it does not list,
// by joined_on, name, id.
func loadRotation(tx *bolt.Tx, groupID string) (*rotationState, error) {
	st := &rotationState{pos: map[string]int{}, members: map[string]*Member{}}
	var rest []*Member
	err := tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		if m.GroupID == groupID {
			st.members[m.ID] = &m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var rec rotationRecord
	if key, ok := idKey(groupID); ok {
		found, err := getJSON(tx.Bucket(bucketRotations), key, &rec)
		if err != nil {
			return nil, err
		}
		st.custom = found
	}
	for _, id := range rec.Order {
		if _, ok := st.members[id]; ok {
			if _, dup := st.pos[id]; !dup {
				st.pos[id] = len(st.order)
				st.order = append(st.order, id)
			}
		}
	}
	for id, m := range st.members {
		if _, ok := st.pos[id]; !ok {
			rest = append(rest, m)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return joinOrderLess(rest[i], rest[j]) })
	for _, m := range rest {
		st.pos[m.ID] = len(st.order)
		st.order = append(st.order, m.ID)
	}
	return st, nil
}

// joinOrderLess is the default rotation order: joined_on, then name, then
// id (numerically).
func joinOrderLess(a, b *Member) bool {
	if a.JoinedOn != b.JoinedOn {
		return a.JoinedOn < b.JoinedOn
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return idLess(a.ID, b.ID)
}

// idLess orders wire ids numerically; "" sorts after every id (a session
// being created has no id yet and is the newest).
func idLess(a, b string) bool {
	switch {
	case a == b:
		return false
	case a == "":
		return false
	case b == "":
		return true
	case len(a) != len(b):
		return len(a) < len(b)
	}
	return a < b
}

// current lists the order without members who have left by date d.
func (st *rotationState) current(d string) []string {
	out := []string{}
	for _, id := range st.order {
		if m := st.members[id]; m.LeftOn == "" || m.LeftOn > d {
			out = append(out, id)
		}
	}
	return out
}

// after returns the first member after prev (cyclically; from the head of
// the order when prev is not in it) for whom ok holds, "" when none. prev
// itself comes last.
func (st *rotationState) after(prev string, ok func(id string) bool) string {
	n := len(st.order)
	start := 0
	if i, found := st.pos[prev]; found {
		start = i + 1
	}
	for k := 0; k < n; k++ {
		id := st.order[(start+k)%n]
		if ok(id) {
			return id
		}
	}
	return ""
}

// sessionHead is the part of a stored Session the rotation and the
// activity query read; decoding only it skips titles and item lists.
type sessionHead struct {
	ID        string    `json:"id"`
	GroupID   string    `json:"group_id"`
	StartsAt  time.Time `json:"starts_at"`
	LeadID    string    `json:"lead_id"`
	Cancelled bool      `json:"cancelled"`
}

func (h *sessionHead) session() Session {
	return Session{ID: h.ID, GroupID: h.GroupID, StartsAt: h.StartsAt, LeadID: h.LeadID, Cancelled: h.Cancelled}
}

// groupSessions lists the group's sessions that are not cancelled, by start
// time, then id, with the fields of sessionHead only. Sessions are stored by
// json.Marshal, so another group's session can be passed over without
// decoding it; a value in any other form is decoded.
func groupSessions(tx *bolt.Tx, groupID string) ([]Session, error) {
	var out []Session
	field := []byte(`"group_id":"`)
	mine := []byte(`"group_id":"` + groupID + `"`)
	err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		if bytes.Contains(v, field) && !bytes.Contains(v, mine) {
			return nil
		}
		var h sessionHead
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		if h.GroupID == groupID && !h.Cancelled {
			out = append(out, h.session())
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return sessionBefore(&out[i], &out[j]) })
	return out, err
}

// sessionBefore orders sessions by start time, then id.
func sessionBefore(a, b *Session) bool {
	if !a.StartsAt.Equal(b.StartsAt) {
		return a.StartsAt.Before(b.StartsAt)
	}
	return idLess(a.ID, b.ID)
}

// sessionRecord reads one session straight from its bucket.
func sessionRecord(tx *bolt.Tx, id string) (*Session, error) {
	sess, err := getByID[Session](tx.Bucket(bucketSessions), "session", id)
	if err != nil {
		return nil, err
	}
	if sess.Kind == "" {
		sess.Kind = KindStudy
	}
	return sess, nil
}

// approvedLeave reports whether the member's leave request for the session
// was approved. Requests are JSON with a "status" field; anything unreadable
// counts as no leave.
func approvedLeave(tx *bolt.Tx, sessionID, memberID string) bool {
	sk, ok1 := idKey(sessionID)
	mk, ok2 := idKey(memberID)
	if !ok1 || !ok2 {
		return false
	}
	v := tx.Bucket(bucketLeave).Get(pairKey(sk, mk))
	if v == nil {
		return false
	}
	var req struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(v, &req) == nil && req.Status == "approved"
}

// actualLead is who led (or leads) a session: the reading turn's lead when
// one was recorded, else the session's lead.
func actualLead(tx *bolt.Tx, ss *Session) string {
	if key, ok := idKey(ss.ID); ok {
		var t ReadingTurn
		if found, err := getJSON(tx.Bucket(bucketTurns), key, &t); err == nil && found && t.LeadID != "" {
			return t.LeadID
		}
	}
	return ss.LeadID
}

// cursorBefore returns the lead the rotation continues after for a session
// like sess: the actual lead of the latest earlier session of the group
// whose actual lead is in the order ("" when none).
func cursorBefore(tx *bolt.Tx, st *rotationState, sessions []Session, sess *Session) string {
	for i := len(sessions) - 1; i >= 0; i-- {
		prev := &sessions[i]
		if prev.ID == sess.ID && sess.ID != "" || !sessionBefore(prev, sess) {
			continue
		}
		if lead := actualLead(tx, prev); lead != "" {
			if _, ok := st.pos[lead]; ok {
				return lead
			}
		}
	}
	return ""
}

// dateIn is the date of t in the store's time zone.
func (s *Store) dateIn(t time.Time) string { return t.In(s.loc).Format(DateLayout) }

// rotationLead picks the reading lead for sess (GroupID and StartsAt set;
// ID set when the session exists) from its group's rotation, inside the
// transaction that creates or changes it. It returns "" when no direct
// member of the group is eligible.
func (s *Store) rotationLead(tx *bolt.Tx, sess *Session) (string, error) {
	return s.pickLead(tx, sess, "")
}

// pickLead applies the rotation rule to sess, never picking exclude.
func (s *Store) pickLead(tx *bolt.Tx, sess *Session, exclude string) (string, error) {
	st, err := loadRotation(tx, sess.GroupID)
	if err != nil || len(st.order) == 0 {
		return "", err
	}
	sessions, err := groupSessions(tx, sess.GroupID)
	if err != nil {
		return "", err
	}
	date := s.dateIn(sess.StartsAt)
	prev := cursorBefore(tx, st, sessions, sess)
	return st.after(prev, func(id string) bool {
		return id != exclude && st.members[id].ActiveOn(date) && !approvedLeave(tx, sess.ID, id)
	}), nil
}

// leadUnavailable reports whether the session's assigned lead can no longer
// lead it: none assigned, unknown, not active on its date, or on approved
// leave for it.
func (s *Store) leadUnavailable(tx *bolt.Tx, sess *Session) bool {
	if sess.LeadID == "" {
		return true
	}
	m, err := getMember(tx, sess.LeadID)
	if err != nil {
		return true
	}
	return !m.ActiveOn(s.dateIn(sess.StartsAt)) || approvedLeave(tx, sess.ID, sess.LeadID)
}

// ProposeSubstitute returns the member the rotation proposes to lead the
// session instead of its assigned lead, when that lead can no longer lead it
// (approved leave for it, no longer active on its date, or none assigned):
// the rotation rule applied again with the assigned lead left out. It
// returns "" when no substitute is needed (the lead is available, a reading
// turn was already recorded, or the session is cancelled) or when nobody
// is eligible. It changes nothing: the session handler may show the
// proposal or apply it as a hand swap.
func (s *Store) ProposeSubstitute(sessionID string) (string, error) {
	var out string
	err := s.view(func(tx *bolt.Tx) error {
		sess, err := sessionRecord(tx, sessionID)
		if err != nil {
			return err
		}
		out, err = s.proposeSubstitute(tx, sess)
		return err
	})
	return out, err
}

func (s *Store) proposeSubstitute(tx *bolt.Tx, sess *Session) (string, error) {
	if sess.Cancelled || !s.leadUnavailable(tx, sess) {
		return "", nil
	}
	if key, ok := idKey(sess.ID); ok && tx.Bucket(bucketTurns).Get(key) != nil {
		return "", nil
	}
	return s.pickLead(tx, sess, sess.LeadID)
}

// Rotation returns the group's rotation order, the leads of its next
// sessions and the substitutes proposed for upcoming sessions whose lead is
// away.
func (s *Store) Rotation(groupID string) (*Rotation, error) {
	var out *Rotation
	err := s.view(func(tx *bolt.Tx) error {
		key, ok := idKey(groupID)
		if !ok || tx.Bucket(bucketGroups).Get(key) == nil {
			return NotFound("group", groupID)
		}
		st, err := loadRotation(tx, groupID)
		if err != nil {
			return err
		}
		sessions, err := groupSessions(tx, groupID)
		if err != nil {
			return err
		}
		now := s.now()
		today := s.dateIn(now)
		out = &Rotation{GroupID: groupID, Order: st.current(today), Next: []string{}, Custom: st.custom, Substitutes: []Substitute{}}
		for i := range sessions {
			ss := &sessions[i]
			if ss.StartsAt.Before(now) {
				continue
			}
			if !s.leadUnavailable(tx, ss) || tx.Bucket(bucketTurns).Get(keyOrZero(ss.ID)) != nil {
				continue
			}
			sub, err := s.pickLead(tx, ss, ss.LeadID)
			if err != nil {
				return err
			}
			out.Substitutes = append(out.Substitutes, Substitute{SessionID: ss.ID, StartsAt: ss.StartsAt, LeadID: ss.LeadID, ProposedSubstitute: sub})
		}
		out.Next = s.simulateNext(tx, st, sessions, today)
		return nil
	})
	return out, err
}

// simulateNext runs the rotation forward from the group's latest session for
// RotationLookahead sessions, exactly as rotationLead would assign them (a
// substitute counts only once it is applied to the session or recorded in
// its reading turn).
func (s *Store) simulateNext(tx *bolt.Tx, st *rotationState, sessions []Session, today string) []string {
	next := []string{}
	if len(st.order) == 0 {
		return next
	}
	date := today
	cur := ""
	if n := len(sessions); n > 0 {
		last := &sessions[n-1]
		if d := s.dateIn(last.StartsAt); d > date {
			date = d
		}
		probe := Session{GroupID: last.GroupID, StartsAt: last.StartsAt.Add(time.Nanosecond)}
		cur = cursorBefore(tx, st, sessions, &probe)
	}
	for range RotationLookahead {
		cur = st.after(cur, func(id string) bool { return st.members[id].ActiveOn(date) })
		if cur == "" {
			break
		}
		next = append(next, cur)
	}
	return next
}

// SetRotation stores the group's rotation order. order must list every
// current direct member of the group (joined or about to join, not left)
// exactly once; anything else is 422 naming the ids that are wrong or
// missing. The order is configuration, not a dated record, so it is not
// subject to period locks.
func (s *Store) SetRotation(ctx context.Context, groupID string, in RotationInput) (*Rotation, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		key, ok := idKey(groupID)
		if !ok || tx.Bucket(bucketGroups).Get(key) == nil {
			return NotFound("group", groupID)
		}
		if _, err := mayManage(ctx, tx, groupID, "rotation"); err != nil {
			return err
		}
		st, err := loadRotation(tx, groupID)
		if err != nil {
			return err
		}
		cur := st.current(s.Today())
		want := map[string]bool{}
		for _, id := range cur {
			want[id] = true
		}
		var wrong, missing []string
		given := map[string]bool{}
		for _, id := range in.Order {
			given[id] = true
			if !want[id] {
				wrong = append(wrong, id)
			}
		}
		for _, id := range cur {
			if !given[id] {
				missing = append(missing, id)
			}
		}
		if len(wrong) > 0 || len(missing) > 0 {
			var parts []string
			if len(wrong) > 0 {
				parts = append(parts, "not current direct members of the group: "+strings.Join(wrong, ", "))
			}
			if len(missing) > 0 {
				parts = append(parts, "missing: "+strings.Join(missing, ", "))
			}
			return Invalid(map[string]string{"order": strings.Join(parts, "; ")})
		}
		b := tx.Bucket(bucketRotations)
		var before *rotationRecord
		var old rotationRecord
		if found, err := getJSON(b, key, &old); err != nil {
			return err
		} else if found {
			before = &old
		} else {
			before = &rotationRecord{GroupID: groupID, Order: cur}
		}
		rec := rotationRecord{GroupID: groupID, Order: append([]string{}, in.Order...), SetAt: s.now().UTC(), SetBy: ActorFrom(ctx)}
		if err := putJSON(b, key, &rec); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "rotation", groupID, before, &rec)
	})
	if err != nil {
		return nil, err
	}
	return s.Rotation(groupID)
}
