package store

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// org is the organisation of the rules tests. Every expected number in the
// tests below is worked out by hand from this comment, not by the code.
//
//	R 机关党委 ─┬─ A 第一支部 ── A1 第一党小组
//	           ├─ B 第二支部
//	Z 另一单位 (a second root, nothing planned)
//
// Members (joined 2023-01-01 unless said):
//
//	a1 A · a2 A1 · a3 A joined 2023-08-01 · a4 A left 2023-08-15
//	b1 B · hr1 R (role hr) · z1 Z · adm (admin, no group)
//	old A left 2023-06-30 · fut B joined 2023-10-01
//
// Sessions (09:00–11:00):
//
//	S1 R 07-05 [i1 i2]   a1 present, a2 late, a4 absent+make-up, b1 leave, hr1 present
//	S2 A 07-12 [i2 i3]   a1 absent, a2 present, a4 leave+make-up
//	S3 A 08-02 [i4]      cancelled (a1 present: ignored)
//	S4 A 08-09 [i4]      a1 absent, a2 present, a3 present, a4 absent
//	S5 A1 08-16 []       a2 absent
//	S6 A 08-23 [i5]      a1 present, a2 present, a3 late
//	S7 B 07-19 [i6]      b1 absent; a1 present (not in the audience: ignored)
//	S8 A 06-28 [i3]      a1 absent (Q2)
//	S9 R 10-10 [i7]      fut present (Q4)
//
// Plans: PR (R, 2023Q3): i1 i2 i7, s1 due 09-20, s2 due 10-15.
// PA (A, 2023Q2!): i3 i4 i5, s3 due 07-20 (due inside Q3: counts in Q3).
// PB (B, 2023Q3): i6, s4 due 08-01.
// Done: a1 s1 09-10, a1 s3 10-02 (after Q3), a2 s1 09-30 23:00, a2 s3
// 07-01, a3 s3 08-05, a4 s1 08-10, b1 s4 07-30, hr1 s1 09-01.
//
// Exams: E1 R 07-25 max 100 (excellent 90): a1 95, a2 90, a4 89.5, hr1 100,
// b1 none. E2 A 09-05 max 50 excellent 40: a1 40, a2 39, a3 50. E3 B 10-05
// max 100: fut 91. E4 A 06-20 max 100: a1 50, old 100.
type org struct {
	s                           *Store
	clock                       *ManualClock
	f                           *fixture
	R, A, A1, B, Z              string
	a1, a2, a3, a4, b1, hr1, z1 *Member
	adm, old, fut               *Member
	S                           map[string]string
	items                       map[string]string
	E1, E2, E3, E4              string
}

