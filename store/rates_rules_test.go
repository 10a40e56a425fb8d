package store

import (
	"testing"
	"time"
)

// One table per rule of computeRates (store/rates_calc.go).

func TestRuleDueLimits(t *testing.T) {
	loc := DefaultLocation()
	q3, _ := ParsePeriod("2023Q3", loc)
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, loc)
		return v
	}
	day := func(s string) int32 { d, _ := dayNum(s); return d }
	cases := []struct {
		name        string
		now         time.Time
		dueEnd      int64
		dueDay      int32
		provisional bool
	}{
		{"ended", at("2023-10-01 00:00"), 1<<63 - 1, day("2023-10-01"), false},
		{"long ended", at("2024-05-01 10:00"), 1<<63 - 1, day("2023-10-01"), false},
		{"no clock", time.Time{}, 1<<63 - 1, day("2023-10-01"), false},
		{"open: to date", at("2023-08-15 10:30"), at("2023-08-15 10:30").UnixNano(), day("2023-08-16"), true},
		{"last minute", at("2023-09-30 23:59"), at("2023-09-30 23:59").UnixNano(), day("2023-10-01"), true},
		{"not begun", at("2023-06-01 08:00"), at("2023-06-01 08:00").UnixNano(), day("2023-06-02"), true},
	}
	for _, c := range cases {
		e, d, p := dueLimits(q3, c.now, loc)
		if e != c.dueEnd || d != c.dueDay || p != c.provisional {
			t.Errorf("%s: %d %s %v, want %d %s %v", c.name, e, dayString(d), p, c.dueEnd, dayString(c.dueDay), c.provisional)
		}
	}
}

func TestRuleActiveWithin(t *testing.T) {
	day := func(s string) int32 { d, _ := dayNum(s); return d }
	first, end := day("2023-07-01"), day("2023-10-01")
	cases := []struct {
		name, joined, left string // left "" = still on the roster
		from, to           string
		ok                 bool
	}{
		{"whole period", "2023-01-01", "", "2023-07-01", "2023-10-01", true},
		{"joined inside", "2023-08-01", "", "2023-08-01", "2023-10-01", true},
		{"left inside", "2023-01-01", "2023-08-01", "2023-07-01", "2023-08-01", true},
		{"left on the first day", "2023-01-01", "2023-07-01", "", "", false},
		{"joined on the last day", "2023-09-30", "", "2023-09-30", "2023-10-01", true},
		{"joined after", "2023-10-01", "", "", "", false},
		{"left before", "2023-01-01", "2023-06-30", "", "", false},
	}
	for _, c := range cases {
		left := maxDay
		if c.left != "" {
			left = day(c.left)
		}
		from, to, ok := activeWithin(day(c.joined), left, first, end)
		if ok != c.ok || ok && (from != day(c.from) || to != day(c.to)) {
			t.Errorf("%s: [%s, %s) %v, want [%s, %s) %v", c.name, dayString(from), dayString(to), ok, c.from, c.to, c.ok)
		}
	}
}

func TestRuleAttended(t *testing.T) {
	def := DefaultPolicy()
	strict := DefaultPolicy()
	strict.LateCountsAsAttended, strict.LeaveExcused = false, true
	cases := []struct {
		st                       Status
		makeup                   bool
		attended, excused        bool // default policy
		attStrict, excusedStrict bool // late needs a make-up, leave excused
	}{
		{StatusPresent, false, true, false, true, false},
		{StatusLate, false, true, false, false, false},
		{StatusLate, true, true, false, true, false},
		{StatusLeave, false, false, false, false, true},
		{StatusLeave, true, true, false, true, false},
		{StatusAbsent, false, false, false, false, false},
		{StatusAbsent, true, true, false, true, false},
		{StatusNone, false, false, false, false, false},
	}
	for _, c := range cases {
		if got := def.attended(c.st, c.makeup); got != c.attended {
			t.Errorf("default: %v makeup %v attended %v", c.st, c.makeup, got)
		}
		if got := def.excused(c.st, c.makeup); got != c.excused {
			t.Errorf("default: %v makeup %v excused %v", c.st, c.makeup, got)
		}
		if got := strict.attended(c.st, c.makeup); got != c.attStrict {
			t.Errorf("strict: %v makeup %v attended %v", c.st, c.makeup, got)
		}
		if got := strict.excused(c.st, c.makeup); got != c.excusedStrict {
			t.Errorf("strict: %v makeup %v excused %v", c.st, c.makeup, got)
		}
	}
}

