package store

import (
	"errors"
	"math/rand"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The rotation tests write sessions and leave requests straight into their
// buckets, in the shapes the session feature uses (JSON Session keyed by
// its id; leave requests keyed session id + member id with a "status"), so
// they exercise the rotation rule on its own.

// rtDay is 09:00 on the given date in Shanghai.
func rtDay(date string) time.Time {
	t, err := time.ParseInLocation(DateLayout+" 15:04", date+" 09:00", DefaultLocation())
	if err != nil {
		panic(err)
	}
	return t
}

// rtCreate creates a session of group at start the way the session feature
// does: it draws the id, lets the rotation pick the lead (unless lead is
// given by hand), and stores it. Leaves listed in leaveFor are approved for
// the new id before the rotation runs.
func rtCreate(tb testing.TB, s *Store, group string, start time.Time, lead string, leaveFor ...string) *Session {
	tb.Helper()
	var sess *Session
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		sess = &Session{ID: id, GroupID: group, Title: "学习", StartsAt: start, EndsAt: start.Add(2 * time.Hour), ItemIDs: []string{}}
		for _, m := range leaveFor {
			if err := rtPutLeave(tx, id, m, "approved"); err != nil {
				return err
			}
		}
		if lead != "" {
			sess.LeadID, sess.LeadSource = lead, "manual"
		} else {
			l, err := s.rotationLead(tx, sess)
			if err != nil {
				return err
			}
			if l != "" {
				sess.LeadID, sess.LeadSource = l, "rotation"
			}
		}
		return putJSON(b, key, sess)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return sess
}

func rtPutLeave(tx *bolt.Tx, sessionID, memberID, status string) error {
	return putJSON(tx.Bucket(bucketLeave), pairKey(keyOrZero(sessionID), keyOrZero(memberID)),
		map[string]string{"session_id": sessionID, "member_id": memberID, "status": status, "reason": "出差"})
}

// rtLeave records a leave request with the given status.
func rtLeave(tb testing.TB, s *Store, sessionID, memberID, status string) {
	tb.Helper()
	if err := s.db.Update(func(tx *bolt.Tx) error { return rtPutLeave(tx, sessionID, memberID, status) }); err != nil {
		tb.Fatal(err)
	}
}

// rtEdit changes a stored session.
func rtEdit(tb testing.TB, s *Store, id string, fn func(*Session)) {
	tb.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		var ss Session
		if _, err := getJSON(tx.Bucket(bucketSessions), keyOrZero(id), &ss); err != nil {
			return err
		}
		fn(&ss)
		return putJSON(tx.Bucket(bucketSessions), keyOrZero(id), &ss)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// rtTurn stores a reading turn naming lead.
func rtTurn(tb testing.TB, s *Store, sessionID, lead string) {
	tb.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketTurns), keyOrZero(sessionID), &ReadingTurn{SessionID: sessionID, LeadID: lead, Material: "《讲话》"})
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// rtFixture is a group 第一支部 under 机关党委 with members joined in a
// known order: a (2023-01-01, "甲"), b (2023-01-01, "乙"), c (2023-02-01),
// d (2023-03-01); plus a lead over the group from the parent.
type rtFixture struct {
	s                   *Store
	clock               *ManualClock
	root, g             string
	a, b, c, d, outside *Member
}

func newRTFixture(tb testing.TB) *rtFixture {
	tb.Helper()
	s, clock := mustOpen(tb)
	f := &rtFixture{s: s, clock: clock}
	f.root = mustGroup(tb, s, "机关党委", "")
	f.g = mustGroup(tb, s, "第一支部", f.root)
	// Created out of order: the default order must follow joined_on, name.
	f.d = mustMember(tb, s, "丁", f.g, RoleMember, "2023-03-01")
	f.b = mustMember(tb, s, "乙", f.g, RoleMember, "2023-01-01")
	f.c = mustMember(tb, s, "丙", f.g, RoleLead, "2023-02-01")
	f.a = mustMember(tb, s, "甲", f.g, RoleMember, "2023-01-01")
	f.outside = mustMember(tb, s, "委员", f.root, RoleLead, "2022-01-01")
	return f
}

func (f *rtFixture) names(ids []string) string {
	by := map[string]string{f.a.ID: "a", f.b.ID: "b", f.c.ID: "c", f.d.ID: "d", f.outside.ID: "x", "": "-"}
	var out []string
	for _, id := range ids {
		if n, ok := by[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, "#"+id)
		}
	}
	return strings.Join(out, "")
}

