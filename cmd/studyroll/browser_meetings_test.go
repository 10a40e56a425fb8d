package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

// Meetings scenarios (三会一课), subtests of TestBrowser:
//
//	LeadRecordsMinutes   the lead opens a party congress held an hour ago,
//	                     sees the share recorded there, deletes it, writes
//	                     the minutes and sees them complete with the counts
//	                     and the 四落实; the API holds them
//	ComplianceCalendar   HR's heat map lists both branches; a click opens a
//	                     branch's calendar with the congress held this
//	                     quarter; the lead sees their own branch's calendar

// browserMinutes is the party congress LeadRecordsMinutes made, for
// ComplianceCalendar.
var browserMinutes string

func browserLeadMinutes(t *testing.T, s *browserSuite) {
	o := s.org
	start := time.Now().Add(-2 * time.Hour).Truncate(time.Minute)
	var sess struct{ ID string }
	s.apiJSON201(t, "/api/v1/sessions", "lead1", map[string]any{"group_id": o.b1.ID, "kind": "party_congress",
		"title": "支部党员大会：讨论发展党员", "first_topic": "学习习近平总书记关于党的建设的重要思想",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}, &sess)
	browserMinutes = sess.ID
	for _, m := range []string{o.m1.ID, o.m2.ID, o.m3.ID} {
		s.apiJSON(t, "PUT", "/api/v1/sessions/"+sess.ID+"/attendance/"+m, "lead1", map[string]any{"status": "present"}, nil)
	}
	// a lead never marks their own record: the store does it here
	if _, err := s.m.Store.SetAttendance(store.WithActor(context.Background(), "system"), sess.ID, o.lead1.ID, store.AttendanceInput{Status: "present"}); err != nil {
		t.Fatal(err)
	}
	var sh struct{ ID string }
	s.apiJSON201(t, "/api/v1/sessions/"+sess.ID+"/shares", "lead1", map[string]any{"member_id": o.m2.ID, "summary": "误录的发言"}, &sh)
	s.apiJSON201(t, "/api/v1/sessions/"+sess.ID+"/shares", "lead1", map[string]any{"member_id": o.m1.ID, "summary": "结合岗位谈体会"}, nil)

	lead := s.newTab(t, "lead", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/sessions/" + sess.ID))
	lead.login("lead1")
	lead.waitJS("the recorded share", fmt.Sprintf(`!!document.querySelector('#share-%s')`, sh.ID))
	lead.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#share-%s-delete", sh.ID))))
	lead.waitJS("the share gone", fmt.Sprintf(`!document.querySelector('#share-%s') && document.querySelectorAll('#recorded-list li').length === 1`, sh.ID))
	lead.waitJS("the minutes form", `!!document.querySelector('#minutes-form') && !!document.querySelector('#four-people')`)
	fourBefore := lead.eval(`document.querySelector('#four-list').textContent`)
	lead.eval(fmt.Sprintf(`(() => {
		document.querySelector('#minutes-host').value = %q;
		document.querySelector('#minutes-recorder').value = %q;
		document.querySelector('#minutes-summary').value = '讨论确定入党积极分子人选';
		document.querySelector('#minutes-decisions').value = '同意将王芳列为入党积极分子';
		return 'ok'; })()`, o.lead1.ID, o.m1.ID))
	lead.do(chromedp.Click(chromedp.CSS("#minutes-submit")))
	lead.waitJS("complete minutes", `document.querySelector('#minutes-badge')?.classList.contains('badge-ok')`)
	lead.assertText("#minutes-badge", s.text("zh", "meet.complete"))
	lead.waitJS("四落实 effect ok", `document.querySelector('#four-effect')?.classList.contains('four-ok')`)
	// The 四落实 reasons read in Chinese (the API words them in English).
	fourAfter := lead.eval(`document.querySelector('#four-list').textContent`)
	for _, txt := range []string{fourBefore, fourAfter} {
		if regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(txt) {
			lead.errorf("四落实 shows English: %q", txt)
		}
	}
	if !strings.Contains(fourBefore, "会议记录不完整，缺少：主持人") {
		lead.errorf("四落实 before the minutes: %q, want 会议记录不完整，缺少：主持人…", fourBefore)
	}
	lead.shot("lead-minutes")

	var rec struct {
		Complete   bool   `json:"complete"`
		Late       bool   `json:"late"`
		HostID     string `json:"host_id"`
		FirstTopic string `json:"first_topic"`
		Expected   int    `json:"expected"`
	}
	s.apiJSON(t, "GET", "/api/v1/sessions/"+sess.ID+"/minutes", "hr", nil, &rec)
	if !rec.Complete || rec.Late || rec.HostID != o.lead1.ID || rec.FirstTopic == "" || rec.Expected != 4 {
		t.Errorf("API minutes: %+v", rec)
	}
}

func browserComplianceCalendar(t *testing.T, s *browserSuite) {
	o := s.org
	hr := s.newTab(t, "hr", desktop)
	hr.do(chromedp.Navigate(s.base + "/app/compliance"))
	hr.login("hr")
	hr.waitJS("the heat map", fmt.Sprintf(`!!document.querySelector('#heat-map tr[data-group="%s"]') && !!document.querySelector('#heat-map tr[data-group="%s"]')`, o.b1.ID, o.b2.ID))
	hr.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#heat-map tr[data-group="%s"] button`, o.b1.ID))))
	hr.waitJS("the branch calendar", fmt.Sprintf(`!!document.querySelector('section.compliance-group[data-group="%s"] tr[data-kind="committee_meeting"] .slot')`, o.b1.ID))
	if browserMinutes != "" {
		hr.waitJS("the congress held", fmt.Sprintf(`document.querySelector('section[data-group="%s"] tr[data-kind="party_congress"] .slot')?.dataset.state === 'held'`, o.b1.ID))
	}
	hr.shot("compliance-calendar")

	lead := s.newTab(t, "lead2", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/compliance"))
	lead.login("lead2")
	lead.waitJS("the own branch only", fmt.Sprintf(`!!document.querySelector('section[data-group="%s"]') && !document.querySelector('section[data-group="%s"]')`, o.b2.ID, o.b1.ID))
}

// apiJSON201 posts as user and decodes a 201 answer.
func (s *browserSuite) apiJSON201(t *testing.T, path, user string, body, out any) {
	t.Helper()
	s.apiStatus(t, "POST", path, user, body, out, 201)
}
