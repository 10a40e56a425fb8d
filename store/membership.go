package store

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Membership is dated: a member's group and role hold from a date until the
// next change (docs/RATES.md#dated-membership). The rates count a member in
// the group they belonged to on each session's, item's or exam's date, so a
// move never rewrites the figures of the time before it.
//
// The memberships bucket: key the member id (8 bytes), value the JSON list
// of the member's spans in date order, each {group_id, role, from}; a span
// lasts until the next one's from. The first span's from is joined_on. A
// member without a value (an account written before migration 11 by a tool
// that bypasses CreateMember) has one span: their group and role since
// joined_on.
var bucketMemberships = []byte("memberships")

// membershipSpan is one stored span.
type membershipSpan struct {
	GroupID string `json:"group_id,omitempty"`
	Role    Role   `json:"role"`
	From    string `json:"from"`
}

// Membership is one dated membership of GET /members/{id}/history: the
// member was in GroupID with Role from From (inclusive) until To
// (exclusive; null while it lasts). The last one ends on left_on.
type Membership struct {
	GroupID string  `json:"group_id"`
	Role    Role    `json:"role"`
	From    string  `json:"from"`
	To      *string `json:"to"`
}

// MarshalJSON writes an empty group_id (an account in no group) as null.
func (m Membership) MarshalJSON() ([]byte, error) {
	type plain Membership
	return json.Marshal(struct {
		plain
		GroupID *string `json:"group_id"`
	}{plain(m), nullable(m.GroupID)})
}

// spansTx returns m's stored spans, or the one span its record implies.
func spansTx(tx *bolt.Tx, key []byte, m *Member) ([]membershipSpan, error) {
	var spans []membershipSpan
	if b := tx.Bucket(bucketMemberships); b != nil {
		if found, err := getJSON(b, key, &spans); err != nil || found {
			return spans, err
		}
	}
	return []membershipSpan{{GroupID: m.GroupID, Role: m.Role, From: m.JoinedOn}}, nil
}

// history turns spans into the dated memberships of the API.
func history(spans []membershipSpan, leftOn string) []Membership {
	out := make([]Membership, 0, len(spans))
	for i, sp := range spans {
		h := Membership{GroupID: sp.GroupID, Role: sp.Role, From: sp.From}
		switch {
		case i+1 < len(spans):
			to := spans[i+1].From
			h.To = &to
		case leftOn != "":
			to := leftOn
			h.To = &to
		}
		out = append(out, h)
	}
	return out
}

// MemberHistory lists a member's dated memberships, oldest first.
func (s *Store) MemberHistory(id string) ([]Membership, error) {
	var out []Membership
	err := s.view(func(tx *bolt.Tx) error {
		m, err := getMember(tx, id)
		if err != nil {
			return err
		}
		spans, err := spansTx(tx, keyOrZero(id), m)
		if err != nil {
			return err
		}
		out = history(spans, m.LeftOn)
		return nil
	})
	return out, err
}

// membershipDateError is the 422 for a membership date outside the time
// the member is on the roster.
func membershipDateError(code, reason string) error {
	e := Errorf(KindInvalid, code, "effective_on: %s", reason)
	e.Fields = map[string]string{"effective_on": reason}
	return e
}

// changeMembership records, inside the write that changes m (before is the
// record as it was), that m's group and/or role take their new values from
// date on. Later spans keep their own changes of the other field; the
// member's record (group_id, role) is then the last span's. given is false
// when the caller gave no effective_on: date is today, or joined_on for a
// member who has not joined yet. ctx comes back flagged when the date lies in
// a locked period (see lockGuard).
func (s *Store) changeMembership(ctx context.Context, tx *bolt.Tx, key []byte, before, m *Member, date string, given, group, role bool) (context.Context, error) {
	if date < m.JoinedOn {
		if given {
			return ctx, membershipDateError("before_joined", "before the member joined ("+m.JoinedOn+")")
		}
		date = m.JoinedOn
	}
	if given && m.LeftOn != "" && date >= m.LeftOn {
		return ctx, membershipDateError("after_left", "on or after the member left ("+m.LeftOn+")")
	}
	if given && date > s.Today() {
		return ctx, Invalid(map[string]string{"effective_on": "after today: a change is recorded once it has happened"})
	}
	spans, err := spansTx(tx, key, before)
	if err != nil {
		return ctx, err
	}
	spans = applySpanChange(spans, date, m.GroupID, m.Role, group, role)
	last := spans[len(spans)-1]
	m.GroupID, m.Role = last.GroupID, last.Role
	at, err := time.ParseInLocation(DateLayout, date, s.loc)
	if err != nil {
		return ctx, Invalid(map[string]string{"effective_on": "a date YYYY-MM-DD"})
	}
	if ctx, err = s.lockGuard(ctx, tx, at); err != nil {
		return ctx, err
	}
	return ctx, putJSON(tx.Bucket(bucketMemberships), key, spans)
}

// applySpanChange sets group (when setGroup) and role (when setRole) from
// date on in spans (sorted by from; the first starts on joined_on, which
// date is not before), merging neighbours that end up alike.
func applySpanChange(spans []membershipSpan, date, group string, role Role, setGroup, setRole bool) []membershipSpan {
	// Split the span holding date, so one starts exactly on it.
	i := sort.Search(len(spans), func(i int) bool { return spans[i].From > date }) // first span after date
	if i == 0 {
		spans = append([]membershipSpan{{GroupID: spans[0].GroupID, Role: spans[0].Role, From: date}}, spans...)
	} else if spans[i-1].From != date {
		sp := spans[i-1]
		sp.From = date
		spans = append(spans[:i], append([]membershipSpan{sp}, spans[i:]...)...)
	}
	for j := range spans {
		if spans[j].From < date {
			continue
		}
		if setGroup {
			spans[j].GroupID = group
		}
		if setRole {
			spans[j].Role = role
		}
	}
	out := spans[:1]
	for _, sp := range spans[1:] {
		if last := out[len(out)-1]; last.GroupID == sp.GroupID && last.Role == sp.Role {
			continue
		}
		out = append(out, sp)
	}
	return out
}

// putFirstSpan starts a new member's history on joined_on.
func putFirstSpan(tx *bolt.Tx, key []byte, m *Member) error {
	return putJSON(tx.Bucket(bucketMemberships), key, []membershipSpan{{GroupID: m.GroupID, Role: m.Role, From: m.JoinedOn}})
}

// migrateMemberships (migration 11) starts every member's history: one
// span, their current group and role since joined_on — what the rates
// counted before, so every past period keeps its figures.
func migrateMemberships(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketMemberships)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		if b.Get(k) != nil {
			return nil
		}
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		return putJSON(b, k, []membershipSpan{{GroupID: m.GroupID, Role: m.Role, From: m.JoinedOn}})
	})
}
