package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkFour measures the 四落实 over a synthetic organisation of
// 10,000 members (STUDYROLL_BENCH_MEMBERS) and 2,000 sessions in a quarter
// (STUDYROLL_BENCH_SESSIONS): one session's GET /sessions/{id}/four, a
// branch's 四落实 rate and the organisation's (the rates answer and the
// group summary), with the results kept (four_cache.go) and without. The figures are in docs/BENCHMARKS.md.
func BenchmarkFour(b *testing.B) {
	members, sessions := envInt("STUDYROLL_BENCH_MEMBERS", 10_000), envInt("STUDYROLL_BENCH_SESSIONS", 2_000)
	dir := b.TempDir()
	info, err := BuildSynthetic(dir, members, sessions, SyntheticOptions{})
	if err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	p, _ := ParsePeriod(info.Period, loc)
	s, err := Open(dir, Options{Now: NewManualClock(p.End.Add(24 * time.Hour)).Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fs, err := s.FourResults(p, "")
	if err != nil || len(fs) == 0 {
		b.Fatalf("%d sessions held, %v", len(fs), err)
	}
	b.Logf("%d members, %d sessions held", info.Members, len(fs))
	one := fs[len(fs)/2].SessionID
	b.Run("one-session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Four(one); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("branch-rate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.FourRate(p, info.BranchIDs[3]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("org-rate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.FourRate(p, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Nothing kept: the first call, or the one after a write that could
	// touch every session (a member or group changed).
	b.Run("org-rate-cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.fours.mu.Lock()
			s.fours.m = nil
			s.fours.mu.Unlock()
			if _, err := s.FourRate(p, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFourAudience: the 四落实's audience, read from the rates index, is
// the session's audience (audienceOf) for every session of a synthetic
// organisation with department sessions and members joining and leaving
// inside the period.
func TestFourAudience(t *testing.T) {
	dir := t.TempDir()
	if _, err := BuildSynthetic(dir, 300, 120, SyntheticOptions{GroupSize: 20, BranchesPerDepartment: 5, DepartmentSessionEvery: 10, BcryptCost: 4}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.view(func(tx *bolt.Tx) error {
		ix, err := s.ratesIndex(tx)
		if err != nil {
			return err
		}
		byGroup := membersByGroup(ix)
		ss, err := sessionsTx(tx, SessionFilter{})
		if err != nil {
			return err
		}
		t.Logf("%d sessions", len(ss))
		for i := range ss {
			want := map[string]bool{}
			for _, m := range s.audienceOf(ix.tree, &ss[i], membersOf(ix)) {
				want[m.ID] = true
			}
			for _, by := range [][][]int32{nil, byGroup} {
				got := s.audienceIn(ix, by, &ss[i])
				if len(got) != len(want) {
					t.Fatalf("session %s: %d in the audience, want %d", ss[i].ID, len(got), len(want))
				}
				for _, id := range got {
					if !want[id] {
						t.Fatalf("session %s: %s is not in its audience", ss[i].ID, id)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The period lock's way (every member, no index) gives the same results.
	p, _ := ParsePeriod("2023Q3", s.loc)
	s.now = NewManualClock(p.End).Now
	viaIndex, err := s.FourResults(p, "")
	if err != nil {
		t.Fatal(err)
	}
	var viaMembers []SessionFour
	err = s.view(func(tx *bolt.Tx) error {
		tr, ms, err := loadPeople(tx)
		if err != nil {
			return err
		}
		viaMembers, err = s.fourResultsTx(tx, tr, ms, p, "")
		return err
	})
	if err != nil || len(viaIndex) == 0 || fmt.Sprint(viaIndex) != fmt.Sprint(viaMembers) {
		t.Errorf("四落实 from the index %v\nfrom the members %v (%v)", viaIndex, viaMembers, err)
	}
}

func membersOf(ix *ratesIndex) []Member {
	ms := make([]Member, len(ix.members))
	for i := range ix.members {
		ms[i] = ix.members[i].m
	}
	return ms
}

// TestFourCache: the kept 四落实 results always equal fresh ones — after
// attendance is changed, a member joins, the rules change and the clock
// passes a session's end — and a second call reads the kept ones.
func TestFourCache(t *testing.T) {
	dir := t.TempDir()
	info, err := BuildSynthetic(dir, 300, 120, SyntheticOptions{GroupSize: 20, BranchesPerDepartment: 5, DepartmentSessionEvery: 10, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ParsePeriod(info.Period, DefaultLocation())
	clock := NewManualClock(p.Start.AddDate(0, 1, 15))
	s, err := Open(dir, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := WithActor(context.Background(), "system")
	fresh := func(group string) string {
		var out []SessionFour
		err := s.view(func(tx *bolt.Tx) error {
			tr, ms, err := loadPeople(tx)
			if err != nil {
				return err
			}
			out, err = s.fourResultsTx(tx, tr, ms, p, group)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out)
	}
	check := func(step string) {
		t.Helper()
		for i := 0; i < 2; i++ { // the second call reads the kept results
			got, err := s.FourResults(p, "")
			if err != nil {
				t.Fatal(err)
			}
			if want := fresh(""); fmt.Sprint(got) != want {
				t.Fatalf("%s (call %d): kept %v\nfresh %v", step, i+1, got, want)
			}
			for _, g := range info.BranchIDs[:3] {
				got, err := s.FourResults(p, g)
				if err != nil {
					t.Fatal(err)
				}
				if want := fresh(g); fmt.Sprint(got) != want || len(got) == 0 {
					t.Fatalf("%s, branch %s: kept %v\nfresh %v", step, g, got, want)
				}
			}
		}
		if _, err := s.FourResults(p, "999"); !IsKind(err, KindNotFound) {
			t.Errorf("unknown group: %v", err)
		}
	}
	check("first")
	if n := len(s.fours.m); n == 0 {
		t.Fatal("nothing kept")
	}
	ss, _ := s.Sessions(SessionFilter{From: p.Start, To: clock.Now()})
	target := ss[len(ss)-1]
	// everyone of the last ended session present: 人员 holds
	aud, _ := s.Audience(&target)
	for _, m := range aud {
		if _, err := s.SetAttendance(ctx, target.ID, m.ID, AttendanceInput{Status: "present"}); err != nil {
			t.Fatal(err)
		}
	}
	check("attendance set")
	before, _ := s.Four(target.ID)
	if _, err := s.SetAttendance(ctx, target.ID, aud[0].ID, AttendanceInput{Status: "absent"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.Four(target.ID); after.People == before.People {
		t.Errorf("Four kept %v after an absence", after.People)
	}
	check("one absent")
	if _, err := s.CreateMember(ctx, MemberInput{Name: "新同志", Username: "newcomer", Password: "password1", GroupID: target.GroupID, Role: RoleMember, JoinedOn: "2000-01-01"}); err != nil {
		t.Fatal(err)
	}
	check("member joined")
	r := DefaultMeetingRules()
	r.FirstTopicRequired = nil
	s.SetMeetingRules(r)
	check("rules changed")
	// a session still running: not held, then held once the clock passes its end
	later, _ := s.Sessions(SessionFilter{From: clock.Now(), To: p.End})
	if len(later) == 0 {
		t.Fatal("no later session")
	}
	run := later[0]
	clock.Set(run.StartsAt.Add(time.Minute))
	if f, _ := s.Four(run.ID); f.Time.OK {
		t.Errorf("running session held: %v", f.Time)
	}
	clock.Set(run.EndsAt.Add(time.Minute))
	if f, _ := s.Four(run.ID); !f.Time.OK {
		t.Errorf("ended session not held: %v", f.Time)
	}
	check("clock moved")
}
