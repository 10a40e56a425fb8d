package handlers

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"studyroll/store"
)

// must sends body as username and fails the test unless the answer has
// status want; it decodes the answer into out when given.
func (ts *testServer) must(method, path, as string, body any, want int, out any) {
	ts.t.Helper()
	rec := ts.do(method, path, as, body)
	if rec.Code != want {
		ts.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, as, rec.Code, rec.Body, want)
	}
	if out != nil {
		decodeJSON(ts.t, rec, out)
	}
}

type membershipJS struct {
	GroupID *string `json:"group_id"`
	Role    string  `json:"role"`
	From    string  `json:"from"`
	To      *string `json:"to"`
}

func TestMemberHistoryAPI(t *testing.T) {
	ts := newTestServer(t)
	m1 := ts.ids["m1"]
	patch := "/api/v1/members/" + m1
	// Bad dates: 422 with a code of their own, nothing changes.
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"group_id": ts.g2, "effective_on": "2022-12-31"}, "before_joined"},
		{map[string]any{"group_id": ts.g2, "effective_on": "2023-09-02"}, "invalid"},
		{map[string]any{"name": "张三", "effective_on": "2023-08-01"}, "invalid"},
	} {
		rec := ts.do("PATCH", patch, "admin", c.body)
		var e struct {
			Error struct {
				Code   string
				Fields map[string]string
			}
		}
		decodeJSON(t, rec, &e)
		if rec.Code != http.StatusUnprocessableEntity || e.Error.Code != c.code || e.Error.Fields["effective_on"] == "" {
			t.Errorf("PATCH %v: %d %s, want 422 %s on effective_on", c.body, rec.Code, rec.Body, c.code)
		}
	}
	var m store.Member
	ts.must("PATCH", patch, "admin", map[string]any{"group_id": ts.g2, "effective_on": "2023-08-01"}, 200, &m)
	if m.GroupID != ts.g2 {
		t.Errorf("moved member: %+v", m)
	}
	var h struct{ Items []membershipJS }
	ts.must("GET", patch+"/history", "hr", nil, 200, &h)
	if len(h.Items) != 2 || *h.Items[0].GroupID != ts.g1 || h.Items[0].From != "2023-01-01" || *h.Items[0].To != "2023-08-01" ||
		*h.Items[1].GroupID != ts.g2 || h.Items[1].From != "2023-08-01" || h.Items[1].To != nil || h.Items[1].Role != "member" {
		t.Errorf("history %+v", h.Items)
	}
	// Scope: lead1 led m1's former group; m3 was never in it.
	for _, c := range []struct {
		as, id string
		code   int
	}{
		{"lead1", m1, 200},
		{"lead1", ts.ids["m3"], 403},
		{"admin", ts.ids["m3"], 200},
		{"m1", m1, 403},
		{"hr", "999", 404},
	} {
		if rec := ts.do("GET", "/api/v1/members/"+c.id+"/history", c.as, nil); rec.Code != c.code {
			t.Errorf("%s reads the history of %s: %d %s, want %d", c.as, c.id, rec.Code, rec.Body, c.code)
		}
	}
}

func TestPlanDoneAPI(t *testing.T) {
	ts := newTestServer(t)
	var p1, pr store.Plan
	ts.must("POST", "/api/v1/plans", "lead1", map[string]any{"group_id": ts.g1, "period": "2023Q3", "title": "支部自学",
		"items": []map[string]string{{"title": "自学一", "due_on": "2023-09-20"}, {"title": "自学二", "due_on": "2023-09-25"}}}, 201, &p1)
	ts.must("POST", "/api/v1/plans", "admin", map[string]any{"group_id": ts.root, "period": "2023Q3", "title": "全体自学",
		"items": []map[string]string{{"title": "自学三", "due_on": "2023-09-20"}}}, 201, &pr)
	mark := func(as string, p store.Plan, item int) {
		ts.must("POST", fmt.Sprintf("/api/v1/plans/%s/items/%s/done", p.ID, p.Items[item].ID), as, nil, 200, nil)
	}
	mark("m2", p1, 1)
	ts.clock.Advance(time.Hour)
	mark("m1", p1, 1)
	mark("m1", p1, 0)
	mark("m3", pr, 0)
	mark("m1", pr, 0)
	type doneJS struct {
		MemberID string    `json:"member_id"`
		PlanID   string    `json:"plan_id"`
		ItemID   string    `json:"item_id"`
		DoneAt   time.Time `json:"done_at"`
	}
	var d struct{ Items []doneJS }
	ts.must("GET", "/api/v1/plans/"+p1.ID+"/done", "lead1", nil, 200, &d)
	var got []string
	for _, it := range d.Items {
		got = append(got, it.ItemID+":"+it.MemberID)
	}
	// Item order, then time: m1's mark of item 0; m2 then m1 for item 1.
	if want := fmt.Sprint([]string{p1.Items[0].ID + ":" + ts.ids["m1"], p1.Items[1].ID + ":" + ts.ids["m2"], p1.Items[1].ID + ":" + ts.ids["m1"]}); fmt.Sprint(got) != want {
		t.Errorf("done marks %v, want %v", got, want)
	}
	if d.Items[1].DoneAt != testStart.UTC() || d.Items[0].PlanID != p1.ID {
		t.Errorf("mark %+v", d.Items[1])
	}
	// The root's plan: hr sees both marks, lead1 only their subtree's.
	for _, c := range []struct {
		as   string
		code int
		n    int
	}{{"hr", 200, 2}, {"admin", 200, 2}, {"lead1", 200, 1}, {"m1", 403, 0}} {
		rec := ts.do("GET", "/api/v1/plans/"+pr.ID+"/done", c.as, nil)
		var d struct{ Items []doneJS }
		if rec.Code == 200 {
			decodeJSON(t, rec, &d)
		}
		if rec.Code != c.code || len(d.Items) != c.n {
			t.Errorf("%s reads the root plan's marks: %d %s, want %d with %d", c.as, rec.Code, rec.Body, c.code, c.n)
		}
	}
	if rec := ts.do("GET", "/api/v1/plans/999/done", "hr", nil); rec.Code != 404 {
		t.Errorf("unknown plan: %d", rec.Code)
	}
}
