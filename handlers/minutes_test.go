package handlers

import (
	"encoding/json"
	"testing"
	"time"
)

var mnDay = time.Date(2023, 8, 28, 9, 0, 0, 0, testStart.Location())

func TestMinutesAPI(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.g1, ts.g2
	id := func(u string) string { return ts.ids[u] }
	lead2 := mnLogin(t, ts, "lead2", "赵书记", g2, "lead")
	sess := mnSession(t, ts, g1, mnDay, id("m1"))
	ahead := mnSession(t, ts, g1, mnDay.AddDate(0, 0, 14), id("m1"))
	base := "/api/v1/sessions/" + sess

	var turn map[string]any
	rec := ts.do("POST", base+"/reading", "lead1", map[string]any{"lead_id": id("m2"), "material": "《党章》", "notes": "总纲"})
	wantStatus(t, "first turn", rec, 201, "")
	rec = ts.do("POST", base+"/reading", "admin", map[string]any{"lead_id": id("m1"), "material": "《党章》第一章"})
	decodeJSON(t, rec, &turn)
	if rec.Code != 200 || turn["lead_id"] != id("m1") || turn["session_id"] != sess {
		t.Errorf("second turn: %d %v", rec.Code, turn)
	}
	wantStatus(t, "share", ts.do("POST", base+"/shares", "lead1", map[string]any{"member_id": id("m2"), "summary": "结合工作谈体会"}), 201, "")
	rec = ts.do("POST", base+"/questions", "lead1", map[string]any{"asker_id": id("m1"), "answerer_id": id("m2"), "question": "如何理解“两个确立”？", "rating": 5})
	var q map[string]any
	decodeJSON(t, rec, &q)
	if rec.Code != 201 || q["rating"] != float64(5) || q["id"] == "" {
		t.Errorf("question: %d %v", rec.Code, q)
	}
	for _, c := range []struct {
		what, as, path string
		body           any
		status         int
		code           string
	}{
		{"member", "m1", base + "/reading", map[string]any{"lead_id": id("m1"), "material": "x"}, 403, "role_forbidden"},
		{"hr", "hr", base + "/shares", map[string]any{"member_id": id("m1"), "summary": "x"}, 403, "role_forbidden"},
		{"no login", "", base + "/questions", map[string]any{}, 401, ""},
		{"lead of another branch", lead2, base + "/shares", map[string]any{"member_id": id("m1"), "summary": "x"}, 403, "forbidden"},
		{"unknown session", "lead1", "/api/v1/sessions/999/shares", map[string]any{"member_id": id("m1"), "summary": "x"}, 404, "not_found"},
		{"session ahead", "lead1", "/api/v1/sessions/" + ahead + "/reading", map[string]any{"lead_id": id("m1"), "material": "x"}, 409, "session_not_started"},
		{"outside the audience", "lead1", base + "/shares", map[string]any{"member_id": id("m3"), "summary": "x"}, 422, "member_id"},
		{"reading lead outside", "lead1", base + "/reading", map[string]any{"lead_id": id("m3"), "material": "x"}, 422, "lead_id"},
		{"no material", "lead1", base + "/reading", map[string]any{"lead_id": id("m1")}, 422, "material"},
		{"rating 0", "lead1", base + "/questions", map[string]any{"asker_id": id("m1"), "answerer_id": id("m2"), "question": "x", "rating": 0}, 422, "rating"},
		{"rating 4.5", "lead1", base + "/questions", `{"asker_id":"1","answerer_id":"2","question":"x","rating":4.5}`, 400, "malformed"},
		{"self question", "lead1", base + "/questions", map[string]any{"asker_id": id("m1"), "answerer_id": id("m1"), "question": "x", "rating": 3}, 422, "answerer_id"},
		{"malformed", "lead1", base + "/shares", `{"member_id":`, 400, "malformed"},
		{"unknown field", "lead1", base + "/shares", `{"member":"1","summary":"x"}`, 400, "malformed"},
		{"empty body", "lead1", base + "/shares", "", 400, "malformed"},
	} {
		wantStatus(t, c.what, ts.do("POST", c.path, c.as, c.body), c.status, c.code)
	}
	mins, err := ts.s.Minutes(sess)
	if err != nil {
		t.Fatal(err)
	}
	if mins.Reading == nil || mins.Reading.LeadID != id("m1") || len(mins.Shares) != 1 || len(mins.Questions) != 1 {
		t.Errorf("minutes after the refused writes: %+v", mins)
	}
}

// FuzzQuestionBody posts arbitrary bodies to POST /sessions/:id/questions:
// every answer is 201 or a JSON error with 400, 409 or 422, never a 500.
func FuzzQuestionBody(f *testing.F) {
	ts := newTestServer(f)
	g1 := ts.g1
	sess := mnSession(f, ts, g1, mnDay, "")
	m1, m2 := ts.ids["m1"], ts.ids["m2"]
	f.Add(`{"asker_id":"` + m1 + `","answerer_id":"` + m2 + `","question":"为什么？","rating":4}`)
	f.Add(`{"asker_id":"` + m1 + `","answerer_id":"` + m1 + `","question":"","rating":9}`)
	f.Add(`{"asker_id":1,"answerer_id":null,"rating":"5"}`)
	f.Add(`[]`)
	f.Add(`{"question":"\u0000","rating":1e400}`)
	ts.token("lead1")
	f.Fuzz(func(t *testing.T, body string) {
		ts := *ts // report to this input's t, not to f
		ts.t = t
		rec := ts.do("POST", "/api/v1/sessions/"+sess+"/questions", "lead1", body)
		switch rec.Code {
		case 201:
			var q map[string]any
			if json.Unmarshal(rec.Body.Bytes(), &q) != nil || q["rating"] == nil {
				t.Fatalf("201 with body %s", rec.Body)
			}
		case 400, 409, 422:
			if errCode(rec) == "" {
				t.Fatalf("%d without an error code: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
	})
}
