package main

// The browser harness: the service and Chromium shared by the scenarios,
// one tab per user, waits, checks, screenshots and downloads.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"studyroll/assets"
	"studyroll/store"
)

const (
	chromiumPath    = "/usr/bin/chromium"
	browserPassword = "browser-pass-1"
	// stepTimeout bounds every wait; polling screens refresh every 2 s.
	stepTimeout = 20 * time.Second
	// maxShotBytes is the size budget of one README screenshot.
	maxShotBytes = 300 << 10
)

// Viewports.
var (
	phone   = viewport{w: 360, h: 740, scale: 2, mobile: true}
	desktop = viewport{w: 1366, h: 900, scale: 1}
)

type viewport struct {
	w, h   int64
	scale  float64
	mobile bool
}

// browserOrg is the organisation the scenarios run against.
type browserOrg struct {
	period           string // the current quarter, e.g. 2026Q4
	root, b1, b2     *store.Group
	hr, lead1, lead2 *store.Member
	m1, m2, m3       *store.Member // 第一支部
	m4, m5           *store.Member // 第二支部
	sessA, sessB     *store.Session
}

// browserSuite is the running service and browser shared by the scenarios.
type browserSuite struct {
	base    string
	m       *Main
	org     *browserOrg
	browser context.Context
	logs    *lockedBuffer
	shots   string // README screenshot folder, "" when off
	i18n    map[string]map[string]string

	mu        sync.Mutex
	tokens    map[string]string
	artifacts string
	visited   map[string]bool // paths the tabs' pages were at (TestBrowser checks every screen is among them)
}

const (
	hostileName   = `<img src=x onerror=alert(1)>张三`
	hostileReport = `<script>alert(2)</script>学习体会：<b>联系实际</b>，认真学习原文。`
	hostileReason = `<img src=y onerror=alert(3)>出差`
)

// ---- the suite --------------------------------------------------------------

func startBrowserSuite(t *testing.T) *browserSuite {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: install Debian's chromium (apt-get install chromium; .ci/test.sh does it)", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install chromium to run the browser tests", chromiumPath)
	}
	s := &browserSuite{logs: &lockedBuffer{}, tokens: map[string]string{}, visited: map[string]bool{}, i18n: map[string]map[string]string{}}
	if dir := os.Getenv("STUDYROLL_SCREENSHOTS"); dir != "" {
		if !filepath.IsAbs(dir) {
			dir, _ = filepath.Abs(filepath.Join("..", "..", dir)) // from the repository root
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s.shots = dir
	}
	for _, l := range []string{"zh", "en"} {
		b, err := fs.ReadFile(assets.Web, "web/i18n/"+l+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		s.i18n[l] = m
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server and browser log (last 6 KiB):\n%s", s.logs.tail(6<<10))
		}
	})
	s.startService(t)
	s.startBrowser(t)
	return s
}

