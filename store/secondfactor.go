package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"studyroll/totp"
)

// secondFactor is an account's TOTP enrolment, in the security bucket.
type secondFactor struct {
	// Secret is the confirmed key; empty until the first code is confirmed.
	Secret []byte `json:"secret,omitempty"`
	// Pending is a key handed out for enrolment, not yet confirmed.
	Pending []byte `json:"pending,omitempty"`
	// LastCounter is the step of the last code accepted: a code of that
	// step or an earlier one is refused, so a code works once.
	LastCounter int64 `json:"last_counter,omitempty"`
	// Recovery holds the SHA-256 of each unused recovery code.
	Recovery   []string  `json:"recovery,omitempty"`
	EnrolledAt time.Time `json:"enrolled_at,omitzero"`
}

func secondFactorKey(memberID string) []byte { return []byte("2fa/" + memberID) }

func getSecondFactor(tx *bolt.Tx, memberID string) (*secondFactor, error) {
	var sf secondFactor
	_, err := getJSON(tx.Bucket(bucketSecurity), secondFactorKey(memberID), &sf)
	return &sf, err
}

// Issuer names studyroll in authenticator apps.
const Issuer = "studyroll"

// RecoveryCodes is how many recovery codes an enrolment hands out.
const RecoveryCodes = 10

