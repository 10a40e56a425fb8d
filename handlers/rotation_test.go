package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"studyroll/store"
)

// mnSession makes a two-hour study session through the store, so the
// minutes tests do not depend on the session routes.
func mnSession(tb testing.TB, ts *testServer, group string, start time.Time, lead string) string {
	tb.Helper()
	sess, err := ts.s.CreateSession(store.WithActor(context.Background(), "system"), store.SessionInput{GroupID: group, Title: "集中学习",
		StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(2 * time.Hour).Format(time.RFC3339), LeadID: lead})
	if err != nil {
		tb.Fatal(err)
	}
	return sess.ID
}

// mnLogin adds an account and returns its username.
func mnLogin(tb testing.TB, ts *testServer, user, name, group string, role store.Role) string {
	tb.Helper()
	m, err := ts.s.CreateMember(store.WithActor(context.Background(), "system"), store.MemberInput{Name: name, Username: user, Password: testPassword, GroupID: group, Role: role, JoinedOn: "2023-01-01"})
	if err != nil {
		tb.Fatal(err)
	}
	ts.ids[user] = m.ID
	return user
}

// wantStatus checks an answer's status and, for errors, its code.
func wantStatus(tb testing.TB, what string, rec interface {
	Result() *http.Response
}, status int, code string) {
	tb.Helper()
	r := rec.Result()
	var body struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	if r.StatusCode != status {
		tb.Errorf("%s: status %d (%+v), want %d", what, r.StatusCode, body.Error, status)
		return
	}
	if code != "" && body.Error.Code != code {
		if _, ok := body.Error.Fields[code]; !ok {
			tb.Errorf("%s: error %+v, want code or field %q", what, body.Error, code)
		}
	}
}

func TestRotationAPI(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	id := func(u string) string { return ts.ids[u] }
	var rot struct {
		Order       []string `json:"order"`
		Next        []string `json:"next"`
		Substitutes []struct {
			SessionID          string `json:"session_id"`
			LeadID             string `json:"lead_id"`
			ProposedSubstitute string `json:"proposed_substitute"`
		} `json:"substitutes"`
	}
	rec := ts.do("GET", "/api/v1/groups/"+g1+"/rotation", "lead1", nil)
	wantStatus(t, "lead reads", rec, 200, "")
	decodeJSON(t, ts.do("GET", "/api/v1/groups/"+g1+"/rotation", "lead1", nil), &rot)
	// All joined 2023-01-01, so by name: 张三 (m1), 李书记 (lead1), 王芳 (m2).
	if want := []string{id("m1"), id("lead1"), id("m2")}; strings.Join(rot.Order, ",") != strings.Join(want, ",") {
		t.Errorf("default order %v, want %v", rot.Order, want)
	}
	if want := []string{id("m1"), id("lead1"), id("m2"), id("m1"), id("lead1")}; strings.Join(rot.Next, ",") != strings.Join(want, ",") {
		t.Errorf("next %v, want %v", rot.Next, want)
	}
	wantStatus(t, "hr reads any group", ts.do("GET", "/api/v1/groups/"+g2+"/rotation", "hr", nil), 200, "")
	wantStatus(t, "lead, another branch", ts.do("GET", "/api/v1/groups/"+g2+"/rotation", "lead1", nil), 403, "forbidden")
	wantStatus(t, "member", ts.do("GET", "/api/v1/groups/"+g1+"/rotation", "m1", nil), 403, "role_forbidden")
	wantStatus(t, "no login", ts.do("GET", "/api/v1/groups/"+g1+"/rotation", "", nil), 401, "")
	wantStatus(t, "unknown group", ts.do("GET", "/api/v1/groups/999/rotation", "admin", nil), 404, "not_found")

	order := []string{id("m2"), id("m1"), id("lead1")}
	rec = ts.do("PUT", "/api/v1/groups/"+g1+"/rotation", "lead1", map[string]any{"order": order})
	wantStatus(t, "lead sets the order", rec, 200, "")
	decodeJSON(t, ts.do("GET", "/api/v1/groups/"+g1+"/rotation", "admin", nil), &rot)
	if strings.Join(rot.Order, ",") != strings.Join(order, ",") {
		t.Errorf("order after PUT %v", rot.Order)
	}
	for _, c := range []struct {
		what, as, group string
		body            any
		status          int
		code            string
	}{
		{"missing member", "lead1", g1, map[string]any{"order": []string{id("m2"), id("m1")}}, 422, "order"},
		{"member of another group", "lead1", g1, map[string]any{"order": []string{id("m2"), id("m1"), id("lead1"), id("m3")}}, 422, "order"},
		{"duplicate", "lead1", g1, map[string]any{"order": []string{id("m2"), id("m2"), id("m1"), id("lead1")}}, 422, "order"},
		{"no order", "lead1", g1, map[string]any{}, 422, "order"},
		{"malformed", "lead1", g1, `{"order": [`, 400, "malformed"},
		{"wrong type", "lead1", g1, `{"order": "1,2"}`, 400, "malformed"},
		{"unknown field", "lead1", g1, `{"order": [], "x": 1}`, 400, "malformed"},
		{"lead of another branch", "lead1", g2, map[string]any{"order": []string{id("m3")}}, 403, "forbidden"},
		{"hr may not", "hr", g1, map[string]any{"order": order}, 403, "role_forbidden"},
		{"member may not", "m1", g1, map[string]any{"order": order}, 403, "role_forbidden"},
		{"no login", "", g1, map[string]any{"order": order}, 401, ""},
		{"unknown group", "admin", "999", map[string]any{"order": order}, 404, "not_found"},
	} {
		wantStatus(t, c.what, ts.do("PUT", "/api/v1/groups/"+c.group+"/rotation", c.as, c.body), c.status, c.code)
	}
	// The error names the wrong ids.
	rec = ts.do("PUT", "/api/v1/groups/"+g1+"/rotation", "admin", map[string]any{"order": []string{id("m2"), id("m3")}})
	if body := rec.Body.String(); !strings.Contains(body, "missing: ") || !strings.Contains(body, id("m3")) {
		t.Errorf("422 body %s does not name the ids", body)
	}
	entries, _ := ts.s.Audit(store.AuditFilter{Entity: "rotation"})
	if len(entries) != 1 || entries[0].ActorID != id("lead1") {
		t.Errorf("audit %+v, want the one accepted PUT by lead1", entries)
	}
}

