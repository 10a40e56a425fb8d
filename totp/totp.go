// Package totp computes time-based one-time passwords (RFC 6238) for the
// second factor of a login: the codes of authenticator apps (SHA-1, 6
// digits, 30-second steps), and the otpauth:// URL their QR code carries.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// Step is the time step of a code; Digits its length. Both are what every
// authenticator app assumes by default.
const (
	Step   = 30 * time.Second
	Digits = 6
)

// Algorithm is the HMAC hash: SHA1 (the apps' default), SHA256, SHA512.
type Algorithm int

// The algorithms of RFC 6238.
const (
	SHA1 Algorithm = iota
	SHA256
	SHA512
)

func (a Algorithm) new() func() hash.Hash {
	switch a {
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return sha1.New
}

// Counter is the step number of t: Unix seconds / 30, rounded down.
func Counter(t time.Time) int64 {
	u := t.Unix()
	s := int64(Step / time.Second)
	c := u / s
	if u < 0 && u%s != 0 {
		c--
	}
	return c
}

// Code is the HOTP value (RFC 4226) of key at counter, with digits digits.
func Code(a Algorithm, key []byte, counter int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(a.new(), key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// Match reports the counter, among now's and its neighbours (one step of
// clock drift either way), whose 6-digit SHA-1 code equals code; ok is false
// when none does. Every comparison runs, in constant time.
func Match(key []byte, code string, now time.Time) (counter int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != Digits {
		return 0, false
	}
	c := Counter(now)
	for _, d := range []int64{-1, 0, 1} {
		if subtle.ConstantTimeCompare([]byte(Code(SHA1, key, c+d, Digits)), []byte(code)) == 1 {
			counter, ok = c+d, true
		}
	}
	return counter, ok
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret draws a 160-bit key (the size RFC 4226 recommends).
func NewSecret() ([]byte, error) {
	k := make([]byte, 20)
	_, err := rand.Read(k)
	return k, err
}

// EncodeSecret writes a key in base32 without padding, as the apps take it.
func EncodeSecret(key []byte) string { return b32.EncodeToString(key) }

// DecodeSecret reads a base32 key; spaces and lower case are allowed.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimRight(s, "="), " ", ""))
	return b32.DecodeString(s)
}

// URL is the otpauth:// address an authenticator app reads from a QR code.
func URL(issuer, account string, key []byte) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{}
	q.Set("secret", EncodeSecret(key))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(Digits))
	q.Set("period", fmt.Sprint(int(Step/time.Second)))
	return "otpauth://totp/" + label + "?" + q.Encode()
}
