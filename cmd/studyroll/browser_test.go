package main

// Browser tests: Debian's chromium, driven by chromedp, against the real
// service started in-process exactly as `serve` starts it (Main.Open, then
// Main.Serve) on a small organisation built through the store API.
//
// Scenarios are subtests of TestBrowser, sharing one server and one
// browser; every user gets a fresh browser context, so cookies never leak.
// They live in one file per role:
//
//	browser_member_test.go     check-in by QR on a phone, own data and
//	                           sessions, re-submitting a learning report
//	browser_lead_test.go       the live screen and one-tap marking, escaping
//	                           and the language switch, rotation and the
//	                           new-session form, resetting to 未签到
//	browser_hr_test.go         rates, charts, report generation and PDFs,
//	                           the audit log in words
//	browser_admin_test.go      the admin's screens: people, groups, import,
//	                           the API document
//	browser_inspector_test.go  drawing on a phone, evidence upload
//	browser_meetings_test.go, browser_plans_test.go, browser_exams_test.go,
//	reminders_browser_test.go, browser_screens_test.go: by feature
//	browser_walk_test.go       every screen of the router, in Chinese, on a
//	                           phone and a desktop: heading, content, no
//	                           error, no console error, no sideways
//	                           scrolling, axe-core
//
// Harness: browser_harness_test.go; organisation: browser_org_test.go.
// When every scenario ran, TestBrowser checks that each screen of the
// app's router (assets/web/js/app.js ROUTES) was visited by one of them.
//
// Environment: STUDYROLL_SCREENSHOTS=docs/screenshots writes the README's
// screenshots (a relative path is taken from the repository root);
// STUDYROLL_ARTIFACTS names the folder for failure screenshots and HTML
// (default: a new folder under the system temp dir, named in the log).

import (
	"flag"
	"io/fs"
	"regexp"
	"testing"
	"time"

	"studyroll/assets"
)

func TestBrowser(t *testing.T) {
	start := time.Now()
	s := startBrowserSuite(t)
	t.Logf("service and browser up in %v", time.Since(start).Round(time.Millisecond))
	passed, total := 0, 0
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
		{"InspectorPublishesQuestionnaire", browserInspectorQuestionnaire},
		{"LeadWritesPlan", browserLeadWritesPlan},
		{"MemberSoFarAndQuestionnaire", browserMemberSoFarAndQuestionnaire},
		{"BranchLeadEntersScores", browserBranchLeadEntersScores},
		{"LeadRotationAndReset", browserLeadRotationAndReset},
		{"MemberResubmitsReport", browserMemberResubmitsReport},
		{"HRReadsAudit", browserHRReadsAudit},
		{"LeadSeesSessionStates", browserLeadSeesStates},
		{"MemberSeesPrivacyNotice", browserPrivacyNotice},
		{"WalkEveryScreen", browserWalkEveryScreen},
	} {
		if t.Run(sc.name, func(t *testing.T) {
			begin := time.Now()
			sc.fn(t, s)
			t.Logf("%s took %v", sc.name, time.Since(begin).Round(time.Millisecond))
		}) {
			passed++
		}
		total++
	}
	if passed == total && !testing.Short() && runsAll() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, re := range appRoutes(t) {
			seen := false
			for p := range s.visited {
				if re.MatchString(p) {
					seen = true
					break
				}
			}
			if !seen {
				t.Errorf("no scenario visits the screen %s", re)
			}
		}
	}
}

// runsAll reports whether -run selects every scenario of TestBrowser (no
// -run, or one naming TestBrowser alone).
func runsAll() bool {
	f := flag.Lookup("test.run")
	if f == nil {
		return true
	}
	v := f.Value.String()
	return v == "" || v == "TestBrowser" || v == "^TestBrowser$"
}

// appRoutes reads the router's path patterns from app.js.
func appRoutes(t *testing.T) []*regexp.Regexp {
	t.Helper()
	src, err := fs.ReadFile(assets.Web, "web/js/app.js")
	if err != nil {
		t.Fatal(err)
	}
	var out []*regexp.Regexp
	for _, m := range regexp.MustCompile(`(?m)^\s*\[/(\^[^\n]*?\$)/,`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, regexp.MustCompile(m[1]))
	}
	if len(out) < 20 {
		t.Fatalf("found %d routes in app.js", len(out))
	}
	return out
}
