package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// passwordRecord is an account's password history, in the security bucket:
// the hashes of its last passwords (newest first) and when the current one
// was set.
type passwordRecord struct {
	History [][]byte  `json:"history,omitempty"`
	SetAt   time.Time `json:"set_at,omitzero"`
}

func passwordKey(memberID string) []byte { return []byte("pw/" + memberID) }

// passwordClasses counts the classes among lower case, upper case, digits
// and everything else.
func passwordClasses(p string) int {
	var lower, upper, digit, other int
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// CheckPasswordRules applies the stateless rules of the password policy to
// a new password of username: length, classes, no username inside. The
// reason names what is missing.
func (pp PasswordPolicy) CheckPasswordRules(username, password string) string {
	if n := len([]rune(password)); n < pp.MinLength {
		return fmt.Sprintf("at least %d characters", pp.MinLength)
	}
	if pp.Classes > 1 && passwordClasses(password) < pp.Classes {
		return fmt.Sprintf("at least %d of: lower case, upper case, digits, other characters", pp.Classes)
	}
	if pp.NoUsername && len(username) >= 3 && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return "must not contain the username"
	}
	return ""
}

// checkPasswordPolicy applies the policy in force to a new password;
// history refuses the account's last passwords (memberID "" for a new
// account). Existing passwords are never checked: a policy made stricter
// locks nobody out.
func (s *Store) checkPasswordPolicy(tx *bolt.Tx, memberID, username, password string) error {
	pp := s.SecurityPolicy().Password
	if r := pp.CheckPasswordRules(username, password); r != "" {
		return Invalid(map[string]string{"password": r})
	}
	if pp.History <= 0 || memberID == "" || tx == nil {
		return nil
	}
	var rec passwordRecord
	if _, err := getJSON(tx.Bucket(bucketSecurity), passwordKey(memberID), &rec); err != nil {
		return err
	}
	hashes := rec.History
	if cur := tx.Bucket(bucketCredentials).Get(keyOrZero(memberID)); cur != nil && len(hashes) == 0 {
		hashes = [][]byte{copyBytes(cur)}
	}
	for i, h := range hashes {
		if i >= pp.History {
			break
		}
		if bcrypt.CompareHashAndPassword(h, []byte(password)) == nil {
			return Invalid(map[string]string{"password": fmt.Sprintf("one of the last %d passwords of this account", pp.History)})
		}
	}
	return nil
}

// recordPassword notes a new password's hash in the account's history.
func (s *Store) recordPassword(tx *bolt.Tx, memberID string, hash []byte) error {
	b := tx.Bucket(bucketSecurity)
	var rec passwordRecord
	if _, err := getJSON(b, passwordKey(memberID), &rec); err != nil {
		return err
	}
	if len(rec.History) == 0 {
		if cur := tx.Bucket(bucketCredentials).Get(keyOrZero(memberID)); cur != nil && string(cur) != string(hash) {
			rec.History = [][]byte{copyBytes(cur)}
		}
	}
	rec.History = append([][]byte{hash}, rec.History...)
	if len(rec.History) > 24 {
		rec.History = rec.History[:24]
	}
	rec.SetAt = s.now().UTC()
	return putJSON(b, passwordKey(memberID), rec)
}

// PasswordExpired reports whether m's password is older than the policy's
// maximum age. A password set before studyroll kept its date never
// expires (nobody is locked out by turning the policy on).
func (s *Store) PasswordExpired(memberID string) (bool, error) {
	days := s.SecurityPolicy().Password.MaxAgeDays
	if days <= 0 {
		return false, nil
	}
	var rec passwordRecord
	err := s.view(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketSecurity), passwordKey(memberID), &rec)
		return err
	})
	if err != nil || rec.SetAt.IsZero() {
		return false, err
	}
	return s.now().Sub(rec.SetAt) > time.Duration(days)*24*time.Hour, nil
}

// ChangeOwnPassword sets m's password after checking the current one and
// the policy.
func (s *Store) ChangeOwnPassword(ctx context.Context, m *Member, current, next string) error {
	if _, err := s.CheckPassword(m.Username, current); err != nil {
		return Invalid(map[string]string{"current": "wrong password"})
	}
	_, err := s.UpdateMember(ctx, m.ID, MemberPatch{Password: &next})
	return err
}

// ResetPassword sets a new password on the account username the way an
// admin's PATCH /members/{id} does: the password rules and history apply,
// every session of the account ends, and it is audited. An empty password
// draws a random one; it returns the password set. `studyroll admin
// reset-password` calls it on a stopped store: the way back in when the
// only administrator's password is lost.
func (s *Store) ResetPassword(ctx context.Context, username, password string) (string, error) {
	m, err := s.MemberByUsername(username)
	if err != nil {
		return "", err
	}
	if password == "" {
		if password, err = randomPassword(); err != nil {
			return "", err
		}
	}
	if _, err := s.UpdateMember(ctx, m.ID, MemberPatch{Password: &password}); err != nil {
		return "", err
	}
	return password, nil
}