func TestRotationDefaultOrder(t *testing.T) {
	f := newRTFixture(t)
	r, err := f.s.Rotation(f.g)
	if err != nil {
		t.Fatal(err)
	}
	// a and b joined the same day: by name, and 乙 (U+4E59) < 甲 (U+7532).
	if got := f.names(r.Order); got != "bacd" {
		t.Errorf("default order %s, want bacd (joined_on, then name)", got)
	}
	if r.Custom {
		t.Error("custom before any PUT")
	}
	if got := f.names(r.Next); got != "bacdb" {
		t.Errorf("next %s, want bacdb", got)
	}
	if _, err := f.s.Rotation("999"); !IsKind(err, KindNotFound) {
		t.Errorf("unknown group: %v", err)
	}
}

// TestRotationLead walks the rule through its cases, one session after
// another in the same group.
func TestRotationLead(t *testing.T) {
	f := newRTFixture(t)
	s := f.s
	// Order b a c d.
	steps := []struct {
		name  string
		date  string
		lead  string   // given by hand
		leave []string // approved before the rotation runs
		want  string
	}{
		{name: "first session starts at the head", date: "2023-04-03", want: "b"},
		{name: "next after the latest", date: "2023-04-10", want: "a"},
		{name: "skips approved leave", date: "2023-04-17", leave: []string{f.c.ID}, want: "d"},
		{name: "wraps around", date: "2023-04-24", want: "b"},
		{name: "hand swap: continue after whoever led", date: "2023-05-01", lead: f.d.ID, want: "d"},
		{name: "after the hand-set lead", date: "2023-05-08", want: "b"},
		{name: "and on", date: "2023-05-15", want: "a"},
	}
	var last *Session
	for _, st := range steps {
		last = rtCreate(t, s, f.g, rtDay(st.date), st.lead, st.leave...)
		if got := f.names([]string{last.LeadID}); got != st.want {
			t.Fatalf("%s: lead %s, want %s", st.name, got, st.want)
		}
	}
	// The turn of the last session names c: the next continues after c.
	rtTurn(t, s, last.ID, f.c.ID)
	if got := f.names([]string{rtCreate(t, s, f.g, rtDay("2023-05-22"), "").LeadID}); got != "d" {
		t.Errorf("after a turn led by c: %s, want d", got)
	}
	// A lead from above the group led by hand: the rotation looks back to
	// the latest lead in the order (d) and continues after them.
	rtCreate(t, s, f.g, rtDay("2023-05-29"), f.outside.ID)
	if got := f.names([]string{rtCreate(t, s, f.g, rtDay("2023-06-05"), "").LeadID}); got != "b" {
		t.Errorf("after an outside lead: %s, want b (after d)", got)
	}
	// Cancelled sessions do not count.
	x := rtCreate(t, s, f.g, rtDay("2023-06-12"), "")
	if f.names([]string{x.LeadID}) != "a" {
		t.Fatalf("lead %s, want a", f.names([]string{x.LeadID}))
	}
	rtEdit(t, s, x.ID, func(ss *Session) { ss.Cancelled = true })
	if got := f.names([]string{rtCreate(t, s, f.g, rtDay("2023-06-19"), "").LeadID}); got != "a" {
		t.Errorf("after a cancelled session: %s, want a again", got)
	}
	// Pending and rejected leave do not excuse.
	y := rtCreate(t, s, f.g, rtDay("2023-06-26"), "")
	rtLeave(t, s, y.ID, f.c.ID, "pending")
	rtLeave(t, s, y.ID, f.d.ID, "rejected")
	err := s.db.View(func(tx *bolt.Tx) error {
		got, err := s.rotationLead(tx, y)
		if f.names([]string{got}) != "c" {
			t.Errorf("with pending/rejected leave: %s, want c", f.names([]string{got}))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRotationEarlierAndInactive(t *testing.T) {
	f := newRTFixture(t)
	s := f.s
	rtCreate(t, s, f.g, rtDay("2023-04-03"), "")         // b
	rtCreate(t, s, f.g, rtDay("2023-04-17"), "")         // a
	late := rtCreate(t, s, f.g, rtDay("2023-04-10"), "") // after b (the latest EARLIER session)
	if got := f.names([]string{late.LeadID}); got != "a" {
		t.Errorf("session inserted between: %s, want a (after b)", got)
	}
	// Not yet joined (d joins 2023-03-01) and departed members are skipped.
	s2, _ := mustOpen(t)
	g := mustGroup(t, s2, "支部", "")
	p := mustMember(t, s2, "早", g, RoleMember, "2023-01-01")
	q := mustMember(t, s2, "晚", g, RoleMember, "2023-06-01")
	r := mustMember(t, s2, "中", g, RoleMember, "2023-02-01")
	if _, err := s2.UpdateMember(admin, r.ID, MemberPatch{LeftOn: rtPtr("2023-05-01")}); err != nil {
		t.Fatal(err)
	}
	want := []string{p.ID, p.ID, r.ID, p.ID, q.ID}
	// Order p r q. January: only p is active, twice; March: r; May: r has
	// left, so p; June: q has joined.
	for i, d := range []string{"2023-01-09", "2023-01-16", "2023-03-01", "2023-05-02", "2023-06-05"} {
		if got := rtCreate(t, s2, g, rtDay(d), "").LeadID; got != want[i] {
			t.Errorf("%s: lead %s, want %s", d, got, want[i])
		}
	}
	// Nobody eligible: no lead.
	if got := rtCreate(t, s2, g, rtDay("2022-06-01"), "").LeadID; got != "" {
		t.Errorf("before anyone joined: lead %q, want none", got)
	}
}

func rtPtr[T any](v T) *T { return &v }

func TestSetRotation(t *testing.T) {
	f := newRTFixture(t)
	s := f.s
	over := WithActor(bg, f.outside.ID) // a lead over the group
	order := []string{f.d.ID, f.c.ID, f.b.ID, f.a.ID}
	r, err := s.SetRotation(over, f.g, RotationInput{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Order, order) || !r.Custom {
		t.Fatalf("order %s custom %v", f.names(r.Order), r.Custom)
	}
	if got := rtCreate(t, s, f.g, rtDay("2023-04-03"), "").LeadID; got != f.d.ID {
		t.Errorf("first lead after the PUT: %s, want d", f.names([]string{got}))
	}
	// Newcomer appended; a leaver drops out of the order shown.
	e := mustMember(t, s, "戊", f.g, RoleMember, "2023-08-01")
	if _, err := s.UpdateMember(admin, f.c.ID, MemberPatch{LeftOn: rtPtr("2023-08-15")}); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Rotation(f.g)
	if want := []string{f.d.ID, f.b.ID, f.a.ID, e.ID}; !reflect.DeepEqual(r.Order, want) {
		t.Errorf("order after join and leave: %v, want %v", r.Order, want)
	}
	bad := []struct {
		name  string
		order []string
		want  string // substring of the order field's reason
	}{
		{"missing member", []string{f.d.ID, f.b.ID, f.a.ID}, "missing: " + e.ID},
		{"departed member", []string{f.d.ID, f.b.ID, f.a.ID, e.ID, f.c.ID}, "not current direct members of the group: " + f.c.ID},
		{"member of another group", []string{f.d.ID, f.b.ID, f.a.ID, e.ID, f.outside.ID}, f.outside.ID},
		{"unknown id", []string{f.d.ID, f.b.ID, f.a.ID, e.ID, "9999"}, "9999"},
		{"duplicate", []string{f.d.ID, f.b.ID, f.a.ID, e.ID, e.ID}, "listed twice: " + e.ID},
		{"not an id", []string{"abc"}, `not member ids: "abc"`},
		{"null", nil, "required"},
	}
	for _, c := range bad {
		_, err := s.SetRotation(over, f.g, RotationInput{Order: c.order})
		var se *Error
		if !IsKind(err, KindInvalid) || !rtAsErr(err, &se) || !strings.Contains(se.Fields["order"], c.want) {
			t.Errorf("%s: %v (fields %v), want 422 order mentioning %q", c.name, err, se, c.want)
		}
	}
	if _, err := s.SetRotation(over, "999", RotationInput{Order: []string{}}); !IsKind(err, KindNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "rotation"})
	if len(entries) != 1 || entries[0].Before == nil || entries[0].After == nil || entries[0].ActorID != f.outside.ID {
		t.Errorf("audit entries %+v, want one update with before and after", entries)
	}
}

func rtAsErr(err error, target **Error) bool { return errors.As(err, target) }

func TestProposeSubstitute(t *testing.T) {
	f := newRTFixture(t)
	s := f.s
	s1 := rtCreate(t, s, f.g, rtDay("2023-09-04"), "") // b
	s2 := rtCreate(t, s, f.g, rtDay("2023-09-11"), "") // a
	if got, err := s.ProposeSubstitute(s2.ID); err != nil || got != "" {
		t.Errorf("lead available: %q %v, want none", got, err)
	}
	rtLeave(t, s, s2.ID, f.a.ID, "approved")
	if got, _ := s.ProposeSubstitute(s2.ID); got != f.c.ID {
		t.Errorf("substitute for a: %s, want c", f.names([]string{got}))
	}
	rtLeave(t, s, s2.ID, f.c.ID, "approved")
	if got, _ := s.ProposeSubstitute(s2.ID); got != f.d.ID {
		t.Errorf("substitute with c away too: %s, want d", f.names([]string{got}))
	}
	r, err := s.Rotation(f.g)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Substitutes) != 1 || r.Substitutes[0].SessionID != s2.ID || r.Substitutes[0].ProposedSubstitute != f.d.ID {
		t.Errorf("substitutes %+v", r.Substitutes)
	}
	// Next continues after s2's assigned lead a until the swap is made.
	if got := f.names(r.Next); got != "cdbac" {
		t.Errorf("next %s, want cdbac", got)
	}
	rtEdit(t, s, s2.ID, func(ss *Session) { ss.LeadID, ss.LeadSource = f.d.ID, "manual" })
	r, _ = s.Rotation(f.g)
	if got := f.names(r.Next); got != "bacdb" || len(r.Substitutes) != 0 {
		t.Errorf("after the swap: next %s substitutes %+v, want bacdb and none", got, r.Substitutes)
	}
	// A recorded turn ends the question; cancelled sessions need nobody.
	rtLeave(t, s, s1.ID, f.b.ID, "approved")
	rtTurn(t, s, s1.ID, f.b.ID)
	if got, _ := s.ProposeSubstitute(s1.ID); got != "" {
		t.Errorf("with a turn recorded: %q", got)
	}
	if _, err := s.ProposeSubstitute("4242"); !IsKind(err, KindNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

// rtRandomNames gives the random fairness test readable member names.
var rtRandomNames = []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"}

// TestRotationFairness checks the rotation over long random histories
// (math/rand, fixed seeds).
//
// Each seed builds a group of 3–8 members, then creates sessions one after
// another in start order, one to three days apart. Before each session it
// may: let a member join (joined_on = that day) or leave (left_on = that
// day, keeping at least one active), have a lead set a new random order, and
// approve leave for random members for the new session. The rotation then
// picks the lead. After the pick it may: approve leave for the lead and
// apply ProposeSubstitute's proposal (a substitution); swap the lead by hand,
// either by changing the session's lead_id or by recording a reading turn
// naming someone else (a member of the group or a lead from the parent
// group); record a turn confirming the lead; or cancel the session.
//
// Over the sessions that were not cancelled, s_1 … s_N in start order, with
// actual leads L_1 … L_N (the turn's lead when recorded, else the session's
// lead), and calling a member eligible for s_m when they are a direct member
// of the group, active on s_m's date and without approved leave for s_m:
//
//  1. Rule. Every lead the rotation picks (at creation or as a substitute)
//     is eligible for its session, and every member strictly between the
//     previous actual lead and the pick — walking the rotation order
//     cyclically, from the latest earlier session whose actual lead is in
//     the order — is not eligible. When it picks nobody, nobody is eligible.
//  2. Fairness. Call s_m rotational when its lead came from the rotation (or
//     a substitution) and no new order was set just before it. For every
//     k < j with L_k = L_j = X and s_(k+1) … s_j all rotational, every member
//     Y ≠ X who was eligible for each of s_(k+1) … s_j led one of
//     s_(k+1) … s_(j-1). In words: while the rotation runs on its own,
//     nobody leads twice before everyone who was eligible all along has led
//     once. Members who joined, left or were on leave during the stretch are
//     not owed a turn in it; a hand swap or a new order starts a new
//     stretch, from whoever actually led.
func TestRotationFairness(t *testing.T) {
	seeds, steps := 60, 100
	if testing.Short() {
		seeds = 10
	}
	// A deeper run: ROTATION_SEEDS=2000 go test -run TestRotationFairness ./store
	if n, err := strconv.Atoi(os.Getenv("ROTATION_SEEDS")); err == nil && n > 0 {
		seeds = n
	}
	var total rtStats
	for seed := int64(1); seed <= int64(seeds); seed++ {
		st := rtFairnessRun(t, seed, steps)
		if t.Failed() {
			t.Fatalf("seed %d failed", seed)
		}
		total.add(st)
	}
	t.Logf("%d seeds: %+v", seeds, total)
	// The random histories must actually exercise every kind of event.
	if total.joins == 0 || total.departures == 0 || total.reorders == 0 || total.preLeaves == 0 ||
		total.substitutions == 0 || total.swaps == 0 || total.turnSwaps == 0 || total.outsideSwaps == 0 ||
		total.cancels == 0 || total.windows < 10*seeds || total.owed < 20*seeds {
		t.Errorf("events not exercised: %+v", total)
	}
}

type rtStats struct {
	sessions, joins, departures, reorders, preLeaves, substitutions, swaps, turnSwaps, outsideSwaps, cancels int
	windows                                                                                                  int // (k, j] stretches checked
	owed                                                                                                     int // members owed a turn in them, checked
}

func (a *rtStats) add(b rtStats) {
	a.sessions += b.sessions
	a.joins += b.joins
	a.departures += b.departures
	a.reorders += b.reorders
	a.preLeaves += b.preLeaves
	a.substitutions += b.substitutions
	a.swaps += b.swaps
	a.turnSwaps += b.turnSwaps
	a.outsideSwaps += b.outsideSwaps
	a.cancels += b.cancels
	a.windows += b.windows
	a.owed += b.owed
}

type rtHist struct {
	id, date   string
	lead       string
	rotational bool
	cancelled  bool
}

func rtFairnessRun(t *testing.T, seed int64, steps int) rtStats {
	t.Helper()
	var st rtStats
	rng := rand.New(rand.NewSource(seed))
	s, clock := mustOpen(t)
	s.db.NoSync = true // thousands of small commits; durability is not under test
	root := mustGroup(t, s, "机关党委", "")
	g := mustGroup(t, s, "支部", root)
	outsider := mustMember(t, s, "委员", root, RoleLead, "2022-01-01")
	adm := mustMember(t, s, "管理员", "", RoleAdmin, "2022-01-01")
	var members []*Member
	newMember := func(joined string) {
		name := rtRandomNames[rng.Intn(len(rtRandomNames))] + strconv.Itoa(len(members))
		members = append(members, mustMember(t, s, name, g, RoleMember, joined))
	}
	for range 3 + rng.Intn(6) {
		newMember("2023-01-01")
	}
	if rng.Intn(2) == 0 { // half the seeds start from a custom order
		ids := make([]string, len(members))
		for i, m := range members {
			ids[i] = m.ID
		}
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		clock.Set(rtDay("2023-01-02"))
		if _, err := s.SetRotation(admin, g, RotationInput{Order: ids}); err != nil {
			t.Fatal(err)
		}
	}
	var hist []rtHist
	active := func(date string) []*Member {
		var out []*Member
		for _, m := range members {
			if m.ActiveOn(date) {
				out = append(out, m)
			}
		}
		return out
	}
	// checkRule asserts invariant 1 for pick at sess.
	checkRule := func(sess *Session, pick, what string) {
		t.Helper()
		date := s.dateIn(sess.StartsAt)
		err := s.db.View(func(tx *bolt.Tx) error {
			rs, err := loadRotation(tx, g)
			if err != nil {
				return err
			}
			prev := ""
			for i := len(hist) - 1; i >= 0; i-- {
				if h := hist[i]; !h.cancelled && h.lead != "" {
					if _, ok := rs.pos[h.lead]; ok {
						prev = h.lead
						break
					}
				}
			}
			eligible := func(id string) bool {
				return rs.members[id].ActiveOn(date) && !approvedLeave(tx, sess.ID, id)
			}
			start := 0
			if i, ok := rs.pos[prev]; ok {
				start = i + 1
			}
			for k := range rs.order {
				id := rs.order[(start+k)%len(rs.order)]
				if id == pick {
					break
				}
				if eligible(id) {
					t.Errorf("seed %d session %s (%s): %s picked %s but skipped eligible %s (previous lead %s)", seed, sess.ID, date, what, pick, id, prev)
				}
			}
			if pick != "" && (rs.members[pick] == nil || !eligible(pick)) {
				t.Errorf("seed %d session %s: %s picked %s, who is not eligible", seed, sess.ID, what, pick)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	reordered := false
	day := rtDay("2023-01-09")
	for range steps {
		day = day.AddDate(0, 0, 1+rng.Intn(3))
		date := s.dateIn(day)
		clock.Set(day.Add(-time.Hour))
		if rng.Float64() < 0.06 {
			newMember(date)
			st.joins++
		}
		if act := active(date); len(act) > 1 && rng.Float64() < 0.05 {
			m := act[rng.Intn(len(act))]
			upd, err := s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: rtPtr(date)})
			if err != nil {
				t.Fatal(err)
			}
			*m = *upd
			st.departures++
		}
		if rng.Float64() < 0.03 {
			r, err := s.Rotation(g)
			if err != nil {
				t.Fatal(err)
			}
			rng.Shuffle(len(r.Order), func(i, j int) { r.Order[i], r.Order[j] = r.Order[j], r.Order[i] })
			if _, err := s.SetRotation(admin, g, RotationInput{Order: r.Order}); err != nil {
				t.Fatal(err)
			}
			reordered = true
			st.reorders++
		}
		var pre []string
		for _, m := range active(date) {
			if rng.Float64() < 0.12 {
				pre = append(pre, m.ID)
				st.preLeaves++
			}
		}
		sess := rtCreate(t, s, g, day, "", pre...)
		st.sessions++
		checkRule(sess, sess.LeadID, "the rotation")
		h := rtHist{id: sess.ID, date: date, lead: sess.LeadID, rotational: !reordered}
		reordered = false
		// Someone else: a member active that day, or the lead from above.
		other := func() string {
			if rng.Intn(4) == 0 {
				st.outsideSwaps++
				return outsider.ID
			}
			var ids []string
			for _, m := range active(date) {
				if m.ID != h.lead {
					ids = append(ids, m.ID)
				}
			}
			if len(ids) == 0 {
				st.outsideSwaps++
				return outsider.ID
			}
			return ids[rng.Intn(len(ids))]
		}
		switch r := rng.Float64(); {
		case r < 0.10 && h.lead != "":
			rtLeave(t, s, sess.ID, h.lead, "approved")
			sub, err := s.ProposeSubstitute(sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkRule(sess, sub, "ProposeSubstitute")
			rtEdit(t, s, sess.ID, func(ss *Session) { ss.LeadID, ss.LeadSource = sub, "manual" })
			h.lead = sub
			st.substitutions++
		case r < 0.16:
			x := other()
			rtEdit(t, s, sess.ID, func(ss *Session) { ss.LeadID, ss.LeadSource = x, "manual" })
			h.lead, h.rotational = x, false
			st.swaps++
		case r < 0.22:
			x := other()
			clock.Set(day.Add(time.Hour))
			if _, _, err := s.RecordReading(admin, adm, sess.ID, ReadingInput{LeadID: x, Material: "《讲话》"}); err != nil {
				t.Fatal(err)
			}
			h.lead, h.rotational = x, false
			st.turnSwaps++
		case r < 0.40 && h.lead != "":
			clock.Set(day.Add(time.Hour))
			if _, _, err := s.RecordReading(admin, adm, sess.ID, ReadingInput{LeadID: h.lead, Material: "《讲话》"}); err != nil {
				t.Fatal(err)
			}
		case r < 0.44:
			rtEdit(t, s, sess.ID, func(ss *Session) { ss.Cancelled = true })
			h.cancelled = true
			reordered = !h.rotational // a new order still starts the next stretch
			st.cancels++
		}
		hist = append(hist, h)
		if os.Getenv("RT_DEBUG") != "" {
			t.Logf("seed %d s%s %s pre=%v pick=%s final=%+v", seed, sess.ID, date, pre, sess.LeadID, h)
		}
	}
	// The store agrees with the history on who actually led.
	var seq []rtHist
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, h := range hist {
			ss, err := sessionRecord(tx, h.id)
			if err != nil {
				return err
			}
			if got := actualLead(tx, ss); got != h.lead || ss.Cancelled != h.cancelled {
				t.Errorf("seed %d session %s: store says lead %s cancelled %v, history %s %v", seed, h.id, got, ss.Cancelled, h.lead, h.cancelled)
			}
			if !h.cancelled {
				seq = append(seq, h)
			}
		}
		// eligible[i][m]: member m eligible for seq[i].
		eligible := make([]map[string]bool, len(seq))
		for i, h := range seq {
			eligible[i] = map[string]bool{}
			for _, m := range members {
				eligible[i][m.ID] = m.ActiveOn(h.date) && !approvedLeave(tx, h.id, m.ID)
			}
		}
		for k := range seq {
			x := seq[k].lead
			if x == "" {
				continue
			}
			for j := k + 1; j < len(seq) && seq[j].rotational; j++ {
				if seq[j].lead != x {
					continue
				}
				st.windows++
				for _, y := range members {
					if y.ID == x {
						continue
					}
					owed, led := true, false
					for i := k + 1; i <= j; i++ {
						owed = owed && eligible[i][y.ID]
						led = led || i < j && seq[i].lead == y.ID
					}
					if owed {
						st.owed++
						if !led {
							t.Errorf("seed %d: %s led sessions %s and %s while %s, eligible throughout, never led in between", seed, x, seq[k].id, seq[j].id, y.ID)
						}
					}
				}
				break // longer stretches from k follow from this one and the next
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func FuzzRotationInput(f *testing.F) {
	f.Add([]byte(`{"order":["3","4","5"]}`))
	f.Add([]byte(`{"order":["3","3"]}`))
	f.Add([]byte(`{"order":null}`))
	f.Add([]byte(`{"order":["","0","x"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRequest(t, data, func(in *RotationInput) string {
			seen := map[string]bool{}
			for _, id := range in.Order {
				if _, ok := idKey(id); !ok || seen[id] {
					return "bad or repeated id " + id
				}
				seen[id] = true
			}
			if in.Order == nil {
				return "nil order"
			}
			return ""
		})
	})
}
