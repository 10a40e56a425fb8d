package handlers

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"studyroll/export"
	"studyroll/store"
	"studyroll/totp"
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

func loginBody(user string, kv ...string) map[string]string {
	b := map[string]string{"username": user, "password": testPassword}
	for i := 0; i < len(kv); i += 2 {
		b[kv[i]] = kv[i+1]
	}
	return b
}

// TestSecondFactorLogin: in level3 the administrators must use a TOTP:
// without "totp" → 401 second_factor_required (with the enrolment key the
// first time), the first code enrols and hands out recovery codes, a code
// reused within its step is refused, a recovery code works once.
func TestSecondFactorLogin(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin"))
	if rec.Code != 401 || errCode(rec) != "second_factor_required" {
		t.Fatalf("no totp: %d %s", rec.Code, rec.Body)
	}
	key := enrolSecret(t, rec)
	if again := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin")); !bytes.Equal(enrolSecret(t, again), key) {
		t.Error("a second attempt changed the enrolment key")
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin", "totp", "000000")); rec.Code != 401 || errCode(rec) != "bad_second_factor" {
		t.Errorf("wrong code: %d %s", rec.Code, rec.Body)
	}
	code := ts.totpCode(key)
	rec = ts.do("POST", "/api/v1/login", "", loginBody("sysadmin", "totp", code))
	var ok struct {
		Token         string
		RecoveryCodes []string `json:"recovery_codes"`
	}
	decodeJSON(t, rec, &ok)
	if rec.Code != 200 || ok.Token == "" || len(ok.RecoveryCodes) != store.RecoveryCodes {
		t.Fatalf("enrolling login: %d %s", rec.Code, rec.Body)
	}
	rec = ts.do("POST", "/api/v1/login", "", loginBody("sysadmin"))
	if rec.Code != 401 || errCode(rec) != "second_factor_required" || bytes.Contains(rec.Body.Bytes(), []byte("enrol")) {
		t.Errorf("enrolled, no totp: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin", "totp", code)); rec.Code != 401 || errCode(rec) != "totp_reused" {
		t.Errorf("same code again within its step: %d %s", rec.Code, rec.Body)
	}
	ts.clock.Advance(30 * time.Second)
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin", "totp", ts.totpCode(key))); rec.Code != 200 {
		t.Errorf("next step's code: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin", "recovery_code", ok.RecoveryCodes[3])); rec.Code != 200 {
		t.Errorf("recovery code: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin", "recovery_code", ok.RecoveryCodes[3])); rec.Code != 401 {
		t.Errorf("recovery code twice: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("wrong", "totp", "123456")); rec.Code != 401 || errCode(rec) == "second_factor_required" {
		t.Errorf("a wrong password must not reach the second factor: %d %s", rec.Code, rec.Body)
	}
	// The failures are security events for the auditor.
	var aud struct{ Items []store.AuditEntry }
	decodeJSON(t, ts.do("GET", "/api/v1/audit?entity=security", "auditor", nil), &aud)
	seen := map[string]int{}
	for _, e := range aud.Items {
		seen[e.Action]++
	}
	if seen["login_failed"] < 3 || seen["second_factor_enrol"] < 1 || seen["recovery_code_used"] != 1 {
		t.Errorf("security events %v", seen)
	}
	// A member needs none in level3.
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("m1")); rec.Code != 200 {
		t.Errorf("member: %d %s", rec.Code, rec.Body)
	}
	// secadmin resets the lost phone; sysadmin enrols again at next login.
	if rec := ts.do("DELETE", "/api/v1/members/"+ts.ids["sysadmin"]+"/totp", "secadmin", nil); rec.Code != 204 {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("sysadmin")); rec.Code != 401 || !bytes.Contains(rec.Body.Bytes(), []byte("otpauth://")) {
		t.Errorf("after reset: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("DELETE", "/api/v1/members/"+ts.ids["secadmin"]+"/totp", "secadmin", nil); rec.Code != 403 {
		t.Errorf("own reset: %d %s", rec.Code, rec.Body)
	}
}

