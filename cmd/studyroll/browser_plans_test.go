package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

// browserLeadWritesPlan: a branch lead writes a plan in the editor (one
// item studied at a session, one self-study item with a due date),
// schedules a session for the first item from the plan, edits the saved
// plan (rename, add an item and attach it to that session, move a due
// date, remove the item), and a member on a
// phone sees the plan with what is due and marks the self-study done; the
// lead's editor then counts one of the branch done.
func browserLeadWritesPlan(t *testing.T, s *browserSuite) {
	o, st := s.org, s.m.Store
	due := time.Now().In(st.Location()).AddDate(0, 0, 10).Format(store.DateLayout)
	lead := s.newTab(t, "lead", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/plan-editor"))
	lead.login("lead1")
	lead.waitJS("the plan form", `!!document.querySelector('#plan-form #pe-item-0-title')`)
	lead.assertLabelled()
	// An empty title and a self-study item without a date are named next
	// to their fields, nothing is sent.
	lead.do(chromedp.SetValue(chromedp.CSS("#pe-item-0-kind"), "self"))
	lead.eval(`document.querySelector('#pe-item-0-kind').dispatchEvent(new Event('change')), ''`)
	lead.do(chromedp.Click(chromedp.CSS("#pe-submit")))
	lead.waitJS("the field errors", `document.querySelector('#pe-title-error')?.textContent !== '' &&
		document.querySelector('#pe-item-0-due-error')?.textContent !== ''`)

	lead.do(chromedp.SendKeys(chromedp.CSS("#pe-title"), "支部专题学习计划"),
		chromedp.SetValue(chromedp.CSS("#pe-item-0-kind"), "session"),
		chromedp.SendKeys(chromedp.CSS("#pe-item-0-title"), "专题学习：基层党建工作"),
		chromedp.Click(chromedp.CSS("#pe-add-item")))
	lead.waitJS("the second row, focused", `document.activeElement?.id === 'pe-item-1-title'`)
	lead.do(chromedp.SendKeys(chromedp.CSS("#pe-item-1-title"), "自学：《论党的自我革命》"),
		chromedp.SetValue(chromedp.CSS("#pe-item-1-kind"), "self"))
	lead.eval(`document.querySelector('#pe-item-1-kind').dispatchEvent(new Event('change')), ''`)
	lead.do(chromedp.SetValue(chromedp.CSS("#pe-item-1-due"), due),
		chromedp.Click(chromedp.CSS("#pe-submit")))
	lead.waitJS("saved", `/status-ok/.test(document.querySelector('#pe-status').className)`)

	plans, err := st.Plans(store.PlanFilter{GroupIDs: []string{o.b1.ID}})
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans of 第一支部: %+v %v", plans, err)
	}
	p := plans[0]
	if p.Title != "支部专题学习计划" || p.Period != o.period || len(p.Items) != 2 || p.Items[0].DueOn != "" || p.Items[1].DueOn != due {
		t.Fatalf("the saved plan: %+v", p)
	}
	session, self := p.Items[0], p.Items[1]

	// Attach the session item to a session, from the plan.
	lead.waitJS("the saved plan listed", fmt.Sprintf(`!!document.querySelector('#pe-plan-%s [data-schedule="%s"]')`, p.ID, session.ID))
	lead.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-schedule="%s"]`, session.ID))))
	form := "#pe-sched-" + session.ID
	lead.waitJS("the schedule form", `!!document.querySelector('`+form+`')`)
	lead.assertLabelled()
	lead.do(chromedp.SendKeys(chromedp.CSS(form+"-place"), "党员活动室"),
		chromedp.Click(chromedp.CSS(form+"-submit")))
	lead.waitJS("the session under the item, the focus back on its button", fmt.Sprintf(`document.querySelectorAll('#pe-item-%s .pe-sessions li').length === 1 &&
		document.activeElement?.dataset.schedule === %q`, session.ID, session.ID))
	lead.assertTextContrast()
	lead.shot("plan-editor")
	lead.assertFitsPhone()
	ss, err := st.Sessions(store.SessionFilter{GroupIDs: []string{o.b1.ID}})
	if err != nil {
		t.Fatal(err)
	}
	scheduled := slices.IndexFunc(ss, func(x store.Session) bool {
		return slices.Equal(x.ItemIDs, []string{session.ID}) && x.Place == "党员活动室"
	})
	if scheduled < 0 {
		t.Fatalf("no session of 第一支部 studies item %s", session.ID)
	}

	// The saved plan is edited in place: renamed, an item added and
	// attached to the session just scheduled, the self-study date moved,
	// the added item removed again (which takes it off the session).
	plan := fmt.Sprintf("#pe-plan-%s", p.ID)
	lead.do(chromedp.SetValue(chromedp.CSS("#pe-rename-"+p.ID), "支部专题学习计划（修订）"),
		chromedp.Click(chromedp.CSS("#pe-rename-"+p.ID+"-submit")))
	lead.waitJS("renamed", `document.querySelector('`+plan+` h2')?.textContent.includes('（修订）')`)
	lead.do(chromedp.Click(chromedp.CSS("#pe-add-"+p.ID+"-open")),
		chromedp.SendKeys(chromedp.CSS("#pe-add-"+p.ID+"-title"), "补充学习：新修订条例"),
		chromedp.Click(chromedp.CSS("#pe-add-"+p.ID+"-submit")))
	lead.waitJS("three items", `document.querySelectorAll('`+plan+` .plan-item').length === 3`)
	if p2, err := st.Plan(p.ID); err != nil || len(p2.Items) != 3 || p2.Title != "支部专题学习计划（修订）" {
		t.Fatalf("the edited plan: %+v %v", p2, err)
	} else {
		added := p2.Items[2].ID
		lead.do(chromedp.SetValue(chromedp.CSS("#pe-attach-"+added+"-session"), ss[scheduled].ID),
			chromedp.Click(chromedp.CSS("#pe-attach-"+added+"-submit")))
		lead.waitJS("attached", fmt.Sprintf(`document.querySelectorAll('#pe-item-%s .pe-sessions li').length === 1`, added))
		due2 := time.Now().In(st.Location()).AddDate(0, 0, 12).Format(store.DateLayout)
		lead.do(chromedp.Click(chromedp.CSS("#pe-edit-"+self.ID+"-open")),
			chromedp.SetValue(chromedp.CSS("#pe-edit-"+self.ID+"-due"), due2),
			chromedp.Click(chromedp.CSS("#pe-edit-"+self.ID+"-submit")))
		lead.waitJS("the date moved (the plan drawn again)", fmt.Sprintf(`!!document.querySelector('#pe-item-%s') && !document.querySelector('#pe-edit-%s-form')`, self.ID, self.ID))
		// removing asks in the page first, naming the item
		lead.do(chromedp.Click(chromedp.CSS("#pe-remove-" + added)))
		lead.assertConfirm(s.text("zh", "plan.remove_title"), fill(s.text("zh", "plan.remove_confirm"), map[string]string{"item": "补充学习：新修订条例"}), "删除")
		lead.answerConfirm("keep", "#pe-remove-"+added)
		if p2, _ := st.Plan(p.ID); len(p2.Items) != 3 {
			t.Fatalf("after 取消 the plan has %d items, want 3", len(p2.Items))
		}
		lead.do(chromedp.Click(chromedp.CSS("#pe-remove-" + added)))
		lead.assertConfirm(s.text("zh", "plan.remove_title"), "", "删除")
		lead.answerConfirm("go", "")
		lead.waitJS("removed", `document.querySelectorAll('`+plan+` .plan-item').length === 2`)
		p3, err := st.Plan(p.ID)
		if err != nil || p3.Items[1].DueOn != due2 {
			t.Errorf("after the edits: %+v %v", p3, err)
		}
		ss, _ = st.Sessions(store.SessionFilter{GroupIDs: []string{o.b1.ID}})
		if slices.ContainsFunc(ss, func(x store.Session) bool { return slices.Contains(x.ItemIDs, added) }) {
			t.Errorf("a session still lists the removed item %s", added)
		}
	}

	// The member's plan: the session item scheduled, the self-study due;
	// marking it done turns it done.
	m := s.newTab(t, "member", phone)
	m.do(chromedp.Navigate(s.base + "/app/plans"))
	m.login("m2")
	m.waitJS("the plan", fmt.Sprintf(`!!document.querySelector('#plan-%s')`, p.ID))
	m.assertLabelled()
	m.assertCJKFont("#main h1")
	if got := m.eval(fmt.Sprintf(`document.querySelector('#item-%s').dataset.state + ' ' + document.querySelector('#item-%s').dataset.state`, session.ID, self.ID)); got != "scheduled due" {
		m.errorf("item states %q, want scheduled due", got)
	}
	m.do(chromedp.Tap(chromedp.CSS(fmt.Sprintf(`#item-%s [data-item="%s"]`, self.ID, self.ID))))
	m.waitJS("done, the focus on its row", fmt.Sprintf(`document.querySelector('#item-%s')?.dataset.state === 'done' &&
		document.activeElement?.id === 'item-%s'`, self.ID, self.ID))
	m.assertTextContrast()
	m.shot("member-plan-phone")
	if done, err := st.ItemsDone(o.m2.ID); err != nil || done[self.ID].IsZero() {
		t.Errorf("m2's done marks: %v %v", done, err)
	}

	// The lead's editor counts the self-study marks of the branch.
	lead.do(chromedp.Reload())
	lead.waitJS("one of the branch done", fmt.Sprintf(`document.querySelector('#pe-done-%s')?.dataset.done === '1'`, self.ID))
}

