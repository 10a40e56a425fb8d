package main

// Browser tests: Debian's chromium, driven by chromedp, against the real
// service started in-process exactly as `serve` starts it (Main.Open, then
// Main.Serve) on a small organisation built through the store API.
//
// Scenarios (subtests of TestBrowser, sharing one server and one browser;
// every user gets a fresh browser context, so cookies never leak):
//
//	MemberChecksInByQR      a member opens the QR's check-in URL on a phone,
//	                        logs in, taps once and sees "present"
//	LeadWatchesLiveAndMarks the lead's live screen shows the QR and the code,
//	                        a member checks in with that code on a phone, the
//	                        lead sees the row turn present and marks another
//	                        member late with one tap
//	HRReportsAndPDF         HR's dashboard, the English switch, report
//	                        generation with its progress bar, a PDF download
//	                        checked with pdftotext
//	EscapingAndLanguage     hostile names and report text show as text in
//	                        the lead's pages, no dialog opens, and the
//	                        language switch flips the UI to English and back
//	LeadRecordsMinutes, ComplianceCalendar: see browser_meetings_test.go
//
// Environment: STUDYROLL_SCREENSHOTS=docs/screenshots writes the README's
// screenshots (a relative path is taken from the repository root);
// STUDYROLL_ARTIFACTS names the folder for failure screenshots and HTML
// (default: a new folder under the system temp dir, named in the log).

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
}

func TestBrowser(t *testing.T) {
	start := time.Now()
	s := startBrowserSuite(t)
	t.Logf("service and browser up in %v", time.Since(start).Round(time.Millisecond))
	for _, sc := range []struct {
		name string
		fn   func(*testing.T, *browserSuite)
	}{
		{"MemberChecksInByQR", browserMemberCheckin},
		{"LeadWatchesLiveAndMarks", browserLeadLive},
		{"HRReportsAndPDF", browserHRReports},
		{"EscapingAndLanguage", browserEscaping},
		{"LeadRecordsMinutes", browserLeadMinutes},
		{"ComplianceCalendar", browserComplianceCalendar},
		{"LeadAddsRobot", browserRobots},
		{"ScreensFitAndAccessible", browserScreensFit},
		{"MemberOwnDataAndSessions", browserOwnData},
		{"AdminFindsTheAPIDocument", browserAdminAPIDoc},
		{"InspectorDrawsOnAPhone", browserInspectorDraws},
		{"MemberUploadsEvidence", browserEvidenceUpload},
		{"LeadWritesPlan", browserLeadWritesPlan},
		{"MemberSoFarAndQuestionnaire", browserMemberSoFarAndQuestionnaire},
		{"BranchLeadEntersScores", browserBranchLeadEntersScores},
		{"LeadRotationAndReset", browserLeadRotationAndReset},
		{"MemberResubmitsReport", browserMemberResubmitsReport},
		{"HRReadsAudit", browserHRReadsAudit},
		{"MemberSeesPrivacyNotice", browserPrivacyNotice},
	} {
		t.Run(sc.name, func(t *testing.T) {
			begin := time.Now()
			sc.fn(t, s)
			t.Logf("%s took %v", sc.name, time.Since(begin).Round(time.Millisecond))
		})
	}
}

