package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"studyroll/robot/robottest"
	"studyroll/store"
)

// browserRobots: a branch lead adds the branch's DingTalk robot on the
// settings screen (secret typed once, never shown again), sends a test
// message, which a fake DingTalk checks and receives through the outbox;
// the admin's outbox screen shows it sent.
func browserRobots(t *testing.T, s *browserSuite) {
	const secret = "SECbrowser0123456789abcdef"
	fake := robottest.New("dingtalk", secret)
	defer fake.Close()

	lead := s.newTab(t, "lead", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/robots"))
	lead.login("lead1")
	lead.waitJS("the robot form", `!!document.querySelector('#robot-form') && !!document.querySelector('#robot-list table')`)
	lead.eval(`(() => { const k = document.querySelector('#robot-kind'); k.value = 'dingtalk';
		k.dispatchEvent(new Event('change')); return ''; })()`)
	lead.do(chromedp.SendKeys(chromedp.CSS("#robot-name"), "第一支部学习群"),
		chromedp.SendKeys(chromedp.CSS("#robot-url"), fake.URL()),
		chromedp.SendKeys(chromedp.CSS("#robot-secret"), secret),
		chromedp.Click(chromedp.CSS("#robot-submit")))
	lead.waitJS("the new robot in the list", `!!document.querySelector('#robot-list [data-test]')`)
	if html := lead.eval(`document.body.innerHTML`); strings.Contains(html, secret) || strings.Contains(html, fake.Token) {
		t.Errorf("the page shows the robot's secret or key after saving")
	}
	lead.do(chromedp.Click(chromedp.CSS("#robot-list [data-test]")))
	lead.waitJS("the test queued", `document.querySelector('#robots-status')?.classList.contains('status-ok')`)
	lead.shot("robots-settings")

	deadline := time.Now().Add(stepTimeout)
	for len(fake.Messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the test message did not reach the robot (%d requests, problems %v)", fake.Requests(), fake.Problems())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Errorf("the fake DingTalk saw: %v", p)
	}
	if m := fake.Messages()[0]; m.Type != "markdown" || !strings.Contains(m.Text, "测试消息") {
		t.Errorf("received %+v", m)
	}

	// An admin account of this scenario's own reads the outbox.
	if _, err := s.m.Store.CreateMember(store.WithActor(context.Background(), "system"), store.MemberInput{Name: "系统管理员",
		Username: "outbox-admin", Password: browserPassword, GroupID: s.org.root.ID, Role: store.RoleAdmin, JoinedOn: "2024-01-01"}); err != nil {
		t.Fatal(err)
	}
	adm := s.newTab(t, "admin", desktop)
	adm.do(chromedp.Navigate(s.base + "/app/outbox"))
	adm.login("outbox-admin")
	adm.waitJS("the sent test message", `!!document.querySelector('#outbox-table .badge-sent')`)
	adm.shot("outbox")

	// Deleting asks in the page: 取消 keeps the robot, 删除 deletes it.
	del := "#robot-list [data-delete]"
	lead1, err := s.m.Store.MemberByUsername("lead1")
	if err != nil {
		t.Fatal(err)
	}
	id := lead.eval(`document.querySelector('` + del + `').dataset.delete`)
	title := fill(s.text("zh", "reminders.delete_title"), map[string]string{"name": "第一支部学习群"})
	lead.do(chromedp.Click(chromedp.CSS(del)))
	lead.assertConfirm(title, s.text("zh", "reminders.confirm_delete"), "删除")
	lead.answerConfirm("keep", del)
	if r, err := s.m.Store.Robot(lead1, id); err != nil || r == nil {
		t.Fatalf("after 取消 the robot is gone: %v", err)
	}
	lead.do(chromedp.Click(chromedp.CSS(del)))
	lead.assertConfirm(title, "", "删除")
	lead.answerConfirm("go", "")
	lead.waitJS("the robot gone from the list", `!document.querySelector('#robot-list [data-delete]')`)
	if r, err := s.m.Store.Robot(lead1, id); err == nil && r != nil {
		t.Errorf("after 删除 the store still has robot %s", id)
	}
}
