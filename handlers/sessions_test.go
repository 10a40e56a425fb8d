package handlers

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"studyroll/store"
)

// attAccount adds an account that can log in with testPassword.
func attAccount(tb testing.TB, ts *testServer, user, group string, role store.Role) {
	tb.Helper()
	m, err := ts.s.CreateMember(store.WithActor(context.Background(), "system"), store.MemberInput{Name: user, Username: user, Password: testPassword, GroupID: group, Role: role, JoinedOn: "2023-01-01"})
	if err != nil {
		tb.Fatal(err)
	}
	ts.ids[user] = m.ID
}

// attStart is when the sessions of these tests start: 2023-09-01 10:00
// Shanghai, an hour after the fixture's clock.
var attStart = time.Date(2023, 9, 1, 10, 0, 0, 0, store.DefaultLocation())

// attSession creates a 90-minute session for group as admin.
func attSession(tb testing.TB, ts *testServer, group string, start time.Time) string {
	tb.Helper()
	rec := ts.do("POST", "/api/v1/sessions", "admin", map[string]any{"group_id": group, "title": "集中学习",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(90 * time.Minute).Format(time.RFC3339)})
	if rec.Code != http.StatusCreated {
		tb.Fatalf("create session: %d %s", rec.Code, rec.Body)
	}
	var s struct{ ID string }
	decodeJSON(tb, rec, &s)
	return s.ID
}

// auditCount is the number of audit entries (to prove nothing was written).
func auditCount(tb testing.TB, ts *testServer) int {
	tb.Helper()
	es, err := ts.s.Audit(store.AuditFilter{Limit: 1 << 30})
	if err != nil {
		tb.Fatal(err)
	}
	return len(es)
}

func TestCreateSessionRoute(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	body := func(group string, mod func(map[string]any)) map[string]any {
		b := map[string]any{"group_id": group, "title": "学习会", "starts_at": "2023-09-01T10:00:00+08:00", "ends_at": "2023-09-01T11:30:00+08:00", "place": "三楼"}
		if mod != nil {
			mod(b)
		}
		return b
	}
	cases := []struct {
		name   string
		as     string
		body   any
		status int
		code   string
		field  string
	}{
		{"lead of the group", "lead1", body(g1, nil), 201, "", ""},
		{"admin, organ-wide", "admin", body(ts.root, nil), 201, "", ""},
		{"lead of another branch", "lead1", body(g2, nil), 403, "forbidden", ""},
		{"lead, organ-wide", "lead1", body(ts.root, nil), 403, "forbidden", ""},
		{"member", "m1", body(g1, nil), 403, "role_forbidden", ""},
		{"hr", "hr", body(g1, nil), 403, "role_forbidden", ""},
		{"no login", "", body(g1, nil), 401, "unauthorized", ""},
		{"ends before start", "lead1", body(g1, func(b map[string]any) { b["ends_at"] = "2023-09-01T09:00:00+08:00" }), 422, "invalid", "ends_at"},
		{"bad instant", "lead1", body(g1, func(b map[string]any) { b["starts_at"] = "tomorrow" }), 422, "invalid", "starts_at"},
		{"unknown group", "lead1", body("999", nil), 422, "invalid", "group_id"},
		{"unknown item", "lead1", body(g1, func(b map[string]any) { b["item_ids"] = []string{"999"} }), 422, "invalid", "item_ids"},
		{"lead from another branch", "lead1", body(g1, func(b map[string]any) { b["lead_id"] = ts.ids["m3"] }), 422, "invalid", "lead_id"},
		{"a secret in the body", "lead1", body(g1, func(b map[string]any) { b["secret"] = "x" }), 400, "malformed", "secret"},
		{"malformed", "lead1", `{"group_id":`, 400, "malformed", ""},
		{"title a number", "lead1", `{"group_id":"1","title":5}`, 400, "malformed", "title"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.as != "" {
				ts.token(c.as) // a first login is audited
			}
			before := auditCount(t, ts)
			rec := ts.do("POST", "/api/v1/sessions", c.as, c.body)
			if rec.Code != c.status {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, c.status)
			}
			if c.status != 201 {
				if errCode(rec) != c.code {
					t.Errorf("code %s, want %s", errCode(rec), c.code)
				}
				if c.field != "" && !strings.Contains(rec.Body.String(), `"`+c.field+`"`) {
					t.Errorf("error does not name %s: %s", c.field, rec.Body)
				}
				if auditCount(t, ts) != before {
					t.Error("refused request wrote an audit entry")
				}
				return
			}
			var s map[string]any
			decodeJSON(t, rec, &s)
			if s["id"] == "" || s["title"] != "学习会" || s["place"] != "三楼" {
				t.Errorf("session %v", s)
			}
			if strings.Contains(strings.ToLower(rec.Body.String()), "secret") {
				t.Errorf("answer mentions a secret: %s", rec.Body)
			}
		})
	}
}