func TestRuleDoneInTime(t *testing.T) {
	loc := DefaultLocation()
	q3, _ := ParsePeriod("2023Q3", loc)
	cases := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2023, 9, 30, 23, 59, 59, 0, loc), true},
		{time.Date(2023, 10, 1, 0, 0, 0, 0, loc), false},
		{time.Date(2023, 9, 30, 16, 30, 0, 0, time.UTC), false}, // 00:30 on 1 October in Shanghai
		{time.Date(2023, 1, 5, 9, 0, 0, 0, loc), true},          // before the period: still before its end
	}
	for _, c := range cases {
		if got := doneInTime(c.at, q3.End); got != c.want {
			t.Errorf("done at %v: %v, want %v", c.at, got, c.want)
		}
	}
}

func TestRuleExcellent(t *testing.T) {
	cases := []struct {
		score, threshold float64
		want             bool
	}{{90, 90, true}, {89.99, 90, false}, {100, 90, true}, {0, 0.5, false}, {9, 9, true}}
	for _, c := range cases {
		if got := excellent(c.score, c.threshold); got != c.want {
			t.Errorf("score %v over %v: %v", c.score, c.threshold, got)
		}
	}
}

func TestRuleTally(t *testing.T) {
	cases := []struct {
		st                       Status
		makeup, attended, excuse bool
		want                     AttendanceTally
	}{
		{StatusPresent, false, true, false, AttendanceTally{Required: 1, Attended: 1, Present: 1}},
		{StatusLate, false, true, false, AttendanceTally{Required: 1, Attended: 1, Late: 1}},
		{StatusLeave, true, true, false, AttendanceTally{Required: 1, Attended: 1, Leave: 1, Makeup: 1}},
		{StatusLeave, false, false, true, AttendanceTally{Required: 1, Leave: 1, Excused: 1}},
		{StatusAbsent, false, false, false, AttendanceTally{Required: 1, Absent: 1}},
		{StatusNone, false, false, false, AttendanceTally{Required: 1, None: 1}},
	}
	for _, c := range cases {
		var got AttendanceTally
		got.add(c.st, c.makeup, c.attended, c.excuse)
		if got != c.want {
			t.Errorf("%v: %+v, want %+v", c.st, got, c.want)
		}
	}
}

func TestRuleNoteSession(t *testing.T) {
	type sess struct {
		st                     Status
		makeup, attended, past bool
	}
	A, P := StatusAbsent, StatusPresent
	cases := []struct {
		name                 string
		seq                  []sess
		missed, bestRun      int
		firstMissed, runFrom int32
	}{
		{"none", []sess{{P, false, true, true}}, 0, 0, 0, 0},
		{"two absences in a row", []sess{{A, false, false, true}, {A, false, false, true}, {P, false, true, true}}, 2, 2, 1, 1},
		{"a make-up breaks the run", []sess{{A, false, false, true}, {A, true, true, true}, {A, false, false, true}}, 2, 1, 1, 1},
		{"not yet past: no miss, still a run", []sess{{A, false, false, true}, {A, false, false, false}}, 1, 2, 1, 1},
		{"longest run kept", []sess{{A, false, false, true}, {P, false, true, true}, {A, false, false, true}, {A, false, false, true}, {A, false, false, true}}, 4, 3, 1, 3},
	}
	for _, c := range cases {
		var a memberAcc
		for i, s := range c.seq {
			a.noteSession(int32(i+1), s.st, s.makeup, s.attended, false, s.past)
		}
		if a.missed != c.missed || a.bestRun != c.bestRun || (c.missed > 0 && a.firstMissed != c.firstMissed) || (c.bestRun > 0 && a.bestRunStart != c.runFrom) {
			t.Errorf("%s: missed %d from %d, best run %d from %d", c.name, a.missed, a.firstMissed, a.bestRun, a.bestRunStart)
		}
	}
}
