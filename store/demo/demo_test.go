package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

func TestSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a whole organisation")
	}
	loc := store.DefaultLocation()
	clock := store.NewManualClock(time.Date(2023, 11, 20, 10, 0, 0, 0, loc))
	s, err := store.Open(t.TempDir(), store.Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := store.WithActor(context.Background(), "system")
	org, err := Seed(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(org.Units) != 8 || len(org.Branches) != 37 || len(org.Members) < 300 {
		t.Errorf("%d units, %d branches, %d members; want 8, 37, ≥300", len(org.Units), len(org.Branches), len(org.Members))
	}
	// Two example robots, switched off: a demo never posts to a chat.
	admin := &store.Member{Role: store.RoleAdmin}
	hrRobots, _ := s.GroupRobots(admin, org.Root.ID)
	branchRobots, _ := s.GroupRobots(admin, org.Branches[0].ID)
	if len(hrRobots) != 1 || len(branchRobots) != 1 || hrRobots[0].Enabled || branchRobots[0].Enabled {
		t.Errorf("demo robots: %+v %+v", hrRobots, branchRobots)
	}
	for _, l := range []string{"member", "lead", "hr"} {
		if _, err := s.CheckPassword(l, Password); err != nil {
			t.Errorf("demo login %s: %v", l, err)
		}
	}
	p, _ := store.ParsePeriod("2023Q3", loc)
	r, err := s.Rates(p, "", store.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if r.Participation.Den < 1000 || r.Excellence.Den < 300 || r.Completion.Den == 0 {
		t.Errorf("2023Q3 rates too thin: %+v %+v %+v", r.Participation, r.Completion, r.Excellence)
	}
	if r.Participation.Rate == nil || *r.Participation.Rate < 0.85 || *r.Participation.Rate >= 1 {
		t.Errorf("participation %v: want a realistic 85–99%%", r.Participation.Rate)
	}
	// The current quarter (2023Q4 on 11-20) is figures to date: nobody is
	// counted for a session not yet held (every counted session has a
	// record) and nobody fails for one; a make-up is never dated ahead.
	cur, _ := store.ParsePeriod("2023Q4", loc)
	rc, err := s.Rates(cur, "", store.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if !rc.Provisional || rc.Locked || rc.Participation.Den == 0 {
		t.Errorf("2023Q4: provisional %v locked %v participation %+v", rc.Provisional, rc.Locked, rc.Participation)
	}
	fails := 0
	for _, m := range rc.Members {
		if m.Attendance.None > 0 {
			t.Errorf("%s: %d sessions counted without a record (not yet held?)", m.Name, m.Attendance.None)
		}
		if m.Grade == store.GradeFail {
			fails++
		}
	}
	if fails*10 > len(rc.Members) {
		t.Errorf("2023Q4 to date: %d of %d members fail", fails, len(rc.Members))
	}
	// The logins a visitor tries first are an ordinary, decent record: the
	// branch secretary (lead) and HR (hr) are not failing mid-quarter.
	for _, m := range rc.Members {
		if (m.Name == "李书记" || m.Name == "周组织") && (m.Grade == store.GradeFail || m.Score == nil || *m.Score < 85) {
			t.Errorf("2023Q4 to date: %s scores %v (%s), want at least 较好", m.Name, m.Score, m.Grade)
		}
	}
	// Every make-up is dated on or before today and after its session.
	sessions, err := s.Sessions(store.SessionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	makeups := 0
	for _, ss := range sessions {
		recs, err := s.Attendance(ss.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range recs {
			if a.MakeupOn == "" {
				continue
			}
			makeups++
			if a.MakeupOn > s.Today() || a.MakeupOn < ss.StartsAt.In(loc).Format(store.DateLayout) {
				t.Errorf("session %s (%s): make-up dated %s, today %s", ss.ID, ss.StartsAt, a.MakeupOn, s.Today())
			}
		}
	}
	if makeups == 0 {
		t.Error("the demo records no make-ups")
	}
	// Plan titles do not repeat the period the screens print beside them.
	for _, q := range []string{"2023Q1", "2023Q4"} {
		plans, err := s.Plans(store.PlanFilter{Period: q})
		if err != nil {
			t.Fatal(err)
		}
		for _, pl := range plans {
			if strings.Contains(pl.Title, "季度") || strings.Contains(pl.Title, "2023") {
				t.Errorf("%s plan title %q repeats the period", q, pl.Title)
			}
		}
		if len(plans) == 0 {
			t.Errorf("no %s plan", q)
		}
	}
	checkMeetings(t, s, org)
	// A member moved from the second branch to the first on 2023-10-01:
	// the history says so, and the rates count them in each branch for
	// its own time.
	if org.Moved == nil {
		t.Fatal("no member moved")
	}
	h, err := s.MemberHistory(org.Moved.ID)
	if err != nil || len(h) != 2 || h[0].GroupID != org.Branches[1].ID || h[1].GroupID != org.Branches[0].ID || h[1].From != "2023-10-01" {
		t.Errorf("history of the moved member: %+v %v", h, err)
	}
	for _, c := range []struct {
		g    store.Group
		p    store.Period
		want bool
	}{{org.Branches[1], p, true}, {org.Branches[0], p, false}, {org.Branches[0], cur, true}} {
		r, _ := s.Rates(c.p, c.g.ID, store.DefaultPolicy())
		in := false
		for _, m := range r.Members {
			in = in || m.MemberID == org.Moved.ID
		}
		if in != c.want {
			t.Errorf("moved member in %s's %s rates: %v, want %v", c.g.Name, c.p, in, c.want)
		}
	}
	if _, err := Seed(ctx, s); err == nil {
		t.Error("a second seed into the same store succeeded")
	}
	if n, err := s.VerifyAudit(); err != nil || n < 1000 {
		t.Errorf("audit: %d entries, %v", n, err)
	}
}
