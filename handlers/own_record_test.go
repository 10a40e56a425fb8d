package handlers

import (
	"strings"
	"testing"
	"time"
)

// TestOwnRecord: a lead does not act on their own record — attendance,
// paper sheet, make-up, leave decision, exam score: 403 own_record; an
// admin (or another lead over the group) does it.
func TestOwnRecord(t *testing.T) {
	ts := newTestServer(t)
	sid := attSession(t, ts, ts.g1, attStart)
	lead := ts.ids["lead1"]
	if rec := ts.do("POST", "/api/v1/sessions/"+sid+"/leave", "lead1", map[string]string{"reason": "出差"}); rec.Code != 201 {
		t.Fatalf("lead asks for leave: %d %s", rec.Code, rec.Body)
	}
	exam := ts.createExam("lead1", ts.g1, "2023-08-20", 100)
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"decide own leave", "PUT", "/api/v1/sessions/" + sid + "/leave/" + lead, map[string]any{"approved": true}},
		{"mark self present", "PUT", "/api/v1/sessions/" + sid + "/attendance/" + lead, map[string]string{"status": "present"}},
		{"self on the paper sheet", "PUT", "/api/v1/sessions/" + sid + "/attendance", map[string]any{"entries": []map[string]string{{"member_id": ts.ids["m1"], "status": "present"}, {"member_id": lead, "status": "present"}}}},
		{"own exam score", "PUT", "/api/v1/exams/" + exam + "/scores", map[string]any{"scores": []map[string]any{{"member_id": lead, "score": 100}}}},
	}
	for _, c := range cases {
		t.Run("Err"+c.name, func(t *testing.T) {
			rec := ts.do(c.method, c.path, "lead1", c.body)
			if rec.Code != 403 || errCode(rec) != "own_record" {
				t.Errorf("got %d %s, want 403 own_record", rec.Code, rec.Body)
			}
			if rec := ts.do(c.method, c.path, "admin", c.body); rec.Code != 200 {
				t.Errorf("admin: %d %s, want 200", rec.Code, rec.Body)
			}
		})
	}
	t.Run("Errown make-up", func(t *testing.T) {
		ts.clock.Set(attStart.Add(2 * time.Hour))
		ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+lead, "admin", map[string]string{"status": "absent"})
		path := "/api/v1/sessions/" + sid + "/attendance/" + lead + "/makeup"
		body := map[string]string{"on": "2023-09-01", "note": "补学"}
		if rec := ts.do("POST", path, "lead1", body); rec.Code != 403 || errCode(rec) != "own_record" {
			t.Errorf("got %d %s, want 403 own_record", rec.Code, rec.Body)
		}
		if rec := ts.do("POST", path, "admin", body); rec.Code != 200 {
			t.Errorf("admin: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestExamScopeBeforeMetadata: a branch lead's PUT of scores for an exam
// not held over their branch is refused before the exam shows.
func TestExamScopeBeforeMetadata(t *testing.T) {
	ts := newTestServer(t)
	other := ts.createExam("admin", ts.g2, "2023-08-20", 100)
	rec := ts.do("PUT", "/api/v1/exams/"+other+"/scores", "lead1", map[string]any{"scores": []any{}})
	if rec.Code != 403 || strings.Contains(rec.Body.String(), "理论考试") {
		t.Errorf("got %d %s, want 403 without the exam", rec.Code, rec.Body)
	}
	rec = ts.do("PUT", "/api/v1/exams/"+other+"/scores", "lead1", map[string]any{"scores": []map[string]any{{"member_id": ts.ids["m3"], "score": 50}}})
	if rec.Code != 403 || strings.Contains(rec.Body.String(), ts.ids["m3"]) {
		t.Errorf("got %d %s, want 403 naming nobody", rec.Code, rec.Body)
	}
}
