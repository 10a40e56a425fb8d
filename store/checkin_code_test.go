package store

import (
	"testing"
	"time"
)

// The RFC 6238 SHA-256 test vectors (secret "1234567890" repeated to 32
// bytes, 30 s steps) give 8 digits; the 6-digit code is their last six,
// since both are the same 31-bit number modulo a power of ten.
func TestCheckinCodeVectors(t *testing.T) {
	secret := []byte("12345678901234567890123456789012")
	cases := []struct {
		unix int64
		want string
	}{
		{59, "119246"},          // 46119246
		{1111111109, "084774"},  // 68084774
		{1111111111, "062674"},  // 67062674
		{1234567890, "819424"},  // 91819424
		{2000000000, "698825"},  // 90698825
		{20000000000, "737706"}, // 77737706
	}
	for _, c := range cases {
		got := checkinCode(secret, codeStep(time.Unix(c.unix, 0)))
		if string(got[:]) != c.want {
			t.Errorf("T=%d: %s, want %s", c.unix, got[:], c.want)
		}
	}
}

func TestCodeStep(t *testing.T) {
	cases := []struct {
		unix int64
		step int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, c := range cases {
		if got := codeStep(time.Unix(c.unix, 0)); got != c.step {
			t.Errorf("codeStep(%d) = %d, want %d", c.unix, got, c.step)
		}
	}
	if e := stepEnd(1); e.Unix() != 60 {
		t.Errorf("stepEnd(1) = %d", e.Unix())
	}
}

func TestSessionCode(t *testing.T) {
	o := newAttOrg(t)
	now := time.Unix(1693533607, 0) // 2023-09-01 09:00:07 +08:00, 7 s into a step
	o.clock.Set(now)
	c, err := o.s.SessionCode(o.sessionID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != o.code(t, o.sessionID, now) || len(c.Code) != CodeDigits {
		t.Errorf("code %s", c.Code)
	}
	// The code stops being accepted at the end of the next step.
	wantExp := time.Unix((codeStep(now)+2)*30, 0)
	if !c.ExpiresAt.Equal(wantExp) {
		t.Errorf("expires_at %v, want %v", c.ExpiresAt, wantExp)
	}
	sec := o.secret(t, o.sessionID)
	if !checkCode(sec, c.Code, c.ExpiresAt.Add(-time.Nanosecond)) {
		t.Error("code refused just before expires_at")
	}
	a, b := checkinCode(sec, codeStep(c.ExpiresAt)), checkinCode(sec, codeStep(c.ExpiresAt)-1)
	if string(a[:]) != c.Code && string(b[:]) != c.Code && checkCode(sec, c.Code, c.ExpiresAt) {
		t.Error("code accepted at expires_at")
	}
	if _, err := o.s.SessionCode("999"); !IsKind(err, KindNotFound) {
		t.Errorf("unknown session: %v", err)
	}
}

// FuzzCheckCode: checkCode never panics, accepts exactly the codes of the
// current and previous step, and always accepts the current code.
func FuzzCheckCode(f *testing.F) {
	f.Add([]byte("12345678901234567890123456789012"), "119246", int64(59))
	f.Add([]byte{}, "000000", int64(0))
	f.Add([]byte{1, 2, 3}, "12345", int64(-31))
	f.Add([]byte("secret"), "١٢٣٤٥٦", int64(1693533607))
	f.Add([]byte("s"), "99999999", int64(1<<40))
	f.Fuzz(func(t *testing.T, secret []byte, code string, unix int64) {
		now := time.Unix(unix, 0)
		step := codeStep(now)
		cur, prev := checkinCode(secret, step), checkinCode(secret, step-1)
		want := code == string(cur[:]) || code == string(prev[:])
		if got := checkCode(secret, code, now); got != want {
			t.Fatalf("checkCode(%q) = %v, want %v (cur %s prev %s)", code, got, want, cur[:], prev[:])
		}
		if !checkCode(secret, string(cur[:]), now) {
			t.Fatal("current code refused")
		}
		for _, b := range cur {
			if b < '0' || b > '9' {
				t.Fatalf("code %q is not 6 digits", cur[:])
			}
		}
	})
}
