package store

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestWarnings(t *testing.T) {
	o := newOrg(t)
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	name := map[string]string{}
	for _, m := range []*Member{o.a1, o.a2, o.a3, o.a4, o.b1, o.hr1, o.z1} {
		name[m.ID] = m.Name
	}
	// Worked out from the org comment in rates_test.go (sessions end at 11:00).
	cases := []struct {
		name  string
		now   string
		group string
		pol   Policy
		want  []string // "member kind detail-substring"
	}{
		{
			name: "after the quarter, whole organisation", now: "2023-10-01 08:00", pol: DefaultPolicy(),
			want: []string{
				"a1 below_target participation 2/4, completion 4/7",
				"a1 cannot_reach missed 2 required session(s) without make-up since 2023-07-12",
				"a1 consecutive_absence 2 sessions in a row (2023-07-12 to 2023-08-09)",
				"a2 below_target participation 4/5, excellence 1/2",
				"a2 cannot_reach missed 1 required session(s) without make-up since 2023-08-16",
				"a3 below_target completion 3/4",
				"a4 below_target participation 2/3, completion 4/6, excellence 0/1",
				"a4 cannot_reach missed 1 required session(s) without make-up since 2023-08-09",
				"b1 below_target participation 0/2, completion 1/5, excellence 0/1",
				// S1 leave without make-up, S7 absent: missed twice, but a leave breaks the run
				"b1 cannot_reach missed 2 required session(s) without make-up since 2023-07-05",
			},
		},
		{
			// On 08-10 at 08:00: S5 (08-16) and S6 are still ahead, S4 (08-09)
			// is over. Figures to date: only S1, S2, S4, s3 (due 07-20) and E1
			// count; a2 and a3 are at 100% so far.
			name: "mid-quarter, branch A", now: "2023-08-10 08:00", group: "A", pol: DefaultPolicy(),
			want: []string{
				"a1 below_target participation 1/3, completion 2/5",
				"a1 cannot_reach missed 2 required session(s) without make-up since 2023-07-12",
				"a1 consecutive_absence 2 sessions in a row",
				"a4 below_target participation 2/3, completion 3/5, excellence 0/1",
				"a4 cannot_reach missed 1 required session(s) without make-up since 2023-08-09",
			},
		},
		{
			// On 08-09 at 10:00 S4 has started but not ended: not due yet,
			// neither missed nor in the figures.
			name: "a session under way is not missed", now: "2023-08-09 10:00", group: "A", pol: DefaultPolicy(),
			want: []string{
				"a1 below_target participation 1/2, completion 2/4",
				"a1 cannot_reach missed 1 required session(s) without make-up since 2023-07-12",
				"a4 below_target completion 3/4, excellence 0/1",
			},
		},
		{
			name: "leave excused: b1's leave is not a miss", now: "2023-10-01 08:00", group: "B", pol: func() Policy {
				p := DefaultPolicy()
				p.LeaveExcused = true
				return p
			}(),
			want: []string{
				"b1 below_target participation 0/1, completion 1/5, excellence 0/1",
				"b1 cannot_reach missed 1 required session(s) without make-up since 2023-07-19",
			},
		},
	}
	groups := map[string]string{"A": o.A, "B": o.B}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o.clock.Set(o.f.at(tc.now))
			ws, err := o.s.Warnings(q3, groups[tc.group], tc.pol)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, name[w.MemberID]+" "+w.Kind+" "+w.Detail)
			}
			sort.Strings(got)
			if len(got) != len(tc.want) {
				t.Errorf("got %d warnings, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					parts := strings.SplitN(w, " ", 3)
					if strings.HasPrefix(g, parts[0]+" "+parts[1]+" ") && strings.Contains(g, parts[2]) {
						found = true
					}
				}
				if !found {
					t.Errorf("missing %q in:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
	o.clock.Set(testStart)
}

// TestWarningsConsecutive checks runs of absences: a make-up, a leave or a
// presence breaks a run; the longest run is reported.
func TestWarningsConsecutive(t *testing.T) {
	s, clock := mustOpen(t)
	f := &fixture{tb: t, s: s}
	g := mustGroup(t, s, "支部", "")
	m := mustMember(t, s, "m", g, RoleMember, "2023-01-01")
	X, P, V := StatusAbsent, StatusPresent, StatusLeave
	// X X(make-up) X P X X X V X
	seq := []struct {
		st     Status
		makeup string
	}{{X, ""}, {X, "2023-07-20"}, {X, ""}, {P, ""}, {X, ""}, {X, ""}, {X, ""}, {V, ""}, {X, ""}}
	for i, r := range seq {
		day := time.Date(2023, 7, 3+7*i, 0, 0, 0, 0, time.UTC).Format(DateLayout)
		id := f.session(g, day+" 09:00")
		f.att(id, m.ID, r.st, r.makeup)
	}
	clock.Set(time.Date(2023, 10, 1, 0, 0, 0, 0, s.loc))
	q3, _ := ParsePeriod("2023Q3", s.loc)
	ws, err := s.Warnings(q3, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	var cons *Warning
	for i := range ws {
		if ws[i].Kind == WarnConsecutiveAbsence {
			cons = &ws[i]
		}
	}
	// Longest run: sessions 5–7 on 07-31, 08-07, 08-14.
	if cons == nil || !strings.Contains(cons.Detail, "3 sessions in a row (2023-07-31 to 2023-08-14)") {
		t.Errorf("consecutive warning %+v", cons)
	}
	if cons != nil && (cons.Count != 3 || cons.From != "2023-07-31" || cons.To != "2023-08-14") {
		t.Errorf("structured fields of the run: count %d from %s to %s, want 3, 2023-07-31, 2023-08-14", cons.Count, cons.From, cons.To)
	}
}