// SecondFactorStatus says whether an account has a second factor and
// whether it must.
type SecondFactorStatus struct {
	Enrolled          bool `json:"enrolled"`
	Required          bool `json:"required"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// SecondFactorRequired reports whether m must log in with a second factor:
// in level3 the three administrators always, and in either profile the
// roles the security policy names (for example lead and hr).
func (s *Store) SecondFactorRequired(m *Member) bool {
	if s.Profile() == ProfileLevel3 && m.Role.Administrator() {
		return true
	}
	for _, r := range s.SecurityPolicy().SecondFactorRoles {
		if r == m.Role {
			return true
		}
	}
	return false
}

// SecondFactor returns m's second-factor status.
func (s *Store) SecondFactor(m *Member) (SecondFactorStatus, error) {
	st := SecondFactorStatus{Required: s.SecondFactorRequired(m)}
	err := s.view(func(tx *bolt.Tx) error {
		sf, err := getSecondFactor(tx, m.ID)
		st.Enrolled, st.RecoveryCodesLeft = len(sf.Secret) > 0, len(sf.Recovery)
		return err
	})
	return st, err
}

// Enrolment is a TOTP key handed out for enrolment: the base32 secret and
// the otpauth:// URL of its QR code.
type Enrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

// BeginSecondFactor hands out a TOTP key for m to enrol; the same key until
// it is confirmed, so asking twice does not invalidate the phone already
// scanned. An account already enrolled gets 409 second_factor_enrolled.
func (s *Store) BeginSecondFactor(ctx context.Context, m *Member) (*Enrolment, error) {
	var key []byte
	err := s.update(func(tx *bolt.Tx) error {
		sf, err := getSecondFactor(tx, m.ID)
		if err != nil {
			return err
		}
		if len(sf.Secret) > 0 {
			return Conflict("second_factor_enrolled", "a second factor is already set up: remove it first")
		}
		if len(sf.Pending) == 0 {
			if sf.Pending, err = totp.NewSecret(); err != nil {
				return err
			}
			if err := putJSON(tx.Bucket(bucketSecurity), secondFactorKey(m.ID), sf); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, "second_factor_begin", "security", m.ID, nil, nil); err != nil {
				return err
			}
		}
		key = sf.Pending
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: totp.EncodeSecret(key), URL: totp.URL(Issuer, m.Username, key)}, nil
}

// ConfirmSecondFactor checks a code of the pending key and makes it m's
// second factor. It returns the recovery codes, shown once.
func (s *Store) ConfirmSecondFactor(ctx context.Context, m *Member, code string) ([]string, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		sf, err := getSecondFactor(tx, m.ID)
		if err != nil {
			return err
		}
		if len(sf.Secret) > 0 {
			return Conflict("second_factor_enrolled", "a second factor is already set up")
		}
		if len(sf.Pending) == 0 {
			return Conflict("no_enrolment", "ask for a key first (POST /me/totp)")
		}
		c, ok := totp.Match(sf.Pending, code, s.now())
		if !ok {
			return Errorf(KindUnauthorized, "bad_second_factor", "wrong or expired code: type the 6 digits the app shows now")
		}
		*sf = secondFactor{Secret: sf.Pending, LastCounter: c, Recovery: hashes, EnrolledAt: s.now().UTC()}
		if err := putJSON(tx.Bucket(bucketSecurity), secondFactorKey(m.ID), sf); err != nil {
			return err
		}
		return s.audit(ctx, tx, "second_factor_enrol", "security", m.ID, nil, map[string]any{"recovery_codes": len(hashes)})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// CheckSecondFactor accepts a TOTP code or an unused recovery code of m's
// enrolled key, once: a code of a step already used is 401 totp_reused; a
// recovery code is used up.
func (s *Store) CheckSecondFactor(ctx context.Context, m *Member, code, recovery string) error {
	return s.update(func(tx *bolt.Tx) error {
		sf, err := getSecondFactor(tx, m.ID)
		if err != nil {
			return err
		}
		if len(sf.Secret) == 0 {
			return Errorf(KindUnauthorized, "second_factor_required", "no second factor is set up")
		}
		if recovery != "" {
			h := recoveryHash(recovery)
			for i, x := range sf.Recovery {
				if subtle.ConstantTimeCompare([]byte(x), []byte(h)) == 1 {
					sf.Recovery = append(sf.Recovery[:i:i], sf.Recovery[i+1:]...)
					if err := putJSON(tx.Bucket(bucketSecurity), secondFactorKey(m.ID), sf); err != nil {
						return err
					}
					return s.audit(ctx, tx, "recovery_code_used", "security", m.ID, nil, map[string]any{"left": len(sf.Recovery)})
				}
			}
			return Errorf(KindUnauthorized, "bad_second_factor", "wrong or used recovery code")
		}
		c, ok := totp.Match(sf.Secret, code, s.now())
		if !ok {
			return Errorf(KindUnauthorized, "bad_second_factor", "wrong or expired code")
		}
		if c <= sf.LastCounter {
			return Errorf(KindUnauthorized, "totp_reused", "this code was already used: wait for the next one")
		}
		sf.LastCounter = c
		return putJSON(tx.Bucket(bucketSecurity), secondFactorKey(m.ID), sf)
	})
}

// RemoveSecondFactor deletes m's second factor (and any pending key): the
// account owner with a valid code, or secadmin/admin after a lost phone.
func (s *Store) RemoveSecondFactor(ctx context.Context, memberID string) error {
	return s.update(func(tx *bolt.Tx) error {
		if _, err := getMember(tx, memberID); err != nil {
			return err
		}
		b := tx.Bucket(bucketSecurity)
		if b.Get(secondFactorKey(memberID)) == nil {
			return nil
		}
		if err := b.Delete(secondFactorKey(memberID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, "second_factor_remove", "security", memberID, nil, nil)
	})
}

func recoveryHash(code string) string {
	c := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	sum := sha256.Sum256([]byte("studyroll recovery " + c))
	return hex.EncodeToString(sum[:])
}

// newRecoveryCodes draws RecoveryCodes codes like "k3f9a-2m8qz" and their
// hashes.
func newRecoveryCodes() (codes, hashes []string, err error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // 32: no l, o, 0, 1; x%32 is unbiased
	for range RecoveryCodes {
		raw := make([]byte, 10)
		if _, err := rand.Read(raw); err != nil {
			return nil, nil, err
		}
		var b strings.Builder
		for i, x := range raw {
			if i == 5 {
				b.WriteByte('-')
			}
			b.WriteByte(alphabet[int(x)%len(alphabet)])
		}
		codes = append(codes, b.String())
		hashes = append(hashes, recoveryHash(b.String()))
	}
	return codes, hashes, nil
}