// browserMemberSoFarAndQuestionnaire: a member's home shows their own
// figures to date marked 暂评 and what is still to come in the quarter
// (nobody else's figures); the member answers an anonymous questionnaire
// on the phone once.
func browserMemberSoFarAndQuestionnaire(t *testing.T, s *browserSuite) {
	o, st := s.org, s.m.Store
	q, err := st.CreateQuestionnaire(store.WithActor(context.Background(), o.hr.ID), store.QuestionnaireInput{
		Title: "理论学习效果调研", Anonymous: true, AudienceGroupIDs: []string{o.root.ID},
		Questions: []store.QnQuestion{
			{Kind: store.QnSingle, Text: "您对本季度集中学习的安排是否满意？", Options: []string{"满意", "基本满意", "不满意"}},
			{Kind: store.QnMulti, Text: "您希望增加哪些学习形式？", Options: []string{"专题辅导", "研讨交流", "现场教学"}},
			{Kind: store.QnText, Text: "其他意见和建议"},
		}})
	if err != nil {
		t.Fatal(err)
	}

	m := s.newTab(t, "member", phone)
	m.do(chromedp.Navigate(s.base + "/app/home"))
	m.login("m3")
	m.waitJS("so far", `document.querySelectorAll('#home-so-far [role=progressbar]').length === 3`)
	m.assertText("#home-provisional", s.text("zh", "fig.provisional"))
	m.waitJS("still to come", fmt.Sprintf(`!!document.querySelector('#home-to-come li[data-kind=session]') &&
		document.querySelector('#home-to-come').textContent.includes(%q)`, o.sessA.Title))
	if others := m.eval(`['王芳', '张三', '李建国', '赵六'].filter((n) => document.querySelector('#home-rates').textContent.includes(n)).join(',')`); others != "" {
		m.errorf("the member's figures name others: %s", others)
	}
	m.assertTextContrast()
	m.shot("member-home-so-far-phone")

	m.do(chromedp.Navigate(s.base + "/app/questionnaires"))
	m.waitJS("the questionnaire", fmt.Sprintf(`document.querySelector('#qn-%s')?.dataset.state === 'open'`, q.ID))
	m.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#qn-%s a", q.ID))))
	m.waitJS("the form", `!!document.querySelector('#qn-form')`)
	m.assertLabelled()
	m.assertText("#qn-privacy", s.text("zh", "qn.anonymous_note"))
	m.shot("questionnaire-phone")
	// An unanswered choice question is named, nothing is sent.
	m.do(chromedp.Tap(chromedp.CSS("#qn-submit")))
	m.waitJS("the unanswered question named", `document.querySelector('#qn-q-1-error').textContent !== '' && document.activeElement?.id === 'qn-q-1-0'`)
	m.do(chromedp.Tap(chromedp.CSS("#qn-q-1-1")), chromedp.Tap(chromedp.CSS("#qn-q-2-0")), chromedp.Tap(chromedp.CSS("#qn-q-2-2")),
		chromedp.SendKeys(chromedp.CSS("#qn-q-3"), "希望多组织现场教学"), chromedp.Tap(chromedp.CSS("#qn-submit")))
	m.waitJS("thanks, focused", `document.activeElement?.id === 'qn-done'`)
	m.assertTextContrast()
	r, err := st.QuestionnaireResults(q.ID)
	if err != nil || r.Respondents != 1 || r.Questions[0].Counts[1].Count != 1 || r.Questions[1].Counts[0].Count != 1 ||
		r.Questions[1].Counts[2].Count != 1 || len(r.Questions[2].Texts) != 1 {
		t.Errorf("results after the phone answer: %+v %v", r, err)
	}
	// Answered once: the list says so and the form is not offered again.
	m.do(chromedp.Navigate(s.base + "/app/questionnaires/" + q.ID))
	m.waitJS("answered", `!!document.querySelector('#qn-closed') && !document.querySelector('#qn-form')`)
	if body := m.eval(`document.querySelector('main').textContent`); !strings.Contains(body, s.text("zh", "qn.cannot_answered")) {
		m.errorf("the answered questionnaire says %q", body)
	}
	// and in English
	m.do(chromedp.Click(chromedp.CSS("#lang-switch")))
	m.waitJS("English", `document.documentElement.lang === 'en' && !!document.querySelector('#qn-closed')`)
	m.assertText("#qn-closed", s.text("en", "qn.cannot_answered"))
	m.do(chromedp.Click(chromedp.CSS("#lang-switch")))
	m.waitJS("Chinese again", `document.documentElement.lang === 'zh-CN' && !!document.querySelector('#qn-closed')`)
}