// startService opens the service on a fresh data folder, builds the
// organisation and serves until the test ends.
func (s *browserSuite) startService(t *testing.T) {
	t.Helper()
	s.m = &Main{Addr: "127.0.0.1:0", Data: t.TempDir(), Logger: slog.New(slog.NewTextHandler(s.logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.m.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	started := false
	t.Cleanup(func() {
		cancel()
		if !started { // Serve with a done context only closes what Open opened
			_ = s.m.Serve(ctx)
			return
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	s.base = s.m.URL()
	s.org = seedBrowserOrg(t, s.m.Store)
	started = true
	go func() { done <- s.m.Serve(ctx) }()
}

// startBrowser starts chromium with a profile, HOME and fontconfig of its
// own: Debian's packaged fonts (/usr/share/fonts) plus the CJK font of the
// PDFs copied into a folder of the test, and nothing from /usr/local or the
// user's home, so the pictures do not depend on what else the machine has.
func (s *browserSuite) startBrowser(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	fonts := filepath.Join(home, "fonts")
	if err := os.MkdirAll(fonts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fonts, "wqy-microhei.ttf"), assets.Font(), 0o644); err != nil {
		t.Fatal(err)
	}
	fontsConf := filepath.Join(home, "fonts.conf")
	conf := `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <dir>` + fonts + `</dir>
  <cachedir>` + filepath.Join(home, "fontconfig-cache") + `</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
`
	if err := os.WriteFile(fontsConf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		// several tabs poll at once: none may be throttled as "in the background"
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"), // date inputs as a Chinese user sees them
		chromedp.UserDataDir(filepath.Join(home, "profile")),
		chromedp.WindowSize(int(desktop.w), int(desktop.h)),
		chromedp.Env("HOME="+home, "FONTCONFIG_FILE="+fontsConf,
			"XDG_DATA_HOME="+filepath.Join(home, "share"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
			"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "TZ="+s.m.Store.Location().String()),
		chromedp.CombinedOutput(&quietWriter{w: s.logs}),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	logf := func(format string, args ...any) { fmt.Fprintf(s.logs, "chromedp: "+format+"\n", args...) }
	bctx, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	s.browser = bctx
}

// quietWriter passes chromium's output on, less its harmless complaints
// about the D-Bus that containers do not have.
type quietWriter struct {
	w   io.Writer
	buf []byte
}

func (q *quietWriter) Write(p []byte) (int, error) {
	q.buf = append(q.buf, p...)
	for {
		i := bytes.IndexByte(q.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := q.buf[:i+1]; !bytes.Contains(line, []byte("dbus")) {
			_, _ = q.w.Write(line)
		}
		q.buf = q.buf[i+1:]
	}
}

// text is a translation from the app's own files.
func (s *browserSuite) text(lang, key string) string {
	v, ok := s.i18n[lang][key]
	if !ok {
		panic("no translation " + lang + "/" + key)
	}
	return v
}

// ---- API calls from the test ---------------------------------------------

func (s *browserSuite) token(t *testing.T, user string) string {
	t.Helper()
	s.mu.Lock()
	tok, ok := s.tokens[user]
	s.mu.Unlock()
	if ok {
		return tok
	}
	var out struct{ Token string }
	s.apiJSON(t, "POST", "/api/v1/login", "", map[string]string{"username": user, "password": browserPassword}, &out)
	s.mu.Lock()
	s.tokens[user] = out.Token
	s.mu.Unlock()
	return out.Token
}

// apiJSON calls the API as user ("" for none) and decodes a 200 answer.
func (s *browserSuite) apiJSON(t *testing.T, method, path, user string, body, out any) {
	t.Helper()
	s.apiStatus(t, method, path, user, body, out, http.StatusOK)
}

// apiStatus calls the API as user ("" for none) and decodes the answer,
// which must have status want.
func (s *browserSuite) apiStatus(t *testing.T, method, path, user string, body, out any, want int) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+s.token(t, user))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s as %q: %s %s", method, path, user, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// attendanceOf is a member's status at a session, as the lead reads it.
func (s *browserSuite) attendanceOf(t *testing.T, sessionID, memberID string) string {
	t.Helper()
	var d struct {
		Attendance []struct {
			MemberID string `json:"member_id"`
			Status   string `json:"status"`
		} `json:"attendance"`
	}
	s.apiJSON(t, "GET", "/api/v1/sessions/"+sessionID, "lead1", nil, &d)
	for _, a := range d.Attendance {
		if a.MemberID == memberID {
			return a.Status
		}
	}
	return ""
}

// ---- tabs ---------------------------------------------------------------------

// tab is one user's page in a browser context of its own.
type tab struct {
	t    *testing.T
	s    *browserSuite
	name string
	ctx  context.Context
	view viewport

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
	console    []string
	// consoleErrors are the console entries of type error and the
	// exceptions, in order; newConsoleErrors has returned the first
	// consoleSeen.
	consoleErrors []string
	consoleSeen   int
	snaps         int
}

const probeMessage = "studyroll-dialog-probe"

// newTab opens a page in a fresh browser context (its own cookies and
// storage) at the viewport v. When the test ends it fails on any dialog or
// uncaught exception the page had, and on failure saves a full-page
// screenshot and the HTML.
func (s *browserSuite) newTab(t *testing.T, name string, v viewport) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, s: s, name: name, ctx: ctx, view: v}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab %s: %v", name, err)
	}
	visit := func(raw string) {
		if u, err := url.Parse(raw); err == nil && strings.HasPrefix(raw, s.base) {
			s.mu.Lock()
			s.visited[u.Path] = true
			s.mu.Unlock()
		}
	}
	navs := chromedp.Events(ctx, page.FrameNavigated)
	inDoc := chromedp.Events(ctx, page.NavigatedWithinDocument)
	go func() {
		for ev, err := range navs {
			if err != nil {
				return
			}
			if ev.Frame != nil && ev.Frame.ParentID == "" {
				visit(ev.Frame.URL)
			}
		}
	}()
	go func() {
		for ev, err := range inDoc {
			if err != nil {
				return
			}
			visit(ev.URL)
		}
	}()
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, fmt.Sprintf("%s %q", ev.Type, ev.Message))
			tb.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			tb.mu.Lock()
			if m.IsException() {
				tb.exceptions = append(tb.exceptions, m.String())
			}
			tb.console = append(tb.console, fmt.Sprintf("%s %s", m.Type, m))
			if m.Type == chromedp.ConsoleError || m.IsException() {
				tb.consoleErrors = append(tb.consoleErrors, m.String()+" "+m.URL)
			}
			tb.mu.Unlock()
		}
	}()
	tb.setViewport(v)
	t.Cleanup(tb.finish)
	return tb
}

// setViewport makes the tab's page v wide and high (a phone: mobile, touch,
// portrait); the page lays out again without reloading.
func (tb *tab) setViewport(v viewport) {
	tb.t.Helper()
	var vopts []chromedp.EmulateViewportOption
	if v.mobile {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	vopts = append(vopts, chromedp.EmulateScale(v.scale))
	tb.do(chromedp.EmulateViewport(v.w, v.h, vopts...))
	tb.view = v
}

// newConsoleErrors lists the errors the page's console had since the last
// call: calls of console.error, uncaught exceptions, and the browser's own
// error entries (a failed request, a blocked resource).
func (tb *tab) newConsoleErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := append([]string(nil), tb.consoleErrors[tb.consoleSeen:]...)
	tb.consoleSeen = len(tb.consoleErrors)
	return out
}

func (tb *tab) finish() {
	t := tb.t
	tb.mu.Lock()
	var bad []string
	for _, d := range tb.dialogs {
		if !strings.Contains(d, probeMessage) {
			bad = append(bad, d)
		}
	}
	exceptions, console := tb.exceptions, tb.console
	tb.mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("%s: the page opened dialogs: %v", tb.name, bad)
	}
	if len(exceptions) > 0 {
		t.Errorf("%s: uncaught exceptions in the page: %v", tb.name, exceptions)
	}
	if !t.Failed() {
		return
	}
	t.Logf("%s: console:\n  %s", tb.name, strings.Join(console, "\n  "))
	tb.snapshot("end")
}

// snapshot saves a full-page screenshot and the HTML of the page into the
// artifact folder, named after the test, the tab and when.
func (tb *tab) snapshot(when string) {
	t := tb.t
	tb.mu.Lock()
	tb.snaps++
	n := tb.snaps
	tb.mu.Unlock()
	dir := tb.s.artifactDir(t)
	name := fmt.Sprintf("%s-%s-%d-%s", t.Name(), tb.name, n, when)
	base := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(name, "_"))
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		t.Logf("%s: page at %s", tb.name, url)
	}
	if img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(base+".png", img, 0o644)
	} else {
		t.Logf("%s: no screenshot: %v", tb.name, err)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		_ = os.WriteFile(base+".html", []byte(html), 0o644)
	}
	t.Logf("%s: screenshot and HTML saved as %s.{png,html}", tb.name, base)
}