func TestListAndGetSessions(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	s1 := attSession(t, ts, g1, attStart.Add(24*time.Hour))
	s2 := attSession(t, ts, g2, attStart)
	sRoot := attSession(t, ts, ts.root, attStart.Add(48*time.Hour))
	cancelled := attSession(t, ts, g1, attStart.Add(-24*time.Hour))
	if rec := ts.do("POST", "/api/v1/sessions/"+cancelled+"/cancel", "lead1", nil); rec.Code != 200 {
		t.Fatalf("cancel: %d %s", rec.Code, rec.Body)
	}
	ids := func(rec *httptest.ResponseRecorder) string {
		var out struct{ Items []struct{ ID string } }
		decodeJSON(t, rec, &out)
		var s []string
		for _, it := range out.Items {
			s = append(s, it.ID)
		}
		return strings.Join(s, ",")
	}
	j := func(xs ...string) string { return strings.Join(xs, ",") }
	cases := []struct {
		name, as, query string
		status          int
		want            string
	}{
		{"member: own branch and organ-wide, by start", "m1", "", 200, j(cancelled, s1, sRoot)},
		{"member of the other branch", "m3", "", 200, j(s2, sRoot)},
		{"lead", "lead1", "", 200, j(cancelled, s1, sRoot)},
		{"hr sees all", "hr", "", 200, j(cancelled, s2, s1, sRoot)},
		{"admin by group: covering and inside", "admin", "?group_id=" + g2, 200, j(s2, sRoot)},
		{"from/to dates", "hr", "?from=2023-09-01&to=2023-09-02", 200, j(s2, s1)},
		{"to is a whole day", "hr", "?to=2023-09-01", 200, j(cancelled, s2)},
		{"from instant", "hr", "?from=2023-09-02T10:00:00%2B08:00", 200, j(s1, sRoot)},
		{"bad from", "hr", "?from=yesterday", 422, ""},
		{"to before from", "hr", "?from=2023-09-03&to=2023-09-01", 422, ""},
		{"unknown group", "hr", "?group_id=999", 404, ""},
		{"no login", "", "", 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := ts.do("GET", "/api/v1/sessions"+c.query, c.as, nil)
			if rec.Code != c.status {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if c.status == 200 && ids(rec) != c.want {
				t.Errorf("got %s, want %s", ids(rec), c.want)
			}
		})
	}

	// GET /sessions/:id by role.
	ts.clock.Set(attStart.Add(24*time.Hour - 10*time.Minute))
	ts.tokens = map[string]string{} // the fixture's logins have expired
	code, _ := ts.s.SessionCode(s1)
	if rec := ts.do("POST", "/api/v1/sessions/"+s1+"/checkin", "m1", map[string]string{"code": code.Code}); rec.Code != 201 {
		t.Fatalf("checkin %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("PUT", "/api/v1/sessions/"+s1+"/attendance/"+ts.ids["m2"], "lead1", map[string]string{"status": "absent"}); rec.Code != 200 {
		t.Fatalf("set %d %s", rec.Code, rec.Body)
	}
	type detail struct {
		ID         string
		Attendance []struct {
			MemberID string `json:"member_id"`
			Name     string
			Status   string
		}
		Audience []struct {
			MemberID string `json:"member_id"`
		}
		LeaveRequests []any `json:"leave_requests"`
		Counts        map[string]int
	}
	gets := []struct {
		name, as, id       string
		status             int
		records, audience  int
		expected, absentee int
	}{
		{"lead sees all", "lead1", s1, 200, 2, 3, 3, 1},
		{"hr sees all", "hr", s1, 200, 2, 3, 3, 1},
		{"member sees own record only", "m1", s1, 200, 1, 1, 3, 1},
		{"member of the other branch", "m3", s1, 403, 0, 0, 0, 0},
		{"unknown", "m1", "999", 404, 0, 0, 0, 0},
		{"bad id", "m1", "abc", 404, 0, 0, 0, 0},
	}
	for _, c := range gets {
		t.Run("get: "+c.name, func(t *testing.T) {
			rec := ts.do("GET", "/api/v1/sessions/"+c.id, c.as, nil)
			if rec.Code != c.status {
				t.Fatalf("got %d %s", rec.Code, rec.Body)
			}
			if c.status != 200 {
				return
			}
			var d detail
			decodeJSON(t, rec, &d)
			if len(d.Attendance) != c.records || len(d.Audience) != c.audience || d.Counts["expected"] != c.expected || d.Counts["absent"] != c.absentee || d.LeaveRequests == nil {
				t.Errorf("detail %+v", d)
			}
			if c.as == "m1" && (d.Attendance[0].MemberID != ts.ids["m1"] || d.Attendance[0].Name != "张三" || d.Attendance[0].Status != "present") {
				t.Errorf("member's record %+v", d.Attendance)
			}
		})
	}
}

func TestCancelSessionRoute(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	s1 := attSession(t, ts, g1, attStart)
	s2 := attSession(t, ts, g2, attStart)
	cases := []struct {
		name, as, id string
		status       int
		code         string
	}{
		{"member", "m1", s1, 403, "role_forbidden"},
		{"lead of another branch", "lead1", s2, 403, "forbidden"},
		{"unknown", "lead1", "999", 404, "not_found"},
		{"lead", "lead1", s1, 200, ""},
		{"twice", "lead1", s1, 409, "already_cancelled"},
		{"admin", "admin", s2, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := ts.do("POST", "/api/v1/sessions/"+c.id+"/cancel", c.as, nil)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
		})
	}
	var s struct{ Cancelled bool }
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+s1, "m1", nil), &s)
	if !s.Cancelled {
		t.Error("not cancelled")
	}
}

