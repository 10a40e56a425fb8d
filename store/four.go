package store

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The 四落实 of a session.

// Check is one of the four: whether it holds, and why (or why not).
type Check struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
}

// Four is the answer of GET /sessions/{id}/four.
type Four struct {
	SessionID string `json:"session_id"`
	People    Check  `json:"people"`
	Time      Check  `json:"time"`
	Content   Check  `json:"content"`
	Effect    Check  `json:"effect"`
	All       bool   `json:"all"`
}

// FourMinShare is the attended share of the audience 人员 needs.
const FourMinShare = 0.9

// Four checks the session on 人员 (every audience member has a status and
// at least 90% attended, make-up included), 时间 (held: ended, not
// cancelled), 内容 (at least one content item, and a 第一议题 where the
// rules require one) and 效果 (minutes complete and on time, and at least
// one share or question recorded).
//
// The roster and tree come from the rates index (rates_index.go), which is
// kept decoded in memory while no write it depends on commits; only the
// session's own records are read: its attendance, minutes, shares and
// questions. BenchmarkFour measures it.
func (s *Store) Four(sessionID string) (*Four, error) {
	var f *Four
	err := s.view(func(tx *bolt.Tx) error {
		sess, err := sessionRecord(tx, sessionID)
		if err != nil {
			return err
		}
		v := s.fourView(tx)
		if kept, ok := v.get(sess.ID); ok {
			f = kept
			return nil
		}
		ix, err := s.ratesIndex(tx)
		if err != nil {
			return err
		}
		var until time.Time
		f, until, err = s.fourTx(tx, ix.tree, s.audienceIn(ix, nil, sess), sess)
		if err == nil {
			v.put(f, until)
		}
		return err
	})
	return f, err
}

// membersByGroup lists the index's members (positions in ix.members) by
// dense group index, for the audiences of many sessions.
func membersByGroup(ix *ratesIndex) [][]int32 {
	by := make([][]int32, len(ix.groupIDs))
	for i := range ix.members {
		if g := ix.members[i].group; g >= 0 {
			by[g] = append(by[g], int32(i))
		}
	}
	return by
}

// audienceIn is audienceOf on the index, unsorted: the ids of the members
// of the session's group or a group below it who are active on the
// session's day. byGroup (membersByGroup) saves a
// pass over every member; nil makes one.
func (s *Store) audienceIn(ix *ratesIndex, byGroup [][]int32, sess *Session) []string {
	g := ix.group(sess.GroupID)
	if g < 0 {
		return nil
	}
	day := dayOf(sess.StartsAt, s.loc)
	var out []string
	if byGroup != nil {
		for _, sg := range ix.subtree[g] {
			for _, i := range byGroup[sg] {
				if ix.members[i].activeOn(day) {
					out = append(out, ix.members[i].m.ID)
				}
			}
		}
		return out
	}
	in := make([]bool, len(ix.groupIDs))
	for _, sg := range ix.subtree[g] {
		in[sg] = true
	}
	for i := range ix.members {
		if m := &ix.members[i]; m.group >= 0 && in[m.group] && m.activeOn(day) {
			out = append(out, m.m.ID)
		}
	}
	return out
}

