package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Profile is a site's security profile: "standard" (one admin holds every
// administrative power) or "level3" (等保 2.0 level 3: the powers are split
// between sysadmin, secadmin and auditor — 三员分立 — and the stricter
// defaults of docs/COMPLIANCE.md apply). It is recorded in the store at the
// first start and changes only through SwitchProfile.
type Profile string

// The profiles.
const (
	ProfileStandard Profile = "standard"
	ProfileLevel3   Profile = "level3"
)

// Valid reports whether p is a known profile.
func (p Profile) Valid() bool { return p == ProfileStandard || p == ProfileLevel3 }

// The three administrator roles of 三员分立. They exist in both profiles;
// in level3 they replace admin.
const (
	RoleSysAdmin Role = "sysadmin" // configuration, backups, groups
	RoleSecAdmin Role = "secadmin" // accounts, roles, password resets, unlocks
	RoleAuditor  Role = "auditor"  // the audit log and its verification, nothing else
)

// Administrator reports whether r is admin or one of the three
// administrator roles.
func (r Role) Administrator() bool {
	return r == RoleAdmin || r == RoleSysAdmin || r == RoleSecAdmin || r == RoleAuditor
}

var keyProfile = []byte("security_profile")

// Buckets of the security features; created with the others at open.
var (
	bucketSecurity = []byte("security") // per-account second factor, password history, session activity
)

func init() { allBuckets = append(allBuckets, bucketSecurity) }

// Profile returns the store's security profile: standard for a store that
// never recorded one.
func (s *Store) Profile() Profile {
	if p := s.profile.Load(); p != nil {
		return *p
	}
	p := ProfileStandard
	_ = s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyProfile); v != nil {
			p = Profile(v)
		}
		return nil
	})
	s.profile.Store(&p)
	return p
}

// SetupProfile applies the profile the config asks for at start. A fresh
// store (no accounts) records it; a store that already holds another
// profile refuses to start, naming the command that switches. An empty want
// keeps what the store holds.
func (s *Store) SetupProfile(ctx context.Context, want Profile) error {
	if want != "" && !want.Valid() {
		return fmt.Errorf("security_profile %q: want \"standard\" or \"level3\"", want)
	}
	err := s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		have := Profile(meta.Get(keyProfile))
		fresh := tx.Bucket(bucketMembers).Stats().KeyN == 0
		if have == "" && !fresh {
			have = ProfileStandard // a store from before profiles existed
		}
		switch {
		case want == "" && have != "":
			return nil
		case want == "":
			want = ProfileStandard
		case have != "" && have != want:
			return fmt.Errorf("this store runs the %q security profile but the config asks for %q: switch explicitly with `studyroll security-profile --data DIR %s` (audited)", have, want, want)
		case have == want:
			if meta.Get(keyProfile) == nil {
				return meta.Put(keyProfile, []byte(want))
			}
			return nil
		}
		if err := meta.Put(keyProfile, []byte(want)); err != nil {
			return err
		}
		return s.audit(ctx, tx, "profile_set", "security", "profile", nil, map[string]any{"profile": want})
	})
	s.profile.Store(nil)
	return err
}

