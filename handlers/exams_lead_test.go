package handlers

import (
	"fmt"
	"testing"
)

// TestBranchLeadScoresOrganExam: a branch lead enters their own members'
// scores of an exam held for the whole organ, and no one else's.
func TestBranchLeadScoresOrganExam(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do("POST", "/api/v1/exams", "admin", map[string]any{"group_id": ts.root, "title": "全机关测试", "held_on": "2023-09-01", "max_score": 100})
	if rec.Code != 201 {
		t.Fatalf("create exam: %d %s", rec.Code, rec.Body)
	}
	var ex struct{ ID string }
	decodeJSON(t, rec, &ex)
	put := func(member string) int {
		body := fmt.Sprintf(`{"scores":[{"member_id":%q,"score":95}]}`, ts.ids[member])
		return ts.do("PUT", "/api/v1/exams/"+ex.ID+"/scores", "lead1", body).Code
	}
	rec = ts.do("PUT", "/api/v1/exams/"+ex.ID+"/scores", "admin", fmt.Sprintf(`{"scores":[{"member_id":%q,"score":70}]}`, ts.ids["m3"]))
	if rec.Code != 200 {
		t.Fatalf("admin scoring m3: %d %s", rec.Code, rec.Body)
	}
	if got := put("m1"); got != 200 {
		t.Errorf("lead1 scoring m1 (own branch): %d, want 200", got)
	}
	body := fmt.Sprintf(`{"scores":[{"member_id":%q,"score":96}]}`, ts.ids["m1"])
	var d struct {
		Scores []struct {
			MemberID string `json:"member_id"`
		}
	}
	decodeJSON(t, ts.do("PUT", "/api/v1/exams/"+ex.ID+"/scores", "lead1", body), &d)
	for _, sc := range d.Scores {
		if sc.MemberID == ts.ids["m3"] {
			t.Errorf("the answer to lead1 shows another branch's score: %+v", d)
		}
	}
	if len(d.Scores) != 1 {
		t.Errorf("answer has %d scores, want lead1's one member", len(d.Scores))
	}
	if got := put("m3"); got != 403 {
		t.Errorf("lead1 scoring m3 (other branch): %d, want 403", got)
	}
	if got := ts.do("PUT", "/api/v1/exams/"+ex.ID+"/scores", "m1", `{"scores":[]}`).Code; got != 403 {
		t.Errorf("member scoring: %d, want 403", got)
	}
}
