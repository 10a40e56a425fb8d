package handlers

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"studyroll/internal/testorg"
	"studyroll/store"
	"studyroll/totp"
)

var testStart = time.Date(2023, 9, 1, 9, 0, 0, 0, store.DefaultLocation())

// testServer is the real router on a real store in a temp folder.
type testServer struct {
	t     testing.TB
	e     *echo.Echo
	h     *Handler
	s     *store.Store
	clock *store.ManualClock
	dir   string // the store's folder
	root  string // id of the root group
	g1    string // 第一支部: lead1, m1, m2
	g2    string // 第二支部: m3
	// tokens by username, for accounts made by the fixture.
	tokens map[string]string
	ids    map[string]string // username -> member id
	// signKey signs audit exports.
	signKey ed25519.PrivateKey
}

const testPassword = testorg.Password

// newTestServer builds the shared test organisation (internal/testorg):
// root 机关党委 → 第一支部, 第二支部; accounts admin (no group), hr (root),
// lead1 (第一支部, lead), m1, m2 (第一支部), m3 (第二支部).
func newTestServer(tb testing.TB) *testServer {
	tb.Helper()
	return newProfileTestServer(tb, store.ProfileStandard)
}

// newProfileTestServer is newTestServer on a store of the given security
// profile: in level3, sysadmin, secadmin and auditor replace admin.
func newProfileTestServer(tb testing.TB, profile store.Profile) *testServer {
	tb.Helper()
	ts := &testServer{t: tb, dir: tb.TempDir(), clock: store.NewManualClock(testStart), tokens: map[string]string{}}
	_, ts.signKey, _ = ed25519.GenerateKey(nil)
	ts.open()
	tb.Cleanup(func() { ts.s.Close() })
	org, err := testorg.Build(ts.s, profile)
	if err != nil {
		tb.Fatal(err)
	}
	ts.root, ts.g1, ts.g2, ts.ids = org.Root, org.G1, org.G2, org.IDs
	return ts
}

// open opens the store in ts.dir and builds the router on it.
func (ts *testServer) open() {
	ts.t.Helper()
	s, err := store.Open(ts.dir, store.Options{Now: ts.clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		ts.t.Fatal(err)
	}
	s.WatchWrites(unaudited.Watch) // TestMain: every write audited
	ts.s = s
	ts.h, ts.e = checkedBuild(ts.t, Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SigningKey: ts.signKey})
}

// reopen closes the store, runs offline (on the closed file) and opens it
// again, as a restart would; tokens stay valid.
func (ts *testServer) reopen(offline func(dir string)) {
	ts.t.Helper()
	if err := ts.s.Close(); err != nil {
		ts.t.Fatal(err)
	}
	offline(ts.dir)
	ts.open()
}

// token logs username in (once) and returns its bearer token.
func (ts *testServer) token(username string) string {
	ts.t.Helper()
	if tok, ok := ts.tokens[username]; ok {
		return tok
	}
	rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": username, "password": testPassword})
	if rec.Code == 401 && errCode(rec) == "second_factor_required" { // enrol on the way, as a person would
		rec = ts.do("POST", "/api/v1/login", "", map[string]string{"username": username, "password": testPassword,
			"totp": ts.totpCode(enrolSecret(ts.t, rec))})
	}
	if rec.Code != 200 {
		ts.t.Fatalf("login %s: %d %s", username, rec.Code, rec.Body)
	}
	var out struct{ Token string }
	json.Unmarshal(rec.Body.Bytes(), &out)
	ts.tokens[username] = out.Token
	return out.Token
}

// do sends a request through the real router. body may be nil, a string
// (sent as is) or a value (sent as JSON). as is a username to log in as, or "".
func (ts *testServer) do(method, path, as string, body any) *httptest.ResponseRecorder {
	ts.t.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ct = strings.NewReader(b), "application/json"
	case []byte:
		r, ct = bytes.NewReader(b), "application/json"
	default:
		data, _ := json.Marshal(b)
		r, ct = bytes.NewReader(data), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+ts.token(as))
	}
	rec := httptest.NewRecorder()
	ts.e.ServeHTTP(rec, req)
	return rec
}

// decodeJSON reads a response body into v.
func decodeJSON(tb testing.TB, rec *httptest.ResponseRecorder, v any) {
	tb.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		tb.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// errCode returns the error code of a JSON error answer.
func errCode(rec *httptest.ResponseRecorder) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &e)
	return e.Error.Code
}

// enrolSecret reads the enrolment key of a 401 second_factor_required.
func enrolSecret(tb testing.TB, rec *httptest.ResponseRecorder) []byte {
	tb.Helper()
	var e struct {
		Error struct {
			Enrol struct{ Secret string } `json:"enrol"`
		} `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &e)
	key, err := totp.DecodeSecret(e.Error.Enrol.Secret)
	if err != nil || len(key) == 0 {
		tb.Fatalf("no enrolment key in %s", rec.Body)
	}
	return key
}

// totpCode is the authenticator app's code for key at the test clock.
func (ts *testServer) totpCode(key []byte) string {
	return totp.Code(totp.SHA1, key, totp.Counter(ts.clock.Now()), totp.Digits)
}