// browserAdminAPIDoc: the admin's data screen says where the OpenAPI
// document is, as a full address an integrator can copy.
func browserAdminAPIDoc(t *testing.T, s *browserSuite) {
	st := s.m.Store
	a, err := st.MemberByUsername("admin")
	if err != nil {
		t.Fatal(err)
	}
	pw := browserPassword
	if _, err := st.UpdateMember(store.WithActor(context.Background(), a.ID), a.ID, store.MemberPatch{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	adm := s.newTab(t, "admin", desktop)
	adm.do(chromedp.Navigate(s.base + "/app/data"))
	adm.login("admin")
	adm.waitJS("the API card", `!!document.querySelector('#openapi-link')`)
	adm.assertText("#openapi-link", s.base+"/api/v1/openapi.json")
	if href := adm.eval(`document.querySelector('#openapi-link').href`); href != s.base+"/api/v1/openapi.json" {
		adm.errorf("the link goes to %q", href)
	}
	if body := adm.eval(`document.querySelector('main')?.textContent || ''`); !strings.Contains(body, s.text("zh", "openapi.title")) {
		adm.errorf("no %q card on the data screen", s.text("zh", "openapi.title"))
	}
}

// ---- scenario a -------------------------------------------------------------

// browserMemberCheckin: the member opens the URL the QR encodes on a phone,
// logs in, taps once and sees "present"; the API holds the record.
func browserMemberCheckin(t *testing.T, s *browserSuite) {
	o := s.org
	var code struct{ Code, URL string }
	s.apiJSON(t, "GET", "/api/v1/sessions/"+o.sessA.ID+"/code", "lead1", nil, &code)
	want := s.base + "/checkin/" + o.sessA.ID + "?code=" + code.Code
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code.Code) || code.URL != want {
		t.Fatalf("GET /code = %+v, want a 6-digit code and url %s", code, want)
	}

	tb := s.newTab(t, "member", phone)
	tb.do(chromedp.Navigate(code.URL))
	tb.login("m1")
	// The code came in the URL: no field to type it, one button to tap.
	tb.waitJS("the check-in button", `(() => { const b = document.querySelector('#checkin-button');
		const f = document.querySelector('#checkin-code');
		return b && b.offsetParent !== null && f && f.offsetParent === null; })()`)
	tb.assertCJKFont("#main h1")
	tb.assertLabelled()
	tb.do(chromedp.Tap(chromedp.CSS("#checkin-button")))
	tb.waitJS("#checkin-status present", `document.querySelector('#checkin-status')?.dataset.status === 'present'`)
	tb.assertText("#checkin-status strong", s.text("zh", "checkin.result_present"))
	tb.shot("checkin-phone")

	if st := s.attendanceOf(t, o.sessA.ID, o.m1.ID); st != "present" {
		t.Errorf("API: m1's record at session A is %q, want present", st)
	}

	// Home on the phone: the session shows the member's own status, the
	// quarter's rates are bars against 100%.
	tb.do(chromedp.Navigate(s.base + "/app/home"))
	tb.waitJS("own status on home", fmt.Sprintf(`document.querySelector('#session-%s [data-status]')?.dataset.status === 'present'`, o.sessA.ID))
	if v := tb.eval(fmt.Sprintf(`String(document.querySelector('#session-%s [data-action=leave]')?.offsetParent ?? null)`, o.sessA.ID)); v != "null" {
		tb.errorf("after checking in, the session still offers to ask for leave")
	}
	tb.waitJS("rate bars", `document.querySelectorAll('#home-rates .rate-row [role=progressbar]').length === 3`)
	tb.shot("member-home-phone")

	// Below 900 px the header's log-out is hidden; the menu's does the job.
	tb.assertHidden("#logout")
	tb.do(chromedp.Tap(chromedp.CSS("#nav-toggle")))
	tb.waitJS("the menu", `document.querySelector('#nav-toggle').getAttribute('aria-expanded') === 'true' && document.querySelector('#nav-logout').offsetParent !== null`)
	tb.do(chromedp.Tap(chromedp.CSS("#nav-logout")))
	tb.waitJS("the login form", `!!document.querySelector('#login-username')`)
	if st := tb.eval(`fetch('/api/v1/me').then((r) => String(r.status))`); st != "401" {
		tb.errorf("GET /me after logging out answers %s, want 401", st)
	}
}

// ---- scenario b -------------------------------------------------------------

// browserLeadLive: the lead's live screen, a check-in from a phone with the
// code shown there, polling, and one-tap marking confirmed by the API.
func browserLeadLive(t *testing.T, s *browserSuite) {
	o := s.org
	sid := o.sessB.ID
	lead := s.newTab(t, "lead", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/sessions/" + sid + "/live"))
	lead.login("lead1")
	lead.waitJS("the QR image", `(() => { const i = document.querySelector('#qr-img');
		return i && i.complete && i.naturalWidth >= 100; })()`)
	lead.waitJS("the code digits", `/^\d{6}$/.test(document.querySelector('#code-digits')?.dataset.code || '')`)
	code := lead.eval(`document.querySelector('#code-digits').dataset.code`)
	if got, want := lead.eval(`document.querySelector('#code-digits').textContent`), code[:3]+" "+code[3:]; got != want {
		t.Errorf("#code-digits shows %q, want %q", got, want)
	}
	lead.assertText("#checkin-url", s.base+"/checkin/"+sid+"?code="+code)
	for _, m := range []*store.Member{o.m2, o.m3} {
		if st := lead.eval(fmt.Sprintf(`document.querySelector('#att-%s')?.dataset.status || 'missing'`, m.ID)); st != "none" {
			t.Fatalf("before any check-in, row of %s is %q, want none", m.Name, st)
		}
	}

	// m2 "scans" the projector: the URL with the code the lead's screen shows.
	phoneTab := s.newTab(t, "member", phone)
	phoneTab.do(chromedp.Navigate(s.base + "/checkin/" + sid + "?code=" + code))
	phoneTab.login("m2")
	phoneTab.do(chromedp.Tap(chromedp.CSS("#checkin-button")))
	phoneTab.waitJS("#checkin-status present", `document.querySelector('#checkin-status')?.dataset.status === 'present'`)

	// The lead's screen learns it by polling, without a reload.
	lead.waitJS("m2's row turning present", fmt.Sprintf(`document.querySelector('#att-%s')?.dataset.status === 'present'`, o.m2.ID))
	lead.assertText(`#att-summary [data-count="arrived"] .sum-num`, "1")
	lead.shot("lead-live")

	// One tap marks m3 late; the API confirms.
	lead.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#att-%s [data-set-status="late"]`, o.m3.ID))))
	lead.waitJS("m3's row turning late", fmt.Sprintf(`document.querySelector('#att-%s')?.dataset.status === 'late'`, o.m3.ID))
	if st := s.attendanceOf(t, sid, o.m3.ID); st != "late" {
		t.Errorf("API: m3's record is %q after the tap, want late", st)
	}
	if st := s.attendanceOf(t, sid, o.m2.ID); st != "present" {
		t.Errorf("API: m2's record is %q, want present", st)
	}
	if p := lead.eval(fmt.Sprintf(`document.querySelector('#att-%s [data-set-status="late"]').getAttribute('aria-pressed')`, o.m3.ID)); p != "true" {
		t.Errorf("late button of m3: aria-pressed=%q, want true", p)
	}
}

// ---- scenario c -------------------------------------------------------------

// browserHRReports: the dashboard with rates and the chart, the English UI,
// then reports generated with a progress bar and a PDF downloaded.
func browserHRReports(t *testing.T, s *browserSuite) {
	o := s.org
	hr := s.newTab(t, "hr", desktop)
	hr.do(chromedp.Navigate(s.base + "/app/overview"))
	hr.login("hr")
	hr.waitJS("the subgroup chart", fmt.Sprintf(`document.querySelectorAll('#rates-chart g[data-group="%s"], #rates-chart g[data-group="%s"]').length === 2`, o.b1.ID, o.b2.ID))
	hr.waitJS("the group's rates", `/\d+\.\d%/.test(document.querySelector('#group-rate-participation .rate-value')?.textContent || '')`)
	hr.waitJS("members' rates", fmt.Sprintf(`!!document.querySelector('#rate-member-%s')`, o.m1.ID))
	hr.assertCJKFont("#rates-chart .chart-label")
	// Grades read as the appraisal forms print them (the policy's labels).
	var rates struct {
		Members []struct {
			MemberID string `json:"member_id"`
			Grade    string `json:"grade"`
		} `json:"members"`
	}
	s.apiJSON(t, "GET", "/api/v1/rates?period="+o.period+"&group_id="+o.root.ID, "hr", nil, &rates)
	pol := s.m.Store.Policy()
	for _, r := range rates.Members {
		if want := pol.Labels.Quarterly[r.Grade]; r.Grade != "" {
			hr.assertText(fmt.Sprintf("#rate-member-%s td:last-child", r.MemberID), want)
		}
	}
	hr.shotFull("hr-dashboard")

	// The English UI, then back.
	hr.do(chromedp.Click(chromedp.CSS("#lang-switch")))
	hr.waitJS("English", `document.documentElement.lang === 'en'`)
	hr.waitJS("the chart again", `!!document.querySelector('#rates-chart')`)
	hr.assertText(`#main-nav a[data-nav="/app/overview"]`, s.text("en", "nav.overview"))
	hr.shot("english-ui")
	hr.do(chromedp.Click(chromedp.CSS("#lang-switch")))
	hr.waitJS("Chinese", `document.documentElement.lang === 'zh-CN'`)
	hr.assertText(`#main-nav a[data-nav="/app/overview"]`, s.text("zh", "nav.overview"))

	// Warnings read in the UI's language (the API words them in English).
	hr.do(chromedp.Click(chromedp.CSS(`#main-nav a[data-nav="/app/warnings"]`)))
	hr.waitJS("the warnings", fmt.Sprintf(`!!document.querySelector('#warning-list tr[data-kind="below_target"]') && document.querySelector('#warning-list').textContent.includes(%q)`, o.m3.Name))
	if txt := hr.eval(`document.querySelector('#warning-list').textContent`); regexp.MustCompile(`below 100%|missed \d|in a row`).MatchString(txt) ||
		!strings.Contains(txt, s.text("zh", "rate.participation")) {
		hr.errorf("warnings are not in Chinese: %q", txt)
	}
	// The audit log's default range ends today and includes today's entries.
	hr.do(chromedp.Click(chromedp.CSS(`#main-nav a[data-nav="/app/audit"]`)))
	hr.waitJS("today's audit entries", `document.querySelectorAll('#audit-list tr[id^="audit-"]').length > 0`)

	// Reports: generate the quarter's, watch the bar run to the end.
	hr.do(chromedp.Click(chromedp.CSS(`#main-nav a[data-nav="/app/reports"]`)))
	hr.waitJS("the reports screen", `!!document.querySelector('#report-generate')`)
	hr.assertLabelled()
	if p := hr.eval(`document.querySelector('#report-period').value`); p != o.period {
		t.Errorf("#report-period = %q, want the current quarter %s", p, o.period)
	}
	// Record every state the bar goes through.
	hr.eval(`(() => { window.__bar = []; const p = document.querySelector('#report-progress');
		const note = () => window.__bar.push({hidden: p.hidden, value: p.hasAttribute('value') ? p.value : null, max: p.max});
		new MutationObserver(note).observe(p, {attributes: true}); return ''; })()`)
	hr.do(chromedp.Click(chromedp.CSS("#report-generate")))
	hr.waitJS("the finished message", fmt.Sprintf(`document.querySelector('#report-status')?.textContent.includes(%q)`, s.text("zh", "reports.finished")))
	var bar struct {
		Hidden   bool
		Value    float64
		Max      float64
		Text     string
		Disabled bool
		States   []struct {
			Hidden bool
			Value  *float64
			Max    float64
		}
	}
	hr.evalJSON(`(() => { const p = document.querySelector('#report-progress');
		return {hidden: p.hidden, value: p.value, max: p.max, text: document.querySelector('#report-progress-text').textContent,
			disabled: document.querySelector('#report-generate').disabled, states: window.__bar}; })()`, &bar)
	if bar.Hidden || bar.Max <= 0 || bar.Value != bar.Max || bar.Disabled {
		t.Errorf("at the end the bar is %+v, want visible and full, the button enabled again", bar)
	}
	if len(bar.States) == 0 || bar.States[0].Hidden {
		t.Errorf("the bar never showed: states %+v", bar.States)
	}
	m := regexp.MustCompile(`(\d+) / (\d+)`).FindStringSubmatch(bar.Text)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Errorf("progress text %q, want n / n of the job", bar.Text)
	}
	t.Logf("progress bar states: %d, last text %q", len(bar.States), bar.Text)

	// The member's PDF: follow the link with the browser's cookies.
	link := fmt.Sprintf(`a.report-link[href$="/members/%s.pdf"]`, o.m1.ID)
	hr.waitJS("m1's appraisal link", fmt.Sprintf(`!!document.querySelector(%q)`, link))
	href := hr.eval(fmt.Sprintf(`document.querySelector(%q).getAttribute('href')`, link))
	pdf := hr.download(href)
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("GET %s: %d bytes not starting with %%PDF: %.40q", href, len(pdf), pdf)
	}
	text := pdfText(t, pdf)
	if !strings.Contains(text, o.m1.Name) {
		t.Errorf("pdftotext of %s does not show %s:\n%.600s", href, o.m1.Name, text)
	}
	if !strings.Contains(text, "学习考核") {
		t.Errorf("pdftotext of %s has no title 学习考核:\n%.600s", href, text)
	}
}

