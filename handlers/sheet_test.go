package handlers

import (
	"fmt"
	"testing"
	"time"
)

// TestRecordSheet: a lead enters a paper sign-in sheet after the fact; a
// bad entry rejects the whole sheet, naming it; another branch's lead and
// members are refused.
func TestRecordSheet(t *testing.T) {
	ts := newTestServer(t)
	g1 := ts.g1
	start := testStart.Add(-48 * time.Hour) // a session held two days ago
	rec := ts.do("POST", "/api/v1/sessions", "lead1", map[string]any{"group_id": g1, "title": "纸质签到补录",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339), "lead_id": ts.ids["lead1"]})
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var sess struct {
		ID string `json:"id"`
	}
	decodeJSON(t, rec, &sess)
	path := "/api/v1/sessions/" + sess.ID + "/attendance"
	bad := fmt.Sprintf(`{"entries":[{"member_id":%q,"status":"present"},{"member_id":%q,"status":"asleep"},{"member_id":%q,"status":"present"}]}`,
		ts.ids["m1"], ts.ids["m2"], ts.ids["m3"])
	rec = ts.do("PUT", path, "lead1", bad)
	if rec.Code != 422 {
		t.Fatalf("bad sheet: %d %s", rec.Code, rec.Body)
	}
	var e struct {
		Error struct{ Fields map[string]string }
	}
	decodeJSON(t, rec, &e)
	if e.Error.Fields["entries[1]"] == "" {
		t.Errorf("bad status not named: %v", e.Error.Fields)
	}
	if recs, _ := ts.s.Attendance(sess.ID); len(recs) != 0 {
		t.Errorf("a rejected sheet wrote %d records", len(recs))
	}
	good := fmt.Sprintf(`{"entries":[{"member_id":%q,"status":"present"},{"member_id":%q,"status":"leave","note":"出差","makeup_on":%q,"makeup_note":"自学补课"}]}`,
		ts.ids["m1"], ts.ids["m2"], testStart.Format("2006-01-02"))
	if rec := ts.do("PUT", path, "lead1", good); rec.Code != 200 {
		t.Fatalf("good sheet: %d %s", rec.Code, rec.Body)
	}
	recs, _ := ts.s.Attendance(sess.ID)
	if len(recs) != 2 || recs[1].MakeupOn == "" || recs[1].MakeupRecordedAt == nil || !recs[1].MakeupRecordedAt.Equal(ts.clock.Now()) {
		t.Errorf("records %+v, want 2 with the leave made up", recs)
	}
	if rec := ts.do("PUT", path, "m1", good); rec.Code != 403 {
		t.Errorf("member: %d, want 403", rec.Code)
	}
	if rec := ts.do("PUT", path, "lead1", `{"entries":[]}`); rec.Code != 422 {
		t.Errorf("empty sheet: %d, want 422", rec.Code)
	}
}