func newOrg(t testing.TB) *org {
	t.Helper()
	s, clock := mustOpen(t)
	o := &org{s: s, clock: clock, f: &fixture{tb: t, s: s}, S: map[string]string{}, items: map[string]string{}}
	o.adm = mustMember(t, s, "adm", "", RoleAdmin, "2023-01-01")
	o.R = mustGroup(t, s, "机关党委", "")
	o.A = mustGroup(t, s, "第一支部", o.R)
	o.A1 = mustGroup(t, s, "第一党小组", o.A)
	o.B = mustGroup(t, s, "第二支部", o.R)
	o.Z = mustGroup(t, s, "另一单位", "")
	o.a1 = mustMember(t, s, "a1", o.A, RoleMember, "2023-01-01")
	o.a2 = mustMember(t, s, "a2", o.A1, RoleMember, "2023-01-01")
	o.a3 = mustMember(t, s, "a3", o.A, RoleMember, "2023-08-01")
	o.a4 = mustMember(t, s, "a4", o.A, RoleLead, "2023-01-01")
	o.b1 = mustMember(t, s, "b1", o.B, RoleMember, "2023-01-01")
	o.hr1 = mustMember(t, s, "hr1", o.R, RoleHR, "2023-01-01")
	o.z1 = mustMember(t, s, "z1", o.Z, RoleMember, "2023-01-01")
	o.old = mustMember(t, s, "old", o.A, RoleMember, "2023-01-01")
	o.fut = mustMember(t, s, "fut", o.B, RoleMember, "2023-10-01")
	o.f.leave(o.a4, "2023-08-15")
	o.f.leave(o.old, "2023-06-30")

	f := o.f
	pr := f.plan(o.R, "2023Q3", PlanItemInput{Title: "i1"}, PlanItemInput{Title: "i2"}, PlanItemInput{Title: "i7"},
		PlanItemInput{Title: "s1", DueOn: "2023-09-20"}, PlanItemInput{Title: "s2", DueOn: "2023-10-15"})
	pa := f.plan(o.A, "2023Q2", PlanItemInput{Title: "i3"}, PlanItemInput{Title: "i4"}, PlanItemInput{Title: "i5"},
		PlanItemInput{Title: "s3", DueOn: "2023-07-20"})
	pb := f.plan(o.B, "2023Q3", PlanItemInput{Title: "i6"}, PlanItemInput{Title: "s4", DueOn: "2023-08-01"})
	for i, n := range []string{"i1", "i2", "i7", "s1", "s2"} {
		o.items[n] = pr[i]
	}
	for i, n := range []string{"i3", "i4", "i5", "s3"} {
		o.items[n] = pa[i]
	}
	o.items["i6"], o.items["s4"] = pb[0], pb[1]
	it := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, o.items[n])
		}
		return out
	}
	o.S["S1"] = f.session(o.R, "2023-07-05 09:00", it("i1", "i2")...)
	o.S["S2"] = f.session(o.A, "2023-07-12 09:00", it("i2", "i3")...)
	o.S["S3"] = f.session(o.A, "2023-08-02 09:00", it("i4")...)
	o.S["S4"] = f.session(o.A, "2023-08-09 09:00", it("i4")...)
	o.S["S5"] = f.session(o.A1, "2023-08-16 09:00")
	o.S["S6"] = f.session(o.A, "2023-08-23 09:00", it("i5")...)
	o.S["S7"] = f.session(o.B, "2023-07-19 09:00", it("i6")...)
	o.S["S8"] = f.session(o.A, "2023-06-28 09:00", it("i3")...)
	o.S["S9"] = f.session(o.R, "2023-10-10 09:00", it("i7")...)
	f.cancel(o.S["S3"])

	P, L, V, X := StatusPresent, StatusLate, StatusLeave, StatusAbsent
	f.att(o.S["S1"], o.a1.ID, P, "")
	f.att(o.S["S1"], o.a2.ID, L, "")
	f.att(o.S["S1"], o.a4.ID, X, "2023-07-10")
	f.att(o.S["S1"], o.b1.ID, V, "")
	f.att(o.S["S1"], o.hr1.ID, P, "")
	f.att(o.S["S2"], o.a1.ID, X, "")
	f.att(o.S["S2"], o.a2.ID, P, "")
	f.att(o.S["S2"], o.a4.ID, V, "2023-07-20")
	f.att(o.S["S3"], o.a1.ID, P, "")
	f.att(o.S["S4"], o.a1.ID, X, "")
	f.att(o.S["S4"], o.a2.ID, P, "")
	f.att(o.S["S4"], o.a3.ID, P, "")
	f.att(o.S["S4"], o.a4.ID, X, "")
	f.att(o.S["S5"], o.a2.ID, X, "")
	f.att(o.S["S6"], o.a1.ID, P, "")
	f.att(o.S["S6"], o.a2.ID, P, "")
	f.att(o.S["S6"], o.a3.ID, L, "")
	f.att(o.S["S7"], o.b1.ID, X, "")
	f.att(o.S["S7"], o.a1.ID, P, "")
	f.att(o.S["S8"], o.a1.ID, X, "")
	f.att(o.S["S9"], o.fut.ID, P, "")

	f.done(o.a1.ID, o.items["s1"], "2023-09-10 10:00")
	f.done(o.a1.ID, o.items["s3"], "2023-10-02 10:00")
	f.done(o.a2.ID, o.items["s1"], "2023-09-30 23:00")
	f.done(o.a2.ID, o.items["s3"], "2023-07-01 10:00")
	f.done(o.a3.ID, o.items["s3"], "2023-08-05 10:00")
	f.done(o.a4.ID, o.items["s1"], "2023-08-10 10:00")
	f.done(o.b1.ID, o.items["s4"], "2023-07-30 10:00")
	f.done(o.hr1.ID, o.items["s1"], "2023-09-01 10:00")

	o.E1 = f.exam(o.R, "2023-07-25", 100, nil)
	o.E2 = f.exam(o.A, "2023-09-05", 50, f64(40.0))
	o.E3 = f.exam(o.B, "2023-10-05", 100, nil)
	o.E4 = f.exam(o.A, "2023-06-20", 100, nil)
	f.scores(o.E1, map[string]float64{o.a1.ID: 95, o.a2.ID: 90, o.a4.ID: 89.5, o.hr1.ID: 100})
	f.scores(o.E2, map[string]float64{o.a1.ID: 40, o.a2.ID: 39, o.a3.ID: 50})
	f.scores(o.E3, map[string]float64{o.fut.ID: 91})
	f.scores(o.E4, map[string]float64{o.a1.ID: 50, o.old.ID: 100})
	return o
}

