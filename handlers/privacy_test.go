package handlers

import (
	"encoding/json"
	"strings"
	"testing"

	"studyroll/store"
)

// TestPrivacyNotice: each account is shown the configured notice until it
// accepts the version shown; the acceptance is recorded once and audited;
// a changed notice asks again, and accepting an old version is 409
// privacy_version.
func TestPrivacyNotice(t *testing.T) {
	ts := newTestServer(t)
	get := func(as string) store.PrivacyNotice {
		t.Helper()
		rec := ts.do("GET", "/api/v1/me/privacy-notice", as, nil)
		var n store.PrivacyNotice
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &n) != nil {
			t.Fatalf("GET notice: %d %s", rec.Code, rec.Body)
		}
		return n
	}
	n := get("m1")
	if n.Text != store.DefaultPrivacyNotice || n.Version == "" || n.AcceptedAt != nil {
		t.Fatalf("default notice %+v", n)
	}
	for _, c := range []struct {
		name string
		body any
		code int
		err  string
	}{
		{"no version", map[string]string{}, 422, "invalid"},
		{"wrong version", map[string]string{"version": "0000"}, 409, "privacy_version"},
		{"unknown field", map[string]string{"version": n.Version, "x": "1"}, 400, "malformed"},
		{"OK", map[string]string{"version": n.Version}, 200, ""},
		{"again", map[string]string{"version": n.Version}, 200, ""},
	} {
		rec := ts.do("POST", "/api/v1/me/privacy-notice", "m1", c.body)
		if rec.Code != c.code || (c.err != "" && !strings.Contains(rec.Body.String(), `"`+c.err+`"`)) {
			t.Errorf("%s: %d %s, want %d %s", c.name, rec.Code, rec.Body, c.code, c.err)
		}
	}
	if a := get("m1"); a.AcceptedAt == nil {
		t.Error("acceptance not recorded")
	}
	if a := get("m2"); a.AcceptedAt != nil {
		t.Error("another account counts as accepted")
	}
	es, _ := ts.s.Audit(store.AuditFilter{Entity: "security", EntityID: ts.ids["m1"]})
	accepts := 0
	for _, e := range es {
		if e.Action == "accept_privacy_notice" {
			accepts++
		}
	}
	if accepts != 1 {
		t.Errorf("%d acceptance entries, want 1", accepts)
	}
	// A new text is a new version: shown again.
	if err := ts.s.SetPrivacyPolicy(store.PrivacyPolicy{EraseAfterYears: 5, Notice: "新的告知"}); err != nil {
		t.Fatal(err)
	}
	if a := get("m1"); a.AcceptedAt != nil || a.Text != "新的告知" || a.Version == n.Version {
		t.Errorf("changed notice %+v", a)
	}
	if rec := ts.do("POST", "/api/v1/me/privacy-notice", "m1", map[string]string{"version": n.Version}); rec.Code != 409 {
		t.Errorf("old version accepted: %d", rec.Code)
	}
}
