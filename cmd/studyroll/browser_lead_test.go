package main

// Browser scenarios of a branch lead (李建国, lead1 of 办公室第一党支部).

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

// browserLeadRotationAndReset: the rotation screen's next reading lead is
// the one a new session left to the rotation gets (the new-session form
// names them, the API assigns them); the form offers only this quarter's
// items studied at sessions; a wrong tap on the board is reset to 未签到.
func browserLeadRotationAndReset(t *testing.T, s *browserSuite) {
	o := s.org
	tb := s.newTab(t, "lead-rotation", desktop)
	tb.do(chromedp.Navigate(s.base + "/app/rotation"))
	tb.login("lead1")
	tb.waitJS("the next leads", `document.querySelectorAll('#rot-next li').length > 0`)
	next := tb.eval(`document.querySelector('#rot-next li').textContent.trim()`)
	tb.shot("rotation-desktop")

	tb.do(chromedp.Navigate(s.base + "/app/sessions/new"))
	tb.waitJS("the rotation's choice in the lead picker", `document.querySelector('#ns-lead option')?.textContent.includes('：')`)
	want := strings.ReplaceAll(s.text("zh", "sessions.lead_rotation_named"), "{name}", next)
	tb.assertText("#ns-lead option", want)
	// Items: the four studied at sessions (and any plan another scenario
	// added), not the self-study one.
	labels := tb.eval(`[...document.querySelectorAll('#ns-items label')].map((l) => l.textContent).join('|')`)
	if n := strings.Count(labels, "|") + 1; n < 4 || strings.Contains(labels, "自学：") {
		tb.errorf("the form offers %d items: %s", n, labels)
	}
	tb.do(chromedp.SendKeys(chromedp.CSS("#ns-title"), "集中学习：轮值测试"),
		chromedp.Click(chromedp.CSS("#ns-submit")))
	tb.waitJS("the new session's page", `location.pathname.startsWith('/app/sessions/') && !location.pathname.endsWith('/new') && !!document.querySelector('#att-list')`)
	sid := tb.eval(`location.pathname.split('/')[3]`)
	var sess struct {
		LeadID   string `json:"lead_id"`
		LeadName string `json:"lead_name"`
		Audience []struct {
			MemberID string `json:"member_id"`
			Name     string `json:"name"`
		} `json:"audience"`
	}
	s.apiJSON(t, "GET", "/api/v1/sessions/"+sid, "lead1", nil, &sess)
	got := sess.LeadName
	for _, a := range sess.Audience {
		if a.MemberID == sess.LeadID && got == "" {
			got = a.Name
		}
	}
	if got != next {
		t.Errorf("the rotation screen named %q next; the new session's lead is %q (%s)", next, got, sess.LeadID)
	}

	// Reset: mark 刘洋 late at session A, then back to 未签到.
	tb.do(chromedp.Navigate(s.base + "/app/sessions/" + o.sessA.ID))
	row := "#att-" + o.m3.ID
	tb.waitJS("the board", fmt.Sprintf(`!!document.querySelector('%s [data-set-status=late]')`, row))
	tb.do(chromedp.Click(chromedp.CSS(row + " [data-set-status=late]")))
	tb.waitJS("late", fmt.Sprintf(`document.querySelector('%s').dataset.status === 'late'`, row))
	tb.do(chromedp.Click(chromedp.CSS(row + " [data-action=more]")))
	tb.waitJS("the reset button", fmt.Sprintf(`document.querySelector('#att-clear-%s')?.offsetParent != null`, o.m3.ID))
	tb.do(chromedp.Click(chromedp.CSS("#att-clear-" + o.m3.ID)))
	tb.waitJS("未签到", fmt.Sprintf(`document.querySelector('%s').dataset.status === 'none'`, row))
	if st := s.attendanceOf(t, o.sessA.ID, o.m3.ID); st != "" {
		t.Errorf("API: 刘洋 at session A is %q after the reset, want no record", st)
	}
	if v := tb.eval(fmt.Sprintf(`String(document.querySelector('#att-clear-%s').hidden)`, o.m3.ID)); v != "true" {
		tb.errorf("the reset button still shows for a member with no record")
	}
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
