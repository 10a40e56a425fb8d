package handlers

import (
	"testing"
	"time"
)

// PATCH /plans/{id} and PUT /sessions/{id}/items over HTTP: the answer
// shapes, the codes, the scope.
func TestEditPlanAndSessionItemsRoutes(t *testing.T) {
	ts := newTestServer(t)
	p := attPlan(t, ts, "lead1", ts.g1)
	start := testStart.Add(48 * time.Hour)
	rec := ts.do("POST", "/api/v1/sessions", "lead1", map[string]any{"group_id": ts.g1, "title": "学习会",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)})
	if rec.Code != 201 {
		t.Fatalf("session: %d %s", rec.Code, rec.Body)
	}
	var sess struct{ ID string }
	decodeJSON(t, rec, &sess)
	cases := []struct {
		name, method, path, as string
		body                   any
		status                 int
		code                   string
	}{
		{"member edits", "PATCH", "/api/v1/plans/" + p.ID, "m1", map[string]any{"title": "x"}, 403, "role_forbidden"},
		{"hr", "PATCH", "/api/v1/plans/" + p.ID, "hr", map[string]any{"title": "x"}, 403, "role_forbidden"},
		{"unknown field", "PATCH", "/api/v1/plans/" + p.ID, "lead1", map[string]any{"titel": "x"}, 400, "malformed"},
		{"empty patch", "PATCH", "/api/v1/plans/" + p.ID, "lead1", map[string]any{}, 422, "invalid"},
		{"rename and add", "PATCH", "/api/v1/plans/" + p.ID, "lead1", map[string]any{"title": "新名",
			"items": []any{map[string]any{"id": p.Items[1].ID, "due_on": "2023-09-28"}}, "add_items": []any{map[string]any{"title": "补充"}}}, 200, ""},
		{"unknown plan", "PATCH", "/api/v1/plans/999", "lead1", map[string]any{"title": "x"}, 404, "not_found"},
		{"attach", "PUT", "/api/v1/sessions/" + sess.ID + "/items", "lead1", map[string]any{"item_ids": []string{p.Items[0].ID}}, 200, ""},
		{"attach twice listed", "PUT", "/api/v1/sessions/" + sess.ID + "/items", "lead1", map[string]any{"item_ids": []string{p.Items[0].ID, p.Items[0].ID}}, 422, "invalid"},
		{"member attaches", "PUT", "/api/v1/sessions/" + sess.ID + "/items", "m1", map[string]any{"item_ids": []string{}}, 403, "role_forbidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := ts.do(c.method, c.path, c.as, c.body)
			if rec.Code != c.status || (c.code != "" && errCode(rec) != c.code) {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
		})
	}
	got, err := ts.s.Plan(p.ID)
	if err != nil || got.Title != "新名" || len(got.Items) != 3 || got.Items[1].DueOn != "2023-09-28" {
		t.Errorf("plan after the edit: %+v %v", got, err)
	}
	// Held: the session's items are part of the record; its item cannot
	// leave the plan.
	ts.clock.Set(start.Add(2 * time.Hour))
	delete(ts.tokens, "lead1") // a new login after the jump
	if rec := ts.do("PUT", "/api/v1/sessions/"+sess.ID+"/items", "lead1", map[string]any{"item_ids": []string{}}); rec.Code != 409 || errCode(rec) != "session_held" {
		t.Errorf("held session: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("PATCH", "/api/v1/plans/"+p.ID, "lead1", map[string]any{"remove_item_ids": []string{p.Items[0].ID}}); rec.Code != 409 || errCode(rec) != "item_in_held_session" {
		t.Errorf("remove a held item: %d %s", rec.Code, rec.Body)
	}
}
