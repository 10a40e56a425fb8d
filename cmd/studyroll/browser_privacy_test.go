package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

// browserPrivacyNotice: after login a member who has not accepted the
// privacy notice sees it above the page (the page still works); accepting
// records it, and the notice is not shown again.
func browserPrivacyNotice(t *testing.T, s *browserSuite) {
	tb := s.newTab(t, "privacy", phone)
	tb.do(chromedp.Navigate(s.base + "/app/home"))
	// The notice and the home's sessions cannot be read (the network drops
	// those two requests): each says so in Chinese, the rest of the home
	// page still shows.
	tb.eval(`(() => { const f = window.fetch; window.fetch = (u, o) => /privacy-notice|\/sessions\?/.test(String(u)) ? Promise.reject(new TypeError('dropped')) : f(u, o); return ''; })()`)
	tb.login("m5")
	tb.waitJS("the notice's failure", `document.querySelector('#privacy-notice #privacy-status')?.textContent.includes('无法连接服务器')`)
	tb.waitJS("the sessions' failure", `document.querySelector('#home-sessions #home-sessions-error')?.textContent.includes('无法连接服务器')`)
	tb.waitJS("the own figures", `!!document.querySelector('#home-rates')`)
	// The quarter is written 第一…第四季度, as on the PDFs.
	if title := tb.eval(`document.querySelector('#home-rates h2')?.textContent || ''`); !regexp.MustCompile(`\d{4}年第[一二三四]季度`).MatchString(title) {
		t.Errorf("home rates title %q: want 2026年第三季度 style", title)
	}
	tb.do(chromedp.Reload())
	tb.waitJS("the privacy notice", `!!document.querySelector('#privacy-notice #privacy-accept')`)
	if text := tb.eval(`document.querySelector('#privacy-text').textContent`); !strings.Contains(text, "个人信息处理告知") {
		t.Errorf("notice text %q", text)
	}
	tb.waitJS("the home page under it", `!!document.querySelector('#main h1')`)
	tb.do(chromedp.Click(chromedp.CSS("#privacy-accept")))
	tb.waitJS("the notice gone", `!document.querySelector('#privacy-notice')`)
	var n store.PrivacyNotice
	s.apiJSON(t, "GET", "/api/v1/me/privacy-notice", "m5", nil, &n)
	if n.AcceptedAt == nil {
		t.Fatalf("acceptance not recorded: %+v", n)
	}
	tb.do(chromedp.Reload())
	tb.waitJS("the home page", `!!document.querySelector('#main h1')`)
	tb.assertNoElements("#privacy-notice")
}
