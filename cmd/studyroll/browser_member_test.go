package main

// Browser scenarios of a member (张三, 王芳, 刘洋): check-in, own data.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

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

// browserMemberResubmitsReport: a second submission of the same period
// asks first; confirmed, the earlier text shows under 历史版本.
func browserMemberResubmitsReport(t *testing.T, s *browserSuite) {
	tb := s.newTab(t, "member-report", phone)
	tb.do(chromedp.Navigate(s.base + "/app/learning-reports"))
	tb.login("m3")
	tb.waitJS("the form", `!!document.querySelector('#lr-text') && !document.querySelector('#my-learning-reports .loading')`)
	tb.do(chromedp.SendKeys(chromedp.CSS("#lr-text"), "第一稿：学习了党的二十届三中全会精神。"),
		chromedp.Click(chromedp.CSS("#lr-submit")))
	tb.waitJS("the report listed", `document.querySelectorAll('#my-learning-reports .lr-item').length === 1`)
	tb.do(chromedp.SendKeys(chromedp.CSS("#lr-text"), "第二稿：联系岗位实际，查找了三方面不足。"),
		chromedp.Click(chromedp.CSS("#lr-submit")))
	tb.waitJS("the question before replacing", `document.querySelector('#lr-confirm-box')?.hidden === false`)
	if body := tb.eval(`document.querySelector('#my-learning-reports').textContent`); strings.Contains(body, "第二稿") {
		tb.fatalf("the report was replaced before the member confirmed")
	}
	tb.shot("learning-report-confirm-phone")
	tb.do(chromedp.Click(chromedp.CSS("#lr-confirm")))
	tb.waitJS("the earlier version", `!!document.querySelector('.lr-history summary')`)
	tb.do(chromedp.Click(chromedp.CSS(".lr-history summary")))
	if h := tb.eval(`document.querySelector('.lr-history').textContent`); !strings.Contains(h, "第一稿") {
		tb.errorf("history shows %q", h)
	}
	tb.assertText(".lr-item .prewrap", "第二稿：联系岗位实际，查找了三方面不足。")
	tb.assertLabelled()
}
