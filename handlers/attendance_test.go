package handlers

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"studyroll/store"
)

// currentCode reads the session's code as the lead would.
func currentCode(tb testing.TB, ts *testServer, id string) string {
	tb.Helper()
	c, err := ts.s.SessionCode(id)
	if err != nil {
		tb.Fatal(err)
	}
	return c.Code
}

type checkinOut struct {
	MemberID    string     `json:"member_id"`
	Status      string     `json:"status"`
	CheckedInAt *time.Time `json:"checked_in_at"`
}

func TestCheckinRoute(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	sid := attSession(t, ts, g1, attStart)
	other := attSession(t, ts, g2, attStart)
	leftOn := "2023-08-01"
	attAccount(t, ts, "gone", g1, store.RoleMember)
	ts.tokens["gone"] = ts.token("gone") // logged in before leaving
	// Leaving ends the account's logins; a left member cannot even reach
	// the check-in (401).
	if _, err := ts.s.UpdateMember(store.WithActor(t.Context(), "system"), ts.ids["gone"], store.MemberPatch{LeftOn: &leftOn}); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/sessions/" + sid + "/checkin"
	type step struct {
		name   string
		at     time.Duration // from attStart
		as     string
		path   string
		body   any
		status int
		code   string
		want   string // status of the record
	}
	good := func() any { return map[string]string{"code": currentCode(t, ts, sid)} }
	steps := []step{
		{"too early", -31 * time.Minute, "m1", path, nil, 409, "checkin_not_open", ""},
		{"other branch", 0, "m3", path, nil, 403, "not_in_audience", ""},
		{"left member", 0, "gone", path, nil, 401, "", ""},
		{"wrong code", 0, "m1", path, map[string]string{"code": "000000"}, 422, "bad_code", ""},
		{"letters", 0, "m1", path, map[string]string{"code": "abcdef"}, 422, "bad_code", ""},
		{"no code", 0, "m1", path, map[string]string{}, 422, "bad_code", ""},
		{"someone else's id in the body", 0, "m1", path, map[string]string{"code": "123456", "member_id": "4"}, 400, "malformed", ""},
		{"malformed", 0, "m1", path, `{"code":`, 400, "malformed", ""},
		{"unknown session", 0, "m1", "/api/v1/sessions/999/checkin", nil, 404, "not_found", ""},
		{"opens exactly 30 min before", -30 * time.Minute, "m1", path, nil, 201, "", "present"},
		{"repeat with a stale code", 20 * time.Minute, "m1", path, map[string]string{"code": "000000"}, 200, "", "present"},
		{"exactly 5 min after: present", 5 * time.Minute, "m2", path, nil, 201, "", "present"},
		{"5 min 1 s after: late", 5*time.Minute + time.Second, "lead1", path, nil, 201, "", "late"},
		{"no login", 0, "", path, nil, 401, "", ""},
		{"closed at ends_at", 90 * time.Minute, "m3", "/api/v1/sessions/" + other + "/checkin", nil, 409, "checkin_closed", ""},
	}
	for _, c := range steps {
		t.Run(c.name, func(t *testing.T) {
			ts.clock.Set(attStart.Add(c.at))
			body := c.body
			if body == nil {
				body = good()
				if strings.Contains(c.path, other) {
					body = map[string]string{"code": currentCode(t, ts, other)}
				}
			}
			if c.as != "" {
				ts.token(c.as) // a first login is audited
			}
			before := auditCount(t, ts)
			rec := ts.do("POST", c.path, c.as, body)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			if c.want == "" {
				if auditCount(t, ts) != before {
					t.Error("refused check-in wrote an audit entry")
				}
				return
			}
			var out checkinOut
			decodeJSON(t, rec, &out)
			if out.Status != c.want || out.MemberID != ts.ids[c.as] || out.CheckedInAt == nil {
				t.Errorf("answer %+v", out)
			}
			if c.status == 200 && !out.CheckedInAt.Equal(attStart.Add(-30*time.Minute)) {
				t.Errorf("repeat changed checked_in_at: %v", out.CheckedInAt)
			}
		})
	}
	recs, _ := ts.s.Attendance(sid)
	if len(recs) != 3 {
		t.Errorf("%d records, want 3", len(recs))
	}
}

