package handlers

import (
	"net/http"
	"strings"
	"testing"

	"studyroll/store"
)

// TestRouteAccess walks every route of the API with every role and with no
// login: no login → 401; a role the route does not declare → 403
// role_forbidden; a declared role passes the guard (whatever the handler
// then says about the made-up ids).
func TestRouteAccess(t *testing.T) {
	ts := newTestServer(t)
	ts.addInspector()
	testRouteAccess(t, ts, map[string]string{"member": "m1", "lead": "lead1", "hr": "hr", "admin": "admin", "inspector": "insp"})
}

// TestRouteAccessLevel3 walks the same table on a level3 store, where the
// three administrator roles of 三员分立 replace admin: each gets only its
// own share of admin's routes.
func TestRouteAccessLevel3(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	ts.addInspector()
	testRouteAccess(t, ts, map[string]string{"member": "m1", "lead": "lead1", "hr": "hr", "inspector": "insp",
		"sysadmin": "sysadmin", "secadmin": "secadmin", "auditor": "auditor"})
}

func testRouteAccess(t *testing.T, ts *testServer, users map[string]string) {
	routes := Routes()
	if len(routes) != len(wantAccess) {
		t.Errorf("%d routes in the table, %d in wantAccess: keep them in step", len(routes), len(wantAccess))
	}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		got := strings.Join(r.Roles, ",")
		if r.Public {
			got = "public"
		} else if got == "" {
			got = "any"
		}
		if want, ok := wantAccess[key]; !ok {
			t.Errorf("%s: not in wantAccess (declare who may call it)", key)
		} else if want != got {
			t.Errorf("%s: roles %q, want %q (API.md)", key, got, want)
		}
		path := "/api/v1" + r.Path
		for _, p := range []string{":id", ":member_id", ":item_id", ":share_id", ":question_id", ":draw_id", ":file_id"} {
			path = strings.ReplaceAll(path, p, "999")
		}
		path = strings.ReplaceAll(path, ":period", "2023Q3")
		path = strings.ReplaceAll(path, ":file", "999.pdf")
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			rec := ts.do(r.Method, path, "", nil)
			if r.Public {
				if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden {
					t.Errorf("public route answered %d without login", rec.Code)
				}
				return
			}
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("no login: got %d %s, want 401", rec.Code, rec.Body)
			}
			for role, user := range users {
				allowed := len(r.Roles) == 0
				for _, x := range r.Roles {
					allowed = allowed || x == role
				}
				if r.Method == "POST" && r.Path == "/logout" {
					continue // would end the shared token
				}
				rec := ts.do(r.Method, path, user, nil)
				denied := rec.Code == http.StatusForbidden && errCode(rec) == "role_forbidden"
				if allowed && (denied || rec.Code == http.StatusUnauthorized) {
					t.Errorf("%s: got %d %s, want the route to let %s in", role, rec.Code, rec.Body, role)
				}
				if !allowed && !denied {
					t.Errorf("%s: got %d %s, want 403 role_forbidden", role, rec.Code, rec.Body)
				}
			}
		})
	}
}

