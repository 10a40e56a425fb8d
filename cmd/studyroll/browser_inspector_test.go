package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"studyroll/store"
)

// inspectionFixture: an inspector account, two bank questions, an inspection
// of the whole organisation and a finding that m1 answers for.
func inspectionFixture(t *testing.T, s *browserSuite) (insp *store.Member, ins *store.Inspection, f *store.Finding) {
	t.Helper()
	st, o := s.m.Store, s.org
	adm, _ := st.MemberByUsername("admin")
	insp, err := st.CreateMember(store.WithActor(context.Background(), adm.ID), store.MemberInput{Name: "孙督查", Username: "insp",
		Password: browserPassword, Role: store.RoleInspector, JoinedOn: "2024-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	as := store.WithActor(context.Background(), insp.ID)
	for _, q := range []string{"“三会一课”指什么？", "“第一议题”制度的要求是什么？"} {
		if _, err := st.CreateBankQuestion(as, store.BankQuestionInput{Question: q, Answer: "参考答案"}); err != nil {
			t.Fatal(err)
		}
	}
	today := st.Today()
	ins, err = st.CreateInspection(as, store.InspectionInput{Title: "理论学习专项督查", StartsOn: today, EndsOn: today,
		TargetGroupIDs: []string{o.root.ID}, Methods: []string{store.MethodSpotCheck}})
	if err != nil {
		t.Fatal(err)
	}
	f, err = st.CreateFinding(as, ins.ID, store.FindingInput{GroupID: o.b1.ID, Category: "考勤登记", Description: "签到表缺少补学记录",
		ResponsibleID: o.m1.ID, Measures: "补齐记录", Deadline: today})
	if err != nil {
		t.Fatal(err)
	}
	return insp, ins, f
}

// browserInspectorDraws: on a phone, the inspector draws two members of a
// branch with a seed and records an answer with one tap; the store holds it.
func browserInspectorDraws(t *testing.T, s *browserSuite) {
	_, ins, _ := inspectionFixture(t, s)
	tb := s.newTab(t, "inspector", phone)
	tb.do(chromedp.Navigate(s.base + "/app/inspections/" + ins.ID))
	tb.login("insp")
	tb.waitJS("the draw form", `!!document.querySelector('#draw-button')`)
	tb.assertLabelled()
	tb.do(chromedp.SetValue(chromedp.CSS("#draw-group"), s.org.b1.ID),
		chromedp.SetValue(chromedp.CSS("#draw-members"), "2"),
		chromedp.SetValue(chromedp.CSS("#draw-questions"), "1"),
		chromedp.SendKeys(chromedp.CSS("#draw-seed"), "7"),
		chromedp.Tap(chromedp.CSS("#draw-button")))
	tb.waitJS("two drawn pairs", `document.querySelectorAll('.draw .pair').length === 2`)
	if seed := tb.eval(`document.querySelector('.draw').dataset.seed`); seed != "7" {
		tb.errorf("draw seed %q, want 7", seed)
	}
	tb.do(chromedp.Tap(chromedp.CSS(`.draw .pair:first-child [data-result="correct"]`)))
	tb.waitJS("the answer recorded", `document.querySelector('.draw .pair:first-child').dataset.result === 'correct'`)
	tb.shot("inspector-draw-phone")
	d, err := s.m.Store.InspectionDetail(ins.ID)
	if err != nil || len(d.Draws) != 1 || d.Draws[0].Seed != 7 || d.Draws[0].Pairs[0].Result != "correct" || d.Awareness.Asked != 1 {
		t.Errorf("store after the phone flow: %+v %v", d, err)
	}
}

// browserEvidenceUpload: the responsible member uploads a PNG as evidence
// and submits; the inspector's ledger shows it submitted.
func browserEvidenceUpload(t *testing.T, s *browserSuite) {
	var f *store.Finding
	if m, err := s.m.Store.MemberByUsername("insp"); err != nil || m == nil {
		_, _, f = inspectionFixture(t, s)
	} else {
		fs, _ := s.m.Store.Findings(store.FindingFilter{Responsible: s.org.m1.ID})
		f = &fs[0]
	}
	png := filepath.Join(t.TempDir(), "整改照片.png")
	if err := os.WriteFile(png, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := s.newTab(t, "member", phone)
	tb.do(chromedp.Navigate(s.base + "/app/rectifications"))
	tb.login("m1")
	card := fmt.Sprintf("#finding-%s", f.ID)
	tb.waitJS("my finding", fmt.Sprintf(`!!document.querySelector('%s [data-action=upload]')`, card))
	tb.assertLabelled()

	// Refused uploads say why in Chinese and store nothing: a text file
	// named .png (the server's 415), a 413 page without JSON (as a proxy
	// sends), a lost connection, a file over 10 MB (refused before sending).
	dir := t.TempDir()
	fake, big := filepath.Join(dir, "整改说明.png"), filepath.Join(dir, "整改视频.pdf")
	if err := os.WriteFile(fake, []byte("这不是图片"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, append([]byte("%PDF-"), make([]byte, store.MaxEvidenceBytes)...), 0o600); err != nil {
		t.Fatal(err)
	}
	input, upload, status := fmt.Sprintf("#rect-file-%s", f.ID), card+" [data-action=upload]", fmt.Sprintf("#rect-status-%s", f.ID)
	tb.do(chromedp.SetUploadFiles(chromedp.CSS(input), []string{fake}))
	for _, c := range []struct{ fetch, file, key string }{
		{"", "", "insp.evidence_type"},
		{`async () => new Response('<html><body><h1>413 Request Entity Too Large</h1>nginx</body></html>', {status: 413, headers: {'Content-Type': 'text/html'}})`, "", "insp.evidence_too_large"},
		{`async () => { throw new TypeError('Failed to fetch'); }`, "", "err.network"},
		{"window.__fetch", big, "insp.evidence_too_large"},
	} {
		if c.fetch != "" {
			tb.eval(`(window.__fetch = window.__fetch || window.fetch, window.fetch = ` + c.fetch + `, '')`)
		}
		if c.file != "" {
			tb.do(chromedp.SetUploadFiles(chromedp.CSS(input), []string{c.file}))
		}
		tb.do(chromedp.Tap(chromedp.CSS(upload)))
		want := s.text("zh", c.key)
		tb.waitJS(c.key, fmt.Sprintf(`document.querySelector('%s').textContent === %q`, status, want))
		if cls := tb.eval(fmt.Sprintf(`document.querySelector('%s').className`, status)); !strings.Contains(cls, "status-error") {
			tb.errorf("%s shown as %q, not as an error", c.key, cls)
		}
	}
	if got, _ := s.m.Store.Finding(f.ID); len(got.Evidence) != 0 {
		t.Fatalf("refused uploads stored evidence: %+v", got.Evidence)
	}
	tb.do(chromedp.SetUploadFiles(chromedp.CSS(input), []string{png}),
		chromedp.Tap(chromedp.CSS(upload)))
	tb.waitJS("the evidence listed", fmt.Sprintf(`document.querySelectorAll('#evidence-%s li').length === 1`, f.ID))
	tb.do(chromedp.SendKeys(chromedp.CSS("#rect-note-"+f.ID), "已补齐补学记录"),
		chromedp.Tap(chromedp.CSS(card+" [data-action=submit]")))
	tb.waitJS("submitted", fmt.Sprintf(`document.querySelector('%s').dataset.state === 'submitted'`, card))
	got, err := s.m.Store.Finding(f.ID)
	if err != nil || got.State != "submitted" || len(got.Evidence) != 1 || got.Evidence[0].ContentType != "image/png" {
		t.Errorf("store after the upload: %+v %v", got, err)
	}
	ld := s.newTab(t, "inspector", desktop)
	ld.do(chromedp.Navigate(s.base + "/app/ledger"))
	ld.login("insp")
	ld.waitJS("the ledger row", fmt.Sprintf(`document.querySelector('#ledger-%s [data-state]')?.dataset.state === 'submitted'`, f.ID))

	// Closing asks for the verification note in the page; without one it
	// stays open and says the note is needed.
	closeBtn := fmt.Sprintf(`#ledger-%s [data-action=close]`, f.ID)
	ld.do(chromedp.Click(chromedp.CSS(closeBtn)))
	ld.assertConfirm(s.text("zh", "insp.close_title"), f.Description, s.text("zh", "insp.close"))
	ld.do(chromedp.Click(chromedp.CSS("#confirm-go")))
	ld.waitJS("the note asked for", fmt.Sprintf(`document.querySelector('#confirm-status')?.textContent === %q && document.querySelector('#confirm-dialog').open`, s.text("zh", "form.required")))
	ld.do(chromedp.SendKeys(chromedp.CSS("#confirm-note"), "现场核验，补学记录已补齐"))
	ld.answerConfirm("go", "")
	ld.waitJS("closed in the ledger", fmt.Sprintf(`document.querySelector('#ledger-%s [data-state]')?.dataset.state === 'closed'`, f.ID))
	if got, err := s.m.Store.Finding(f.ID); err != nil || got.State != "closed" {
		t.Errorf("store after closing: %+v %v", got, err)
	}
}

// browserInspectorQuestionnaire: on the inspection screen the inspector
// publishes a questionnaire (a translated error first: no title), a member
// answers through the API, and the inspector reads the results per question
// — counts, percentages, the free text — with the XLSX link, then closes it.
func browserInspectorQuestionnaire(t *testing.T, s *browserSuite) {
	st, o := s.m.Store, s.org
	insp, err := st.MemberByUsername("insp")
	if err != nil || insp == nil {
		insp, _, _ = inspectionFixture(t, s)
	}
	today := st.Today()
	ins, err := st.CreateInspection(store.WithActor(context.Background(), insp.ID), store.InspectionInput{Title: "学习效果问卷督查",
		StartsOn: today, EndsOn: today, TargetGroupIDs: []string{o.root.ID}, Methods: []string{store.MethodQuestionnaire}})
	if err != nil {
		t.Fatal(err)
	}
	tb := s.newTab(t, "inspector", desktop)
	tb.do(chromedp.Navigate(s.base + "/app/inspections/" + ins.ID))
	tb.login("insp")
	tb.waitJS("the questionnaire card", `!!document.querySelector('#qa-form') && !!document.querySelector('#qa-list li')`)
	tb.do(chromedp.Click(chromedp.CSS("#qa-new summary")))
	tb.assertLabelled()
	tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#qa-audience input[value=%q]`, o.b1.ID))),
		chromedp.SendKeys(chromedp.CSS("#qa-text-0"), "您是否知道“第一议题”制度？"),
		chromedp.SendKeys(chromedp.CSS("#qa-options-0"), "知道\n不知道"),
		chromedp.Click(chromedp.CSS("#qa-add")))
	tb.eval(`(() => { const k = document.querySelector('#qa-kind-1'); k.value = 'text'; k.dispatchEvent(new Event('change')); return ''; })()`)
	tb.do(chromedp.SendKeys(chromedp.CSS("#qa-text-1"), "意见和建议"), chromedp.Click(chromedp.CSS("#qa-create")))
	tb.waitJS("a translated error on the title", `document.querySelector('#qa-status').classList.contains('status-error') &&
		document.querySelector('[data-field=title] .field-error').textContent !== ''`)
	if msg := tb.eval(`document.querySelector('#qa-status').textContent`); !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		tb.errorf("the error is not in Chinese: %q", msg)
	}
	tb.do(chromedp.SendKeys(chromedp.CSS("#qa-title"), "第一议题知晓情况"), chromedp.Click(chromedp.CSS("#qa-create")))
	tb.waitJS("the questionnaire listed", `document.querySelectorAll('#qa-list li.qn-item').length === 1`)
	qs, err := st.Questionnaires(insp)
	if err != nil || len(qs) == 0 || qs[0].InspectionID != ins.ID || !qs[0].Anonymous || len(qs[0].Questions) != 2 || qs[0].Questions[1].Kind != store.QnText {
		t.Fatalf("store after publishing: %+v %v", qs, err)
	}
	q := qs[0]
	s.apiStatus(t, "POST", "/api/v1/questionnaires/"+q.ID+"/answers", "m1",
		map[string]any{"answers": []map[string]any{{"choice": 0}, {"text": "多组织现场教学"}}}, nil, 201)
	tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#qa-%s [data-action=results]`, q.ID))))
	tb.waitJS("the results", fmt.Sprintf(`document.querySelector('#qa-result-%s')?.dataset.respondents === '1'`, q.ID))
	cells := tb.eval(`[...document.querySelectorAll('.qa-question[data-question="1"] tr[data-option]')].map((r) => r.textContent).join('|')`)
	if cells != "知道1100.0%|不知道00.0%" {
		tb.errorf("choice results %q", cells)
	}
	if txt := tb.eval(`document.querySelector('.qa-question[data-question="2"] .qa-texts').textContent`); txt != "多组织现场教学" {
		tb.errorf("text answers %q", txt)
	}
	if x := tb.download(tb.eval(`document.querySelector('#qa-xlsx').getAttribute('href')`)); !bytes.HasPrefix(x, []byte("PK")) {
		tb.errorf("the XLSX link gave %d bytes, not a zip", len(x))
	}
	tb.shot("inspector-questionnaire-results")
	closeBtn := fmt.Sprintf(`#qa-%s [data-action=close]`, q.ID)
	// closing asks in the page first: 取消 leaves it open, 关闭问卷 closes it
	tb.do(chromedp.Click(chromedp.CSS(closeBtn)))
	title := fill(s.text("zh", "qa.close_title"), map[string]string{"title": "第一议题知晓情况"})
	tb.assertConfirm(title, s.text("zh", "qa.close_confirm"), "关闭问卷")
	tb.answerConfirm("keep", closeBtn)
	if qs, _ := st.Questionnaires(insp); qs[0].Closed {
		t.Fatalf("after 取消 the questionnaire is closed")
	}
	tb.do(chromedp.Click(chromedp.CSS(closeBtn)))
	tb.assertConfirm(title, "", "关闭问卷")
	tb.answerConfirm("go", "")
	tb.waitJS("closed", fmt.Sprintf(`!!document.querySelector('#qa-%s') && !document.querySelector('%s')`, q.ID, closeBtn))
	if qs, _ := st.Questionnaires(insp); !qs[0].Closed {
		t.Errorf("the questionnaire is not closed in the store")
	}
}