func TestSetAttendanceRoute(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	attAccount(t, ts, "lead2", g2, store.RoleLead)
	sid := attSession(t, ts, g1, attStart)
	p := func(member string) string { return "/api/v1/sessions/" + sid + "/attendance/" + ts.ids[member] }
	cases := []struct {
		name, as, path string
		body           any
		status         int
		code           string
	}{
		{"lead sets absent before the session", "lead1", p("m1"), map[string]string{"status": "absent", "note": "未请假"}, 200, ""},
		{"admin sets present", "admin", p("m2"), map[string]string{"status": "present"}, 200, ""},
		{"member sets someone else", "m1", p("m2"), map[string]string{"status": "present"}, 403, "role_forbidden"},
		{"member sets themselves", "m1", p("m1"), map[string]string{"status": "present"}, 403, "role_forbidden"},
		{"hr", "hr", p("m1"), map[string]string{"status": "present"}, 403, "role_forbidden"},
		{"lead of 第二支部 in 第一支部", "lead2", p("m1"), map[string]string{"status": "present"}, 403, "forbidden"},
		{"member outside the audience", "lead1", p("m3"), map[string]string{"status": "present"}, 422, "not_in_audience"},
		{"bad status", "lead1", p("m1"), map[string]string{"status": "here"}, 422, "invalid"},
		{"unknown member", "lead1", "/api/v1/sessions/" + sid + "/attendance/999", map[string]string{"status": "present"}, 404, "not_found"},
		{"unknown session", "lead1", "/api/v1/sessions/999/attendance/" + ts.ids["m1"], map[string]string{"status": "present"}, 404, "not_found"},
		{"no login", "", p("m1"), map[string]string{"status": "present"}, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.as != "" {
				ts.token(c.as) // a first login is audited
			}
			before := auditCount(t, ts)
			rec := ts.do("PUT", c.path, c.as, c.body)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			if c.status != 200 && auditCount(t, ts) != before {
				t.Error("refused request wrote an audit entry")
			}
		})
	}
	es, _ := ts.s.Audit(store.AuditFilter{Entity: "attendance", EntityID: sid + "/" + ts.ids["m1"]})
	if len(es) != 1 || es[0].ActorID != ts.ids["lead1"] || !strings.Contains(string(es[0].After), "未请假") {
		t.Errorf("audit %+v", es)
	}
}