// TestRotationThroughSessions drives the rotation through the session
// routes: a session created without lead_id gets the next lead; when that
// lead's leave is approved, GET rotation proposes a substitute.
func TestRotationThroughSessions(t *testing.T) {
	ts := newTestServer(t)
	g1 := ts.g1
	id := func(u string) string { return ts.ids[u] }
	create := func(start string) map[string]any {
		t.Helper()
		rec := ts.do("POST", "/api/v1/sessions", "lead1", map[string]any{"group_id": g1, "title": "集中学习",
			"starts_at": start, "ends_at": strings.Replace(start, "T09:", "T11:", 1)})
		if rec.Code != 201 {
			t.Fatalf("create session: %d %s", rec.Code, rec.Body)
		}
		var sess map[string]any
		decodeJSON(t, rec, &sess)
		return sess
	}
	s1 := create("2023-08-28T09:00:00+08:00")
	if s1["lead_id"] != id("m1") || s1["lead_source"] != "rotation" {
		t.Errorf("first session lead %v (%v), want m1 from the rotation", s1["lead_id"], s1["lead_source"])
	}
	// The reading turn names m2 instead (a hand swap): the rotation goes on
	// after m2.
	wantStatus(t, "turn", ts.do("POST", "/api/v1/sessions/"+s1["id"].(string)+"/reading", "lead1",
		map[string]any{"lead_id": id("m2"), "material": "《党章》"}), 201, "")
	s2 := create("2023-09-04T09:00:00+08:00")
	if s2["lead_id"] != id("m1") {
		t.Errorf("after a turn led by m2: lead %v, want m1 (after m2, cyclically)", s2["lead_id"])
	}
	sid := s2["id"].(string)
	wantStatus(t, "leave request", ts.do("POST", "/api/v1/sessions/"+sid+"/leave", "m1", map[string]any{"reason": "出差"}), 201, "")
	wantStatus(t, "leave approved", ts.do("PUT", "/api/v1/sessions/"+sid+"/leave/"+id("m1"), "lead1", map[string]any{"approved": true}), 200, "")
	var rot struct {
		Next        []string `json:"next"`
		Substitutes []struct {
			SessionID          string `json:"session_id"`
			LeadID             string `json:"lead_id"`
			ProposedSubstitute string `json:"proposed_substitute"`
		} `json:"substitutes"`
	}
	decodeJSON(t, ts.do("GET", "/api/v1/groups/"+g1+"/rotation", "lead1", nil), &rot)
	if len(rot.Substitutes) != 1 || rot.Substitutes[0].SessionID != sid || rot.Substitutes[0].LeadID != id("m1") || rot.Substitutes[0].ProposedSubstitute != id("lead1") {
		t.Errorf("substitutes %+v, want lead1 for m1 at session %s", rot.Substitutes, sid)
	}
	if sub, err := ts.s.ProposeSubstitute(sid); err != nil || sub != id("lead1") {
		t.Errorf("ProposeSubstitute = %q, %v", sub, err)
	}
}
