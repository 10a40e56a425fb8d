package handlers

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"studyroll/store"
)

// loginFrom posts a login from a client address (and optional headers).
func (ts *testServer) loginFrom(addr, user, pw string, hdr ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	ts.e.ServeHTTP(rec, req)
	return rec
}

// TestLoginInputLimits: oversized bodies, usernames and passwords are
// refused before anything is counted or hashed.
func TestLoginInputLimits(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name   string
		body   string
		chunk  bool // sent without Content-Length
		status int
		field  string
	}{
		{"ErrBodyOver4KiB", `{"username":"m1","password":"` + strings.Repeat("x", 5000) + `"}`, false, 413, ""},
		{"ErrChunkedBodyOver4KiB", `{"username":"` + strings.Repeat("x", 1<<20) + `","password":"x"}`, true, 413, ""},
		{"ErrUsername33Runes", `{"username":"` + strings.Repeat("甲", 33) + `","password":"password1"}`, false, 422, "username"},
		{"ErrPassword73Bytes", `{"username":"m1","password":"` + strings.Repeat("p", 73) + `"}`, false, 422, "password"},
		{"OKUsername32Runes", `{"username":"` + strings.Repeat("a", 32) + `","password":"password1"}`, false, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if c.chunk {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			ts.e.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, c.status)
			}
			if c.field != "" {
				var e struct {
					Error struct{ Fields map[string]string }
				}
				decodeJSON(t, rec, &e)
				if e.Error.Fields[c.field] == "" {
					t.Errorf("fields %v do not name %s", e.Error.Fields, c.field)
				}
			}
		})
	}
	h := ts.handler()
	if p, a, u := h.limiter.sizes(); p != 1 || a != 1 || u != 1 {
		t.Errorf("limiter holds %d/%d/%d keys; only the one well-formed attempt may count", p, a, u)
	}
}

// handler returns the Handler behind the test server's router.
func (ts *testServer) handler() *Handler {
	return ts.h
}

// TestLoginMemoryBound sends 400 login bodies of 1 MiB each, without
// Content-Length, every one with a different username: the heap must not
// keep them (the limit was 30 MB of growth; the old limiter kept every
// username, 400 MiB).
func TestLoginMemoryBound(t *testing.T) {
	ts := newTestServer(t)
	srv := httptest.NewServer(ts.e)
	defer srv.Close()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	pad := strings.Repeat("x", 1<<20-64)
	for i := 0; i < 400; i++ {
		body := fmt.Sprintf(`{"username":"%d%s","password":"wrong-pass"}`, i, pad)
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/login", io.NopCloser(strings.NewReader(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("request %d: %d, want 413", i, resp.StatusCode)
		}
	}
	srv.Client().CloseIdleConnections()
	after := heap()
	growth := int64(after) - int64(before)
	t.Logf("heap growth after 400 × 1 MiB logins: %d KiB", growth/1024)
	if growth > 30<<20 {
		t.Errorf("heap grew %d MiB, want < 30 MiB", growth>>20)
	}
}