// errorf fails the test, keeping a picture of the page as it is now.
func (tb *tab) errorf(format string, args ...any) {
	tb.t.Helper()
	tb.t.Errorf(tb.name+": "+format, args...)
	tb.snapshot("error")
}

// fatalf stops the test, keeping a picture of the page as it is now.
func (tb *tab) fatalf(format string, args ...any) {
	tb.t.Helper()
	tb.t.Errorf(tb.name+": "+format, args...)
	tb.snapshot("fatal")
	tb.t.FailNow()
}

// artifactDir is $STUDYROLL_ARTIFACTS, or a folder made once and kept.
func (s *browserSuite) artifactDir(t *testing.T) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.artifacts != "" {
		return s.artifacts
	}
	dir := os.Getenv("STUDYROLL_ARTIFACTS")
	var err error
	if dir != "" {
		err = os.MkdirAll(dir, 0o755)
	} else {
		dir, err = os.MkdirTemp("", "studyroll-browser-")
	}
	if err != nil {
		t.Logf("artifact folder: %v", err)
		return os.TempDir()
	}
	t.Logf("failure artifacts go to %s", dir)
	s.artifacts = dir
	return dir
}

// do runs actions, each wait bounded by stepTimeout.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.fatalf("%v", err)
	}
}

// waitJS polls a JavaScript expression until it is true.
func (tb *tab) waitJS(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")",
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		tb.fatalf("waiting for %s: %v", what, err)
	}
}

