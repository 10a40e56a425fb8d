package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"studyroll/store"
)

// browserBranchLeadEntersScores: the lead of 第二支部 opens the
// organisation-wide exam, sees only their own members' saved scores and who
// has none, pastes scores whose preview counts every problem row (a header,
// one over the maximum, one unknown here, one repeated), then saves the
// corrected lines; the store and the saved-scores table hold them. HR
// reads every branch's saved scores and has no entry form.
func browserBranchLeadEntersScores(t *testing.T, s *browserSuite) {
	o, st := s.org, s.m.Store
	exams, err := st.Exams(store.ExamFilter{})
	if err != nil || len(exams) == 0 {
		t.Fatalf("exams: %v %v", exams, err)
	}
	ex := exams[0]
	if ex.GroupID != o.root.ID {
		t.Fatalf("the seeded exam is for %s, want the root", ex.GroupID)
	}
	lead := s.newTab(t, "lead", desktop)
	lead.do(chromedp.Navigate(s.base + "/app/exams"))
	lead.login("lead2")
	lead.waitJS("the organisation-wide exam chosen", fmt.Sprintf(`document.querySelector('#score-exam')?.value === %q`, ex.ID))
	lead.waitJS("their members' saved scores", fmt.Sprintf(`!!document.querySelector('#saved-score-%s')`, o.m4.ID))
	lead.assertLabelled()
	lead.assertText("#scores-scope", s.text("zh", "scores.org_wide_hint"))
	if n := lead.eval(fmt.Sprintf(`String(document.querySelectorAll('#saved-score-%s, #saved-score-%s').length)`, o.m1.ID, o.m2.ID)); n != "0" {
		lead.errorf("a branch lead sees %s scores of another branch", n)
	}
	lead.assertText(fmt.Sprintf("#saved-score-%s td:nth-child(2)", o.m5.ID), "76")

	paste := "姓名\t分数\n赵六\t98\n孙丽\t120\n张三\t90\n赵六\t99\n"
	lead.do(chromedp.SetValue(chromedp.CSS("#scores-paste"), paste),
		chromedp.Click(chromedp.CSS("#scores-preview-button")))
	lead.waitJS("the preview", `!!document.querySelector('#scores-summary')`)
	var c struct{ OK, Bad, Rows string }
	lead.evalJSON(`(() => { const p = document.querySelector('#scores-summary');
		return {ok: p.dataset.ok, bad: p.dataset.bad, rows: String(document.querySelectorAll('#scores-preview tr.row-error').length)}; })()`, &c)
	if c.OK != "1" || c.Bad != "3" || c.Rows != "3" {
		lead.errorf("preview counts ok=%s bad=%s with %s red rows, want 1, 3, 3", c.OK, c.Bad, c.Rows)
	}
	lead.assertText("#scores-summary", "可录入 1 行，有问题 3 行")
	// Saving with problem rows sends nothing.
	lead.do(chromedp.Click(chromedp.CSS("#scores-submit")))
	lead.waitJS("refused", `/status-error/.test(document.querySelector('#scores-status').className)`)

	lead.do(chromedp.SetValue(chromedp.CSS("#scores-paste"), "赵六\t98\nm5,80"),
		chromedp.Focus(chromedp.CSS("#scores-submit")), chromedp.KeyEvent(kb.Enter))
	lead.waitJS("saved", `/status-ok/.test(document.querySelector('#scores-status').className)`)
	lead.waitJS("the saved table updated", fmt.Sprintf(`document.querySelector('#saved-score-%s td:nth-child(2)')?.textContent === '80'`, o.m5.ID))
	lead.assertContrastCheckBites()
	lead.assertTextContrast()
	lead.shot("exam-scores")
	lead.assertFitsPhone()

	// HR reads every saved score of the exam; entering them is the leads'.
	hr := s.newTab(t, "hr", desktop)
	hr.do(chromedp.Navigate(s.base + "/app/exams"))
	hr.login("hr")
	hr.waitJS("every branch's scores", fmt.Sprintf(`document.querySelector('#saved-score-%s td:nth-child(2)')?.textContent === '98' && !!document.querySelector('#saved-score-%s')`, o.m4.ID, o.m1.ID))
	hr.assertNoElements("#scores-paste, #exam-form")
	hr.assertLabelled()

	d, err := st.ExamDetail(ex.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, sc := range d.Scores {
		got[sc.MemberID] = sc.Score
	}
	if got[o.m4.ID] != 98 || got[o.m5.ID] != 80 || got[o.m1.ID] != 95 {
		t.Errorf("scores after the branch lead saved: %v", got)
	}
}