// fourTx checks sess whose audience is aud (member ids). until is when
// the clock alone will change the answer: the session's end while it
// runs, the minutes' deadline while they are neither complete nor late;
// zero when it never will.
func (s *Store) fourTx(tx *bolt.Tx, t *Tree, aud []string, sess *Session) (f *Four, until time.Time, err error) {
	f = &Four{SessionID: sess.ID}
	g, _ := t.Group(sess.GroupID)
	rec, err := s.minutesHeadTx(tx, g.Type, sess)
	if err != nil {
		return nil, until, err
	}
	now := s.now()
	if sess.EndsAt.After(now) && !sess.Cancelled {
		until = sess.EndsAt
	}
	if rec.CompletedAt == nil && !rec.Late {
		if due, err := time.ParseInLocation(DateLayout, rec.DueOn, s.loc); err == nil {
			if d := due.AddDate(0, 0, 1); until.IsZero() || d.Before(until) {
				until = d
			}
		}
	}
	// 时间
	switch {
	case sess.Cancelled:
		f.Time = Check{false, "cancelled"}
	case sess.EndsAt.After(now):
		f.Time = Check{false, "not held yet: ends " + sess.EndsAt.In(s.loc).Format(time.RFC3339)}
	default:
		f.Time = Check{true, "held on " + s.startDate(sess)}
	}
	// 人员
	recs, err := attendanceTx(tx, sess.ID)
	if err != nil {
		return nil, until, err
	}
	byMember := make(map[string]*Attendance, len(recs))
	for i := range recs {
		byMember[recs[i].MemberID] = &recs[i]
	}
	attended, unmarked := 0, 0
	pol := s.Policy()
	for _, id := range aud {
		a := byMember[id]
		switch {
		case a == nil:
			unmarked++
		case pol.attendedRecord(a):
			attended++
		}
	}
	switch {
	case len(aud) == 0:
		f.People = Check{false, "no audience"}
	case unmarked > 0:
		f.People = Check{false, strconv.Itoa(unmarked) + " of " + strconv.Itoa(len(aud)) + " have no attendance status"}
	case float64(attended) < FourMinShare*float64(len(aud)):
		f.People = Check{false, strconv.Itoa(attended) + " of " + strconv.Itoa(len(aud)) + " attended: under 90%"}
	default:
		f.People = Check{true, strconv.Itoa(attended) + " of " + strconv.Itoa(len(aud)) + " attended, everyone has a status"}
	}
	// 内容
	switch {
	case len(sess.ItemIDs) == 0:
		f.Content = Check{false, "no content item"}
	case s.MeetingRules().firstTopicRequired(g.Type) && rec.FirstTopic == "":
		f.Content = Check{false, "no first topic (第一议题)"}
	default:
		f.Content = Check{true, strconv.Itoa(len(sess.ItemIDs)) + " content item(s)"}
		if rec.FirstTopic != "" {
			f.Content.Reason += ", first topic: " + rec.FirstTopic
		}
	}
	// 效果
	key := keyOrZero(sess.ID)
	contrib := 0
	for _, b := range [][]byte{bucketShares, bucketQuestions} {
		if err := eachPrefix(tx.Bucket(b), key, func(_, _ []byte) error { contrib++; return nil }); err != nil {
			return nil, until, err
		}
	}
	switch {
	case !rec.Complete:
		f.Effect = Check{false, "minutes not complete: missing " + strings.Join(rec.Missing, ", ")}
	case rec.Late:
		f.Effect = Check{false, "minutes late: due " + rec.DueOn}
	case contrib == 0:
		f.Effect = Check{false, "no share or question recorded"}
	default:
		f.Effect = Check{true, "minutes complete on time, " + strconv.Itoa(contrib) + " share(s) or question(s)"}
	}
	f.All = f.People.OK && f.Time.OK && f.Content.OK && f.Effect.OK
	return f, until, nil
}

// FourRate is a group's 四落实 rate in p: sessions with all four over
// sessions held (ended, not cancelled, starting inside p and given to
// groupID or below it; "" for the whole organisation). A held session
// counts once it has ended, by the store's clock.
func (s *Store) FourRate(p Period, groupID string) (Ratio, error) {
	fs, err := s.FourResults(p, groupID)
	if err != nil {
		return Ratio{}, err
	}
	num := 0
	for _, f := range fs {
		if f.All {
			num++
		}
	}
	return ratio(num, len(fs)), nil
}

// SessionFour is one held session's 四落实 result, for reports.
type SessionFour struct {
	SessionID string
	GroupID   string
	All       bool
}

// FourResults lists the 四落实 result of every session held in p (ended,
// not cancelled, starting inside p) given to groupID or below it ("" for
// the whole organisation): a group's rate is the share with All among
// those given to its subtree (FourRate for one group). The audiences come
// from the rates index.
func (s *Store) FourResults(p Period, groupID string) ([]SessionFour, error) {
	var out []SessionFour
	err := s.view(func(tx *bolt.Tx) error {
		ix, err := s.ratesIndex(tx)
		if err != nil {
			return err
		}
		ss, err := sessionsIn(tx, ix, p, groupID)
		if err != nil {
			return err
		}
		byGroup := membersByGroup(ix)
		aud := func(sess *Session) []string { return s.audienceIn(ix, byGroup, sess) }
		out, err = s.fourResultsWith(tx, ix.tree, aud, s.fourView(tx), ss)
		return err
	})
	return out, err
}