// TestLoginParallelGuesses: 40 parallel wrong guesses for one username from
// one address get exactly 5 bcrypt checks; the rest are 429.
func TestLoginParallelGuesses(t *testing.T) {
	ts := newTestServer(t)
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"username":"m1","password":"wrong-pass"}`
			req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			ts.e.ServeHTTP(rec, req)
			mu.Lock()
			got[rec.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got[401] != 5 || got[429] != 35 {
		t.Errorf("answers %v, want 5 × 401 and 35 × 429", got)
	}
}

// TestLoginLimits: the per-address limit stops a spray of one guess per
// username; failures from other addresses do not lock a user out of a clean
// address; the trusted proxy's X-Forwarded-For names the client, anyone
// else's is ignored.
func TestLoginLimits(t *testing.T) {
	t.Run("ErrSprayFromOneAddress", func(t *testing.T) {
		ts := newTestServer(t)
		for i := 0; i < addrMax; i++ {
			if rec := ts.loginFrom("203.0.113.9", fmt.Sprintf("user%d", i), "wrong-pass"); rec.Code != 401 {
				t.Fatalf("guess %d: %d", i, rec.Code)
			}
		}
		rec := ts.loginFrom("203.0.113.9", "someone-else", "wrong-pass")
		if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("guess %d from one address: %d, want 429 with Retry-After", addrMax+1, rec.Code)
		}
		if rec := ts.loginFrom("203.0.113.10", "m1", testPassword); rec.Code != 200 {
			t.Errorf("another address: %d", rec.Code)
		}
	})
	t.Run("OKNoLockoutFromCleanAddress", func(t *testing.T) {
		ts := newTestServer(t)
		// 8 addresses × 4 failures = 32 > userMax failures for admin.
		for a := 0; a < 8; a++ {
			for i := 0; i < 4; i++ {
				ts.loginFrom(fmt.Sprintf("198.51.100.%d", a), "admin", "wrong-pass")
			}
		}
		if rec := ts.loginFrom("198.51.100.1", "admin", testPassword); rec.Code != 429 {
			t.Errorf("admin from an address with failures, after %d failures on the name: %d, want 429", 32, rec.Code)
		}
		if rec := ts.loginFrom("192.0.2.77", "admin", testPassword); rec.Code != 200 {
			t.Errorf("admin from a clean address: %d %s, want 200", rec.Code, rec.Body)
		}
	})
	t.Run("ErrPairAfter5", func(t *testing.T) {
		ts := newTestServer(t)
		for i := 0; i < pairMax; i++ {
			ts.loginFrom("192.0.2.5", "m1", "wrong-pass")
		}
		if rec := ts.loginFrom("192.0.2.5", "m1", testPassword); rec.Code != 429 {
			t.Errorf("6th attempt: %d, want 429", rec.Code)
		}
		if rec := ts.loginFrom("192.0.2.6", "m1", testPassword); rec.Code != 200 {
			t.Errorf("the same user from another address: %d, want 200", rec.Code)
		}
		ts.clock.Advance(pairWindow)
		if rec := ts.loginFrom("192.0.2.5", "m1", testPassword); rec.Code != 200 {
			t.Errorf("after the window: %d, want 200", rec.Code)
		}
	})
	t.Run("ErrForgedForwardedFor", func(t *testing.T) {
		ts := newTestServer(t)
		for i := 0; i < pairMax; i++ {
			ts.loginFrom("192.0.2.5", "m1", "wrong-pass", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		}
		if rec := ts.loginFrom("192.0.2.5", "m1", testPassword, "X-Forwarded-For", "203.0.113.99"); rec.Code != 429 {
			t.Errorf("X-Forwarded-For from an untrusted peer changed the client address: %d, want 429", rec.Code)
		}
	})
	t.Run("OKTrustedProxy", func(t *testing.T) {
		ts := newTestServer(t)
		_, proxy, _ := net.ParseCIDR("10.0.0.0/8")
		ts.e = checkedNew(t, Config{Store: ts.s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxies: []*net.IPNet{proxy}})
		for i := 0; i < pairMax; i++ {
			ts.loginFrom("10.1.2.3", "m1", "wrong-pass", "X-Forwarded-For", "203.0.113.1")
		}
		if rec := ts.loginFrom("10.1.2.3", "m1", testPassword, "X-Forwarded-For", "203.0.113.1"); rec.Code != 429 {
			t.Errorf("client 203.0.113.1 after 5 failures: %d, want 429", rec.Code)
		}
		if rec := ts.loginFrom("10.1.2.3", "m1", testPassword, "X-Forwarded-For", "203.0.113.2"); rec.Code != 200 {
			t.Errorf("client 203.0.113.2 through the same proxy: %d, want 200", rec.Code)
		}
	})
}

// TestLoginBcryptSlots: bcrypt runs in at most a fixed number of parallel
// slots; with every slot busy and the queue full, a login is 503 busy at
// once.
func TestLoginBcryptSlots(t *testing.T) {
	l := newLoginLimiter(time.Now)
	l.slots, l.queue = make(chan struct{}, 2), 3
	var mu sync.Mutex
	running, peak := 0, 0
	release := make(chan struct{})
	work := func() (*store.Member, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return nil, nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ { // 2 run, 3 wait
		wg.Add(1)
		go func() { defer wg.Done(); l.check(context.Background(), work) }()
	}
	for {
		l.mu.Lock()
		w := l.waiting
		l.mu.Unlock()
		if w == 3 && len(l.slots) == 2 {
			break
		}
		runtime.Gosched()
	}
	if _, err := l.check(context.Background(), work); !store.IsKind(err, store.KindUnavailable) {
		t.Errorf("6th concurrent login: %v, want busy", err)
	}
	close(release)
	wg.Wait()
	if peak != 2 {
		t.Errorf("peak parallel bcrypt %d, want 2", peak)
	}
}

// TestSecureCookies: cookies are Secure over TLS and behind a trusted proxy
// that says https, not when an untrusted client says so.
func TestSecureCookies(t *testing.T) {
	ts := newTestServer(t)
	_, proxy, _ := net.ParseCIDR("10.0.0.0/8")
	ts.e = checkedNew(t, Config{Store: ts.s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxies: []*net.IPNet{proxy}})
	cases := []struct {
		name   string
		peer   string
		tls    bool
		proto  string
		secure bool
	}{
		{"OKTLS", "192.0.2.1", true, "", true},
		{"OKTrustedProxyHTTPS", "10.0.0.1", false, "https", true},
		{"ErrUntrustedSaysHTTPS", "192.0.2.1", false, "https", false},
		{"OKPlainHTTP", "192.0.2.1", false, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"username":"m1","password":"`+testPassword+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = c.peer + ":4000"
			if c.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if c.proto != "" {
				req.Header.Set("X-Forwarded-Proto", c.proto)
			}
			rec := httptest.NewRecorder()
			ts.e.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("login: %d %s", rec.Code, rec.Body)
			}
			for _, ck := range rec.Result().Cookies() {
				if ck.Secure != c.secure {
					t.Errorf("cookie %s Secure=%v, want %v", ck.Name, ck.Secure, c.secure)
				}
			}
		})
	}
}
