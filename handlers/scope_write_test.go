package handlers

import (
	"context"
	"testing"
	"time"

	"studyroll/store"
)

// TestScopeWriteRoutes sends every write that a lead may make on a group's
// records as lead2, the lead of the other branch: each is 403 and the
// audit log (every write's own entry, in its transaction) does not grow.
// The scope is the store's (store/scope.go), checked in the transaction of
// the write; the handlers no longer check it beforehand.
func TestScopeWriteRoutes(t *testing.T) {
	ts := newTestServer(t)
	ctx := store.WithActor(context.Background(), "system")
	l2, err := ts.s.CreateMember(ctx, store.MemberInput{Name: "周书记", Username: "lead2", Password: testPassword, GroupID: ts.g2, Role: store.RoleLead, JoinedOn: "2023-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	ts.ids["lead2"] = l2.ID
	past := attSession(t, ts, ts.g1, attStart)
	future := attSession(t, ts, ts.g1, attStart.Add(48*time.Hour))
	if rec := ts.do("POST", "/api/v1/sessions/"+future+"/leave", "m1", map[string]string{"reason": "出差"}); rec.Code != 201 {
		t.Fatalf("leave: %d %s", rec.Code, rec.Body)
	}
	ts.clock.Set(attStart.Add(2 * time.Hour))
	if rec := ts.do("PUT", "/api/v1/sessions/"+past+"/attendance/"+ts.ids["m2"], "admin", map[string]string{"status": "absent"}); rec.Code != 200 {
		t.Fatalf("absent: %d %s", rec.Code, rec.Body)
	}
	rec := ts.do("POST", "/api/v1/exams", "admin", map[string]any{"group_id": ts.g1, "title": "测试", "held_on": "2023-08-30", "max_score": 100})
	var exam struct{ ID string }
	decodeJSON(t, rec, &exam)
	rec = ts.do("POST", "/api/v1/learning-reports", "m1", map[string]any{"period": "2023Q3", "text": "学习体会：联系实际，查找差距。"})
	var report struct{ ID string }
	decodeJSON(t, rec, &report)
	if exam.ID == "" || report.ID == "" {
		t.Fatalf("fixture: exam %q report %q", exam.ID, report.ID)
	}
	start := attStart.Add(72 * time.Hour)
	cases := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/plans", map[string]any{"group_id": ts.g1, "period": "2023Q4", "title": "计划", "items": []map[string]string{{"title": "学习"}}}},
		{"POST", "/api/v1/sessions", map[string]any{"group_id": ts.g1, "title": "学习", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}},
		{"POST", "/api/v1/sessions/" + future + "/cancel", nil},
		{"PUT", "/api/v1/sessions/" + past + "/attendance/" + ts.ids["m1"], map[string]string{"status": "present"}},
		{"PUT", "/api/v1/sessions/" + past + "/attendance", map[string]any{"entries": []map[string]string{{"member_id": ts.ids["m1"], "status": "present"}}}},
		{"POST", "/api/v1/sessions/" + past + "/attendance/" + ts.ids["m2"] + "/makeup", map[string]string{"on": "2023-09-01"}},
		{"PUT", "/api/v1/sessions/" + future + "/leave/" + ts.ids["m1"], map[string]bool{"approved": true}},
		{"POST", "/api/v1/exams", map[string]any{"group_id": ts.g1, "title": "补考", "held_on": "2023-08-31", "max_score": 100}},
		{"PUT", "/api/v1/exams/" + exam.ID + "/scores", map[string]any{"scores": []map[string]any{{"member_id": ts.ids["m1"], "score": 90}}}},
		{"PUT", "/api/v1/exams/" + exam.ID + "/scores", map[string]any{"scores": []any{}}},
		{"PUT", "/api/v1/groups/" + ts.g1 + "/rotation", map[string]any{"order": []string{ts.ids["lead1"], ts.ids["m1"], ts.ids["m2"]}}},
		{"POST", "/api/v1/sessions/" + past + "/shares", map[string]string{"member_id": ts.ids["m1"], "summary": "体会"}},
		{"PUT", "/api/v1/sessions/" + past + "/minutes", map[string]any{"host_id": ts.ids["lead1"], "recorder_id": ts.ids["m1"]}},
		{"POST", "/api/v1/groups/" + ts.g1 + "/robots", map[string]any{"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=a1b2c3d4e5f60718293a4b5c6d7e8f90", "events": []string{"attendance"}}},
		{"PUT", "/api/v1/learning-reports/" + report.ID + "/evaluation", map[string]any{"grade": 4, "comment": "好"}},
	}
	ts.token("lead2") // logging in is a write of its own
	for _, c := range cases {
		before := auditCount(t, ts)
		rec := ts.do(c.method, c.path, "lead2", c.body)
		if rec.Code != 403 {
			t.Errorf("%s %s as the other branch's lead: %d %s, want 403", c.method, c.path, rec.Code, rec.Body)
		}
		if n := auditCount(t, ts); n != before {
			t.Errorf("%s %s: a refused write left %d audit entries", c.method, c.path, n-before)
		}
	}
}
