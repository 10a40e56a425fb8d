package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"studyroll/assets"
	"studyroll/internal/apitest"
)

// checkedNew is New for tests: every request under /api/v1 that goes through
// the server, and its answer, are checked against assets/openapi.json (the
// rules are in package apitest); a mismatch fails tb. Every test server of
// this package is built with it.
func checkedNew(tb testing.TB, cfg Config) *echo.Echo {
	tb.Helper()
	_, e := checkedBuild(tb, cfg)
	return e
}

// checkedBuild is build for tests, with checkedNew's check.
func checkedBuild(tb testing.TB, cfg Config) (*Handler, *echo.Echo) {
	tb.Helper()
	spec, err := apitest.Load()
	if err != nil {
		tb.Fatal(err)
	}
	// Fuzz inputs may break a documented length that the server counts
	// after trimming: for them only the answers are held to the document.
	lenient := strings.HasPrefix(tb.Name(), "Fuzz")
	h, e := build(cfg)
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if !strings.HasPrefix(r.URL.Path, apitest.Prefix+"/") {
				return next(c)
			}
			var reqBody []byte
			if r.Body != nil {
				reqBody, _ = io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(reqBody))
			}
			tee := &teeWriter{ResponseWriter: c.Response().Writer}
			c.Response().Writer = tee
			if err := next(c); err != nil {
				c.Error(err)
			}
			x := apitest.Exchange{Request: r, ReqBody: reqBody, Status: c.Response().Status,
				Header: c.Response().Header(), Body: tee.buf.Bytes()}
			if err := spec.Check(x, lenient); err != nil {
				tb.Errorf("OpenAPI: %v", err)
			}
			return nil
		}
	})
	return h, e
}

// teeWriter keeps a copy of what the handler writes.
type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestOpenAPIMatchesRoutes: assets/openapi.json has exactly the routes of
// the route table, each with its roles as x-roles, and a login requirement
// unless the route is public.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	spec, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	type op struct{ roles, security string }
	doc := map[string]op{}
	for path, item := range spec.Doc.Paths.Map() {
		for method, o := range item.Operations() {
			var roles []string
			raw, _ := json.Marshal(o.Extensions["x-roles"])
			if err := json.Unmarshal(raw, &roles); err != nil || len(roles) == 0 {
				t.Errorf("%s %s: x-roles %s, want a list like [\"lead\", \"admin\"], [\"any\"] or [\"public\"]", method, path, raw)
			}
			sec := "login"
			if o.Security != nil && len(*o.Security) == 0 {
				sec = "none"
			}
			doc[method+" "+path] = op{strings.Join(roles, ","), sec}
		}
	}
	seen := map[string]bool{}
	for _, r := range Routes() {
		key := r.Method + " " + echoToOpenAPI(r.Path)
		seen[key] = true
		want := op{strings.Join(r.Roles, ","), "login"}
		switch {
		case r.Public:
			want = op{"public", "none"}
		case len(r.Roles) == 0:
			want.roles = "any"
		}
		got, ok := doc[key]
		switch {
		case !ok:
			t.Errorf("%s is in handlers/routes.go but not in assets/openapi.json: add it (CONTRIBUTING.md, \"Adding a route\")", key)
		case got.roles != want.roles:
			t.Errorf("%s: x-roles %q in assets/openapi.json, %q in the route table", key, got.roles, want.roles)
		case got.security != want.security:
			t.Errorf("%s: security %s in assets/openapi.json, want %s (public routes have \"security\": [])", key, got.security, want.security)
		}
	}
	var extra []string
	for key := range doc {
		if !seen[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("%s is in assets/openapi.json but not in handlers/routes.go", key)
	}
}

// echoToOpenAPI turns "/sessions/:id" into "/sessions/{id}" and
// "/reports/:period.zip" (one echo parameter named "period.zip") into
// "/reports/{period}.zip".
func echoToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			name, ext, _ := strings.Cut(name, ".")
			parts[i] = "{" + name + "}"
			if ext != "" {
				parts[i] += "." + ext
			}
		}
	}
	return strings.Join(parts, "/")
}

