package handlers

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type planAnswer struct {
	ID      string
	GroupID string `json:"group_id"`
	Period  string
	Items   []struct {
		ID    string
		DueOn string `json:"due_on"`
	}
}

func attPlan(tb testing.TB, ts *testServer, as, group string) planAnswer {
	tb.Helper()
	rec := ts.do("POST", "/api/v1/plans", as, map[string]any{"group_id": group, "period": "2023q3", "title": "三季度学习计划",
		"items": []map[string]string{{"title": "讲话精神"}, {"title": "党章", "due_on": "2023-09-30"}}})
	if rec.Code != 201 {
		tb.Fatalf("create plan: %d %s", rec.Code, rec.Body)
	}
	var p planAnswer
	decodeJSON(tb, rec, &p)
	return p
}

func TestCreatePlanRoute(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	p := attPlan(t, ts, "lead1", g1)
	if p.Period != "2023Q3" || len(p.Items) != 2 || p.Items[0].ID == "" || p.Items[1].DueOn != "2023-09-30" {
		t.Errorf("plan %+v", p)
	}
	ok := map[string]any{"group_id": g1, "period": "2023Q3", "title": "计划", "items": []any{}}
	cases := []struct {
		name   string
		as     string
		body   any
		status int
		code   string
		field  string
	}{
		{"admin, organ-wide", "admin", map[string]any{"group_id": ts.root, "period": "2023", "title": "年度计划", "items": []any{}}, 201, "", ""},
		{"lead of another branch", "lead1", map[string]any{"group_id": g2, "period": "2023Q3", "title": "计划"}, 403, "forbidden", ""},
		{"lead, organ-wide", "lead1", map[string]any{"group_id": ts.root, "period": "2023Q3", "title": "计划"}, 403, "forbidden", ""},
		{"member", "m1", ok, 403, "role_forbidden", ""},
		{"hr", "hr", ok, 403, "role_forbidden", ""},
		{"no login", "", ok, 401, "unauthorized", ""},
		{"bad period", "lead1", map[string]any{"group_id": g1, "period": "Q3", "title": "计划"}, 422, "invalid", "period"},
		{"bad due date", "lead1", map[string]any{"group_id": g1, "period": "2023Q3", "title": "计划", "items": []map[string]string{{"title": "a", "due_on": "30/09/2023"}}}, 422, "invalid", "items[0].due_on"},
		{"unknown group", "lead1", map[string]any{"group_id": "999", "period": "2023Q3", "title": "计划"}, 422, "invalid", "group_id"},
		{"unknown field", "lead1", map[string]any{"group_id": g1, "period": "2023Q3", "title": "计划", "owner": "x"}, 400, "malformed", "owner"},
		{"not JSON", "lead1", "period=2023", 400, "malformed", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.as != "" {
				ts.token(c.as) // a first login is audited
			}
			before := auditCount(t, ts)
			rec := ts.do("POST", "/api/v1/plans", c.as, c.body)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			if c.field != "" && !strings.Contains(rec.Body.String(), `"`+c.field+`"`) {
				t.Errorf("error does not name %s: %s", c.field, rec.Body)
			}
			if c.status != 201 && auditCount(t, ts) != before {
				t.Error("refused request wrote an audit entry")
			}
		})
	}
}

func TestListAndGetPlans(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	p1 := attPlan(t, ts, "lead1", g1)
	p2 := attPlan(t, ts, "admin", g2)
	pRoot := attPlan(t, ts, "admin", ts.root)
	ids := func(rec *httptest.ResponseRecorder) string {
		var out struct{ Items []planAnswer }
		decodeJSON(t, rec, &out)
		var s []string
		for _, p := range out.Items {
			s = append(s, p.ID)
		}
		return strings.Join(s, ",")
	}
	j := func(xs ...string) string { return strings.Join(xs, ",") }
	cases := []struct {
		name, as, query string
		status          int
		want            string
	}{
		{"member: own branch and above", "m1", "", 200, j(p1.ID, pRoot.ID)},
		{"member of the other branch", "m3", "", 200, j(p2.ID, pRoot.ID)},
		{"lead: subtree and ancestors", "lead1", "", 200, j(p1.ID, pRoot.ID)},
		{"hr: all", "hr", "", 200, j(p1.ID, p2.ID, pRoot.ID)},
		{"by group: the plans that reach it", "admin", "?group_id=" + g2, 200, j(p2.ID, pRoot.ID)},
		{"by period", "admin", "?period=2023", 200, j(p1.ID, p2.ID, pRoot.ID)},
		{"other period", "admin", "?period=2023Q4", 200, ""},
		{"bad period", "admin", "?period=2023Q0", 422, ""},
		{"unknown group", "admin", "?group_id=999", 404, ""},
		{"no login", "", "", 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := ts.do("GET", "/api/v1/plans"+c.query, c.as, nil)
			if rec.Code != c.status {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if c.status == 200 && ids(rec) != c.want {
				t.Errorf("got %s, want %s", ids(rec), c.want)
			}
		})
	}
	for _, c := range []struct {
		name, as, id string
		status       int
	}{
		{"member, own branch", "m1", p1.ID, 200},
		{"member, organ-wide", "m3", pRoot.ID, 200},
		{"member, other branch", "m3", p1.ID, 403},
		{"lead, other branch", "lead1", p2.ID, 403},
		{"hr", "hr", p2.ID, 200},
		{"unknown", "m1", "999", 404},
	} {
		t.Run("get: "+c.name, func(t *testing.T) {
			if rec := ts.do("GET", "/api/v1/plans/"+c.id, c.as, nil); rec.Code != c.status {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, c.status)
			}
		})
	}
}

func TestItemDoneRoute(t *testing.T) {
	ts := newTestServer(t)
	g1 := ts.g1
	p := attPlan(t, ts, "lead1", g1)
	sessionItem, selfItem := p.Items[0].ID, p.Items[1].ID
	path := func(plan, item string) string { return "/api/v1/plans/" + plan + "/items/" + item + "/done" }
	var first struct {
		DoneAt string `json:"done_at"`
	}
	cases := []struct {
		name, as, path string
		status         int
		code           string
	}{
		{"member", "m1", path(p.ID, selfItem), 200, ""},
		{"again", "m1", path(p.ID, selfItem), 200, ""},
		{"lead marks for themselves", "lead1", path(p.ID, selfItem), 200, ""},
		{"other branch", "m3", path(p.ID, selfItem), 403, "not_covered"},
		{"session item", "m1", path(p.ID, sessionItem), 409, "not_self_study"},
		{"unknown item", "m1", path(p.ID, "999"), 404, "not_found"},
		{"unknown plan", "m1", path("999", selfItem), 404, "not_found"},
		{"no login", "", path(p.ID, selfItem), 401, "unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts.clock.Advance(time.Minute)
			rec := ts.do("POST", c.path, c.as, nil)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			if c.name == "member" {
				decodeJSON(t, rec, &first)
			}
			if c.name == "again" {
				var again struct {
					DoneAt string `json:"done_at"`
				}
				decodeJSON(t, rec, &again)
				if again.DoneAt != first.DoneAt {
					t.Errorf("done_at moved: %s → %s", first.DoneAt, again.DoneAt)
				}
			}
		})
	}
}
