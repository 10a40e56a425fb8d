package handlers

import (
	"fmt"
	"strings"
	"testing"
)

// TestCheckinTooManyCodes: after 5 wrong codes a member's self check-in
// for the session is 429 too_many_codes, even with the right code; the
// lead's session answer lists them in code_locks and the lead can still
// mark them; the QR link carries the long token, which checks in.
func TestCheckinTooManyCodes(t *testing.T) {
	ts := newTestServer(t)
	sid := attSession(t, ts, ts.g1, attStart)
	ts.clock.Set(attStart)
	path := "/api/v1/sessions/" + sid + "/checkin"
	right := currentCode(t, ts, sid)
	for i := 0; i < 5; i++ {
		code := fmt.Sprintf("%06d", i)
		if code == right {
			code = "999999"
		}
		if rec := ts.do("POST", path, "m2", map[string]string{"code": code}); rec.Code != 422 {
			t.Fatalf("wrong code %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := ts.do("POST", path, "m2", map[string]string{"code": right})
	if rec.Code != 429 || errCode(rec) != "too_many_codes" {
		t.Fatalf("right code after 5 wrong: %d %s, want 429 too_many_codes", rec.Code, rec.Body)
	}
	var d struct {
		CodeLocks []struct {
			MemberID string `json:"member_id"`
			Name     string `json:"name"`
		} `json:"code_locks"`
	}
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+sid, "lead1", nil), &d)
	if len(d.CodeLocks) != 1 || d.CodeLocks[0].MemberID != ts.ids["m2"] || d.CodeLocks[0].Name != "王芳" {
		t.Errorf("lead sees code_locks %+v", d.CodeLocks)
	}
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+sid, "m1", nil), &d)
	if len(d.CodeLocks) != 0 {
		t.Errorf("another member sees code_locks %+v", d.CodeLocks)
	}
	if rec := ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+ts.ids["m2"], "lead1", map[string]string{"status": "present"}); rec.Code != 200 {
		t.Errorf("lead marks the locked member: %d %s", rec.Code, rec.Body)
	}
	// The QR link's token checks m1 in.
	var code struct {
		Code  string
		QRURL string `json:"qr_url"`
	}
	decodeJSON(t, ts.do("GET", "/api/v1/sessions/"+sid+"/code", "lead1", nil), &code)
	_, tok, _ := strings.Cut(code.QRURL, "?code=")
	if len(tok) != 22 || tok == code.Code {
		t.Fatalf("QR URL %s: want the 22-character token, not the digits", code.QRURL)
	}
	if rec := ts.do("POST", path, "m1", map[string]string{"code": tok}); rec.Code != 201 {
		t.Errorf("check-in with the QR token: %d %s", rec.Code, rec.Body)
	}
}

// TestNonCanonicalIDs: an id written with leading zeros ("0004") is not
// the id 4: 404, and nothing reaches the audit log under that spelling.
func TestNonCanonicalIDs(t *testing.T) {
	ts := newTestServer(t)
	sid := attSession(t, ts, ts.g1, attStart)
	m1 := ts.ids["m1"]
	cases := []struct{ method, path string }{
		{"GET", "/api/v1/members/0" + m1},
		{"GET", "/api/v1/sessions/0" + sid},
		{"PUT", "/api/v1/sessions/0" + sid + "/attendance/" + m1},
		{"PUT", "/api/v1/sessions/" + sid + "/attendance/00" + m1},
		{"PATCH", "/api/v1/members/0" + m1},
	}
	for _, c := range cases {
		var body any
		switch c.method {
		case "PUT":
			body = map[string]string{"status": "present"}
		case "PATCH":
			body = map[string]string{"name": "改名"}
		}
		if rec := ts.do(c.method, c.path, "admin", body); rec.Code != 404 {
			t.Errorf("%s %s: %d %s, want 404", c.method, c.path, rec.Code, rec.Body)
		}
	}
}