// eval returns a string expression's value (a promise's, awaited).
func (tb *tab) eval(expr string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, expr, err)
	}
	return v
}

// evalJSON decodes an expression's value into out.
func (tb *tab) evalJSON(expr string, out any) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, expr, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		tb.t.Fatalf("%s: decode %s: %v", tb.name, raw, err)
	}
}

// assertText checks the trimmed textContent of the first match of sel.
func (tb *tab) assertText(sel, want string) {
	tb.t.Helper()
	got := tb.eval(fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? '<no element>').trim()`, sel))
	if got != want {
		tb.errorf("%s shows %q, want %q", sel, got, want)
	}
}

// assertNoElements fails when sel matches anything.
func (tb *tab) assertNoElements(sel string) {
	tb.t.Helper()
	if got := tb.eval(fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.outerHTML).join('\n')`, sel)); got != "" {
		tb.errorf("found elements %s that user text must not create:\n%s", sel, got)
	}
}

// login fills the login form the page shows and waits for the app.
func (tb *tab) login(user string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), user),
		chromedp.SendKeys(chromedp.CSS("#login-password"), browserPassword),
		chromedp.Click(chromedp.CSS("#login-submit")))
	tb.waitJS("the app after login", `!document.querySelector('#login-form') && !!document.querySelector('#main-nav')`)
}

// loginByKeyboard logs in as a keyboard user does: the username field has
// the focus, Tab moves on, Enter submits.
func (tb *tab) loginByKeyboard(user string) {
	tb.t.Helper()
	tb.waitJS("the focused username field", `document.activeElement?.id === 'login-username'`)
	tb.do(chromedp.KeyEvent(user), chromedp.KeyEvent(kb.Tab))
	if id := tb.eval(`document.activeElement?.id || ''`); id != "login-password" {
		tb.fatalf("Tab from the username went to %q, want #login-password", id)
	}
	tb.do(chromedp.KeyEvent(browserPassword), chromedp.KeyEvent(kb.Enter))
	tb.waitJS("the app after login", `!document.querySelector('#login-form') && !!document.querySelector('#main-nav')`)
}

// assertLabelled checks that every form control in #main has a label.
func (tb *tab) assertLabelled() {
	tb.t.Helper()
	bad := tb.eval(`[...document.querySelectorAll('#main input:not([type=hidden]), #main select, #main textarea')]
		.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
		.map((e) => e.outerHTML).join('\n')`)
	if bad != "" {
		tb.errorf("form controls without a label:\n%s", bad)
	}
}

