package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLogin(t *testing.T) {
	ts := newTestServer(t)
	t.Run("OK", func(t *testing.T) {
		rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "m1", "password": testPassword})
		if rec.Code != 200 {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		var out struct {
			Token  string
			Member map[string]any
		}
		decodeJSON(t, rec, &out)
		if out.Token == "" || out.Member["username"] != "m1" {
			t.Fatalf("answer %s", rec.Body)
		}
		if strings.Contains(rec.Body.String(), "password") || strings.Contains(rec.Body.String(), "$2a$") {
			t.Errorf("answer leaks a password or hash: %s", rec.Body)
		}
		var session *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == cookieSession {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict", session)
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "m1", "password": "wrong-pass"})
		if rec.Code != 401 {
			t.Errorf("got %d, want 401", rec.Code)
		}
	})
	t.Run("ErrUnknownUser", func(t *testing.T) {
		rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "nobody", "password": "wrong-pass"})
		if rec.Code != 401 {
			t.Errorf("got %d, want 401", rec.Code)
		}
	})
	t.Run("MeAndLogout", func(t *testing.T) {
		tok := ts.token("m2")
		if rec := ts.do("GET", "/api/v1/me", "m2", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "王芳") {
			t.Fatalf("me: %d %s", rec.Code, rec.Body)
		}
		if rec := ts.do("POST", "/api/v1/logout", "m2", nil); rec.Code != 204 {
			t.Fatalf("logout: %d", rec.Code)
		}
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Errorf("token after logout: %d, want 401", rec.Code)
		}
		delete(ts.tokens, "m2")
	})
}

func TestLoginLimiter(t *testing.T) {
	ts := newTestServer(t)
	bad := map[string]string{"username": "m1", "password": "wrong-pass"}
	for i := 0; i < 5; i++ {
		if rec := ts.do("POST", "/api/v1/login", "", bad); rec.Code != 401 {
			t.Fatalf("failure %d: got %d", i+1, rec.Code)
		}
	}
	good := map[string]string{"username": "m1", "password": testPassword}
	rec := ts.do("POST", "/api/v1/login", "", good)
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("6th attempt in a minute: got %d %s, want 429 with Retry-After", rec.Code, rec.Body)
	}
	// Another username is not affected.
	if rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "m2", "password": testPassword}); rec.Code != 200 {
		t.Errorf("other user: got %d", rec.Code)
	}
	ts.clock.Advance(61 * time.Second)
	if rec := ts.do("POST", "/api/v1/login", "", good); rec.Code != 200 {
		t.Errorf("after a minute: got %d %s, want 200", rec.Code, rec.Body)
	}
}

func TestTokenExpiry(t *testing.T) {
	ts := newTestServer(t)
	ts.token("m1")
	ts.clock.Advance(12*time.Hour - time.Second)
	if rec := ts.do("GET", "/api/v1/me", "m1", nil); rec.Code != 200 {
		t.Fatalf("before expiry: %d", rec.Code)
	}
	ts.clock.Advance(time.Second)
	rec := ts.do("GET", "/api/v1/me", "m1", nil)
	if rec.Code != 401 || errCode(rec) != "token_expired" {
		t.Errorf("at expiry: got %d %s, want 401 token_expired", rec.Code, rec.Body)
	}
}

func TestCookieCSRF(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "admin", "password": testPassword})
	var session, csrf *http.Cookie
	for _, c := range rec.Result().Cookies() {
		switch c.Name {
		case cookieSession:
			session = c
		case cookieCSRF:
			csrf = c
		}
	}
	send := func(method, path, body, csrfHeader string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(session)
		if csrfHeader != "" {
			req.Header.Set(headerCSRF, csrfHeader)
		}
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := send("GET", "/api/v1/me", "", ""); got != 200 {
		t.Errorf("cookie GET: %d", got)
	}
	body := `{"name":"新支部","parent_id":"` + ts.root + `"}`
	if got := send("POST", "/api/v1/groups", body, ""); got != 403 {
		t.Errorf("cookie POST without CSRF header: %d, want 403", got)
	}
	if got := send("POST", "/api/v1/groups", body, "forged"); got != 403 {
		t.Errorf("cookie POST with a wrong CSRF header: %d, want 403", got)
	}
	if got := send("POST", "/api/v1/groups", body, csrf.Value); got != 201 {
		t.Errorf("cookie POST with the CSRF header: %d, want 201", got)
	}
}

func TestErrors(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"malformed JSON", "POST", "/api/v1/groups", `{"name":`, 400, "malformed", ""},
		{"wrong type", "POST", "/api/v1/groups", `{"name": 5}`, 400, "malformed", "name"},
		{"unknown field", "POST", "/api/v1/groups", `{"name":"x","colour":"red"}`, 400, "malformed", "colour"},
		{"two values", "POST", "/api/v1/groups", `{"name":"x"}{}`, 400, "malformed", ""},
		{"empty name", "POST", "/api/v1/groups", `{"name":"  "}`, 422, "invalid", "name"},
		{"bad parent", "POST", "/api/v1/groups", `{"name":"x","parent_id":"77"}`, 422, "invalid", "parent_id"},
		{"short password", "POST", "/api/v1/members", `{"name":"甲","username":"jia","password":"short","group_id":"2","role":"member"}`, 422, "invalid", "password"},
		{"bad role", "POST", "/api/v1/members", `{"name":"甲","username":"jia","password":"longenough","group_id":"2","role":"boss"}`, 422, "invalid", "role"},
		{"bad date", "POST", "/api/v1/members", `{"name":"甲","username":"jia","password":"longenough","group_id":"2","joined_on":"2023-02-30"}`, 422, "invalid", "joined_on"},
		{"duplicate username", "POST", "/api/v1/members", `{"name":"甲","username":"M1","password":"longenough","group_id":"2"}`, 409, "duplicate_username", ""},
		{"unknown member", "GET", "/api/v1/members/424242", ``, 404, "not_found", ""},
		{"unknown id form", "PATCH", "/api/v1/members/abc", `{"name":"x"}`, 404, "not_found", ""},
		{"unknown route", "GET", "/api/v1/nothing-here", ``, 404, "not_found", ""},
		{"too large", "POST", "/api/v1/groups", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "too_large", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			rec := ts.do(c.method, c.path, "admin", body)
			if rec.Code != c.status || errCode(rec) != c.code {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			var e struct {
				Error struct {
					Message string
					Fields  map[string]string
				}
			}
			decodeJSON(t, rec, &e)
			if e.Error.Message == "" {
				t.Error("no message")
			}
			if c.field != "" && e.Error.Fields[c.field] == "" {
				t.Errorf("fields %v do not name %q", e.Error.Fields, c.field)
			}
		})
	}
	// Nothing half-written: no group or member was added by the failures.
	gs, _ := ts.s.Groups()
	ms, _ := ts.s.Members()
	if len(gs) != 3 || len(ms) != 6 {
		t.Errorf("after rejected requests: %d groups, %d members; want 3, 6", len(gs), len(ms))
	}
}
