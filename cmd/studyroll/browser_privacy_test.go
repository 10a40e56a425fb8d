package main

import (
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
	tb.login("m5")
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