// assertHidden checks that sel exists and is not shown.
func (tb *tab) assertHidden(sel string) {
	tb.t.Helper()
	if v := tb.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? String(e.offsetParent === null) : 'missing'; })()`, sel)); v != "true" {
		tb.errorf("%s: hidden=%s, want hidden", sel, v)
	}
}

// assertCJKFont checks that chromium drew sel's Chinese text with the
// WenQuanYi font the suite installed (not boxes, not some system font).
func (tb *tab) assertCJKFont(sel string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(sel)))
	if err != nil || len(nodes) == 0 {
		tb.t.Fatalf("%s: %s: %v", tb.name, sel, err)
	}
	if _, err := chromedp.Call(ctx, css.Enable, struct{}{}); err != nil {
		tb.t.Fatalf("%s: CSS.enable: %v", tb.name, err)
	}
	res, err := chromedp.Call(ctx, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: nodes[0].NodeID})
	if err != nil {
		tb.t.Fatalf("%s: fonts of %s: %v", tb.name, sel, err)
	}
	var names []string
	for _, f := range res.Fonts {
		names = append(names, fmt.Sprintf("%s×%v", f.FamilyName, f.GlyphCount))
		if strings.Contains(f.FamilyName, "WenQuanYi") && f.GlyphCount > 0 {
			return
		}
	}
	tb.errorf("%s is drawn with %v, want WenQuanYi Micro Hei from the suite's font folder", sel, names)
}

// shot writes a README screenshot of the viewport when
// STUDYROLL_SCREENSHOTS is set.
func (tb *tab) shot(name string) { tb.screenshot(name, chromedp.CaptureScreenshot()) }

// shotFull writes a README screenshot of the whole page.
func (tb *tab) shotFull(name string) { tb.screenshot(name, chromedp.FullScreenshot(100)) }

func (tb *tab) screenshot(name string, capture chromedp.Action[[]byte]) {
	tb.t.Helper()
	if tb.s.shots == "" {
		return
	}
	// No focus ring, caret or hover in the picture.
	tb.eval(`(() => { document.activeElement?.blur(); window.scrollTo(0, 0); return ''; })()`)
	tb.do(chromedp.MouseEvent(chromedp.MouseMoved, float64(tb.view.w-2), float64(tb.view.h-2)))
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	img, err := chromedp.Run(ctx, capture)
	if err != nil {
		tb.t.Fatalf("%s: screenshot: %v", tb.name, err)
	}
	img = recompress(img)
	path := filepath.Join(tb.s.shots, name+".png")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	if len(img) > maxShotBytes {
		tb.t.Errorf("%s is %d KiB, over the %d KiB budget", path, len(img)>>10, maxShotBytes>>10)
	}
	tb.t.Logf("screenshot %s (%d KiB)", path, len(img)>>10)
}

// recompress re-encodes a PNG with the best compression when that is smaller.
func recompress(b []byte) []byte {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return b
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, img); err != nil || out.Len() >= len(b) {
		return b
	}
	return out.Bytes()
}

// download fetches a same-origin href with the page's cookies.
func (tb *tab) download(href string) []byte {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	u, err := url.Parse(tb.s.base)
	if err != nil {
		tb.t.Fatal(err)
	}
	target := u.ResolveReference(&url.URL{Path: strings.SplitN(href, "?", 2)[0]})
	if i := strings.IndexByte(href, '?'); i >= 0 {
		target.RawQuery = href[i+1:]
	}
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{target.String()}})
	if err != nil {
		tb.t.Fatalf("%s: cookies: %v", tb.name, err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", target.String(), nil)
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.t.Fatalf("%s: GET %s with the page's cookies: %s %s", tb.name, target, resp.Status, body)
	}
	return body
}

// probeDialogs proves the dialog listener is live: a probe alert must be
// seen and dismissed (finish then fails on any other dialog).
func (tb *tab) probeDialogs() {
	tb.t.Helper()
	tb.eval(fmt.Sprintf(`(() => { alert(%q); return ''; })()`, probeMessage))
	deadline := time.Now().Add(stepTimeout)
	for {
		tb.mu.Lock()
		seen := append([]string(nil), tb.dialogs...)
		tb.mu.Unlock()
		if n := len(seen); n > 0 && strings.Contains(seen[n-1], probeMessage) {
			if n != 1 {
				tb.errorf("dialogs before the probe: %v", seen[:n-1])
			}
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: the probe dialog was never seen: the listener does not work", tb.name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pdfText is the text pdftotext reads from a PDF.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing: apt-get install poppler-utils (.ci/test.sh does it)")
		}
		t.Skip("pdftotext is missing: apt-get install poppler-utils")
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
