package main

// Browser scenarios of the HR officer (周敏).

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

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

	// Locking asks in the page first (a period long past, which no other
	// scenario writes to): Escape and 取消 leave it open, 锁定 locks it.
	y, _ := strconv.Atoi(o.period[:4])
	old := fmt.Sprintf("%dQ1", y-3)
	hr.eval(fmt.Sprintf(`(() => { const p = document.querySelector('#report-period'); p.value = %q; p.dispatchEvent(new Event('change')); return ''; })()`, old))
	hr.waitJS("the old period's lock button", `document.querySelector('#period-lock')?.disabled === false`)
	name := fill(s.text("zh", "period.quarter"), map[string]string{"y": strconv.Itoa(y - 3), "q": "1", "qn": "一"})
	for _, how := range []string{"escape", "keep"} {
		hr.do(chromedp.Click(chromedp.CSS("#period-lock")))
		hr.assertConfirm(fill(s.text("zh", "reports.lock_title"), map[string]string{"period": name}), s.text("zh", "reports.lock_confirm"), "锁定")
		hr.answerConfirm(how, "#period-lock")
		if s.periodLocked(t, old) {
			t.Fatalf("%s after %s: the period is locked", old, how)
		}
	}
	hr.do(chromedp.Click(chromedp.CSS("#period-lock")))
	hr.assertConfirm(fill(s.text("zh", "reports.lock_title"), map[string]string{"period": name}), "", "锁定")
	hr.answerConfirm("go", "")
	hr.waitJS("the period shown locked", `document.querySelector('#period-lock').disabled && document.querySelector('#period-lock-state').hidden === false`)
	if !s.periodLocked(t, old) {
		t.Errorf("%s is not locked after 锁定", old)
	}
}

// periodLocked asks the API whether period is locked.
func (s *browserSuite) periodLocked(t *testing.T, period string) bool {
	t.Helper()
	var ls struct {
		Items []struct {
			Period string `json:"period"`
			Locked bool   `json:"locked"`
		} `json:"items"`
	}
	s.apiJSON(t, "GET", "/api/v1/periods", "hr", nil, &ls)
	for _, l := range ls.Items {
		if l.Period == period {
			return l.Locked
		}
	}
	return false
}

// browserHRReadsAudit: the audit screen says who did what to whom in
// Chinese words, and folds a run of system entries into one row.
func browserHRReadsAudit(t *testing.T, s *browserSuite) {
	o := s.org
	st := s.m.Store
	// Three system writes in a row (no actor), then the lead's own.
	for _, m := range []*store.Member{o.m1, o.m2, o.m3} {
		if _, err := st.SetAttendance(context.Background(), o.sessB.ID, m.ID, store.AttendanceInput{Status: "present"}); err != nil {
			t.Fatal(err)
		}
	}
	s.apiJSON(t, "PUT", "/api/v1/sessions/"+o.sessB.ID+"/attendance/"+o.m3.ID, "lead1", map[string]string{"status": "late"}, nil)
	s.apiStatus(t, "DELETE", "/api/v1/sessions/"+o.sessB.ID+"/attendance/"+o.m3.ID, "lead1", nil, nil, 204)

	tb := s.newTab(t, "hr-audit", desktop)
	tb.do(chromedp.Navigate(s.base + "/app/audit"))
	tb.login("hr")
	tb.waitJS("entries", `document.querySelectorAll('#audit-list tbody tr').length > 1`)
	words := tb.eval(`document.querySelector('#audit-list tr[data-action=clear] .audit-words')?.textContent || ''`)
	if want := "李建国 重置了考勤：刘洋 · 学习「专题研讨：学习贯彻党的创新理论」，原为 迟到"; words != want {
		tb.errorf("the reset reads %q, want %q", words, want)
	}
	fold := "#audit-list tr.audit-fold"
	tb.waitJS("a folded run of system entries", `!!document.querySelector('`+fold+`')`)
	// runOf: how many rows after the first fold are system rows with the
	// given hidden state.
	runOf := func(hidden bool) string {
		return tb.eval(fmt.Sprintf(`(() => { const f = document.querySelector('%s'); let n = 0;
			for (let r = f.nextElementSibling; r && r.classList.contains('audit-system') && r.hidden === %v; r = r.nextElementSibling) n++;
			return n + '/' + f.dataset.fold; })()`, fold, hidden))
	}
	if got := runOf(true); got[:strings.Index(got, "/")] != got[strings.Index(got, "/")+1:] {
		tb.errorf("folded run: %s rows hidden", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(fold + " button")))
	if got := runOf(false); got[:strings.Index(got, "/")] != got[strings.Index(got, "/")+1:] {
		tb.errorf("unfolded run: %s rows shown", got)
	}
	// No raw codes in the words column.
	if raw := tb.eval(`[...document.querySelectorAll('#audit-list .audit-words')].map((e) => e.textContent).filter((x) => /attendance|learning_report|member #|session #/.test(x)).join('\n')`); raw != "" {
		tb.errorf("raw codes in the audit words:\n%s", raw)
	}
	tb.shot("audit-desktop")
}
