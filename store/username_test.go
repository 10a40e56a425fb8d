package store

import (
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// TestUsernameRules: new usernames are NFKC-normalised, lower-cased,
// a-z 0-9 . _ - and 1-32 characters; confusables and invisible characters
// are refused.
func TestUsernameRules(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"zhang.san", "zhang.san", true},
		{"Zhang_San-2", "zhang_san-2", true},
		{"ａｄｍｉｎ２", "admin2", true}, // full-width → ASCII
		{"  lead1 ", "lead1", true},
		{strings.Repeat("a", 32), strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), "", false},
		{"аdmin", "", false},       // Cyrillic а
		{"LEAD\u200b", "", false},  // zero-width space
		{"ad\u202emin", "", false}, // bidi override
		{"张三", "", false},          // not a-z
		{"a b", "", false},
		{"a/b", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		fe := FieldErrors{}
		got := validUsername(fe, c.in)
		if ok := fe.Err() == nil; ok != c.ok || (ok && got != c.want) {
			t.Errorf("%q: got %q ok=%v, want %q ok=%v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestNameRules: names refuse bidi overrides and invisible characters.
func TestNameRules(t *testing.T) {
	cases := map[string]bool{
		"张三":                true,
		"Zhang San":         true,
		"张\u200b三":          false,
		"\u202e三张":          false,
		"张三\u2066":          false,
		"\u3164":            false,
		"张\u00ad三":          false,
		"Anne-Marie O'Neil": true,
	}
	for name, ok := range cases {
		fe := FieldErrors{}
		validName(fe, "name", name)
		if (fe.Err() == nil) != ok {
			t.Errorf("%q: accepted=%v, want %v", name, fe.Err() == nil, ok)
		}
	}
}

// TestLegacyUsernamesLogIn: accounts made by older versions, whose
// usernames are not canonical (Chinese, full-width, up to 64 characters),
// still log in, and the login length limit grows to the longest of them.
func TestLegacyUsernamesLogIn(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.MaxUsernameRunes(); got != 32 {
		t.Errorf("fresh store login limit %d, want 32", got)
	}
	legacy := []string{"张三", "ｚｈａｎｇ", strings.Repeat("长", 40), "Mixed.Case"}
	hash, _ := bcrypt.GenerateFromPassword([]byte("password1"), bcrypt.MinCost)
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, u := range legacy {
			b := tx.Bucket(bucketMembers)
			id, key, err := nextID(b)
			if err != nil {
				return err
			}
			if err := putJSON(b, key, &Member{ID: id, Name: "旧账号", Username: u, Role: RoleMember, JoinedOn: "2020-01-01"}); err != nil {
				return err
			}
			if err := tx.Bucket(bucketUsernames).Put([]byte(strings.ToLower(u)), key); err != nil {
				return err
			}
			if err := tx.Bucket(bucketCredentials).Put(key, hash); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir, Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.MaxUsernameRunes(); got != 40 {
		t.Errorf("login limit %d, want 40 (the longest stored username)", got)
	}
	for _, u := range legacy {
		m, err := s.CheckPassword(u, "password1")
		if err != nil || m.Username != u {
			t.Errorf("legacy %q: %v %+v", u, err, m)
		}
	}
	if _, err := s.CheckPassword("mixed.case", "password1"); err != nil {
		t.Errorf("legacy mixed case, typed lower-case: %v", err)
	}
}

// TestClosedAccountHidesPassword: a closed account answers account_closed
// whether the password is right or wrong.
func TestClosedAccountHidesPassword(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "第一支部", "")
	m := mustMember(t, s, "张三", g, RoleMember, "2023-01-01")
	left := "2023-08-01"
	if _, err := s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: &left}); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"password1", "wrong-pass"} {
		_, err := s.CheckPassword(m.Username, pw)
		if e, ok := err.(*Error); !ok || e.Code != "account_closed" {
			t.Errorf("password %q: %v, want account_closed", pw, err)
		}
	}
}

// TestUnknownUserTiming: a login for an unknown username takes about as
// long as one for a real account (the dummy hash has the real cost). The
// old dummy hash at bcrypt's minimum cost answered 30-60 times faster.
func TestUnknownUserTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("bcrypt at cost 10")
	}
	s, err := Open(t.TempDir(), Options{BcryptCost: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateMember(admin, MemberInput{Name: "张三", Username: "zhangsan", Password: "password1", Role: RoleHR}); err != nil {
		t.Fatal(err)
	}
	s.CheckPassword("nobody", "x") // the dummy hash is made once
	median := func(user string) time.Duration {
		var ds []time.Duration
		for i := 0; i < 3; i++ {
			start := time.Now()
			s.CheckPassword(user, "wrong-pass")
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[1]
	}
	known, unknown := median("zhangsan"), median("nobody")
	t.Logf("known %v, unknown %v", known, unknown)
	if unknown < known/3 {
		t.Errorf("unknown username %v vs known %v: the timing tells them apart", unknown, known)
	}
	if c, _ := bcrypt.Cost(s.dummyHash()); c != 10 {
		t.Errorf("dummy hash cost %d, want 10", c)
	}
}

// TestCloseEndsTokens: closing an account ends its tokens; reopening it
// does not bring them back.
func TestCloseEndsTokens(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "第一支部", "")
	m := mustMember(t, s, "张三", g, RoleMember, "2023-01-01")
	tok, _, err := s.CreateToken(admin, m.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	left, open := "2023-08-01", ""
	if _, err := s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: &left}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: &open}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(tok); err == nil {
		t.Error("a token from before the account was closed works after it was reopened")
	}
}

// FuzzUsername: an accepted username is canonical (normalising it again
// changes nothing), 1-32 characters of a-z 0-9 . _ -.
func FuzzUsername(f *testing.F) {
	for _, s := range []string{"admin", "ａｄｍｉｎ", "аdmin", "LEAD\u200b", "Zhang.San", strings.Repeat("x", 40), "ﬁ", "㍿"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fe := FieldErrors{}
		c := validUsername(fe, s)
		if fe.Err() != nil {
			return
		}
		if c == "" || len(c) > MaxUsernameRunes || CanonicalUsername(c) != c || strings.IndexFunc(c, func(r rune) bool { return !usernameRune(r) }) >= 0 {
			t.Errorf("%q accepted as %q", s, c)
		}
	})
}
