package handlers

import (
	"context"
	"strings"
	"testing"

	"studyroll/store"
)

// TestInspectorRole: the inspector (督查组成员) comes in through the roster,
// reads the whole organisation like hr, and may not write study records.
func TestInspectorRole(t *testing.T) {
	ts := newTestServer(t)
	ts.addInspector()
	rec := ts.postCSV("name,username,group,role,joined_on,password\n孙督查,sdc,机关党委,inspector,2023-03-01,secret123\n")
	if rec.Code != 200 {
		t.Fatalf("roster import of an inspector: %d %s", rec.Code, rec.Body)
	}
	if m, err := ts.s.MemberByUsername("sdc"); err != nil || m.Role != "inspector" {
		t.Fatalf("imported %+v %v", m, err)
	}
	var out struct{ Items []map[string]any }
	decodeJSON(t, ts.do("GET", "/api/v1/members", "insp", nil), &out)
	all, _ := ts.s.Members()
	if len(out.Items) != len(all) {
		t.Errorf("inspector sees %d members, want all %d", len(out.Items), len(all))
	}
	if rec := ts.do("GET", "/api/v1/members/"+ts.ids["m3"], "insp", nil); rec.Code != 200 {
		t.Errorf("inspector reading a member of another branch: %d", rec.Code)
	}
	if rec := ts.do("GET", "/api/v1/rates?period=2023Q3&group_id="+ts.g2, "insp", nil); rec.Code != 200 {
		t.Errorf("inspector reading a branch's rates: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/sessions", "insp", map[string]any{"group_id": ts.g1, "title": "x"}); rec.Code != 403 || errCode(rec) != "role_forbidden" {
		t.Errorf("inspector creating a session: %d %s, want 403 role_forbidden", rec.Code, rec.Body)
	}
	rec = ts.do("POST", "/api/v1/members", "admin", map[string]any{"name": "钱督查", "username": "qdc", "password": "secret123", "role": "inspector", "joined_on": "2023-01-01"})
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"role":"inspector"`) {
		t.Errorf("creating an inspector without a group: %d %s", rec.Code, rec.Body)
	}
}

// addInspector puts an inspector account "insp" (督查员, no group: an
// inspector leads nothing and is counted in no group's rates) into the
// fixture.
func (ts *testServer) addInspector() {
	ts.t.Helper()
	ctx := store.WithActor(context.Background(), "system")
	m, err := ts.s.CreateMember(ctx, store.MemberInput{Name: "督查员", Username: "insp", Password: testPassword, Role: store.RoleInspector, JoinedOn: "2023-01-01"})
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.ids["insp"] = m.ID
}
