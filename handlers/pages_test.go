package handlers

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"studyroll/assets"
)

func pagesReadI18n(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(assets.Web, "web/i18n/"+lang+".json")
	if err != nil {
		t.Fatalf("read %s.json: %v", lang, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse %s.json: %v", lang, err)
	}
	return m
}

func TestPagesI18nKeysMatchAndNotEmpty(t *testing.T) {
	zh, en := pagesReadI18n(t, "zh"), pagesReadI18n(t, "en")
	if len(zh) == 0 {
		t.Fatal("zh.json is empty")
	}
	var missing []string
	for k := range zh {
		if _, ok := en[k]; !ok {
			missing = append(missing, "en lacks "+k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			missing = append(missing, "zh lacks "+k)
		}
	}
	for lang, m := range map[string]map[string]string{"zh": zh, "en": en} {
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				missing = append(missing, lang+" has empty "+k)
			}
		}
	}
	sort.Strings(missing)
	for _, s := range missing {
		t.Error(s)
	}
}

func pagesJSFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(assets.Web, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := fs.ReadFile(assets.Web, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no JS files embedded")
	}
	return out
}

// Every key the scripts name exists in the translations: literal
// 'namespace.key' strings, and the keys they build from API values.
func TestPagesI18nKeysUsedExist(t *testing.T) {
	zh := pagesReadI18n(t, "zh")
	spaces := map[string]bool{}
	for k := range zh {
		spaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	re := regexp.MustCompile(`'([a-z]+)\.([a-z0-9_]+)'`)
	n := 0
	for name, src := range pagesJSFiles(t) {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			if !spaces[m[1]] {
				continue
			}
			n++
			if _, ok := zh[m[1]+"."+m[2]]; !ok {
				t.Errorf("%s uses missing key %q", name, m[1]+"."+m[2])
			}
		}
	}
	if n < 100 {
		t.Errorf("found only %d key uses; is the pattern still right?", n)
	}
	built := map[string][]string{
		"status.":         {"present", "late", "leave", "absent", "none"},
		"role.":           {"member", "lead", "hr", "admin"},
		"grade.":          {"excellent", "good", "pass", "fail"},
		"warn.":           {"below_target", "cannot_reach", "consecutive_absence"},
		"rate.":           {"participation", "completion", "excellence"},
		"att.count_":      {"expected", "arrived", "late", "leave", "absent", "none"},
		"checkin.result_": {"present", "late"},
		"leave.status_":   {"pending", "approved", "rejected"},
		"lr.grade_":       {"1", "2", "3", "4", "5"},
		"record.rating_":  {"1", "2", "3", "4", "5"},
		"err.":            {"bad_code", "checkin_not_open", "checkin_closed"},
		"reports.kind_":   {"member_pdf", "member_pdf_en", "group_pdf", "group_xlsx"},
	}
	for prefix, names := range built {
		for _, s := range names {
			if _, ok := zh[prefix+s]; !ok {
				t.Errorf("missing key %q", prefix+s)
			}
		}
	}
}

// Data never goes through HTML parsing: no innerHTML and friends, and the
// shell has no inline scripts or styles (the CSP forbids them anyway).
func TestPagesNoHTMLInjectionSinks(t *testing.T) {
	sinks := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	for name, src := range pagesJSFiles(t) {
		if loc := sinks.FindStringIndex(src); loc != nil {
			t.Errorf("%s uses %q", name, src[loc[0]:loc[1]])
		}
	}
	b, err := fs.ReadFile(assets.Web, "web/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(html) || strings.Contains(html, "<style") ||
		strings.Contains(html, " style=") || regexp.MustCompile(`\son[a-z]+=`).MatchString(html) {
		t.Error("index.html has inline script or style")
	}
}

func pagesServer() *echo.Echo {
	e := echo.New()
	RegisterPages(e)
	return e
}

func pagesGet(e *echo.Echo, target string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestPagesServeShell(t *testing.T) {
	e := pagesServer()
	for _, p := range []string{"/", "/app", "/app/home", "/app/sessions/abc/live", "/checkin/s1?code=123456"} {
		rec := pagesGet(e, p, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", p, rec.Code)
		}
		h := rec.Header()
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: content type %q", p, h.Get("Content-Type"))
		}
		if got := h.Get("Content-Security-Policy"); got != "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'" {
			t.Errorf("GET %s: CSP %q", p, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("GET %s: security headers %v", p, h)
		}
		if !strings.Contains(rec.Body.String(), `src="/static/js/app.js"`) {
			t.Errorf("GET %s: not the shell", p)
		}
	}
}

func TestPagesStaticFiles(t *testing.T) {
	e := pagesServer()
	cases := map[string]string{
		"/static/js/app.js":       "text/javascript",
		"/static/css/app.css":     "text/css",
		"/static/i18n/zh.json":    "application/json",
		"/static/favicon.svg":     "image/svg+xml",
		"/static/js/../js/api.js": "text/javascript",
	}
	for p, ct := range cases {
		rec := pagesGet(e, p, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", p, rec.Code)
			continue
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), ct) {
			t.Errorf("GET %s: content type %q", p, rec.Header().Get("Content-Type"))
		}
		if rec.Header().Get("Cache-Control") == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", p, rec.Header())
		}
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", p)
		} else if again := pagesGet(e, p, map[string]string{"If-None-Match": etag}); again.Code != http.StatusNotModified {
			t.Errorf("GET %s with ETag: %d", p, again.Code)
		}
	}
	for _, p := range []string{"/static/nope.js", "/static/README.md", "/static/../web.go", "/static/"} {
		if rec := pagesGet(e, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
}