// TestOptionalSecondFactor: in standard any account may add a TOTP (QR,
// confirm, recovery codes), after which its login needs it; the policy may
// require it for leads; a required one cannot be removed.
func TestOptionalSecondFactor(t *testing.T) {
	ts := newTestServer(t)
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("m1")); rec.Code != 200 {
		t.Fatalf("standard login unchanged: %d", rec.Code)
	}
	var enr store.Enrolment
	rec := ts.do("POST", "/api/v1/me/totp", "m1", nil)
	decodeJSON(t, rec, &enr)
	if rec.Code != 201 || !strings.HasPrefix(enr.URL, "otpauth://totp/studyroll:m1?") {
		t.Fatalf("begin: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/me/totp/qr.png", "m1", nil); rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("\x89PNG")) {
		t.Errorf("qr: %d", rec.Code)
	}
	key, _ := totp.DecodeSecret(enr.Secret)
	if rec := ts.do("POST", "/api/v1/me/totp/confirm", "m1", map[string]string{"code": ts.totpCode(key)}); rec.Code != 200 {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("m1")); rec.Code != 401 || errCode(rec) != "second_factor_required" {
		t.Errorf("enrolled member without totp: %d %s", rec.Code, rec.Body)
	}
	ts.clock.Advance(30 * time.Second)
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("m1", "totp", ts.totpCode(key))); rec.Code != 200 {
		t.Errorf("with totp: %d %s", rec.Code, rec.Body)
	}
	ts.clock.Advance(30 * time.Second)
	if rec := ts.do("POST", "/api/v1/me/totp/remove", "m1", map[string]string{"code": ts.totpCode(key)}); rec.Code != 204 {
		t.Errorf("remove: %d %s", rec.Code, rec.Body)
	}
	// Policy: leads must.
	sp := ts.s.SecurityPolicy()
	sp.SecondFactorRoles = []store.Role{store.RoleLead, store.RoleHR}
	if err := ts.s.SetSecurityPolicy(sp); err != nil {
		t.Fatal(err)
	}
	if rec := ts.do("POST", "/api/v1/login", "", loginBody("lead1")); rec.Code != 401 || errCode(rec) != "second_factor_required" {
		t.Errorf("lead under policy: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/me/totp/remove", "lead1", map[string]string{"code": "123456"}); rec.Code != 403 {
		t.Errorf("removing a required factor: %d %s", rec.Code, rec.Body)
	}
}

