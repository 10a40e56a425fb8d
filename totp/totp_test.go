package totp

import (
	"testing"
	"time"
)

// TestRFC6238Vectors checks Code against the test vectors of RFC 6238
// appendix B (8 digits; the three keys and hashes of the RFC).
func TestRFC6238Vectors(t *testing.T) {
	keys := map[Algorithm][]byte{
		SHA1:   []byte("12345678901234567890"),
		SHA256: []byte("12345678901234567890123456789012"),
		SHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	for _, v := range []struct {
		unix int64
		alg  Algorithm
		want string
	}{
		{59, SHA1, "94287082"}, {59, SHA256, "46119246"}, {59, SHA512, "90693936"},
		{1111111109, SHA1, "07081804"}, {1111111109, SHA256, "68084774"}, {1111111109, SHA512, "25091201"},
		{1111111111, SHA1, "14050471"}, {1111111111, SHA256, "67062674"}, {1111111111, SHA512, "99943326"},
		{1234567890, SHA1, "89005924"}, {1234567890, SHA256, "91819424"}, {1234567890, SHA512, "93441116"},
		{2000000000, SHA1, "69279037"}, {2000000000, SHA256, "90698825"}, {2000000000, SHA512, "38618901"},
		{20000000000, SHA1, "65353130"}, {20000000000, SHA256, "77737706"}, {20000000000, SHA512, "47863826"},
	} {
		got := Code(v.alg, keys[v.alg], Counter(time.Unix(v.unix, 0)), 8)
		if got != v.want {
			t.Errorf("T=%d alg %d: %s, want %s", v.unix, v.alg, got, v.want)
		}
	}
}

// TestMatchWindow: a code is accepted one step either side of now, not two.
func TestMatchWindow(t *testing.T) {
	key := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	c := Counter(now)
	for _, tc := range []struct {
		d  int64
		ok bool
	}{{-2, false}, {-1, true}, {0, true}, {1, true}, {2, false}} {
		code := Code(SHA1, key, c+tc.d, Digits)
		got, ok := Match(key, code, now)
		if ok != tc.ok || (ok && got != c+tc.d) {
			t.Errorf("step %+d: %d %v, want ok=%v", tc.d, got, ok, tc.ok)
		}
	}
	if _, ok := Match(key, "12345", now); ok {
		t.Error("a short code matched")
	}
}

func TestSecretRoundTrip(t *testing.T) {
	k, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeSecret(EncodeSecret(k))
	if err != nil || string(back) != string(k) {
		t.Fatalf("round trip: %v", err)
	}
	if u := URL("studyroll", "sysadmin", k); u[:len("otpauth://totp/studyroll:sysadmin?")] != "otpauth://totp/studyroll:sysadmin?" {
		t.Errorf("url %s", u)
	}
}

// FuzzMatch: any input is answered without a panic, and only 6-digit
// strings can ever match.
func FuzzMatch(f *testing.F) {
	f.Add("123456", int64(59))
	f.Add(" 000000 ", int64(-1))
	f.Add("abcdef", int64(1<<40))
	key := []byte("12345678901234567890")
	f.Fuzz(func(t *testing.T, code string, unix int64) {
		if _, ok := Match(key, code, time.Unix(unix, 0)); ok && len(code) < Digits {
			t.Errorf("%q matched", code)
		}
	})
}
