package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func strp(s string) *string { return &s }

// rowOf is member id's row in r, nil when none.
func rowOf(r *RatesReport, id string) *MemberRate {
	for i := range r.Members {
		if r.Members[i].MemberID == id {
			return &r.Members[i]
		}
	}
	return nil
}

// TestDatedMembership moves b1 from 第二支部 (B) to 第一支部 (A) from
// 2023-08-01: the rates count b1 in B for the sessions and exams before and
// in A after, B's and A's answers each hold b1's part, and the history says
// so. Without effective_on the move is dated today and 2023Q3 keeps its
// figures.
func TestDatedMembership(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear)
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	pol := DefaultPolicy()

	t.Run("a move dated today leaves the past alone", func(t *testing.T) {
		o := newOrg(t)
		o.clock.Set(afterYear)
		before, _ := o.s.MemberRates(q3, o.b1.ID, pol)
		if _, err := o.s.UpdateMember(admin, o.b1.ID, MemberPatch{GroupID: &o.A}); err != nil {
			t.Fatal(err)
		}
		after, _ := o.s.MemberRates(q3, o.b1.ID, pol)
		if !reflect.DeepEqual(before.Members, after.Members) || after.Members[0].GroupID != o.B {
			t.Errorf("2023Q3 of b1 moved today:\n%+v\nwas\n%+v", after.Members, before.Members)
		}
		h, _ := o.s.MemberHistory(o.b1.ID)
		if len(h) != 2 || h[1].From != "2024-01-10" || h[1].GroupID != o.A || h[0].To == nil || *h[0].To != "2024-01-10" {
			t.Errorf("history %+v", h)
		}
	})

	if _, err := o.s.UpdateMember(admin, o.b1.ID, MemberPatch{GroupID: &o.A, EffectiveOn: strp("2023-08-01")}); err != nil {
		t.Fatal(err)
	}
	m, _ := o.s.Member(o.b1.ID)
	if m.GroupID != o.A {
		t.Errorf("b1's group %s, want %s", m.GroupID, o.A)
	}
	h, err := o.s.MemberHistory(o.b1.ID)
	wantH := []Membership{{GroupID: o.B, Role: RoleMember, From: "2023-01-01", To: strp("2023-08-01")}, {GroupID: o.A, Role: RoleMember, From: "2023-08-01"}}
	if err != nil || !reflect.DeepEqual(h, wantH) {
		t.Errorf("history %+v %v, want %+v", h, err, wantH)
	}
	data, _ := json.Marshal(h)
	if want := fmt.Sprintf(`[{"role":"member","from":"2023-01-01","to":"2023-08-01","group_id":"%s"},{"role":"member","from":"2023-08-01","to":null,"group_id":"%s"}]`, o.B, o.A); string(data) != want {
		t.Errorf("history JSON %s, want %s", data, want)
	}

	// b1 in B: S1 (root, 07-05, leave) and S7 (B, 07-19, absent), exam
	// E1 (root, 07-25); in A: S4 (08-09) and S6 (08-23) without records,
	// exam E2 (A, 09-05).
	cases := []struct {
		group   string
		p, e    rr
		groupID string
	}{
		{"", rr{0, 4}, rr{0, 2}, o.A},
		{o.R, rr{0, 4}, rr{0, 2}, o.A},
		{o.B, rr{0, 2}, rr{0, 1}, o.B},
		{o.A, rr{0, 2}, rr{0, 1}, o.A},
	}
	for _, c := range cases {
		r, err := o.s.Rates(q3, c.group, pol)
		if err != nil {
			t.Fatal(err)
		}
		row := rowOf(r, o.b1.ID)
		if row == nil {
			t.Errorf("group %q: no row of b1", c.group)
			continue
		}
		checkRatio(t, "participation in "+c.group, row.Participation, c.p)
		checkRatio(t, "excellence in "+c.group, row.Excellence, c.e)
		if row.GroupID != c.groupID || row.Attendance.Required != c.p[1] {
			t.Errorf("group %q: row group %s tally %+v", c.group, row.GroupID, row.Attendance)
		}
	}
	own, _ := o.s.MemberRates(q3, o.b1.ID, pol)
	if len(own.Members) != 1 {
		t.Fatalf("own rates %+v", own)
	}
	checkRatio(t, "own participation", own.Members[0].Participation, rr{0, 4})
	checkRatio(t, "own excellence", own.Members[0].Excellence, rr{0, 2})
	q2, _ := ParsePeriod("2023Q2", o.s.loc)
	if r, _ := o.s.Rates(q2, o.A, pol); rowOf(r, o.b1.ID) != nil {
		t.Errorf("b1 in A's 2023Q2 although in B until 2023-08-01")
	}

	t.Run("bad dates change nothing", func(t *testing.T) {
		for _, c := range []struct {
			id    string
			patch MemberPatch
			code  string
			field string
		}{
			{o.b1.ID, MemberPatch{GroupID: &o.B, EffectiveOn: strp("2022-12-31")}, "before_joined", "effective_on"},
			{o.old.ID, MemberPatch{GroupID: &o.B, EffectiveOn: strp("2023-07-01")}, "after_left", "effective_on"},
			{o.b1.ID, MemberPatch{GroupID: &o.B, EffectiveOn: strp("2024-02-01")}, "invalid", "effective_on"},
			{o.b1.ID, MemberPatch{EffectiveOn: strp("2023-09-01")}, "invalid", "effective_on"},
			{o.b1.ID, MemberPatch{GroupID: &o.B, EffectiveOn: strp("2023-9-1")}, "invalid", "effective_on"},
		} {
			before, _ := o.s.MemberHistory(c.id)
			_, err := o.s.UpdateMember(admin, c.id, c.patch)
			var e *Error
			if ErrorKind(err) != KindInvalid || ErrorCode(err) != c.code || !asError(err, &e) || e.Fields[c.field] == "" {
				t.Errorf("%+v: %v (code %s), want 422 %s on %s", c.patch, err, ErrorCode(err), c.code, c.field)
			}
			after, _ := o.s.MemberHistory(c.id)
			if !reflect.DeepEqual(before, after) {
				t.Errorf("%+v changed the history: %+v", c.patch, after)
			}
		}
		if m, _ := o.s.Member(o.b1.ID); m.GroupID != o.A {
			t.Errorf("a refused change moved b1 to %s", m.GroupID)
		}
	})
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// TestMembershipLockedPeriod: once 2023Q3 is locked, a move back-dated into
// it and a back-dated join leave its figures as frozen (the lock is flagged
// stale); the open 2023Q4 takes the join; an unlock and relock bring them in.
func TestMembershipLockedPeriod(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear)
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	q4, _ := ParsePeriod("2023Q4", o.s.loc)
	pol := DefaultPolicy()
	if _, err := o.s.LockPeriod(admin, "2023Q3"); err != nil {
		t.Fatal(err)
	}
	frozen := func() []byte {
		r, _ := o.s.Rates(q3, "", pol)
		data, _ := json.Marshal(r)
		return data
	}
	q3Before := frozen()
	q4Before, _ := o.s.Rates(q4, "", pol)
	if _, err := o.s.UpdateMember(admin, o.b1.ID, MemberPatch{GroupID: &o.A, EffectiveOn: strp("2023-08-01")}); err != nil {
		t.Fatal(err)
	}
	late := mustMember(t, o.s, "late", o.B, RoleMember, "2023-07-01")
	if got := frozen(); string(got) != string(q3Before) {
		t.Errorf("locked 2023Q3 moved:\n%s\nwas\n%s", got, q3Before)
	}
	if l, _ := o.s.PeriodLock("2023Q3"); l == nil || !l.Stale {
		t.Errorf("lock after a move back-dated into it: %+v, want stale", l)
	}
	q4After, _ := o.s.Rates(q4, "", pol)
	if rowOf(q4Before, late.ID) != nil || rowOf(q4After, late.ID) == nil || rowOf(q4After, late.ID).Participation.Den != 1 {
		t.Errorf("2023Q4 (open) without the back-dated join: %+v", rowOf(q4After, late.ID))
	}
	if _, err := o.s.UnlockPeriod(admin, "2023Q3", "调动补录"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.LockPeriod(admin, "2023Q3"); err != nil {
		t.Fatal(err)
	}
	r, _ := o.s.Rates(q3, "", pol)
	if row := rowOf(r, o.b1.ID); r.Revision != 2 || row == nil || row.GroupID != o.A || row.Participation.Den != 4 || rowOf(r, late.ID) == nil {
		t.Errorf("revision 2: %d, b1 %+v", r.Revision, row)
	}
}