// TestOpenAPIServed: GET /api/v1/openapi.json answers the embedded document
// without a login, as JSON, OpenAPI 3.0.3.
func TestOpenAPIServed(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do("GET", "/api/v1/openapi.json", "", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", rec.Code, rec.Header())
	}
	if !bytes.Equal(rec.Body.Bytes(), assets.OpenAPI) {
		t.Error("the answer is not assets/openapi.json")
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	decodeJSON(t, rec, &doc)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestOpenAPICheckCatchesMismatches: the check that every test server runs
// fails on a renamed answer field, an undocumented status, an undocumented
// route, and a server that accepts what the document refuses.
func TestOpenAPICheckCatchesMismatches(t *testing.T) {
	spec, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *http.Request { return httptestRequest("GET", path, "Bearer x") }
	group := `{"items": [{"id": "1", "name": "机关党委", "type": "committee", "position": 1}]}`
	cases := []struct {
		name    string
		x       apitest.Exchange
		wantErr string
	}{
		{"as documented", apitest.Exchange{Request: get("/api/v1/groups"), Status: 200, Body: []byte(group)}, ""},
		{"renamed field", apitest.Exchange{Request: get("/api/v1/groups"), Status: 200, Body: []byte(`{"items": [{"id": "1", "title": "机关党委", "type": "committee", "position": 1}]}`)}, "does not match"},
		{"undocumented status", apitest.Exchange{Request: get("/api/v1/groups"), Status: 201, Body: []byte(group)}, "does not match"},
		{"error without envelope", apitest.Exchange{Request: get("/api/v1/groups"), Status: 403, Body: []byte(`{"message": "no"}`)}, "does not match"},
		{"unknown error code", apitest.Exchange{Request: get("/api/v1/groups"), Status: 403, Body: []byte(`{"error": {"code": "nope", "message": "no"}}`)}, "does not match"},
		{"undocumented route", apitest.Exchange{Request: get("/api/v1/nowhere"), Status: 200, Body: []byte(`{}`)}, "not in assets/openapi.json"},
		{"unknown path answered 404", apitest.Exchange{Request: get("/api/v1/nowhere"), Status: 404, Body: []byte(`{"error": {"code": "not_found", "message": "Not Found"}}`)}, ""},
		{"accepted without login", apitest.Exchange{Request: httptestRequest("GET", "/api/v1/groups", ""), Status: 200, Body: []byte(group)}, "refuses"},
		{"refused without login", apitest.Exchange{Request: httptestRequest("GET", "/api/v1/groups", ""), Status: 401, Body: []byte(`{"error": {"code": "unauthorized", "message": "log in first"}}`)}, ""},
		{"accepted an unknown field", apitest.Exchange{Request: httptestRequest("POST", "/api/v1/groups", "Bearer x"), ReqBody: []byte(`{"name": "x", "nmae": "y"}`),
			Status: 201, Body: []byte(`{"id": "2", "name": "x", "type": "branch", "position": 1}`)}, "refuses"},
		{"accepted a bad enum", apitest.Exchange{Request: httptestRequest("PUT", "/api/v1/sessions/1/attendance/2", "Bearer x"), ReqBody: []byte(`{"status": "gone"}`),
			Status: 200, Body: []byte(`{}`)}, "refuses"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.x.Header == nil {
				c.x.Header = http.Header{"Content-Type": {"application/json"}}
			}
			if c.x.ReqBody != nil {
				c.x.Request.Header.Set("Content-Type", "application/json")
			}
			err := spec.Check(c.x, false)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("unexpected mismatch: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("got %v, want a mismatch saying %q", err, c.wantErr)
			}
		})
	}
}

func httptestRequest(method, path, auth string) *http.Request {
	r, _ := http.NewRequest(method, "http://example.com"+path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}