// wantAccess is API.md's role column: who may call each route.
var wantAccess = map[string]string{
	"POST /login": "public", "POST /logout": "any", "GET /me": "any",
	"GET /me/totp": "any", "POST /me/totp": "any", "GET /me/totp/qr.png": "any", "POST /me/totp/confirm": "any",
	"POST /me/totp/remove": "any", "DELETE /members/:id/totp": "admin,secadmin",
	"GET /me/sessions": "any", "DELETE /me/sessions/:id": "any", "POST /me/password": "any",
	"GET /me/data.zip": "any", "GET /audit/export": "admin,auditor",
	"GET /me/privacy-notice": "any", "POST /me/privacy-notice": "any",
	"POST /groups": "admin,sysadmin", "GET /groups": "any", "PATCH /groups/:id": "admin,sysadmin",
	"POST /members": "admin,secadmin", "GET /members": "lead,hr,admin,inspector,secadmin", "GET /members/:id": "any",
	"PATCH /members/:id": "admin,secadmin", "POST /members/import": "admin,secadmin",
	"GET /members/:id/history": "lead,hr,admin", "GET /plans/:id/done": "lead,hr,admin",
	"POST /plans": "lead,admin", "GET /plans": "any", "GET /plans/:id": "any",
	"PATCH /plans/:id": "lead,admin", "PUT /sessions/:id/items": "lead,admin",
	"POST /plans/:id/items/:item_id/done": "any",
	"POST /sessions":                      "lead,admin", "GET /sessions": "any", "GET /sessions/:id": "any",
	"POST /sessions/:id/cancel": "lead,admin", "GET /sessions/:id/code": "lead,admin",
	"GET /sessions/:id/qr.png": "lead,admin", "GET /sessions/:id/signin-sheet.pdf": "lead,admin",
	"POST /sessions/:id/checkin": "any", "PUT /sessions/:id/attendance/:member_id": "lead,admin", "DELETE /sessions/:id/attendance/:member_id": "lead,admin", "PUT /sessions/:id/attendance": "lead,admin",
	"POST /sessions/:id/attendance/:member_id/makeup": "lead,admin",
	"POST /sessions/:id/leave":                        "any", "PUT /sessions/:id/leave/:member_id": "lead,admin",
	"GET /groups/:id/rotation": "lead,hr,admin,inspector", "PUT /groups/:id/rotation": "lead,admin",
	"POST /sessions/:id/reading": "lead,admin", "POST /sessions/:id/shares": "lead,admin",
	"POST /sessions/:id/questions":       "lead,admin",
	"PUT /sessions/:id/shares/:share_id": "lead,admin", "DELETE /sessions/:id/shares/:share_id": "lead,admin",
	"PUT /sessions/:id/questions/:question_id": "lead,admin", "DELETE /sessions/:id/questions/:question_id": "lead,admin",
	"DELETE /sessions/:id/reading": "lead,admin", "PUT /sessions/:id/minutes": "lead,admin",
	"GET /sessions/:id/minutes": "lead,hr,admin,inspector", "GET /sessions/:id/minutes.pdf": "lead,hr,admin,inspector",
	"GET /sessions/:id/four": "any", "GET /compliance": "lead,hr,admin,inspector",
	"POST /learning-reports": "any", "GET /learning-reports": "any",
	"PUT /learning-reports/:id/evaluation": "lead,admin",
	"POST /exams":                          "lead,admin", "GET /exams": "any", "GET /exams/:id": "any",
	"PUT /exams/:id/scores": "lead,admin",
	"GET /rates":            "any", "GET /warnings": "lead,hr,admin,inspector", "GET /periods": "any",
	"POST /periods/:period/lock": "hr,admin", "POST /periods/:period/unlock": "admin",
	"POST /reports": "hr,admin", "GET /reports": "any",
	"GET /reports/:period/members/:file": "any", "GET /reports/:period/groups/:file": "lead,hr,admin,inspector",
	"GET /reports/:period.zip": "lead,hr,admin",
	"GET /jobs":                "hr,admin", "GET /jobs/:id": "hr,admin",
	"GET /audit": "hr,admin,auditor", "GET /audit/verify": "hr,admin,auditor", "GET /backup": "admin,sysadmin",
	"POST /groups/:id/robots": "lead,admin", "GET /groups/:id/robots": "lead,admin",
	"GET /groups/:id/reminders": "lead,admin", "PUT /groups/:id/reminders": "lead,admin",
	"GET /robots/:id": "lead,admin", "PATCH /robots/:id": "lead,admin", "DELETE /robots/:id": "lead,admin",
	"POST /robots/:id/test": "lead,admin", "GET /outbox": "admin,sysadmin",
	"GET /openapi.json": "public",
	// 督查
	"POST /inspections": "inspector,hr,admin", "GET /inspections": "lead,hr,admin,inspector",
	"GET /inspections/:id": "lead,hr,admin,inspector", "POST /inspections/:id/draws": "inspector,hr,admin",
	"PUT /inspections/:id/draws/:draw_id/answers": "inspector,hr,admin", "POST /inspections/:id/interviews": "inspector,hr,admin",
	"POST /inspections/:id/findings": "inspector,hr,admin", "GET /inspections/:id/report.pdf": "inspector,hr,admin",
	"GET /inspections/:id/ledger.xlsx": "inspector,hr,admin",
	"POST /questions":                  "inspector,hr,admin", "GET /questions": "inspector,hr,admin",
	"PATCH /questions/:id": "inspector,hr,admin", "POST /questions/import": "inspector,hr,admin",
	"GET /finding-categories": "any", "GET /findings": "any", "GET /findings/:id": "any",
	"POST /findings/:id/progress": "any", "POST /findings/:id/evidence": "any", "GET /findings/:id/evidence/:file_id": "any",
	"POST /findings/:id/close": "inspector,hr,admin", "POST /findings/:id/return": "inspector,hr,admin",
	"POST /questionnaires": "inspector,hr,admin", "GET /questionnaires": "any", "GET /questionnaires/:id": "any",
	"POST /questionnaires/:id/answers": "any", "POST /questionnaires/:id/close": "inspector,hr,admin",
	"GET /questionnaires/:id/results": "inspector,hr,admin", "GET /questionnaires/:id/results.xlsx": "inspector,hr,admin",
}