// TestIdleTimeout: level3 ends a session unused for 15 minutes (use keeps
// it alive); standard keeps today's 12-hour lifetime without one.
func TestIdleTimeout(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	for _, step := range []time.Duration{10 * time.Minute, 14 * time.Minute, 14 * time.Minute} {
		ts.clock.Advance(step)
		if rec := ts.do("GET", "/api/v1/me", "m1", nil); rec.Code != 200 {
			t.Fatalf("used within 15 min: %d %s", rec.Code, rec.Body)
		}
	}
	ts.clock.Advance(16 * time.Minute)
	if rec := ts.do("GET", "/api/v1/me", "m1", nil); rec.Code != 401 || errCode(rec) != "session_idle" {
		t.Errorf("idle 16 min: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/me", "m1", nil); rec.Code != 401 {
		t.Errorf("an idle session came back: %d", rec.Code)
	}
	std := newTestServer(t)
	std.do("GET", "/api/v1/me", "m1", nil)
	std.clock.Advance(11 * time.Hour)
	if rec := std.do("GET", "/api/v1/me", "m1", nil); rec.Code != 200 {
		t.Errorf("standard after 11 h idle: %d", rec.Code)
	}
	std.clock.Advance(2 * time.Hour)
	if rec := std.do("GET", "/api/v1/me", "m1", nil); rec.Code != 401 {
		t.Errorf("standard after 13 h: %d", rec.Code)
	}
}

// TestOwnLoginSessions: a member sees their own sessions and ends one; the
// ended token stops working; another account's session is 404.
func TestOwnLoginSessions(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do("POST", "/api/v1/login", "", loginBody("m1"))
	var other struct{ Token string }
	decodeJSON(t, rec, &other)
	var got struct{ Items []store.LoginSession }
	decodeJSON(t, ts.do("GET", "/api/v1/me/sessions", "m1", nil), &got)
	if len(got.Items) != 2 {
		t.Fatalf("sessions %+v", got.Items)
	}
	var victim string
	for _, s := range got.Items {
		if !s.Current {
			victim = s.ID
		}
	}
	if rec := ts.do("DELETE", "/api/v1/me/sessions/"+victim, "m2", nil); rec.Code != 404 {
		t.Errorf("ending another account's session: %d", rec.Code)
	}
	if rec := ts.do("DELETE", "/api/v1/me/sessions/"+victim, "m1", nil); rec.Code != 204 {
		t.Fatalf("end: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+other.Token)
	w := httptest.NewRecorder()
	ts.e.ServeHTTP(w, req)
	if w.Code != 401 {
		t.Errorf("ended token: %d", w.Code)
	}
	if rec := ts.do("GET", "/api/v1/me", "m1", nil); rec.Code != 200 {
		t.Errorf("current session ended too: %d", rec.Code)
	}
}

// TestChangeOwnPassword: the current password is needed, the policy
// applies, and the change ends the account's sessions.
func TestChangeOwnPassword(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	if rec := ts.do("POST", "/api/v1/me/password", "m1", map[string]string{"current": "nope", "new": "Better-pass1"}); rec.Code != 422 {
		t.Errorf("wrong current: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/me/password", "m1", map[string]string{"current": testPassword, "new": "weakweak"}); rec.Code != 422 {
		t.Errorf("weak: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/me/password", "m1", map[string]string{"current": testPassword, "new": testPassword}); rec.Code != 422 {
		t.Errorf("same as current: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/me/password", "m1", map[string]string{"current": testPassword, "new": "Better-pass1"}); rec.Code != 204 {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/me", "m1", nil); rec.Code != 401 {
		t.Errorf("session survived the change: %d", rec.Code)
	}
}

// TestAuditExportSigned: the auditor downloads the audit log as a file
// signed with the site's key; the signature verifies, a changed byte does
// not; hr may not export.
func TestAuditExportSigned(t *testing.T) {
	ts := newProfileTestServer(t, store.ProfileLevel3)
	ts.do("POST", "/api/v1/groups", "sysadmin", map[string]any{"name": "新支部"})
	if rec := ts.do("GET", "/api/v1/audit/export", "hr", nil); rec.Code != 403 {
		t.Errorf("hr export: %d", rec.Code)
	}
	rec := ts.do("GET", "/api/v1/audit/export", "auditor", nil)
	if rec.Code != 200 {
		t.Fatalf("export: %d %s", rec.Code, rec.Body)
	}
	pub := ts.signKey.Public().(ed25519.PublicKey)
	typ, payload, err := export.VerifyJSON(rec.Body.Bytes(), pub)
	if err != nil || typ != "studyroll-audit+json" {
		t.Fatalf("verify: %v %q", err, typ)
	}
	var x AuditExport
	if err := json.Unmarshal(payload, &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Entries) < 3 || x.Entries[0].Seq != 1 || x.Head == "" || x.ExportedBy != ts.ids["auditor"] {
		t.Errorf("payload: %d entries, first %d, head %q, by %s", len(x.Entries), x.Entries[0].Seq, x.Head, x.ExportedBy)
	}
	tampered := bytes.Replace(rec.Body.Bytes(), []byte(`"payload": "ey`), []byte(`"payload": "fy`), 1)
	if _, _, err := export.VerifyJSON(tampered, pub); err == nil {
		t.Error("a changed payload verified")
	}
}
