package store

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestPasswordRules: the level3 policy's stateless rules.
func TestPasswordRules(t *testing.T) {
	pp := DefaultSecurityPolicy(ProfileLevel3).Password
	for _, tc := range []struct {
		user, pw string
		ok       bool
	}{
		{"zhangwei", "Abcdef12", true},
		{"zhangwei", "Abc12", false},         // short
		{"zhangwei", "abcdefgh12", false},    // two classes
		{"zhangwei", "abcdefgh!2", true},     // lower, digit, other
		{"zhangwei", "ZhangWei-2023", false}, // username inside, any case
		{"li", "li-Abcdef1", true},           // a 2-letter username is not looked for
		{"wang", "学习强国Abc1", true},           // CJK counts as "other"
	} {
		if got := pp.CheckPasswordRules(tc.user, tc.pw) == ""; got != tc.ok {
			t.Errorf("%s/%s: ok=%v, want %v (%s)", tc.user, tc.pw, got, tc.ok, pp.CheckPasswordRules(tc.user, tc.pw))
		}
	}
	std := DefaultSecurityPolicy(ProfileStandard).Password
	if r := std.CheckPasswordRules("zhangwei", "zhangwei1"); r != "" {
		t.Errorf("standard refuses %q: %s", "zhangwei1", r)
	}
}

// TestPasswordPolicyOnStore: the policy applies when a password is set,
// the last 5 are refused, an existing weak password still logs in, and a
// password older than max_age_days is reported expired.
func TestPasswordPolicyOnStore(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 1, 5, 9, 0, 0, 0, DefaultLocation()))
	s, err := Open(t.TempDir(), Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := WithActor(context.Background(), "system")
	weak, err := s.CreateMember(ctx, MemberInput{Name: "张伟", Username: "zhangwei", Password: "weakweak", Role: RoleHR})
	if err != nil {
		t.Fatal(err)
	}
	sp := DefaultSecurityPolicy(ProfileLevel3)
	sp.Password.MaxAgeDays = 90
	if err := s.SetSecurityPolicy(sp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckPassword("zhangwei", "weakweak"); err != nil {
		t.Errorf("a stricter policy locked an existing account out: %v", err)
	}
	if exp, _ := s.PasswordExpired(weak.ID); exp {
		t.Error("a password of unknown age expired")
	}
	if _, err := s.CreateMember(ctx, MemberInput{Name: "李", Username: "li2", Password: "weakweak2", Role: RoleHR}); !IsKind(err, KindInvalid) {
		t.Errorf("weak new password: %v", err)
	}
	set := func(pw string) error {
		_, err := s.UpdateMember(ctx, weak.ID, MemberPatch{Password: &pw})
		return err
	}
	pws := []string{"First-pass1", "Second-pass2", "Third-pass3", "Fourth-pass4", "Fifth-pass5"}
	for _, pw := range pws {
		if err := set(pw); err != nil {
			t.Fatalf("%s: %v", pw, err)
		}
	}
	for _, old := range append(pws, "weakweak") {
		if err := set(old); err == nil && old != "weakweak" {
			t.Errorf("reused %s accepted", old)
		}
	}
	// "weakweak" fails on classes anyway; the sixth-last is allowed again.
	if err := set("Sixth-pass6"); err != nil {
		t.Fatal(err)
	}
	if err := set("First-pass1"); err != nil {
		t.Errorf("the sixth-last password refused: %v", err)
	}
	clock.Advance(91 * 24 * time.Hour)
	if exp, _ := s.PasswordExpired(weak.ID); !exp {
		t.Error("a 91-day-old password did not expire under max_age_days 90")
	}
}
