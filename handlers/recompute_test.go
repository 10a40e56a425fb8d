package handlers

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"studyroll/store"
)

// TestRecomputeRatesFromAPI recomputes a period's rates from the raw API
// listings alone (docs/RATES.md "Recompute it yourself") — groups, members
// with their dated memberships, sessions with attendance and make-ups,
// plans with their done marks, exams with scores — and compares every
// member's numerators and denominators, and every group's sums, with GET
// /rates. The fixture has a member who moved between branches mid-quarter,
// a late record, a made-up leave, a self-study item also listed at a
// session, and marks before and after the period ended.
func TestRecomputeRatesFromAPI(t *testing.T) {
	ts := newTestServer(t)
	loc := ts.s.Location()
	// Plans: the root's (a session item, two self-study items), 第一支部's
	// (one self-study item due in July).
	var pr, p1 store.Plan
	ts.must("POST", "/api/v1/plans", "admin", map[string]any{"group_id": ts.root, "period": "2023Q3", "title": "全体",
		"items": []map[string]string{{"title": "i1"}, {"title": "s1", "due_on": "2023-08-20"}, {"title": "s2", "due_on": "2023-09-01"}}}, 201, &pr)
	ts.must("POST", "/api/v1/plans", "lead1", map[string]any{"group_id": ts.g1, "period": "2023Q3", "title": "支部",
		"items": []map[string]string{{"title": "s3", "due_on": "2023-07-15"}}}, 201, &p1)
	i1, s1, s2, s3 := pr.Items[0].ID, pr.Items[1].ID, pr.Items[2].ID, p1.Items[0].ID
	session := func(group, start string, items ...string) string {
		st, _ := time.ParseInLocation("2006-01-02 15:04", start, loc)
		if items == nil {
			items = []string{}
		}
		var s store.Session
		ts.must("POST", "/api/v1/sessions", "admin", map[string]any{"group_id": group, "title": "学习 " + start,
			"starts_at": st.Format(time.RFC3339), "ends_at": st.Add(2 * time.Hour).Format(time.RFC3339), "item_ids": items}, 201, &s)
		return s.ID
	}
	S1 := session(ts.root, "2023-07-05 09:00", i1, s1)
	S2 := session(ts.g1, "2023-07-20 09:00", i1)
	S3 := session(ts.g2, "2023-08-10 09:00")
	S4 := session(ts.g1, "2023-08-15 09:00", s3)
	session(ts.root, "2023-09-12 09:00", s2) // lists s2, due earlier: m1's mark completes it
	att := func(sess, user, status string) {
		ts.must("PUT", "/api/v1/sessions/"+sess+"/attendance/"+ts.ids[user], "admin", map[string]string{"status": status}, 200, nil)
	}
	att(S1, "m1", "present")
	att(S1, "m2", "late")
	att(S1, "m3", "leave")
	att(S1, "lead1", "absent")
	att(S1, "hr", "present")
	att(S2, "m1", "absent")
	att(S2, "m2", "present")
	att(S2, "lead1", "present")
	att(S3, "m3", "present")
	att(S4, "m1", "present")
	att(S4, "m2", "present") // m2 is in 第二支部 from 2023-08-01: S4 is not theirs
	ts.must("POST", "/api/v1/sessions/"+S1+"/attendance/"+ts.ids["m3"]+"/makeup", "admin", map[string]string{"on": "2023-07-10"}, 200, nil)
	mark := func(user, plan, item string) {
		ts.must("POST", "/api/v1/plans/"+plan+"/items/"+item+"/done", user, nil, 200, nil)
	}
	mark("m1", pr.ID, s1)
	mark("m3", pr.ID, s1)
	mark("m2", p1.ID, s3)
	e1 := ts.createExam("admin", ts.root, "2023-08-25", 100)
	e2 := ts.createExam("admin", ts.g1, "2023-07-25", 100)
	ts.must("PUT", "/api/v1/exams/"+e1+"/scores", "admin", fmt.Sprintf(`{"scores":[{"member_id":%q,"score":95},{"member_id":%q,"score":80},{"member_id":%q,"score":90}]}`,
		ts.ids["m1"], ts.ids["m2"], ts.ids["m3"]), 200, nil)
	ts.must("PUT", "/api/v1/exams/"+e2+"/scores", "admin", fmt.Sprintf(`{"scores":[{"member_id":%q,"score":50},{"member_id":%q,"score":92}]}`,
		ts.ids["m1"], ts.ids["m2"]), 200, nil)
	ts.must("PATCH", "/api/v1/members/"+ts.ids["m2"], "admin", map[string]any{"group_id": ts.g2, "effective_on": "2023-08-01"}, 200, nil)
	ts.clock.Set(time.Date(2023, 9, 30, 20, 0, 0, 0, loc))
	ts.tokens = map[string]string{} // logged in again after the days went by
	mark("m1", pr.ID, s2)           // before the period ended
	ts.clock.Set(time.Date(2023, 10, 8, 9, 0, 0, 0, loc))
	ts.tokens = map[string]string{}
	mark("m3", pr.ID, s2) // after: does not count

	// The recomputation, from the API alone.
	const as = "hr"
	period, _ := store.ParsePeriod("2023Q3", loc)
	var groups struct {
		Items []struct {
			ID       string `json:"id"`
			ParentID string `json:"parent_id"`
		}
	}
	ts.must("GET", "/api/v1/groups", as, nil, 200, &groups)
	parent := map[string]string{}
	for _, g := range groups.Items {
		parent[g.ID] = g.ParentID
	}
	covers := func(a, g string) bool {
		for ; g != ""; g = parent[g] {
			if g == a {
				return true
			}
		}
		return false
	}
	type span struct{ group, from, to string } // to "" = open
	type person struct {
		id, joined, left string
		spans            []span
	}
	var members struct {
		Items []struct {
			ID       string `json:"id"`
			GroupID  string `json:"group_id"`
			JoinedOn string `json:"joined_on"`
			LeftOn   string `json:"left_on"`
		}
	}
	ts.must("GET", "/api/v1/members", as, nil, 200, &members)
	var people []*person
	for _, m := range members.Items {
		if m.GroupID == "" {
			continue // in no rates
		}
		p := &person{id: m.ID, joined: m.JoinedOn, left: m.LeftOn}
		var h struct{ Items []membershipJS }
		ts.must("GET", "/api/v1/members/"+m.ID+"/history", as, nil, 200, &h)
		for _, ms := range h.Items {
			sp := span{group: *ms.GroupID, from: ms.From}
			if ms.To != nil {
				sp.to = *ms.To
			}
			p.spans = append(p.spans, sp)
		}
		people = append(people, p)
	}
	active := func(p *person, d string) bool { return p.joined <= d && (p.left == "" || d < p.left) }
	groupOn := func(p *person, d string) string {
		g := p.spans[0].group // the first membership also holds before it
		for _, sp := range p.spans {
			if sp.from <= d {
				g = sp.group
			}
		}
		return g
	}
	first, last := period.FirstDate(), period.LastDate()
	inP := func(d string) bool { return first <= d && d <= last }

	type counts struct{ pn, pd, cn, cd, en, ed int }
	// parts[member][group it was counted in] — the group answers sum the
	// parts of their subtree.
	parts := map[string]map[string]*counts{}
	part := func(id, g string) *counts {
		if parts[id] == nil {
			parts[id] = map[string]*counts{}
		}
		if parts[id][g] == nil {
			parts[id][g] = &counts{}
		}
		return parts[id][g]
	}
	// Content items are counted distinct per member over what was assigned
	// while in the scope asked: each assignment is kept with the group the
	// member was in, and whether attending completed it.
	type assignment struct {
		member, item, group string
		attended            bool
	}
	var assignments []assignment
	type itemKey struct{ member, item string }
	doneInTime := map[itemKey]bool{}

	var sessions struct {
		Items []struct {
			ID        string    `json:"id"`
			GroupID   string    `json:"group_id"`
			StartsAt  time.Time `json:"starts_at"`
			EndsAt    time.Time `json:"ends_at"`
			Cancelled bool      `json:"cancelled"`
			ItemIDs   []string  `json:"item_ids"`
		}
	}
	ts.must("GET", "/api/v1/sessions?"+url.Values{"from": {first}, "to": {last}}.Encode(), as, nil, 200, &sessions)
	for _, s := range sessions.Items {
		day := s.StartsAt.In(loc).Format(store.DateLayout)
		if s.Cancelled || !inP(day) {
			continue
		}
		var detail struct {
			Attendance []struct {
				MemberID         string     `json:"member_id"`
				Status           string     `json:"status"`
				MakeupOn         string     `json:"makeup_on"`
				MakeupRecordedAt *time.Time `json:"makeup_recorded_at"`
			} `json:"attendance"`
		}
		ts.must("GET", "/api/v1/sessions/"+s.ID, as, nil, 200, &detail)
		for _, p := range people {
			g := groupOn(p, day)
			if !active(p, day) || !covers(s.GroupID, g) {
				continue
			}
			attended := false
			for _, a := range detail.Attendance {
				if a.MemberID == p.id {
					attended = a.Status == "present" || a.Status == "late" || a.MakeupOn != ""
					if a.MakeupOn != "" && a.MakeupRecordedAt == nil {
						t.Errorf("make-up of %s at %s without makeup_recorded_at", p.id, s.ID)
					}
				}
			}
			c := part(p.id, g)
			c.pd++
			if attended {
				c.pn++
			}
			for _, it := range s.ItemIDs {
				assignments = append(assignments, assignment{p.id, it, g, attended})
			}
		}
	}
	var plans struct {
		Items []struct {
			ID      string `json:"id"`
			GroupID string `json:"group_id"`
			Items   []struct {
				ID    string `json:"id"`
				DueOn string `json:"due_on"`
			} `json:"items"`
		}
	}
	ts.must("GET", "/api/v1/plans", as, nil, 200, &plans)
	for _, pl := range plans.Items {
		for _, it := range pl.Items {
			if it.DueOn == "" || !inP(it.DueOn) {
				continue
			}
			for _, p := range people {
				if g := groupOn(p, it.DueOn); covers(pl.GroupID, g) {
					assignments = append(assignments, assignment{p.id, it.ID, g, false})
				}
			}
		}
		var done struct {
			Items []struct {
				MemberID string    `json:"member_id"`
				ItemID   string    `json:"item_id"`
				DoneAt   time.Time `json:"done_at"`
			}
		}
		ts.must("GET", "/api/v1/plans/"+pl.ID+"/done", as, nil, 200, &done)
		for _, d := range done.Items {
			if d.DoneAt.Before(period.End) {
				doneInTime[itemKey{d.MemberID, d.ItemID}] = true
			}
		}
	}
	// completion is a member's distinct completed and assigned items over
	// the assignments in scope.
	completion := func(id, scope string) (done, total int) {
		seen := map[string]bool{}
		for _, a := range assignments {
			if a.member == id && (scope == "" || covers(scope, a.group)) {
				seen[a.item] = seen[a.item] || a.attended || doneInTime[itemKey{id, a.item}]
			}
		}
		for _, ok := range seen {
			total++
			if ok {
				done++
			}
		}
		return done, total
	}
	for _, a := range assignments {
		part(a.member, a.group) // a member with only items is in the scope too
	}
	var exams struct {
		Items []struct {
			ID string `json:"id"`
		}
	}
	ts.must("GET", "/api/v1/exams", as, nil, 200, &exams)
	for _, e := range exams.Items {
		var d struct {
			GroupID        string  `json:"group_id"`
			HeldOn         string  `json:"held_on"`
			ExcellentScore float64 `json:"excellent_score"`
			Scores         []struct {
				MemberID string  `json:"member_id"`
				Score    float64 `json:"score"`
			} `json:"scores"`
		}
		ts.must("GET", "/api/v1/exams/"+e.ID, as, nil, 200, &d)
		if !inP(d.HeldOn) {
			continue
		}
		for _, p := range people {
			g := groupOn(p, d.HeldOn)
			if !active(p, d.HeldOn) || !covers(d.GroupID, g) {
				continue
			}
			c := part(p.id, g)
			c.ed++
			for _, sc := range d.Scores {
				if sc.MemberID == p.id && sc.Score >= d.ExcellentScore {
					c.en++
				}
			}
		}
	}

	// Compare, for the organisation and each group.
	sum := func(id, scope string) (c counts, in bool) {
		for g, x := range parts[id] {
			if scope == "" || covers(scope, g) {
				c.pn, c.pd, c.cn, c.cd, c.en, c.ed = c.pn+x.pn, c.pd+x.pd, c.cn+x.cn, c.cd+x.cd, c.en+x.en, c.ed+x.ed
				in = true
			}
		}
		c.cn, c.cd = completion(id, scope)
		return c, in
	}
	for _, scope := range []string{"", ts.root, ts.g1, ts.g2} {
		var r ratesAnswer
		q := "/api/v1/rates?period=2023Q3"
		if scope != "" {
			q += "&group_id=" + scope
		}
		ts.must("GET", q, as, nil, 200, &r)
		var total counts
		rows := map[string]bool{}
		for _, m := range r.Members {
			rows[m.MemberID] = true
			want, _ := sum(m.MemberID, scope)
			got := counts{m.Participation.Num, m.Participation.Den, m.Completion.Num, m.Completion.Den, m.Excellence.Num, m.Excellence.Den}
			if got != want {
				t.Errorf("scope %q member %s: API %+v, recomputed %+v", scope, m.MemberID, got, want)
			}
			total.pn, total.pd, total.cn, total.cd, total.en, total.ed = total.pn+got.pn, total.pd+got.pd, total.cn+got.cn, total.cd+got.cd, total.en+got.en, total.ed+got.ed
		}
		for _, p := range people {
			if _, in := sum(p.id, scope); in && !rows[p.id] {
				t.Errorf("scope %q: recomputed a part for %s, the API has no row", scope, p.id)
			}
		}
		sums := counts{r.Participation.Num, r.Participation.Den, r.Completion.Num, r.Completion.Den, r.Excellence.Num, r.Excellence.Den}
		if sums != total {
			t.Errorf("scope %q: sums %+v, rows add up to %+v", scope, sums, total)
		}
	}
	// The mover counts in both branches.
	if len(parts[ts.ids["m2"]]) != 2 {
		t.Errorf("m2's parts %v, want one per branch", parts[ts.ids["m2"]])
	}
}