func TestLeaveAndMakeupRoutes(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	attAccount(t, ts, "lead2", g2, store.RoleLead)
	sid := attSession(t, ts, g1, attStart)
	leave := "/api/v1/sessions/" + sid + "/leave"
	decide := func(member string) string { return leave + "/" + ts.ids[member] }
	makeup := func(member string) string {
		return "/api/v1/sessions/" + sid + "/attendance/" + ts.ids[member] + "/makeup"
	}
	yes := map[string]bool{"approved": true}
	cases := []struct {
		name       string
		at         time.Duration
		method, as string
		path       string
		body       any
		status     int
		code       string
	}{
		{"ask", -time.Hour, "POST", "m1", leave, map[string]string{"reason": "出差"}, 201, ""},
		{"ask twice", -time.Hour, "POST", "m1", leave, map[string]string{"reason": "出差"}, 409, "leave_exists"},
		{"no reason", -time.Hour, "POST", "m2", leave, map[string]string{"reason": ""}, 422, "invalid"},
		{"for someone else", -time.Hour, "POST", "m2", leave, map[string]string{"reason": "x", "member_id": "3"}, 400, "malformed"},
		{"other branch", -time.Hour, "POST", "m3", leave, map[string]string{"reason": "x"}, 403, "not_in_audience"},
		{"too late", 0, "POST", "m2", leave, map[string]string{"reason": "病假"}, 409, "too_late"},
		{"member decides", 0, "PUT", "m2", decide("m1"), yes, 403, "role_forbidden"},
		{"lead of 第二支部 decides", 0, "PUT", "lead2", decide("m1"), yes, 403, "forbidden"},
		{"no decision", 0, "PUT", "lead1", decide("m1"), map[string]any{}, 422, "invalid"},
		{"no request", 0, "PUT", "lead1", decide("m2"), yes, 404, "not_found"},
		{"lead approves", 0, "PUT", "lead1", decide("m1"), yes, 200, ""},
		{"make-up before the session's date", time.Hour, "POST", "lead1", makeup("m1"), map[string]string{"on": "2023-08-31"}, 422, "invalid"},
		{"make-up dated after today", time.Hour, "POST", "lead1", makeup("m1"), map[string]string{"on": "2023-09-02"}, 422, "invalid"},
		{"make-up on a missing record", 14*time.Hour + 30*time.Minute, "POST", "lead1", makeup("m2"), map[string]string{"on": "2023-09-02"}, 409, "not_leave_or_absent"},
		{"member records make-up", time.Hour, "POST", "m1", makeup("m1"), map[string]string{"on": "2023-09-02"}, 403, "role_forbidden"},
		{"lead of 第二支部 records make-up", time.Hour, "POST", "lead2", makeup("m1"), map[string]string{"on": "2023-09-02"}, 403, "forbidden"},
		{"make-up", 14*time.Hour + 30*time.Minute, "POST", "lead1", makeup("m1"), map[string]string{"on": "2023-09-02", "note": "补学"}, 200, ""},
		{"reject the leave that has a make-up", 14*time.Hour + 30*time.Minute, "PUT", "lead1", decide("m1"), map[string]bool{"approved": false}, 409, "has_makeup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts.clock.Set(attStart.Add(c.at))
			if c.at > 2*time.Hour {
				delete(ts.tokens, c.as) // the next day: log in again
			}
			if c.as != "" {
				ts.token(c.as) // a first login is audited
			}
			before := auditCount(t, ts)
			rec := ts.do(c.method, c.path, c.as, c.body)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			if c.name == "make-up dated after today" && !strings.Contains(rec.Body.String(), `"fields":{"on":`) {
				t.Errorf("no fields.on in %s", rec.Body)
			}
			if c.status >= 400 && auditCount(t, ts) != before {
				t.Error("refused request wrote an audit entry")
			}
		})
	}
	var d struct {
		Attendance []struct {
			MemberID string `json:"member_id"`
			Status   string
			Source   string
			MakeupOn string `json:"makeup_on"`
		}
		LeaveRequests []struct {
			MemberID string `json:"member_id"`
			Status   string
			Name     string
		} `json:"leave_requests"`
		Counts map[string]int
	}
	delete(ts.tokens, "m1")
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+sid, "m1", nil), &d)
	if len(d.Attendance) != 1 || d.Attendance[0].Status != "leave" || d.Attendance[0].Source != "leave" || d.Attendance[0].MakeupOn != "2023-09-02" {
		t.Errorf("m1's record %+v", d.Attendance)
	}
	if len(d.LeaveRequests) != 1 || d.LeaveRequests[0].Status != "approved" || d.LeaveRequests[0].Name != "张三" || d.Counts["leave"] != 1 {
		t.Errorf("m1's view %+v", d)
	}
}

// FuzzCheckinBody: no body makes the check-in route fail with anything but
// a JSON error of 400, 409 or 422 — or, once its one member has sent 5
// wrong codes, 429 too_many_codes — or succeed.
func FuzzCheckinBody(f *testing.F) {
	f.Add(`{"code":"123456"}`)
	f.Add(`{"code":123456}`)
	f.Add(`{"code":"123456","member_id":"1"}`)
	f.Add(`[]`)
	f.Add(`{"code":"١٢٣٤٥٦"}`)
	f.Add(`{"code":"123456"} {}`)
	f.Add("")
	ts := newTestServer(f)
	g1 := ts.g1
	sid := attSession(f, ts, g1, attStart)
	ts.clock.Set(attStart)
	tok := ts.token("m1")
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/v1/sessions/"+sid+"/checkin", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 201:
		case 400, 409, 422:
			if errCode(rec) == "" {
				t.Fatalf("%d without a JSON error: %s", rec.Code, rec.Body)
			}
		case 429:
			if errCode(rec) != "too_many_codes" {
				t.Fatalf("429 %s", rec.Body)
			}
		default:
			t.Fatalf("body %q: %d %s", body, rec.Code, rec.Body)
		}
	})
}