// TestApplySpanChange is the rule that dates a change: the field changed
// takes its new value from the date on, later changes of the other field
// stay, alike neighbours merge.
func TestApplySpanChange(t *testing.T) {
	sp := func(g string, r Role, from string) membershipSpan {
		return membershipSpan{GroupID: g, Role: r, From: from}
	}
	M, L := RoleMember, RoleLead
	cases := []struct {
		name    string
		in      []membershipSpan
		date, g string
		r       Role
		setG    bool
		setR    bool
		want    []membershipSpan
	}{
		{"move", []membershipSpan{sp("1", M, "2023-01-01")}, "2023-08-01", "2", M, true, false,
			[]membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-08-01")}},
		{"move on the join date replaces", []membershipSpan{sp("1", M, "2023-01-01")}, "2023-01-01", "2", M, true, false,
			[]membershipSpan{sp("2", M, "2023-01-01")}},
		{"same group: nothing", []membershipSpan{sp("1", M, "2023-01-01")}, "2023-05-01", "1", M, true, false,
			[]membershipSpan{sp("1", M, "2023-01-01")}},
		{"earlier move over a later one", []membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-08-01")}, "2023-07-01", "3", M, true, false,
			[]membershipSpan{sp("1", M, "2023-01-01"), sp("3", M, "2023-07-01")}},
		{"move keeps a later role change", []membershipSpan{sp("1", M, "2023-01-01"), sp("1", L, "2023-08-01")}, "2023-07-01", "2", L, true, false,
			[]membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-07-01"), sp("2", L, "2023-08-01")}},
		{"role change", []membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-08-01")}, "2023-09-01", "2", L, false, true,
			[]membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-08-01"), sp("2", L, "2023-09-01")}},
		{"moving a move earlier", []membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-08-01")}, "2023-06-01", "2", M, true, false,
			[]membershipSpan{sp("1", M, "2023-01-01"), sp("2", M, "2023-06-01")}},
	}
	for _, c := range cases {
		in := append([]membershipSpan(nil), c.in...)
		if got := applySpanChange(in, c.date, c.g, c.r, c.setG, c.setR); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestMigration11 opens a version-10 store (members without a history) and
// gets one membership per member since joined_on, and the very same
// figures for every past period as the old store gave.
func TestMigration11(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear)
	dir := o.s.Path()
	o.s.Close()
	db, err := bolt.Open(dir, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketMemberships); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, itob(10))
	})
	db.Close()
	periods := []string{"2023Q1", "2023Q2", "2023Q3", "2023Q4", "2023"}
	figures := func(s *Store) map[string]string {
		out := map[string]string{}
		for _, ps := range periods {
			p, _ := ParsePeriod(ps, s.loc)
			for _, g := range []string{"", o.A, o.B, o.A1} {
				r, err := s.Rates(p, g, DefaultPolicy())
				if err != nil {
					t.Fatal(err)
				}
				data, _ := json.Marshal([]any{r.Participation, r.Completion, r.Excellence, r.Members})
				out[ps+" "+g] = string(data)
			}
		}
		return out
	}
	old, err := Open(filepath.Dir(dir), Options{ReadOnly: true, Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	before := figures(old)
	old.Close()
	s, err := Open(filepath.Dir(dir), Options{Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v < 11 {
		t.Fatalf("version %d", v)
	}
	if after := figures(s); !reflect.DeepEqual(before, after) {
		for k := range before {
			if before[k] != after[k] {
				t.Errorf("%s:\n%s\nwas\n%s", k, after[k], before[k])
			}
		}
	}
	ms, _ := s.Members()
	for _, m := range ms {
		var stored []membershipSpan
		s.view(func(tx *bolt.Tx) error {
			_, err := getJSON(tx.Bucket(bucketMemberships), keyOrZero(m.ID), &stored)
			return err
		})
		want := []membershipSpan{{GroupID: m.GroupID, Role: m.Role, From: m.JoinedOn}}
		if !reflect.DeepEqual(stored, want) {
			t.Errorf("%s: stored history %+v, want %+v", m.Name, stored, want)
		}
	}
}
