package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"studyroll/store"
)

// openMain opens the service as serve does, without serving.
func openMain(t *testing.T, data string, cfg string, demo bool) (*Main, string) {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Addr: "127.0.0.1:0", Data: data, Config: cfg, Demo: demo, Stdout: &out,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	cancel()
	return m, out.String()
}

// TestLevel3FirstStart: `serve --demo --config docs/level3.json` creates
// sysadmin, secadmin and auditor instead of admin — passwords from their
// environment variables, else printed once — and records the profile.
func TestLevel3FirstStart(t *testing.T) {
	t.Setenv("STUDYROLL_SYSADMIN_PASSWORD", "Sys-pass-1")
	t.Setenv("STUDYROLL_SECADMIN_PASSWORD", "")
	t.Setenv("STUDYROLL_AUDITOR_PASSWORD", "")
	data := t.TempDir()
	m, out := openMain(t, data, "../../docs/level3.json", true)
	if !strings.Contains(out, "Created account sysadmin with the password from $STUDYROLL_SYSADMIN_PASSWORD.") {
		t.Errorf("sysadmin line missing:\n%s", out)
	}
	for _, u := range []string{"secadmin", "auditor"} {
		if !strings.Contains(out, "Created account "+u+" with password ") {
			t.Errorf("%s line missing:\n%s", u, out)
		}
	}
	if strings.Contains(out, "account admin") {
		t.Errorf("level3 created admin:\n%s", out)
	}
	if !strings.Contains(out, "Demo organisation") {
		t.Errorf("no demo:\n%s", out)
	}
	if got := m.Store.Profile(); got != store.ProfileLevel3 {
		t.Errorf("profile %q", got)
	}
	if _, err := m.Store.CheckPassword("sysadmin", "Sys-pass-1"); err != nil {
		t.Errorf("sysadmin password from env: %v", err)
	}
	_ = m.Serve(canceled())

	// The profile sticks: a config asking for standard is refused, no
	// config keeps level3, and nothing is created again.
	cfg := t.TempDir() + "/std.json"
	writeFile(t, cfg, `{"security_profile": "standard"}`)
	bad := &Main{Addr: "127.0.0.1:0", Data: data, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := bad.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "security-profile") {
		t.Errorf("standard config on a level3 store: %v, want a refusal naming the command", err)
		if err == nil {
			_ = bad.Serve(canceled())
		}
	}
	m2, out2 := openMain(t, data, "", false)
	if m2.Store.Profile() != store.ProfileLevel3 || strings.Contains(out2, "Created account") {
		t.Errorf("reopen: profile %s, output %q", m2.Store.Profile(), out2)
	}
	_ = m2.Serve(canceled())
}

// TestStandardFirstStartUnchanged: without a profile the first start is
// today's: one admin, from $STUDYROLL_ADMIN_PASSWORD.
func TestStandardFirstStartUnchanged(t *testing.T) {
	t.Setenv("STUDYROLL_ADMIN_PASSWORD", "admin-password")
	m, out := openMain(t, t.TempDir(), "", false)
	defer m.Serve(canceled())
	if out != "Created account admin with the password from $STUDYROLL_ADMIN_PASSWORD.\n" {
		t.Errorf("output %q", out)
	}
	if m.Store.Profile() != store.ProfileStandard {
		t.Errorf("profile %s", m.Store.Profile())
	}
}

// TestSecurityProfileCommand switches an existing standard store to level3
// with the explicit command: the three accounts appear, admin is closed,
// and the switch is in the audit log.
func TestSecurityProfileCommand(t *testing.T) {
	t.Setenv("STUDYROLL_ADMIN_PASSWORD", "admin-password")
	data := t.TempDir()
	m, _ := openMain(t, data, "", false)
	_ = m.Serve(canceled())
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"security-profile", "--data", data, "level3"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, u := range []string{"sysadmin", "secadmin", "auditor"} {
		if !strings.Contains(out.String(), "Created account "+u) {
			t.Errorf("%s not created:\n%s", u, out.String())
		}
	}
	s, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Profile() != store.ProfileLevel3 {
		t.Errorf("profile %s", s.Profile())
	}
	if _, err := s.CheckPassword("admin", "admin-password"); err == nil {
		t.Error("admin still logs in after the switch to level3")
	}
	es, _ := s.Audit(store.AuditFilter{Entity: "security"})
	found := false
	for _, e := range es {
		found = found || e.Action == "profile_switch"
	}
	if !found {
		t.Error("no profile_switch audit entry")
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSecurityConfig: "security" changes the profile's defaults; a bad
// value, an audit retention under 180 days first of all, stops the start.
func TestSecurityConfig(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{`{"security": {"audit_retention_days": 90}}`, "audit_retention_days: at least 180 days"},
		{`{"security": {"audit_retention_days": 179}}`, "audit_retention_days"},
		{`{"security": {"idle_timeout": "soon"}}`, "security.idle_timeout"},
		{`{"security": {"second_factor_roles": ["boss"]}}`, "second_factor_roles"},
		{`{"security": {"password": {"min_length": 6}}}`, "min_length"},
		{`{"security": {"pasword": {}}}`, "unknown field"},
		{`{"security_profile": "level4"}`, "security_profile"},
	} {
		cfg := defaultConfig()
		if err := cfg.parse([]byte(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.file, err, tc.want)
		}
	}
	cfgFile := filepath.Join(t.TempDir(), "c.json")
	writeFile(t, cfgFile, `{"security_profile": "level3", "security": {"idle_timeout": "30m", "audit_retention_days": 365, "second_factor_roles": ["lead"]}}`)
	m, _ := openMain(t, t.TempDir(), cfgFile, false)
	defer m.Serve(canceled())
	sp := m.Store.SecurityPolicy()
	if sp.IdleTimeout != 30*time.Minute || sp.AuditRetention != 365*24*time.Hour || sp.Password.Classes != 3 || len(sp.SecondFactorRoles) != 1 {
		t.Errorf("policy %+v", sp)
	}
}

// TestPruneAuditCommand: a cut-off inside the 180-day retention is
// refused; the store is unchanged.
func TestPruneAuditCommand(t *testing.T) {
	t.Setenv("STUDYROLL_ADMIN_PASSWORD", "admin-password")
	data := t.TempDir()
	m, _ := openMain(t, data, "", false)
	_ = m.Serve(canceled())
	var out, errb bytes.Buffer
	yesterday := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
	if code := run(context.Background(), []string{"prune-audit", "--data", data, "--before", yesterday}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "kept 180 days") {
		t.Errorf("prune inside the retention: exit %d, %s", code, errb.String())
	}
	old := time.Now().AddDate(-1, 0, 0).Format("2006-01-02")
	if code := run(context.Background(), []string{"prune-audit", "--data", data, "--before", old}, &out, &errb); code != 0 || !strings.Contains(out.String(), "Removed 0") {
		t.Errorf("prune a year back: exit %d, %s %s", code, out.String(), errb.String())
	}
}