// ---- scenario d -------------------------------------------------------------

const (
	hostileName   = `<img src=x onerror=alert(1)>张三`
	hostileReport = `<script>alert(2)</script>学习体会：<b>联系实际</b>，认真学习原文。`
	hostileReason = `<img src=y onerror=alert(3)>出差`
)

// browserEscaping: what users typed shows as text in the lead's pages, no
// dialog opens, and the language switch flips the UI to English and back.
func browserEscaping(t *testing.T, s *browserSuite) {
	o := s.org
	st := s.m.Store
	adm, err := st.MemberByUsername("admin")
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(context.Background(), adm.ID)
	b3, err := st.CreateGroup(ctx, store.GroupInput{Name: "办公室第三党支部", ParentID: o.root.ID})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.CreateMembers(ctx, []store.MemberInput{
		{Name: "吴书记", Username: "lead3", Password: browserPassword, GroupID: b3.ID, Role: store.RoleLead, JoinedOn: "2024-01-01"},
		{Name: hostileName, Username: "evil", Password: browserPassword, GroupID: b3.ID, Role: store.RoleMember, JoinedOn: "2024-01-01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	evil := &ms[1]
	starts := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	sess, err := st.CreateSession(ctx, store.SessionInput{GroupID: b3.ID, Title: "集中学习：<i>党章</i>",
		StartsAt: starts.Format(time.RFC3339), EndsAt: starts.Add(time.Hour).Format(time.RFC3339), Place: "<b>三楼</b>会议室"})
	if err != nil {
		t.Fatal(err)
	}
	ectx := store.WithActor(context.Background(), evil.ID)
	if _, err := st.RequestLeave(ectx, sess.ID, evil.ID, store.LeaveInput{Reason: hostileReason}); err != nil {
		t.Fatal(err)
	}
	rep, _, err := st.WriteReport(ectx, evil, store.ReportInput{Period: o.period, Text: hostileReport})
	if err != nil {
		t.Fatal(err)
	}

	lead := s.newTab(t, "lead3", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/sessions/" + sess.ID))
	lead.loginByKeyboard("lead3")
	row := fmt.Sprintf("#att-%s", evil.ID)
	lead.waitJS("the hostile member's row", fmt.Sprintf(`!!document.querySelector('%s .att-name')`, row))
	lead.assertText(row+" .att-name", hostileName)
	lead.waitJS("the leave request", fmt.Sprintf(`!!document.querySelector('#leave-%s')`, evil.ID))
	if got := lead.eval(fmt.Sprintf(`document.querySelector('#leave-%s').textContent`, evil.ID)); !strings.Contains(got, hostileReason) {
		t.Errorf("leave request shows %q, want the reason %q as text", got, hostileReason)
	}
	lead.assertText("#main h1", "集中学习：<i>党章</i>")
	lead.assertLabelled()
	lead.assertNoElements("#main img, #main script, #main b, #main i")

	lead.do(chromedp.Click(chromedp.CSS(`#main-nav a[data-nav="/app/evaluate"]`)))
	card := fmt.Sprintf("#eval-%s", rep.ID)
	lead.waitJS("the hostile report", fmt.Sprintf(`!!document.querySelector('%s .report-text')`, card))
	lead.assertText(card+" .report-text", hostileReport)
	lead.assertText(card+" h2", hostileName)
	lead.assertNoElements("#main img, #main script, #main b")

	// English and back; the re-rendered page escapes just the same.
	lead.do(chromedp.Click(chromedp.CSS("#lang-switch")))
	lead.waitJS("English", `document.documentElement.lang === 'en'`)
	lead.assertText(`#main-nav a[data-nav="/app/evaluate"]`, s.text("en", "nav.evaluate"))
	lead.assertText("#lang-switch", s.text("en", "lang.other"))
	lead.waitJS("the report again", fmt.Sprintf(`!!document.querySelector('%s .report-text')`, card))
	lead.assertText(card+" .report-text", hostileReport)
	lead.assertNoElements("#main img, #main script, #main b")
	lead.do(chromedp.Click(chromedp.CSS("#lang-switch")))
	lead.waitJS("Chinese", `document.documentElement.lang === 'zh-CN'`)
	lead.assertText(`#main-nav a[data-nav="/app/evaluate"]`, s.text("zh", "nav.evaluate"))
	lead.assertText("#lang-switch", s.text("zh", "lang.other"))

	lead.do(chromedp.Click(chromedp.CSS(`#main-nav a[data-nav="/app/overview"]`)))
	lead.waitJS("the member rates", fmt.Sprintf(`!!document.querySelector('#rate-member-%s th')`, evil.ID))
	lead.assertText(fmt.Sprintf("#rate-member-%s th", evil.ID), hostileName)
	lead.assertNoElements("#main img, #main script")

	// The dialog listener works: a probe alert is seen (and dismissed), and
	// it is the only dialog this tab ever opened.
	lead.probeDialogs()
}

// ---- the suite --------------------------------------------------------------

func startBrowserSuite(t *testing.T) *browserSuite {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: install Debian's chromium (apt-get install chromium; .ci/test.sh does it)", chromiumPath)
		}
		t.Skipf("%s is missing: apt-get install chromium to run the browser tests", chromiumPath)
	}
	s := &browserSuite{logs: &lockedBuffer{}, tokens: map[string]string{}, i18n: map[string]map[string]string{}}
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
	snaps      int
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
			tb.mu.Unlock()
		}
	}()
	var vopts []chromedp.EmulateViewportOption
	if v.mobile {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	vopts = append(vopts, chromedp.EmulateScale(v.scale))
	tb.do(chromedp.EmulateViewport(v.w, v.h, vopts...))
	t.Cleanup(tb.finish)
	return tb
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

// ---- the organisation ---------------------------------------------------------

// seedBrowserOrg builds a small organisation with a quarter of history:
// root 机关党委 (HR) → two branches with a lead and members each; a plan
// with session items and self-study; up to three past sessions per branch
// with paper sign-in sheets; an exam; learning reports; and two sessions of
// 第一支部 starting in a few minutes, so self check-in is open now.
func seedBrowserOrg(t *testing.T, st *store.Store) *browserOrg {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	adm, err := st.MemberByUsername("admin")
	must(err)
	ctx := store.WithActor(context.Background(), adm.ID)
	loc := st.Location()
	now := time.Now().In(loc)
	q := (int(now.Month())-1)/3 + 1
	qStart := time.Date(now.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
	o := &browserOrg{period: fmt.Sprintf("%dQ%d", now.Year(), q)}

	o.root, err = st.CreateGroup(ctx, store.GroupInput{Name: "市直机关党委"})
	must(err)
	o.b1, err = st.CreateGroup(ctx, store.GroupInput{Name: "办公室第一党支部", ParentID: o.root.ID})
	must(err)
	o.b2, err = st.CreateGroup(ctx, store.GroupInput{Name: "办公室第二党支部", ParentID: o.root.ID})
	must(err)
	in := func(name, user, group string, role store.Role) store.MemberInput {
		return store.MemberInput{Name: name, Username: user, Password: browserPassword, GroupID: group, Role: role, JoinedOn: "2024-01-01"}
	}
	ms, err := st.CreateMembers(ctx, []store.MemberInput{
		in("周敏", "hr", o.root.ID, store.RoleHR),
		in("李建国", "lead1", o.b1.ID, store.RoleLead),
		in("张三", "m1", o.b1.ID, store.RoleMember),
		in("王芳", "m2", o.b1.ID, store.RoleMember),
		in("刘洋", "m3", o.b1.ID, store.RoleMember),
		in("陈红", "lead2", o.b2.ID, store.RoleLead),
		in("赵六", "m4", o.b2.ID, store.RoleMember),
		in("孙丽", "m5", o.b2.ID, store.RoleMember),
	})
	must(err)
	o.hr, o.lead1, o.m1, o.m2, o.m3, o.lead2, o.m4, o.m5 = &ms[0], &ms[1], &ms[2], &ms[3], &ms[4], &ms[5], &ms[6], &ms[7]

	qEnd := qStart.AddDate(0, 3, -1)
	plan, err := st.CreatePlan(ctx, store.PlanInput{GroupID: o.root.ID, Period: o.period, Title: "本季度理论学习计划",
		Items: []store.PlanItemInput{
			{Title: "党的二十届三中全会精神"},
			{Title: "《中国共产党纪律处分条例》"},
			{Title: "习近平新时代中国特色社会主义思想专题摘编"},
			{Title: "学习贯彻党的创新理论"},
			{Title: "自学：《习近平谈治国理政》第五卷选读", DueOn: qEnd.Format(store.DateLayout)},
		}})
	must(err)
	self := plan.Items[len(plan.Items)-1]
	for _, m := range []*store.Member{o.m1, o.m2, o.lead1, o.m4, o.lead2} {
		_, err := st.MarkItemDone(store.WithActor(context.Background(), m.ID), m.ID, plan.ID, self.ID)
		must(err)
	}

	// Past sessions of this quarter, 14:30–16:30, entered from paper sheets.
	type mark struct {
		m  *store.Member
		st []string // status at each past session
	}
	sheets := map[string][]mark{
		o.b1.ID: {{o.lead1, []string{"present", "present", "present"}}, {o.m1, []string{"present", "present", "present"}},
			{o.m2, []string{"late", "present", "present"}}, {o.m3, []string{"present", "absent", "leave"}}},
		o.b2.ID: {{o.lead2, []string{"present", "present", "present"}}, {o.m4, []string{"present", "present", "present"}},
			{o.m5, []string{"absent*", "present", "absent"}}},
	}
	var past []time.Time
	for _, back := range []int{21, 14, 7} {
		d := time.Date(now.Year(), now.Month(), now.Day()-back, 14, 30, 0, 0, loc)
		if !d.Before(qStart) {
			past = append(past, d)
		}
	}
	for k, day := range past {
		for _, g := range []*store.Group{o.b1, o.b2} {
			sess, err := st.CreateSession(ctx, store.SessionInput{GroupID: g.ID, Title: "集中学习：" + plan.Items[k].Title,
				StartsAt: day.Format(time.RFC3339), EndsAt: day.Add(2 * time.Hour).Format(time.RFC3339),
				Place: "党员活动室", ItemIDs: []string{plan.Items[k].ID}})
			must(err)
			var sheet []store.SheetEntry
			for _, mk := range sheets[g.ID] {
				status := mk.st[k]
				e := store.SheetEntry{MemberID: mk.m.ID, Status: strings.TrimSuffix(status, "*")}
				switch e.Status {
				case "present", "late":
					at := day.Add(-10 * time.Minute)
					if e.Status == "late" {
						at = day.Add(12 * time.Minute)
					}
					e.CheckedInAt = &at
				case "leave":
					e.Note = "出差"
				}
				if strings.HasSuffix(status, "*") {
					e.MakeupOn, e.MakeupNote = day.AddDate(0, 0, 3).Format(store.DateLayout), "自学原文并提交心得"
				}
				sheet = append(sheet, e)
			}
			_, err = st.RecordSheet(ctx, sess.ID, sheet)
			must(err)
		}
	}

	held := now.Format(store.DateLayout)
	if len(past) > 0 {
		held = past[len(past)-1].Format(store.DateLayout)
	}
	exam, err := st.CreateExam(ctx, store.ExamInput{GroupID: o.root.ID, Title: "本季度理论学习测试", HeldOn: held, MaxScore: 100})
	must(err)
	scores := map[*store.Member]float64{o.hr: 93, o.lead1: 96, o.m1: 95, o.m2: 88, o.m3: 92, o.lead2: 91, o.m4: 97, o.m5: 76}
	var sin store.ScoresInput
	for m, sc := range scores {
		sin.Scores = append(sin.Scores, store.ScoreEntry{MemberID: m.ID, Score: sc})
	}
	_, err = st.PutScores(ctx, exam.ID, sin)
	must(err)

	for m, text := range map[*store.Member]string{
		o.m1: "本季度认真学习党的二十届三中全会精神，结合岗位实际查找不足，进一步增强了服务意识。",
		o.m2: "通过集中学习和自学，深化了对纪律处分条例的理解，今后将严格要求自己。",
		o.m4: "坚持原原本本学原文，撰写学习笔记三篇，在支部交流发言一次。",
	} {
		r, _, err := st.WriteReport(store.WithActor(context.Background(), m.ID), m, store.ReportInput{Period: o.period, Text: text})
		must(err)
		if m.GroupID == o.b1.ID {
			_, err = st.EvaluateReport(store.WithActor(ctx, o.lead1.ID), o.lead1, r.ID, store.EvaluationInput{Grade: 5, Comment: "学习认真，联系实际较好"})
			must(err)
		}
	}

	// Sessions starting a few minutes from now: self check-in is open and
	// arriving now counts as present.
	soon := now.Add(5 * time.Minute).Truncate(time.Minute)
	o.sessA, err = st.CreateSession(ctx, store.SessionInput{GroupID: o.b1.ID, Title: "集中学习：" + plan.Items[2].Title,
		StartsAt: soon.Format(time.RFC3339), EndsAt: soon.Add(90 * time.Minute).Format(time.RFC3339),
		Place: "三楼党员活动室", ItemIDs: []string{plan.Items[2].ID}})
	must(err)
	o.sessB, err = st.CreateSession(ctx, store.SessionInput{GroupID: o.b1.ID, Title: "专题研讨：" + plan.Items[3].Title,
		StartsAt: soon.Add(5 * time.Minute).Format(time.RFC3339), EndsAt: soon.Add(95 * time.Minute).Format(time.RFC3339),
		Place: "二楼会议室", ItemIDs: []string{plan.Items[3].ID}})
	must(err)
	return o
}

// ---- own data and sessions --------------------------------------------------

// browserOwnData: the member's home offers their data as a zip (the link
// downloads one), and the security screen lists their own sessions and
// sets up a second factor by QR code.
func browserOwnData(t *testing.T, s *browserSuite) {
	tb := s.newTab(t, "own-data", desktop)
	tb.do(chromedp.Navigate(s.base + "/app/home"))
	tb.login("m2")
	tb.waitJS("the my-data link", `document.querySelector('#my-data-download')?.getAttribute('href') === '/api/v1/me/data.zip'`)
	if got := tb.eval(`fetch('/api/v1/me/data.zip').then(async (r) => r.status + ' ' + r.headers.get('content-type') + ' ' + new Uint8Array(await r.arrayBuffer()).slice(0, 2).join(','))`); got != "200 application/zip 80,75" {
		t.Errorf("data.zip from the page: %s", got)
	}
	tb.do(chromedp.Navigate(s.base + "/app/security"))
	tb.waitJS("own sessions with the current one", `!!document.querySelector('#my-sessions tr[data-session] .badge')`)
	tb.do(chromedp.Click(chromedp.CSS("#totp-start")))
	tb.waitJS("the QR image", `(() => { const i = document.querySelector('#totp-qr'); return i && i.complete && i.naturalWidth >= 100; })()`)
	tb.assertLabelled()
	tb.shot("security-desktop")
}
