package store

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestAuditRetention: the store refuses to prune entries younger than the
// retention (180 days by default, or more); an allowed prune keeps the
// chain verifiable and is itself audited.
func TestAuditRetention(t *testing.T) {
	clock := NewManualClock(time.Date(2024, 1, 1, 9, 0, 0, 0, DefaultLocation()))
	s, err := Open(t.TempDir(), Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := WithActor(context.Background(), "system")
	for i := range 3 {
		if _, err := s.CreateGroup(ctx, GroupInput{Name: string(rune('A' + i))}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(100 * 24 * time.Hour)
	}
	// Now 2024-10-27; entries at 01-01, 04-10, 07-19.
	for _, tc := range []struct {
		name   string
		before time.Time
		ok     bool
	}{
		{"yesterday", clock.Now().Add(-24 * time.Hour), false},
		{"179 days ago", clock.Now().Add(-179 * 24 * time.Hour), false},
		{"181 days ago", clock.Now().Add(-181 * 24 * time.Hour), true},
	} {
		_, err := s.PruneAudit(ctx, tc.before)
		if (err == nil) != tc.ok || (!tc.ok && ErrorCode(err) != "audit_retention") {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	es, _ := s.Audit(AuditFilter{Limit: 100})
	if len(es) != 2 { // 07-19 kept (01-01 and 04-10 are over 181 days old), plus the prune
		t.Errorf("%d entries after the prune, want 2", len(es))
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Errorf("chain after the prune: %v", err)
	}
	// A longer retention is honoured.
	sp := s.SecurityPolicy()
	sp.AuditRetention = 365 * 24 * time.Hour
	if err := s.SetSecurityPolicy(sp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PruneAudit(ctx, clock.Now().Add(-200*24*time.Hour)); ErrorCode(err) != "audit_retention" {
		t.Errorf("200 days under a 365-day retention: %v", err)
	}
	sp.AuditRetention = 90 * 24 * time.Hour
	if err := s.SetSecurityPolicy(sp); err == nil {
		t.Error("a 90-day retention accepted")
	}
}
