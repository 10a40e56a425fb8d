package main

// Browser scenarios of a branch lead (李建国, lead1 of 办公室第一党支部).

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// browserLeadSeesStates: a session not yet open says when check-in opens;
// a cancelled one shows a warning and offers nothing to record; the
// breadcrumb names the parent the lead may not read without a button.
func browserLeadSeesStates(t *testing.T, s *browserSuite) {
	o := s.org
	start := time.Now().Add(26 * time.Hour).Truncate(time.Minute)
	var sess struct{ ID string }
	s.apiStatus(t, "POST", "/api/v1/sessions", "lead1", map[string]any{"group_id": o.b1.ID, "title": "集中学习：明日专题",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}, &sess, 201)
	tb := s.newTab(t, "lead-states", desktop)
	tb.do(chromedp.Navigate(s.base + "/app/sessions/" + sess.ID + "/live"))
	tb.login("lead1")
	tb.waitJS("when check-in opens", `document.querySelector('#checkin-opens')?.hidden === false && document.querySelector('#code-digits')?.dataset.open === 'false'`)

	// Cancelling asks in the page: Escape and 不取消 keep the session,
	// 取消本次学习 cancels it.
	tb.do(chromedp.Navigate(s.base + "/app/sessions/" + sess.ID))
	tb.waitJS("the cancel button", `!!document.querySelector('#session-cancel')`)
	for _, how := range []string{"escape", "keep", "go"} {
		tb.do(chromedp.Click(chromedp.CSS("#session-cancel")))
		v := tb.assertConfirm(s.text("zh", "session.cancel_title"), s.text("zh", "session.cancel_confirm"), "取消本次学习")
		if v.Keep != "不取消" {
			tb.errorf("the safe button reads %q, want 不取消", v.Keep)
		}
		if how == "go" {
			tb.answerConfirm(how, "")
			break
		}
		tb.answerConfirm(how, "#session-cancel")
		if got, err := s.m.Store.Session(sess.ID); err != nil || got.Cancelled {
			t.Fatalf("after %s: %+v %v, want the session not cancelled", how, got, err)
		}
	}
	tb.waitJS("the cancelled banner", `!!document.querySelector('#session-cancelled.status-warn')`)
	tb.assertNoElements("#signin-sheet-link, #session-live-link, [data-set-status], #reading-form")

	tb.do(chromedp.Navigate(s.base + "/app/overview?group=" + o.b1.ID))
	tb.waitJS("the breadcrumb", `!!document.querySelector('.crumbs [aria-current=page]')`)
	if v := tb.eval(`[...document.querySelectorAll('.crumbs button')].map((b) => b.textContent).join('|')`); v != "" {
		tb.errorf("the breadcrumb offers %q, groups the lead may not read", v)
	}
}
