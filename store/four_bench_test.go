package store

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkFour measures the 四落实 over a synthetic organisation of
// 10,000 members (STUDYROLL_BENCH_MEMBERS) and 2,000 sessions in a quarter
// (STUDYROLL_BENCH_SESSIONS): one session's GET /sessions/{id}/four, a
// branch's 四落实 rate and the organisation's (the rates answer and the
// group summary). The figures are in docs/BENCHMARKS.md.
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
