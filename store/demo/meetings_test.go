package demo

import (
	"testing"

	"studyroll/store"
)

// checkMeetings (called by TestSeed, clock 2023-11-20) checks the demo's
// 三会一课 for 2023Q3: most branches held everything, the three chosen ones
// miss meetings, one branch is inactive, and most sessions held have all
// four fulfilments.
func checkMeetings(t *testing.T, s *store.Store, org *Org) {
	p, _ := store.ParsePeriod("2023Q3", s.Location())
	items, err := s.Compliance(p, "")
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]int{}
	rows := 0
	for _, it := range items {
		rows++
		if it.Missing > 0 {
			missing[it.GroupID] += it.Missing
		}
	}
	if rows < 37*5 {
		t.Errorf("%d compliance rows, want every branch's kinds", rows)
	}
	for i, br := range org.Branches {
		want := 0
		switch i {
		case demoMissCommittee:
			want = 2 // two months without a 支委会
		case demoMissCongress:
			want = 1
		case demoMissOneMonth:
			want = 1
		}
		got := missing[br.ID]
		if i == demoInactive {
			continue
		}
		if got != want {
			t.Errorf("%s: %d missing in 2023Q3, want %d", br.Name, got, want)
		}
	}
	q4, _ := store.ParsePeriod("2023Q4", s.Location())
	ws, err := s.MeetingWarnings(q4, "")
	if err != nil {
		t.Fatal(err)
	}
	inactive := 0
	for _, w := range ws {
		if w.Kind == store.WarnInactiveGroup {
			inactive++
			if w.GroupID != org.Branches[demoInactive].ID {
				t.Errorf("inactive: %+v, want only %s", w, org.Branches[demoInactive].Name)
			}
		}
	}
	if inactive != 1 {
		t.Errorf("%d inactive groups, want 1", inactive)
	}
	r, err := s.FourRate(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Rate == nil || *r.Rate < 0.6 || *r.Rate >= 1 || r.Den < 250 {
		t.Errorf("四落实 rate %+v: want most of the sessions held", r)
	}
}
