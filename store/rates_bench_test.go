package store

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestBuildSynthetic checks the synthetic organisation on a small scale:
// the rates read it, every account in a group is in them, and the two
// paths of the rates (one member by key lookups, everyone by streaming
// the attendance) agree member by member.
func TestBuildSynthetic(t *testing.T) {
	dir := t.TempDir()
	info, err := BuildSynthetic(dir, 300, 120, SyntheticOptions{GroupSize: 20, BranchesPerDepartment: 5, DepartmentSessionEvery: 10, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if info.Members != 301 || info.Sessions != 120 || info.Records == 0 || info.Exams != 4 || len(info.BranchIDs) != 15 {
		t.Fatalf("info %+v", info)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.VerifyAudit(); err != nil || n == 0 {
		t.Errorf("audit chain: %d %v", n, err)
	}
	if m, err := s.CheckPassword(info.Usernames(7), info.Password); err != nil || m.Name != "成员000007" {
		t.Errorf("login of a synthetic member: %v %v", m, err)
	}
	p, _ := ParsePeriod(info.Period, s.loc)
	rep, err := s.Rates(p, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	// Members who left mid-period or joined mid-period are active in it.
	if len(rep.Members) != 301 {
		t.Errorf("%d members in the rates, want 301", len(rep.Members))
	}
	if rep.Participation.Den == 0 || rep.Participation.Num > rep.Participation.Den || rep.Completion.Den == 0 || rep.Excellence.Den == 0 {
		t.Errorf("sums %+v %+v %+v", rep.Participation, rep.Completion, rep.Excellence)
	}
	var recs int
	for _, m := range rep.Members {
		recs += m.Attendance.Required - m.Attendance.None
		one, err := s.MemberRates(p, m.MemberID, DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		o := one.Members[0]
		if !sameRatio(o.Participation, m.Participation) ||
			!sameRatio(o.Completion, m.Completion) || !sameRatio(o.Excellence, m.Excellence) || o.Attendance != m.Attendance || o.Grade != m.Grade {
			t.Fatalf("member %s: alone %+v, in the organisation %+v", m.MemberID, o, m)
		}
	}
	// Every record belongs to a required session of an active member.
	if recs != info.Records {
		t.Errorf("records seen by the rates %d, written %d", recs, info.Records)
	}
}

func sameRatio(a, b Ratio) bool { return a.Num == b.Num && a.Den == b.Den }

// BenchmarkRates measures the rates over a synthetic organisation of
// 10,000 members and 1,000,000 attendance records, all inside one quarter
// (the worst case: a quarter of a year holding a million records has a
// quarter of them). STUDYROLL_BENCH_MEMBERS, _SESSIONS and _PERIOD (the
// period the sessions spread over, "2023" for a year) change the fixture;
// the rates are always asked for its first quarter.
// The figures are in docs/RATES.md.
func BenchmarkRates(b *testing.B) {
	members, sessions := envInt("STUDYROLL_BENCH_MEMBERS", 10_000), envInt("STUDYROLL_BENCH_SESSIONS", 19_100)
	dir := b.TempDir()
	info, err := BuildSynthetic(dir, members, sessions, SyntheticOptions{Period: os.Getenv("STUDYROLL_BENCH_PERIOD")})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("synthetic: %d members, %d sessions, %d attendance records, %d items, %d done marks, %d scores; %.0f MB; built in %v",
		info.Members, info.Sessions, info.Records, info.Items, info.DoneMarks, info.Scores, float64(info.StoreBytes)/1e6, info.BuildTime.Round(time.Millisecond))
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p, _ := ParsePeriod(info.Period, s.loc)
	p = p.Quarters()[0]
	pol := DefaultPolicy()
	one := info.MemberIDs[len(info.MemberIDs)/2]
	// Warm the OS page cache and the rates index once.
	if _, err := s.Rates(p, "", pol); err != nil {
		b.Fatal(err)
	}

	b.Run("org-quarter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := s.Rates(p, "", pol)
			if err != nil || len(r.Members) < info.Members*9/10 {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-member", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.MemberRates(p, one, pol); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("branch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Rates(p, info.BranchIDs[3], pol); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warnings-org", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Warnings(p, "", pol); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Cold index: a fresh Store per call rebuilds the decoded roster,
	// sessions and plans (the OS page cache stays warm).
	b.Run("org-quarter-cold-index", func(b *testing.B) {
		s.Close()
		defer func() { s, _ = Open(dir, Options{}) }()
		for b.Loop() {
			b.StopTimer()
			cs, err := Open(dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			b.StartTimer()
			if _, err := cs.Rates(p, "", pol); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cs.Close()
			b.StartTimer()
		}
	})
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestSyntheticSpread: sessions fall evenly inside the span however many
// there are (span × i overflowed int64 past ~1,160 sessions a quarter and
// put about half of a large fixture's sessions outside its period).
func TestSyntheticSpread(t *testing.T) {
	quarter := 92 * 24 * time.Hour
	fiveYears := 1826 * 24 * time.Hour
	for _, c := range []struct {
		span time.Duration
		n    int
	}{{quarter, 10}, {quarter, 20_000}, {quarter, 200_000}, {fiveYears, 200_000}, {fiveYears, 1}} {
		prev := time.Duration(-1)
		for _, i := range []int{0, 1, c.n / 3, c.n / 2, c.n - 2, c.n - 1} {
			if i < 0 || i >= c.n {
				continue
			}
			d := spread(c.span, i, c.n)
			if d < 0 || d >= c.span || d < prev {
				t.Fatalf("span %v, %d of %d: %v (previous %v)", c.span, i, c.n, d, prev)
			}
			prev = d
		}
		if got, want := spread(c.span, c.n/2, c.n), c.span/2; c.n > 1 && (got < want-time.Hour || got > want+time.Hour) {
			t.Errorf("span %v: the middle session at %v, want about %v", c.span, got, want)
		}
	}
}

// TestBuildSyntheticYears: with Years the sessions and self-study spread
// over the years ending with Period, which holds its share of them.
func TestBuildSyntheticYears(t *testing.T) {
	dir := t.TempDir()
	info, err := BuildSynthetic(dir, 200, 2000, SyntheticOptions{GroupSize: 20, BranchesPerDepartment: 5, DepartmentSessionEvery: 10, BcryptCost: bcrypt.MinCost, Years: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Twenty quarters: Period holds about a twentieth of the records.
	if info.PeriodRecords*30 < info.Records || info.PeriodRecords*15 > info.Records {
		t.Errorf("%d of %d records in %s, want about a twentieth", info.PeriodRecords, info.Records, info.Period)
	}
	// Self-study: 3 items per branch per quarter, 80% marked.
	if info.DoneMarks < 200*3*20*7/10 {
		t.Errorf("%d done marks", info.DoneMarks)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, _ := ParsePeriod(info.Period, s.loc)
	rep, err := s.Rates(p, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	var recs, assigned int
	for _, m := range rep.Members {
		recs += m.Attendance.Required - m.Attendance.None
		assigned += m.Completion.Den
	}
	if recs != info.PeriodRecords {
		t.Errorf("records seen by the quarter's rates %d, written in it %d", recs, info.PeriodRecords)
	}
	if assigned == 0 {
		t.Error("no content assigned in the quarter")
	}
}