// SwitchProfile changes the profile of an existing store: the explicit,
// audited command. Going to level3 creates the three administrator
// accounts that do not exist yet (passwords from pw, else drawn) and closes
// every admin account today; going to standard creates an admin when no
// open one exists. It returns the accounts created and their passwords.
func (s *Store) SwitchProfile(ctx context.Context, to Profile, pw map[string]string) ([]BootstrapAccount, error) {
	if !to.Valid() {
		return nil, Invalid(map[string]string{"profile": "standard or level3"})
	}
	var made []BootstrapAccount
	err := s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		from := Profile(meta.Get(keyProfile))
		if from == "" {
			from = ProfileStandard
		}
		if from == to {
			return Conflict("same_profile", "the store already runs the %s profile", to)
		}
		today := s.Today()
		var err error
		if to == ProfileLevel3 {
			if made, err = s.createAdministrators(ctx, tx, level3Accounts, pw); err != nil {
				return err
			}
			var admins []string
			if err := tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
				var m Member
				if err := json.Unmarshal(v, &m); err != nil {
					return err
				}
				if m.Role == RoleAdmin && (m.LeftOn == "" || m.LeftOn > today) {
					admins = append(admins, m.ID)
				}
				return nil
			}); err != nil {
				return err
			}
			for _, id := range admins {
				left := today
				if _, err := s.patchMember(ctx, tx, id, MemberPatch{LeftOn: &left}, nil); err != nil {
					return err
				}
				if err := deleteTokensOf(tx, id); err != nil {
					return err
				}
			}
		} else {
			open := false
			if err := tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
				var m Member
				if err := json.Unmarshal(v, &m); err != nil {
					return err
				}
				open = open || (m.Role == RoleAdmin && (m.LeftOn == "" || m.LeftOn > today))
				return nil
			}); err != nil {
				return err
			}
			if !open {
				if made, err = s.createAdministrators(ctx, tx, standardAccounts, pw); err != nil {
					return err
				}
			}
		}
		if err := meta.Put(keyProfile, []byte(to)); err != nil {
			return err
		}
		return s.audit(ctx, tx, "profile_switch", "security", "profile", map[string]any{"profile": from}, map[string]any{"profile": to})
	})
	s.profile.Store(nil)
	if err != nil {
		return nil, err
	}
	return made, nil
}

// BootstrapAccount is an administrator account created at the first start
// (or by a profile switch), with the password it got.
type BootstrapAccount struct {
	Username, Name string
	Role           Role
	Password       string
	// Env is the environment variable the password may come from.
	Env string
	// FromEnv is true when the password came from Env.
	FromEnv bool
}

var standardAccounts = []BootstrapAccount{
	{Username: "admin", Name: "管理员", Role: RoleAdmin, Env: "STUDYROLL_ADMIN_PASSWORD"},
}

var level3Accounts = []BootstrapAccount{
	{Username: "sysadmin", Name: "系统管理员", Role: RoleSysAdmin, Env: "STUDYROLL_SYSADMIN_PASSWORD"},
	{Username: "secadmin", Name: "安全管理员", Role: RoleSecAdmin, Env: "STUDYROLL_SECADMIN_PASSWORD"},
	{Username: "auditor", Name: "安全审计员", Role: RoleAuditor, Env: "STUDYROLL_AUDITOR_PASSWORD"},
}

// BootstrapAccounts lists the accounts the first start of profile p
// creates, with the environment variable each password may come from.
func BootstrapAccounts(p Profile) []BootstrapAccount {
	if p == ProfileLevel3 {
		return append([]BootstrapAccount(nil), level3Accounts...)
	}
	return append([]BootstrapAccount(nil), standardAccounts...)
}

// createAdministrators creates the accounts of want whose username is
// free, with the password pw[Env] or a random one.
func (s *Store) createAdministrators(ctx context.Context, tx *bolt.Tx, want []BootstrapAccount, pw map[string]string) ([]BootstrapAccount, error) {
	var out []BootstrapAccount
	for _, a := range want {
		if tx.Bucket(bucketUsernames).Get([]byte(a.Username)) != nil {
			continue
		}
		a.Password = pw[a.Env]
		a.FromEnv = a.Password != ""
		if !a.FromEnv {
			var err error
			if a.Password, err = randomPassword(); err != nil {
				return nil, err
			}
		}
		in := MemberInput{Name: a.Name, Username: a.Username, Password: a.Password, Role: a.Role, JoinedOn: s.Today()}
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("$%s: %w", a.Env, err)
		}
		if err := s.checkPasswordPolicy(tx, "", a.Username, a.Password); err != nil {
			return nil, fmt.Errorf("$%s: %w", a.Env, err)
		}
		hash, err := s.hash(a.Password)
		if err != nil {
			return nil, err
		}
		if _, err := s.createMember(ctx, tx, in, hash); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// randomPassword draws a password that meets every password policy: 16
// base64 characters plus a fixed tail of the classes base64 may miss.
func randomPassword() (string, error) {
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw) + "a7K", nil
}

// BootstrapProfile creates the first accounts of the store's profile when
// the store has none: admin in standard; sysadmin, secadmin and auditor in
// level3. pw maps each account's environment variable to a password; a
// missing one is drawn at random. It returns the accounts created.
func (s *Store) BootstrapProfile(ctx context.Context, pw map[string]string) ([]BootstrapAccount, error) {
	p := s.Profile()
	var made []BootstrapAccount
	err := s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMembers).Stats().KeyN > 0 {
			return nil
		}
		var err error
		made, err = s.createAdministrators(ctx, tx, BootstrapAccounts(p), pw)
		return err
	})
	return made, err
}

