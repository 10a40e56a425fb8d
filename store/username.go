package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// Username and password limits.
const (
	// MaxUsernameRunes is the longest new username.
	MaxUsernameRunes = 32
	// MaxPasswordBytes is the longest password bcrypt reads; a longer one
	// is refused rather than silently cut.
	MaxPasswordBytes = 72
)

// CanonicalUsername is the one spelling of a username: NFKC-normalised
// (full-width letters become ASCII), trimmed and lower-cased. New usernames
// must be canonical and use only a-z 0-9 . _ -; logins are looked up by
// this form.
func CanonicalUsername(u string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(u)))
}

// usernameRune reports whether r may appear in a new username.
func usernameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// validUsername checks a new username and returns its canonical form.
// Confusables (Cyrillic а for Latin a), invisible characters and anything
// outside a-z 0-9 . _ - are refused, so two accounts cannot look alike.
func validUsername(fe FieldErrors, u string) string {
	c := CanonicalUsername(u)
	switch {
	case c == "":
		fe.Add("username", "required")
	case utf8.RuneCountInString(c) > MaxUsernameRunes:
		fe.Add("username", "at most 32 characters")
	case strings.IndexFunc(c, func(r rune) bool { return !usernameRune(r) }) >= 0:
		fe.Add("username", "only letters a-z, digits and . _ -")
	}
	return c
}

// invisibleRune reports whether r does not show on screen or reorders text
// around it: format characters (zero-width spaces and joiners, bidi
// overrides and isolates, soft hyphens), fillers that render blank, and
// controls.
func invisibleRune(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\u034f':
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || (r >= '\ufe00' && r <= '\ufe0f')
}

// loginUsernameLimit is the longest username a login may send, in runes:
// 32, or the longest username an older store holds (older versions
// allowed 64), so every existing account can still log in.
func loginUsernameLimit(tx *bolt.Tx) int {
	n := MaxUsernameRunes
	_ = tx.Bucket(bucketUsernames).ForEach(func(k, _ []byte) error {
		if l := utf8.RuneCount(k); l > n {
			n = l
		}
		return nil
	})
	return n
}

// MaxUsernameRunes is the longest username a login may send (see
// loginUsernameLimit).
func (s *Store) MaxUsernameRunes() int {
	if n := s.loginMax.Load(); n > 0 {
		return int(n)
	}
	return MaxUsernameRunes
}

// usernameKey finds the member key of a username: by its canonical form,
// else (an account made before usernames were canonical) by the
// lower-cased spelling older versions indexed.
func usernameKey(tx *bolt.Tx, username string) []byte {
	b := tx.Bucket(bucketUsernames)
	if k := b.Get([]byte(CanonicalUsername(username))); k != nil {
		return k
	}
	if legacy := strings.ToLower(strings.TrimSpace(username)); legacy != "" {
		return b.Get([]byte(legacy))
	}
	return nil
}