// fourResultsTx is FourResults inside tx with ms every member, for a write
// transaction (the period lock), where the rates index must not be built:
// it could keep a state that is then rolled back. Each audience is drawn
// from the members of the session's group's subtree only (gathered once
// per group), not from every member.
func (s *Store) fourResultsTx(tx *bolt.Tx, t *Tree, ms []Member, p Period, groupID string) ([]SessionFour, error) {
	inGroup := map[string][]*Member{}
	for i := range ms {
		if ms[i].GroupID != "" {
			inGroup[ms[i].GroupID] = append(inGroup[ms[i].GroupID], &ms[i])
		}
	}
	below := map[string][]*Member{} // group → members of its subtree
	aud := func(sess *Session) []string {
		sub, ok := below[sess.GroupID]
		if !ok {
			for _, g := range t.Subtree(sess.GroupID) {
				sub = append(sub, inGroup[g]...)
			}
			below[sess.GroupID] = sub
		}
		day := s.startDate(sess)
		var ids []string
		for _, m := range sub {
			if m.ActiveOn(day) {
				ids = append(ids, m.ID)
			}
		}
		return ids
	}
	gs, err := t.scopeGroups(groupID)
	if err != nil {
		return nil, err
	}
	ss, err := sessionsTx(tx, SessionFilter{GroupIDs: gs, From: p.Start, To: p.End})
	if err != nil {
		return nil, err
	}
	return s.fourResultsWith(tx, t, aud, nil, ss)
}

// sessionsIn is sessionsTx for the sessions of groupID's subtree ("" for
// every group) starting inside p, found in the rates index: only their
// own records are read and decoded, not every session's.
func sessionsIn(tx *bolt.Tx, ix *ratesIndex, p Period, groupID string) ([]Session, error) {
	var in []bool
	if groupID != "" {
		if _, err := ix.tree.scopeGroups(groupID); err != nil {
			return nil, err
		}
		in = make([]bool, len(ix.groupIDs))
		for _, g := range ix.subtree[ix.group(groupID)] {
			in[g] = true
		}
	}
	from, to := p.Start.UnixNano(), p.End.UnixNano()
	b := tx.Bucket(bucketSessions)
	out := []Session{}
	for i := sort.Search(len(ix.sessions), func(i int) bool { return ix.sessions[i].start >= from }); i < len(ix.sessions) && ix.sessions[i].start < to; i++ {
		is := &ix.sessions[i]
		if in != nil && !in[is.group] {
			continue
		}
		var sess Session
		if err := json.Unmarshal(b.Get(is.key), &sess); err != nil {
			return nil, err
		}
		if sess.ItemIDs == nil {
			sess.ItemIDs = []string{}
		}
		if sess.Kind == "" {
			sess.Kind = KindStudy
		}
		out = append(out, sess)
	}
	return out, nil
}

// fourResultsWith lists the results of the sessions of ss that were held
// (ended by now), aud naming each session's audience; v (nil for none)
// keeps them between calls.
func (s *Store) fourResultsWith(tx *bolt.Tx, t *Tree, aud func(*Session) []string, v *fourView, ss []Session) ([]SessionFour, error) {
	var out []SessionFour
	now := s.now()
	for i := range ss {
		if ss[i].EndsAt.After(now) {
			continue
		}
		f, ok := v.get(ss[i].ID)
		if !ok {
			var until time.Time
			var err error
			if f, until, err = s.fourTx(tx, t, aud(&ss[i]), &ss[i]); err != nil {
				return nil, err
			}
			v.put(f, until)
		}
		out = append(out, SessionFour{SessionID: ss[i].ID, GroupID: ss[i].GroupID, All: f.All})
	}
	return out, nil
}