func TestSessionCodeAndQR(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	s1 := attSession(t, ts, g1, attStart)
	s2 := attSession(t, ts, g2, attStart)
	var out struct {
		Code      string
		ExpiresAt time.Time `json:"expires_at"`
		URL       string
	}
	rec := ts.do("GET", "/api/v1/sessions/"+s1+"/code", "lead1", nil)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	decodeJSON(t, rec, &out)
	now := ts.clock.Now()
	if len(out.Code) != 6 || out.URL != "http://example.com/checkin/"+s1+"?code="+out.Code {
		t.Errorf("answer %+v", out)
	}
	if d := out.ExpiresAt.Sub(now); d <= 30*time.Second || d > 60*time.Second {
		t.Errorf("expires in %v, want between 30 s and 60 s", d)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("code answer may be cached")
	}
	// The code works for check-in.
	ts.clock.Set(attStart.Add(-time.Minute))
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+s1+"/code", "admin", nil), &out)
	if rec := ts.do("POST", "/api/v1/sessions/"+s1+"/checkin", "m1", map[string]string{"code": out.Code}); rec.Code != 201 {
		t.Errorf("check-in with the shown code: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct {
		name, as, id string
		status       int
	}{
		{"member", "m1", s1, 403},
		{"hr", "hr", s1, 403},
		{"lead of another branch", "lead1", s2, 403},
		{"unknown", "lead1", "999", 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range []string{"/code", "/qr.png"} {
				if rec := ts.do("GET", "/api/v1/sessions/"+c.id+p, c.as, nil); rec.Code != c.status {
					t.Errorf("%s: %d %s, want %d", p, rec.Code, rec.Body, c.status)
				}
			}
		})
	}
	rec = ts.do("GET", "/api/v1/sessions/"+s1+"/qr.png", "lead1", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", rec.Code, rec.Header())
	}
	img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil || img.Bounds().Dx() < 200 {
		t.Errorf("qr png: %v", err)
	}
	// With BaseURL configured, the link uses it.
	e := checkedNew(t, Config{Store: ts.s, BaseURL: "https://study.example.gov.cn/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	req := httptest.NewRequest("GET", "/api/v1/sessions/"+s1+"/code", nil)
	req.Header.Set("Authorization", "Bearer "+ts.token("lead1"))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	decodeJSON(t, w, &out)
	if !strings.HasPrefix(out.URL, "https://study.example.gov.cn/checkin/"+s1+"?code=") {
		t.Errorf("url with BaseURL: %s", out.URL)
	}
	// A cancelled session has no code.
	ts.do("POST", "/api/v1/sessions/"+s1+"/cancel", "lead1", nil)
	if rec := ts.do("GET", "/api/v1/sessions/"+s1+"/code", "lead1", nil); rec.Code != 409 || errCode(rec) != "session_cancelled" {
		t.Errorf("code of a cancelled session: %d %s", rec.Code, rec.Body)
	}
}
