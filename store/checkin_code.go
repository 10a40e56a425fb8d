package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CodeStep is how long one check-in code is current. A code is accepted
// during its own step and the next one, so a forwarded photo of the lead's
// screen stops working within a minute.
const CodeStep = 30 * time.Second

// CodeDigits is the length of a check-in code.
const CodeDigits = 6

// codeStep is the time step of t: Unix seconds / 30, rounded down.
func codeStep(t time.Time) int64 {
	u := t.Unix()
	step := u / int64(CodeStep/time.Second)
	if u < 0 && u%int64(CodeStep/time.Second) != 0 {
		step--
	}
	return step
}

// stepEnd is the instant step ends.
func stepEnd(step int64) time.Time {
	return time.Unix((step+1)*int64(CodeStep/time.Second), 0)
}

// checkinCode is the code of secret at step: HMAC-SHA256(secret,
// big-endian uint64(step)), cut to 6 decimal digits by the dynamic
// truncation of RFC 4226 section 5.3.
func checkinCode(secret []byte, step int64) [CodeDigits]byte {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha256.New, secret)
	m.Write(msg[:])
	var buf [sha256.Size]byte
	sum := m.Sum(buf[:0])
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	var code [CodeDigits]byte
	for i := CodeDigits - 1; i >= 0; i-- {
		code[i] = byte('0' + bin%10)
		bin /= 10
	}
	return code
}

// TokenLen is the length of the check-in token the QR code carries: 128
// bits of HMAC-SHA256 in unpadded base64url. A phone that scans the QR
// sends it instead of the 6 digits; it cannot be guessed the way 6 digits
// can.
const TokenLen = 22

// checkinToken is the QR token of secret at step: HMAC-SHA256(secret,
// "studyroll qr token" || big-endian uint64(step)), its first 16 bytes in
// base64url.
func checkinToken(secret []byte, step int64) [TokenLen]byte {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("studyroll qr token"))
	m.Write(msg[:])
	var buf [sha256.Size]byte
	sum := m.Sum(buf[:0])
	var tok [TokenLen]byte
	base64.RawURLEncoding.Encode(tok[:], sum[:16])
	return tok
}

// stepCodes are the codes and tokens accepted during one step: its own and
// the previous step's.
type stepCodes struct {
	step            int64
	cur, prev       [CodeDigits]byte
	curTok, prevTok [TokenLen]byte
}

func codesAt(secret []byte, step int64) *stepCodes {
	return &stepCodes{step: step, cur: checkinCode(secret, step), prev: checkinCode(secret, step-1),
		curTok: checkinToken(secret, step), prevTok: checkinToken(secret, step-1)}
}

// accepts compares code with both accepted codes (6 digits) or both
// accepted tokens (the QR's) in constant time (both comparisons always
// run). Only the length, which is public, short-cuts.
func (c *stepCodes) accepts(code string) bool {
	var a, b int
	switch len(code) {
	case CodeDigits:
		a = subtle.ConstantTimeCompare([]byte(code), c.cur[:])
		b = subtle.ConstantTimeCompare([]byte(code), c.prev[:])
	case TokenLen:
		a = subtle.ConstantTimeCompare([]byte(code), c.curTok[:])
		b = subtle.ConstantTimeCompare([]byte(code), c.prevTok[:])
	}
	return a|b == 1
}

// checkCode reports whether code is accepted for secret at now.
func checkCode(secret []byte, code string, now time.Time) bool {
	return codesAt(secret, codeStep(now)).accepts(code)
}

// CheckinCode is what the lead's screen shows: the current code and when it
// stops being accepted (the end of the step after its own).
type CheckinCode struct {
	Code string `json:"code"`
	// Token is what the QR code carries instead of the digits.
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SessionCode returns the current check-in code of a session. A cancelled
// session has none (409 session_cancelled).
func (s *Store) SessionCode(id string) (*CheckinCode, error) {
	var secret []byte
	err := s.view(func(tx *bolt.Tx) error {
		sess, err := getSession(tx, id)
		if err != nil {
			return err
		}
		if sess.Cancelled {
			return Conflict("session_cancelled", "session %s is cancelled", id)
		}
		secret = copyBytes(tx.Bucket(bucketSecrets).Get(keyOrZero(id)))
		if len(secret) == 0 {
			return Errorf(KindInternal, "internal", "session %s has no secret", id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The lead shows the code before anyone checks in: load the check-in
	// entry (session, secret, audience) now, so the first check-ins of the
	// burst do not all wait for it.
	if _, err := s.checkinEntry(id); err != nil {
		return nil, err
	}
	step := codeStep(s.now())
	code, tok := checkinCode(secret, step), checkinToken(secret, step)
	return &CheckinCode{Code: string(code[:]), Token: string(tok[:]), ExpiresAt: stepEnd(step + 1).In(s.loc)}, nil
}
