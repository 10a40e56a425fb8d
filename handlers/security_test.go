package handlers

import (
	"net/http"
	"testing"

	"studyroll/store"
)

// TestSeparationOfDuties: an account holds one role; a combination of the
// administrator roles is 422 separation_of_duties; level3 has no admin; an
// administrator does not change their own role.
func TestSeparationOfDuties(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	base := map[string]any{"name": "新账号", "password": "Passw0rd!x", "joined_on": "2023-01-01"}
	with := func(user string, kv ...any) map[string]any {
		b := map[string]any{"username": user}
		for k, v := range base {
			b[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			b[kv[i].(string)] = kv[i+1]
		}
		return b
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		code int
		err  string
	}{
		{"two roles in one field", with("x1", "role", "sysadmin,auditor"), 422, "separation_of_duties"},
		{"two roles as a list", with("x2", "roles", []string{"secadmin", "auditor"}), 422, "separation_of_duties"},
		{"administrator and lead", with("x3", "roles", []string{"sysadmin", "lead"}, "group_id", ts.g1), 422, "separation_of_duties"},
		{"admin in level3", with("x4", "role", "admin"), 422, "separation_of_duties"},
		{"one administrator role", with("x5", "role", "auditor"), 201, ""},
		{"one role as a list", with("x6", "roles", []string{"sysadmin"}), 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do("POST", "/api/v1/members", "secadmin", tc.body)
			if rec.Code != tc.code || (tc.err != "" && errCode(rec) != tc.err) {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tc.code, tc.err)
			}
		})
	}
	rec := ts.do("PATCH", "/api/v1/members/"+ts.ids["m1"], "secadmin", map[string]any{"roles": []string{"auditor", "secadmin"}})
	if rec.Code != 422 || errCode(rec) != "separation_of_duties" {
		t.Errorf("patch to two roles: %d %s", rec.Code, rec.Body)
	}
	rec = ts.do("PATCH", "/api/v1/members/"+ts.ids["secadmin"], "secadmin", map[string]any{"role": "sysadmin"})
	if rec.Code != http.StatusForbidden {
		t.Errorf("secadmin changing own role: %d %s", rec.Code, rec.Body)
	}
	rec = ts.do("PATCH", "/api/v1/members/"+ts.ids["m1"], "secadmin", map[string]any{"role": "admin"})
	if rec.Code != 422 || errCode(rec) != "separation_of_duties" {
		t.Errorf("making admin in level3: %d %s", rec.Code, rec.Body)
	}
	// In standard, admin remains and may be created.
	std := newTestServer(t)
	rec = std.do("POST", "/api/v1/members", "admin", with("x7", "role", "admin"))
	if rec.Code != 201 {
		t.Errorf("standard admin: %d %s", rec.Code, rec.Body)
	}
	rec = std.do("POST", "/api/v1/members", "admin", with("x8", "role", "admin,secadmin"))
	if rec.Code != 422 || errCode(rec) != "separation_of_duties" {
		t.Errorf("standard two administrator roles: %d %s", rec.Code, rec.Body)
	}
}

// TestAuditorAloneReadsAdministratorEvents: in level3, hr's audit listing
// leaves out logins and everything the administrators did; the auditor's
// has them.
func TestAuditorAloneReadsAdministratorEvents(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	ts.do("POST", "/api/v1/groups", "sysadmin", map[string]any{"name": "新支部"})
	var hr, aud struct{ Items []store.AuditEntry }
	decodeJSON(t, ts.do("GET", "/api/v1/audit", "hr", nil), &hr)
	decodeJSON(t, ts.do("GET", "/api/v1/audit", "auditor", nil), &aud)
	count := func(es []store.AuditEntry, actor string) int {
		n := 0
		for _, e := range es {
			if e.ActorID == actor {
				n++
			}
		}
		return n
	}
	if n := count(hr.Items, ts.ids["sysadmin"]); n != 0 {
		t.Errorf("hr sees %d entries of sysadmin", n)
	}
	if n := count(aud.Items, ts.ids["sysadmin"]); n < 2 { // login, create group
		t.Errorf("auditor sees %d entries of sysadmin, want ≥ 2", n)
	}
	if len(hr.Items) == 0 {
		t.Error("hr sees nothing at all")
	}
}