// checkRole applies the profile and the separation of duties to a role an
// account is about to hold. In level3 no account may be admin: its powers
// belong to three different people.
func (s *Store) checkRole(tx *bolt.Tx, r Role) error {
	p := ProfileStandard
	if v := tx.Bucket(bucketMeta).Get(keyProfile); v != nil {
		p = Profile(v)
	}
	if p == ProfileLevel3 && r == RoleAdmin {
		return separationErr("role", "the level3 profile has no admin: use sysadmin, secadmin or auditor (三员分立)")
	}
	return nil
}

func separationErr(field, reason string) *Error {
	return &Error{Kind: KindInvalid, Code: "separation_of_duties", Message: field + ": " + reason, Fields: map[string]string{field: reason}}
}

// parseRoles reads a role field that may name several roles ("sysadmin,
// auditor") and the optional roles list. An account holds one role: two
// administrator roles together break the separation of duties (422
// separation_of_duties); any other pair is simply not a role.
func parseRoles(role Role, roles []Role) (Role, *Error) {
	all := append([]Role(nil), roles...)
	if role != "" {
		for _, part := range strings.FieldsFunc(string(role), func(r rune) bool { return r == ',' || r == '+' || r == '/' || r == ' ' || r == '&' }) {
			all = append(all, Role(strings.TrimSpace(part)))
		}
		if len(all) == len(roles) { // role was only separators
			all = append(all, role)
		}
	}
	uniq := map[Role]bool{}
	var list []Role
	for _, r := range all {
		if !uniq[r] {
			uniq[r] = true
			list = append(list, r)
		}
	}
	switch len(list) {
	case 0:
		return "", nil
	case 1:
		return list[0], nil
	}
	admins := 0
	for _, r := range list {
		if r.Administrator() {
			admins++
		}
	}
	if admins > 0 {
		return "", separationErr("role", "an account holds one role: sysadmin, secadmin and auditor (and admin) never go together, nor with another role (三员分立)")
	}
	return "", &Error{Kind: KindInvalid, Code: "invalid", Message: "role: an account holds one role", Fields: map[string]string{"role": "an account holds one role"}}
}

// SecurityEvent reports whether an audit entry is a security event only the
// auditor (and, in standard, admin) reads: logins, failed logins,
// lockouts, second-factor and session changes, profile changes, and
// anything an administrator (sysadmin, secadmin, auditor) did.
func SecurityEvent(e *AuditEntry, administrators map[string]bool) bool {
	if e.Entity == "security" || administrators[e.ActorID] {
		return true
	}
	switch e.Action {
	case "login", "logout", "login_failed", "login_locked":
		return true
	}
	return false
}

// WithoutSecurityEvents drops the entries hr may not read: the security
// events of the administrators (三员分立: only the auditor reads them).
func (s *Store) WithoutSecurityEvents(entries []AuditEntry) ([]AuditEntry, error) {
	visible, err := s.NotSecurityEvent()
	if err != nil {
		return nil, err
	}
	out := entries[:0]
	for i := range entries {
		if visible(&entries[i]) {
			out = append(out, entries[i])
		}
	}
	return out, nil
}

// NotSecurityEvent returns the test WithoutSecurityEvents applies to each
// entry (true: hr may read it), for AuditEach.
func (s *Store) NotSecurityEvent() (func(*AuditEntry) bool, error) {
	admins := map[string]bool{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if m.Role.Administrator() {
				admins[m.ID] = true
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return func(e *AuditEntry) bool { return !SecurityEvent(e, admins) }, nil
}

// RecordSecurityEvent appends a security event (entity "security") to the
// audit log in its own transaction: a failed login, a lockout. subject is
// what it concerns (a username, cut to 64 bytes).
func (s *Store) RecordSecurityEvent(ctx context.Context, action, subject string, details map[string]any) error {
	if len(subject) > 64 {
		subject = subject[:64]
	}
	return s.update(func(tx *bolt.Tx) error {
		return s.audit(ctx, tx, action, "security", subject, nil, details)
	})
}