// afterYear is a moment after 2023 ended: the periods asked about are over.
var afterYear = time.Date(2024, 1, 10, 9, 0, 0, 0, DefaultLocation())

// rr is an expected ratio: num/den, den 0 meaning a null rate.
type rr [2]int

// want is an expected row.
type want struct {
	p, c, e rr
	score   float64 // -1: null
	grade   string
}

func checkRatio(t *testing.T, what string, got Ratio, w rr) {
	t.Helper()
	if got.Num != w[0] || got.Den != w[1] {
		t.Errorf("%s = %d/%d, want %d/%d", what, got.Num, got.Den, w[0], w[1])
		return
	}
	switch {
	case w[1] == 0 && got.Rate != nil:
		t.Errorf("%s rate = %v, want null", what, *got.Rate)
	case w[1] != 0 && (got.Rate == nil || math.Abs(*got.Rate-float64(w[0])/float64(w[1])) > 1e-12):
		t.Errorf("%s rate = %v, want %d/%d", what, got.Rate, w[0], w[1])
	}
}

func TestRatesRules(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	y, _ := ParsePeriod("2023", o.s.loc)
	pol := DefaultPolicy()
	lax := DefaultPolicy()
	lax.LeaveExcused, lax.LateCountsAsAttended = true, false

	// Scores by hand (evaluation null: weights 40/30/20 over 90):
	// a1 Q3: (40·2/4 + 30·4/7 + 20·1)/0.9 = 4000/63; a2: (32+30+10)/0.9 = 80;
	// a3: (40+22.5+20)/0.9; a4: (40·2/3 + 30·4/6 + 0)/0.9 = 1400/27;
	// b1: (0 + 30·1/5 + 0)/0.9 = 20/3; hr1: (40+30+20)/0.9 = 100.
	q3rows := map[string]want{
		"a1":  {rr{2, 4}, rr{4, 7}, rr{2, 2}, 4000.0 / 63, GradeFail},
		"a2":  {rr{4, 5}, rr{7, 7}, rr{1, 2}, 80, GradePass},
		"a3":  {rr{2, 2}, rr{3, 4}, rr{1, 1}, 82.5 / 0.9, GradeGood},
		"a4":  {rr{2, 3}, rr{4, 6}, rr{0, 1}, 1400.0 / 27, GradeFail},
		"b1":  {rr{0, 2}, rr{1, 5}, rr{0, 1}, 20.0 / 3, GradeFail},
		"hr1": {rr{1, 1}, rr{3, 3}, rr{1, 1}, 100, GradeExcellent},
		"z1":  {rr{0, 0}, rr{0, 0}, rr{0, 0}, -1, ""},
	}
	pick := func(names ...string) map[string]want {
		out := map[string]want{}
		for _, n := range names {
			out[n] = q3rows[n]
		}
		return out
	}
	cases := []struct {
		name    string
		period  Period
		group   string // "" whole organisation
		member  *Member
		pol     Policy
		sums    [3]rr
		rows    map[string]want // nil: do not check rows
		checkAt bool
	}{
		{
			name: "quarter, whole organisation: admin without group and members inactive in Q3 left out",
			// P 2+4+2+2+0+1 / 4+5+2+3+2+1; C 4+7+3+4+1+3 / 7+7+4+6+5+3; E 2+1+1+0+0+1 / 2+2+1+1+1+1
			period: q3, pol: pol, sums: [3]rr{{11, 17}, {22, 32}, {5, 8}}, rows: q3rows,
		},
		{
			name:   "quarter, root group: same people but z1",
			period: q3, group: "R", pol: pol, sums: [3]rr{{11, 17}, {22, 32}, {5, 8}},
			rows: pick("a1", "a2", "a3", "a4", "b1", "hr1"),
		},
		{
			name:   "quarter, branch A with its subgroup: sums, not averages",
			period: q3, group: "A", pol: pol, sums: [3]rr{{10, 14}, {18, 24}, {4, 6}},
			rows: pick("a1", "a2", "a3", "a4"),
		},
		{
			name:   "quarter, subgroup A1: sessions of ancestors reach it",
			period: q3, group: "A1", pol: pol, sums: [3]rr{{4, 5}, {7, 7}, {1, 2}}, rows: pick("a2"),
		},
		{
			name:   "quarter, branch B: one member, the root's session and exam count",
			period: q3, group: "B", pol: pol, sums: [3]rr{{0, 2}, {1, 5}, {0, 1}}, rows: pick("b1"),
		},
		{
			name:   "quarter, group with nothing required: null rates",
			period: q3, group: "Z", pol: pol, sums: [3]rr{{0, 0}, {0, 0}, {0, 0}}, rows: pick("z1"),
		},
		{
			name:   "one member who joined mid-quarter",
			period: q3, member: nil, pol: pol, sums: [3]rr{{2, 2}, {3, 4}, {1, 1}}, rows: pick("a3"),
		},
		{
			// a1: 2/6 (S8 absent, S9 no record); a2 4/7; a3 2/3; a4 2/4; b1 0/3; hr1 1/2; old 0/1; fut 1/1.
			// Completion: a1 5/9 (s3 done 10-02 counts in the year); a2 7/9; a3 3/6; a4 4/7;
			// b1 1/7; hr1 3/5; old 0/4; fut 1/4. Excellence: a1 2/3, a2 1/3, a3 1/1, a4 0/2,
			// b1 0/2, hr1 1/1, old 1/1, fut 1/1.
			name:   "year: every quarter's sessions, exams and self-study; old and fut are in",
			period: y, pol: pol, sums: [3]rr{{12, 27}, {24, 51}, {7, 14}},
			rows: map[string]want{
				"a1":  {rr{2, 6}, rr{5, 9}, rr{2, 3}, (40.0*2/6 + 30.0*5/9 + 20.0*2/3) / 0.9, GradeFail},
				"old": {rr{0, 1}, rr{0, 4}, rr{1, 1}, 20 / 0.9, GradeFail},
				"fut": {rr{1, 1}, rr{1, 4}, rr{1, 1}, (40 + 7.5 + 20) / 0.9, GradePass},
				"z1":  {rr{0, 0}, rr{0, 0}, rr{0, 0}, -1, ""},
			},
		},
		{
			// Late needs a make-up; leave without make-up leaves the denominator.
			// a1 2/4; a2 3/5 (S1 late) and completion 6/7 (i1 only at S1);
			// a3 1/2 and completion 2/4 (i5 only at S6); a4 2/3; b1 0/1 (S1 leave
			// excused); hr1 1/1. Completion 4+6+2+4+1+3 = 20 of 32.
			name:   "policy: late not attended, leave excused",
			period: q3, pol: lax, sums: [3]rr{{9, 16}, {20, 32}, {5, 8}},
			rows: map[string]want{
				"a2": {rr{3, 5}, rr{6, 7}, rr{1, 2}, (24 + 30.0*6/7 + 10) / 0.9, GradeFail},
				"b1": {rr{0, 1}, rr{1, 5}, rr{0, 1}, 20.0 / 3, GradeFail},
				"a3": {rr{1, 2}, rr{2, 4}, rr{1, 1}, (20 + 15 + 20) / 0.9, GradeFail},
			},
		},
	}
	active := DefaultPolicy()
	active.SelfStudyWhileActive = true
	cases = append(cases, struct {
		name    string
		period  Period
		group   string
		member  *Member
		pol     Policy
		sums    [3]rr
		rows    map[string]want
		checkAt bool
	}{
		// s3 (due 07-20) is no longer a3's (joined 08-01) nor old's; a4
		// (left 08-15) keeps s3 but loses s1 (due 09-20): 4−1 done of 6−1.
		// a3: i4 i5 s1 → 2/3. Sums: 22−1−1 of 32−1−1.
		name:   "policy: self-study only while active, Q3, whole organisation",
		period: q3, pol: active, sums: [3]rr{{11, 17}, {20, 30}, {5, 8}},
		rows: map[string]want{
			"a3": {rr{2, 2}, rr{2, 3}, rr{1, 1}, (40 + 20 + 20) / 0.9, GradeGood},
			"a4": {rr{2, 3}, rr{3, 5}, rr{0, 1}, (40.0*2/3 + 30.0*3/5) / 0.9, GradeFail},
		},
	})
	groups := map[string]string{"R": o.R, "A": o.A, "A1": o.A1, "B": o.B, "Z": o.Z}
	names := map[string]string{}
	for _, m := range []*Member{o.a1, o.a2, o.a3, o.a4, o.b1, o.hr1, o.z1, o.adm, o.old, o.fut} {
		names[m.ID] = m.Name
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rep *RatesReport
			var err error
			if strings.HasPrefix(tc.name, "one member") {
				rep, err = o.s.MemberRates(tc.period, o.a3.ID, tc.pol)
			} else {
				rep, err = o.s.Rates(tc.period, groups[tc.group], tc.pol)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkRatio(t, "participation", rep.Participation, tc.sums[0])
			checkRatio(t, "completion", rep.Completion, tc.sums[1])
			checkRatio(t, "excellence", rep.Excellence, tc.sums[2])
			if tc.rows == nil {
				return
			}
			got := map[string]MemberRate{}
			for _, m := range rep.Members {
				got[names[m.MemberID]] = m
			}
			if strings.HasPrefix(tc.name, "quarter") || strings.HasPrefix(tc.name, "one member") {
				if len(got) != len(tc.rows) {
					t.Errorf("members %v, want exactly %d", keys(got), len(tc.rows))
				}
			}
			for name, w := range tc.rows {
				m, ok := got[name]
				if !ok {
					t.Errorf("%s missing from %v", name, keys(got))
					continue
				}
				checkRatio(t, name+" participation", m.Participation, w.p)
				checkRatio(t, name+" completion", m.Completion, w.c)
				checkRatio(t, name+" excellence", m.Excellence, w.e)
				switch {
				case w.score < 0 && m.Score != nil:
					t.Errorf("%s score = %v, want null", name, *m.Score)
				case w.score >= 0 && (m.Score == nil || math.Abs(*m.Score-w.score) > 1e-9):
					t.Errorf("%s score = %v, want %v", name, m.Score, w.score)
				}
				if m.Grade != w.grade {
					t.Errorf("%s grade = %q, want %q", name, m.Grade, w.grade)
				}
				if m.Evaluation != nil {
					t.Errorf("%s evaluation = %v, want null (no evaluated report)", name, *m.Evaluation)
				}
			}
			if _, in := got["adm"]; in {
				t.Error("the admin without a group is in the rates")
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRatesAttendanceTally(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	rep, err := o.s.MemberRates(q3, o.a4.ID, DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	// a4: S1 absent + make-up, S2 leave + make-up, S4 absent.
	wantT := AttendanceTally{Required: 3, Attended: 2, Absent: 2, Leave: 1, Makeup: 2}
	if got := rep.Members[0].Attendance; got != wantT {
		t.Errorf("tally %+v, want %+v", got, wantT)
	}
}

func TestRatesErrors(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	if _, err := o.s.MemberRates(q3, o.adm.ID, DefaultPolicy()); ErrorKind(err) != KindNotFound || err.(*Error).Code != "not_in_rates" {
		t.Errorf("rates of the admin without group: %v, want not_in_rates", err)
	}
	if _, err := o.s.MemberRates(q3, "999", DefaultPolicy()); ErrorKind(err) != KindNotFound {
		t.Errorf("rates of an unknown member: %v", err)
	}
	if _, err := o.s.Rates(q3, "999", DefaultPolicy()); ErrorKind(err) != KindNotFound {
		t.Errorf("rates of an unknown group: %v", err)
	}
	// A member who left before the quarter: their own answer lists nobody,
	// under any policy (no group answer lists them either).
	for _, pol := range []Policy{DefaultPolicy(), func() Policy { p := DefaultPolicy(); p.SelfStudyWhileActive = true; return p }()} {
		rep, err := o.s.MemberRates(q3, o.old.ID, pol)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Members) != 0 || rep.Completion.Den != 0 || rep.Participation.Rate != nil {
			t.Errorf("old in Q3: %+v, want no row and null sums", rep)
		}
		all, _ := o.s.Rates(q3, "", pol)
		for _, m := range all.Members {
			if m.MemberID == o.old.ID {
				t.Error("old is in the organisation's Q3 rates")
			}
		}
	}
}

// TestRatesSelfStudyAtLaterSession: a self-study item (s3, due in Q3) also
// listed at a Q4 session counts completed in Q4 for a2, who marked it done
// in Q3 and missed the session ("completed = … plus self-study items m
// marked done before P ended").
func TestRatesSelfStudyAtLaterSession(t *testing.T) {
	o := newOrg(t)
	later := o.f.session(o.A, "2023-10-20 09:00", o.items["s3"])
	o.f.att(later, o.a2.ID, StatusAbsent, "")
	o.clock.Set(time.Date(2024, 1, 10, 9, 0, 0, 0, o.s.loc))
	q4, _ := ParsePeriod("2023Q4", o.s.loc)
	rep, err := o.s.MemberRates(q4, o.a2.ID, DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	// Assigned: i7 (S9, no record), s3 (the later session), s2 (due 10-15); done: s3.
	checkRatio(t, "a2 Q4 completion", rep.Members[0].Completion, rr{1, 3})
	// a3 did s3 on 08-05, a1 on 10-02: both inside Q4's "before P ended".
	for _, c := range []struct {
		m *Member
		w rr
	}{{o.a3, rr{1, 3}}, {o.a1, rr{1, 3}}} {
		rep, err := o.s.MemberRates(q4, c.m.ID, DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		checkRatio(t, c.m.Name+" Q4 completion", rep.Members[0].Completion, c.w)
	}
	all, _ := o.s.Rates(q4, o.A, DefaultPolicy())
	for _, m := range all.Members {
		if m.MemberID == o.a2.ID {
			checkRatio(t, "a2 Q4 completion in the group's answer", m.Completion, rr{1, 3})
		}
	}
}

// TestRatesJSON checks the wire shape of API.md: null rates, null grade,
// null group_id for the organisation, the policy included.
func TestRatesJSON(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	rep, err := o.s.Rates(q3, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(rep)
	var got map[string]any
	json.Unmarshal(data, &got)
	for _, k := range []string{"period", "group_id", "participation", "completion", "excellence", "members", "policy"} {
		if _, ok := got[k]; !ok {
			t.Errorf("answer lacks %q: %s", k, data)
		}
	}
	if got["group_id"] != nil || got["period"] != "2023Q3" {
		t.Errorf("period %v group_id %v", got["period"], got["group_id"])
	}
	for _, m := range got["members"].([]any) {
		row := m.(map[string]any)
		want := []string{"member_id", "name", "group_id", "participation", "completion", "excellence", "evaluation", "score", "grade", "grade_label"}
		if len(row) != len(want) {
			t.Errorf("row has fields %v, want exactly %v", row, want)
		}
		for _, k := range want {
			if _, ok := row[k]; !ok {
				t.Errorf("row lacks %q", k)
			}
		}
		if row["member_id"] == o.z1.ID {
			if row["grade"] != nil || row["score"] != nil || row["participation"].(map[string]any)["rate"] != nil {
				t.Errorf("z1 row %v: want null rate, score and grade", row)
			}
		}
	}
	pol := got["policy"].(map[string]any)
	if pol["weights"].(map[string]any)["participation"] != 40.0 {
		t.Errorf("policy %v", pol)
	}
}

// TestRatesIndexStaysCurrent checks that the cached index follows writes:
// a new session, a cancellation, a member leaving.
func TestRatesIndexStaysCurrent(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	get := func() Ratio {
		rep, err := o.s.MemberRates(q3, o.a3.ID, DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		return rep.Members[0].Participation
	}
	if r := get(); r.Num != 2 || r.Den != 2 {
		t.Fatalf("a3 %d/%d", r.Num, r.Den)
	}
	s10 := o.f.session(o.A, "2023-09-13 09:00")
	if r := get(); r.Den != 3 {
		t.Errorf("after a new session: %d/%d, want x/3", r.Num, r.Den)
	}
	o.f.att(s10, o.a3.ID, StatusPresent, "") // attendance only: index kept
	if r := get(); r.Num != 3 || r.Den != 3 {
		t.Errorf("after a record: %d/%d, want 3/3", r.Num, r.Den)
	}
	o.f.cancel(s10)
	if r := get(); r.Den != 2 {
		t.Errorf("after cancelling: %d/%d, want x/2", r.Num, r.Den)
	}
	o.f.leave(o.a3, "2023-08-20") // S6 on 08-23 no longer required
	if r := get(); r.Num != 1 || r.Den != 1 {
		t.Errorf("after leaving: %d/%d, want 1/1", r.Num, r.Den)
	}
}

// TestRatesEvaluation follows a learning report's grade into the score,
// also when it is changed (the cached activities must follow).
func TestRatesEvaluation(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	r, _, err := o.s.WriteReport(WithActor(bg, o.a2.ID), o.a2, ReportInput{Period: "2023Q3", Text: "本季度学习了《讲话》，体会如下。"})
	if err != nil {
		t.Fatal(err)
	}
	row := func() MemberRate {
		rep, err := o.s.MemberRates(q3, o.a2.ID, DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		return rep.Members[0]
	}
	if m := row(); m.Evaluation != nil || math.Abs(*m.Score-80) > 1e-9 {
		t.Fatalf("before evaluation: %+v", m)
	}
	cases := []struct {
		grade int
		score float64 // a2: 40·4/5 + 30·1 + 20·1/2 + 10·(g−1)/4
		label string
	}{
		{5, 82, GradePass},
		{1, 72, GradePass},
		{3, 77, GradePass},
	}
	for _, c := range cases {
		if _, err := o.s.EvaluateReport(WithActor(bg, o.adm.ID), o.adm, r.ID, EvaluationInput{Grade: c.grade}); err != nil {
			t.Fatal(err)
		}
		m := row()
		if m.Evaluation == nil || *m.Evaluation != float64(c.grade) || math.Abs(*m.Score-c.score) > 1e-9 || m.Grade != c.label {
			t.Errorf("grade %d: evaluation %v score %v %s, want %v %s", c.grade, m.Evaluation, *m.Score, m.Grade, c.score, c.label)
		}
	}
}

// TestRatesConcurrent reads the rates from several goroutines while
// sessions and records are written (run with -race).
func TestRatesConcurrent(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	done := make(chan struct{})
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, err := o.s.Rates(q3, "", DefaultPolicy()); err != nil {
					errs <- err
					return
				}
				if _, err := o.s.MemberRates(q3, o.a1.ID, DefaultPolicy()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 10; i++ {
		id := o.f.session(o.A, "2023-09-2"+string(rune('0'+i%8))+" 09:00")
		o.f.att(id, o.a1.ID, StatusPresent, "")
	}
	close(done)
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// a1: 2/4 before, then ten more sessions attended.
	rep, _ := o.s.MemberRates(q3, o.a1.ID, DefaultPolicy())
	if p := rep.Members[0].Participation; p.Num != 12 || p.Den != 14 {
		t.Errorf("a1 after the writes: %d/%d, want 12/14", p.Num, p.Den)
	}
}

// TestRatesIndexReplay checks the index survives writes it does not depend
// on (a check-in, a login) and is rebuilt after one it does (a session).
func TestRatesIndexReplay(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(afterYear) // the figures of ended periods, not to date
	index := func() *ratesIndex {
		var ix *ratesIndex
		if err := o.s.view(func(tx *bolt.Tx) (err error) { ix, err = o.s.ratesIndex(tx); return err }); err != nil {
			t.Fatal(err)
		}
		return ix
	}
	first := index()
	err := o.s.update(func(tx *bolt.Tx) error {
		a := &Attendance{SessionID: o.S["S6"], MemberID: o.a3.ID, Status: StatusPresent, UpdatedAt: testStart}
		if err := tx.Bucket(bucketAttendance).Put(pairKey(keyOrZero(a.SessionID), keyOrZero(a.MemberID)), encodeAttendance(a)); err != nil {
			return err
		}
		return o.s.audit(admin, tx, "set", "attendance", a.SessionID+"/"+a.MemberID, nil, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.s.CreateToken(admin, o.a1.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	kept := index()
	if &kept.sessions[0] != &first.sessions[0] {
		t.Error("index rebuilt after a check-in and a login")
	}
	o.f.session(o.A, "2023-09-27 09:00")
	if again := index(); &again.sessions[0] == &first.sessions[0] || len(again.sessions) != len(first.sessions)+1 {
		t.Error("index kept after a new session")
	}
}
