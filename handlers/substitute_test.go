package handlers

import (
	"testing"
	"time"
)

// TestProposedSubstitute: when the rotation's lead of a session gets leave
// approved, GET /sessions/{id} proposes a substitute from the rotation.
func TestProposedSubstitute(t *testing.T) {
	ts := newTestServer(t)
	g1 := ts.g1
	start := testStart.Add(48 * time.Hour)
	rec := ts.do("POST", "/api/v1/sessions", "lead1", map[string]any{"group_id": g1, "title": "集中学习",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)})
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var sess struct {
		ID     string `json:"id"`
		LeadID string `json:"lead_id"`
	}
	decodeJSON(t, rec, &sess)
	var lead string
	for u, id := range ts.ids {
		if id == sess.LeadID {
			lead = u
		}
	}
	if lead == "" {
		t.Fatalf("no rotation lead assigned: %s", rec.Body)
	}
	var d struct {
		ProposedSubstitute *struct {
			MemberID string `json:"member_id"`
		} `json:"proposed_substitute"`
	}
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+sess.ID, "lead1", nil), &d)
	if d.ProposedSubstitute != nil {
		t.Fatalf("a substitute proposed while the lead is available: %+v", d.ProposedSubstitute)
	}
	if rec := ts.do("POST", "/api/v1/sessions/"+sess.ID+"/leave", lead, map[string]string{"reason": "出差"}); rec.Code != 201 {
		t.Fatalf("leave: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("PUT", "/api/v1/sessions/"+sess.ID+"/leave/"+sess.LeadID, "lead1", map[string]bool{"approved": true}); rec.Code != 200 {
		t.Fatalf("approve: %d %s", rec.Code, rec.Body)
	}
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+sess.ID, "lead1", nil), &d)
	if d.ProposedSubstitute == nil || d.ProposedSubstitute.MemberID == sess.LeadID {
		t.Errorf("after the lead's leave: substitute %+v, want another member", d.ProposedSubstitute)
	}
}
