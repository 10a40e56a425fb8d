package store

import (
	"fmt"
	"strings"
	"testing"
)

func TestWriteReport(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	ctx := WithActor(admin, f.a.ID)
	r, created, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023q3", Text: "  " + simBase + "  "})
	if err != nil || !created {
		t.Fatalf("first write: %v created %v", err, created)
	}
	if r.Period != "2023Q3" || r.Text != simBase || r.Grade != nil || r.MemberID != f.a.ID {
		t.Errorf("report %+v", r)
	}
	r2, created, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: "改过的述学"})
	if err != nil || created || r2.ID != r.ID || r2.Text != "改过的述学" {
		t.Fatalf("edit: %+v created %v %v", r2, created, err)
	}
	// Another period is another report.
	r3, created, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023", Text: "年度述学"})
	if err != nil || !created || r3.ID == r.ID {
		t.Fatalf("year report: %+v %v %v", r3, created, err)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "learning_report", EntityID: r.ID})
	// The text is audited once: the new text in full, the old one by its hash.
	if len(entries) != 2 || entries[0].Action != "update" || strings.Contains(string(entries[0].Before), "本季度") ||
		!strings.Contains(string(entries[0].Before), `"text":"sha256:`) || !strings.Contains(string(entries[0].After), "改过的述学") {
		t.Errorf("audit %+v", entries)
	}
	for _, c := range []struct {
		name  string
		in    ReportInput
		field string
	}{
		{"no period", ReportInput{Text: "x"}, "period"},
		{"bad period", ReportInput{Period: "2023Q5", Text: "x"}, "period"},
		{"future period", ReportInput{Period: "2023Q4", Text: "x"}, "period"},
		{"no text", ReportInput{Period: "2023Q3", Text: " \n "}, "text"},
		{"text too long", ReportInput{Period: "2023Q3", Text: strings.Repeat("学", maxReportText+1)}, "text"},
		{"control characters", ReportInput{Period: "2023Q3", Text: "a\x1bb"}, "text"},
	} {
		_, _, err := s.WriteReport(ctx, f.a, c.in)
		mtWantErr(t, c.name, err, KindInvalid, c.field)
	}

	// Evaluation freezes the text.
	if _, err := s.EvaluateReport(WithActor(admin, f.c.ID), f.c, r.ID, EvaluationInput{Grade: 4, Comment: "联系实际较好"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: "再改"})
	mtWantErr(t, "edit after evaluation", err, KindConflict, "already_evaluated")
	if got := mtMust(s.Reports(f.a, ReportFilter{Period: "2023Q3"})); len(got) != 1 || got[0].Text != "改过的述学" {
		t.Errorf("text after a refused edit: %+v", got)
	}
}

func TestEvaluateReport(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	ra := mtMust3(s.WriteReport(WithActor(admin, f.a.ID), f.a, ReportInput{Period: "2023Q3", Text: "甲的述学"}))
	rc := mtMust3(s.WriteReport(WithActor(admin, f.c.ID), f.c, ReportInput{Period: "2023Q3", Text: "书记的述学"}))
	r, err := s.EvaluateReport(WithActor(admin, f.c.ID), f.c, ra.ID, EvaluationInput{Grade: 5, Comment: " 好 "})
	if err != nil || r.Grade == nil || *r.Grade != 5 || r.Comment != "好" || r.EvaluatedAt == nil || r.EvaluatedBy != f.c.ID {
		t.Fatalf("evaluation %+v %v", r, err)
	}
	// Evaluating again is allowed (a lead from above), and audited.
	if r, err = s.EvaluateReport(WithActor(admin, f.outside.ID), f.outside, ra.ID, EvaluationInput{Grade: 3}); err != nil || *r.Grade != 3 || r.Comment != "" {
		t.Fatalf("re-evaluation %+v %v", r, err)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "learning_report", EntityID: ra.ID})
	if len(entries) != 3 || entries[0].Action != "evaluate" || !strings.Contains(string(entries[0].Before), `"grade":5`) {
		t.Errorf("audit %+v", entries)
	}
	for _, c := range []struct {
		name string
		by   *Member
		id   string
		in   EvaluationInput
		kind Kind
		what string
	}{
		{"own report", f.c, rc.ID, EvaluationInput{Grade: 5}, KindForbidden, "forbidden"},
		{"a member", f.b, ra.ID, EvaluationInput{Grade: 5}, KindForbidden, "forbidden"},
		{"lead of another branch", f.lead2, ra.ID, EvaluationInput{Grade: 5}, KindForbidden, "forbidden"},
		{"unknown report", f.c, "999", EvaluationInput{Grade: 5}, KindNotFound, "not_found"},
		{"grade 0", f.c, ra.ID, EvaluationInput{}, KindInvalid, "grade"},
		{"grade 6", f.c, ra.ID, EvaluationInput{Grade: 6}, KindInvalid, "grade"},
		{"comment too long", f.c, ra.ID, EvaluationInput{Grade: 2, Comment: strings.Repeat("好", maxMinutes+1)}, KindInvalid, "comment"},
	} {
		_, err := s.EvaluateReport(WithActor(admin, c.by.ID), c.by, c.id, c.in)
		mtWantErr(t, c.name, err, c.kind, c.what)
	}
	// The admin may grade the lead's report.
	if _, err := s.EvaluateReport(WithActor(admin, f.adm.ID), f.adm, rc.ID, EvaluationInput{Grade: 4}); err != nil {
		t.Errorf("admin: %v", err)
	}
}

func TestReportsScopeAndSimilarity(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	write := func(m *Member, period, text string) *LearningReport {
		return mtMust3(s.WriteReport(WithActor(admin, m.ID), m, ReportInput{Period: period, Text: text}))
	}
	ra := write(f.a, "2023Q3", simBase)
	rb := write(f.b, "2023Q3", strings.NewReplacer("本季度", "这个季度", "认真", "努力").Replace(simBase))
	rm2 := write(f.m2, "2023Q3", simBase) // a copy from another branch
	write(f.d, "2023Q3", simUnrelated)
	write(f.a, "2023Q2", simBase) // same member, another period: never a copy of itself
	ids := func(items []ReportItem) string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return strings.Join(out, ",")
	}

	// A lead sees their subtree, with near copies from anywhere in the period.
	items, err := s.Reports(f.c, ReportFilter{Period: "2023Q3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("lead sees %s", ids(items))
	}
	var itemA *ReportItem
	for i := range items {
		if items[i].ID == ra.ID {
			itemA = &items[i]
		}
	}
	if itemA == nil || itemA.Name != "甲" || len(itemA.SimilarTo) != 2 {
		t.Fatalf("a's item %+v", itemA)
	}
	if itemA.SimilarTo[0].ReportID != rm2.ID || itemA.SimilarTo[0].Similarity != 1 || itemA.SimilarTo[0].Name != "钱" || itemA.SimilarTo[1].ReportID != rb.ID {
		t.Errorf("a's near copies %+v", itemA.SimilarTo)
	}
	// Sorted by period, then name: 丁 (d), 乙 (b), 甲 (a).
	if got := ids(items); !strings.HasSuffix(got, rb.ID+","+ra.ID) {
		t.Errorf("order %s", got)
	}
	// No period: every period, oldest first.
	if all := mtMust(s.Reports(f.c, ReportFilter{})); len(all) != 4 || all[0].Period != "2023Q2" || len(all[0].SimilarTo) != 0 {
		t.Errorf("all periods: %+v", all)
	}

	// A member sees only their own, without the similarity flags.
	mine := mtMust(s.Reports(f.a, ReportFilter{}))
	if len(mine) != 2 || mine[0].MemberID != f.a.ID || len(mine[1].SimilarTo) != 0 {
		t.Errorf("member's list %+v", mine)
	}
	if got := mtMust(s.Reports(f.a, ReportFilter{GroupID: f.g2})); len(got) != 0 {
		t.Errorf("member filtering another group: %+v", got)
	}
	// hr and admins see everything; group_id narrows to a subtree.
	hr := mustMember(t, s, "人事", f.root, RoleHR, "2022-01-01")
	if got := mtMust(s.Reports(hr, ReportFilter{Period: "2023Q3"})); len(got) != 4 {
		t.Errorf("hr sees %s", ids(got))
	}
	if got := mtMust(s.Reports(f.adm, ReportFilter{Period: "2023Q3", GroupID: f.g2})); ids(got) != rm2.ID || len(got[0].SimilarTo) != 2 {
		t.Errorf("admin, second branch: %+v", got)
	}
	// A lead asking outside their subtree, unknown groups, bad periods.
	_, err = s.Reports(f.c, ReportFilter{GroupID: f.g2})
	mtWantErr(t, "lead, other branch", err, KindForbidden, "")
	_, err = s.Reports(f.c, ReportFilter{GroupID: f.root})
	mtWantErr(t, "lead, parent group", err, KindForbidden, "")
	_, err = s.Reports(f.adm, ReportFilter{GroupID: "999"})
	mtWantErr(t, "unknown group", err, KindNotFound, "")
	_, err = s.Reports(f.adm, ReportFilter{Period: "23Q3"})
	mtWantErr(t, "bad period", err, KindInvalid, "period")
	// The lead from above sees both branches.
	if got := mtMust(s.Reports(f.outside, ReportFilter{Period: "2023Q3"})); len(got) != 4 {
		t.Errorf("lead of the root sees %s", ids(got))
	}
}

func TestReportsLockedPeriod(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	r := mtMust3(s.WriteReport(WithActor(admin, f.a.ID), f.a, ReportInput{Period: "2023Q2", Text: "二季度述学"}))
	if _, err := s.LockPeriod(admin, "2023Q2"); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.WriteReport(WithActor(admin, f.a.ID), f.a, ReportInput{Period: "2023Q2", Text: "改"})
	mtWantErr(t, "member edits in a locked quarter", err, KindForbidden, "period_locked")
	_, err = s.EvaluateReport(WithActor(admin, f.c.ID), f.c, r.ID, EvaluationInput{Grade: 4})
	mtWantErr(t, "lead evaluates in a locked quarter", err, KindForbidden, "period_locked")
	if _, err := s.EvaluateReport(WithActor(admin, f.adm.ID), f.adm, r.ID, EvaluationInput{Grade: 4}); err != nil {
		t.Errorf("admin in a locked quarter: %v", err)
	}
	// A locked quarter does not freeze the year's report.
	if _, _, err := s.WriteReport(WithActor(admin, f.a.ID), f.a, ReportInput{Period: "2023", Text: "年度述学"}); err != nil {
		t.Errorf("year report with Q2 locked: %v", err)
	}
}

func mtMust3[T any](v T, _ bool, err error) T { return mtMust(v, err) }

func FuzzReportInput(f *testing.F) {
	f.Add([]byte(`{"period":"2023Q3","text":"本季度我认真学习了……"}`))
	f.Add([]byte(`{"period":"2023q3","text":" "}`))
	f.Add([]byte(`{"period":"99999","text":"x"}`))
	f.Add([]byte(`{"period":"2023Q0","text":"\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRequest(t, data, func(in *ReportInput) string {
			p, err := ParsePeriod(in.Period, DefaultLocation())
			if err != nil || p.String() != in.Period {
				return "period not canonical"
			}
			if !mtOKText(in.Text, maxReportText, true) {
				return "bad text"
			}
			return ""
		})
	})
}

func FuzzEvaluationInput(f *testing.F) {
	f.Add([]byte(`{"grade":5,"comment":"好"}`))
	f.Add([]byte(`{"grade":0}`))
	f.Add([]byte(`{"grade":3,"comment":"\u001b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRequest(t, data, func(in *EvaluationInput) string {
			if in.Grade < 1 || in.Grade > 5 || !mtOKText(in.Comment, maxMinutes, false) {
				return "bad evaluation"
			}
			return ""
		})
	})
}

// TestReportHistory: a re-submission keeps the text it replaces, oldest
// first, capped; the same text again adds nothing; the audit log holds no
// history (each text was audited when written).
func TestReportHistory(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	ctx := WithActor(admin, f.a.ID)
	write := func(text string) *LearningReport {
		t.Helper()
		s.reportRate.t = nil // the 20-a-day cap is another test's
		r, _, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := write("第一稿")
	if len(first.History) != 0 {
		t.Fatalf("a new report has history %+v", first.History)
	}
	write("第二稿")
	r := write("第二稿")
	if len(r.History) != 1 || r.History[0].Text != "第一稿" || !r.History[0].SavedAt.Equal(first.UpdatedAt) {
		t.Fatalf("history %+v", r.History)
	}
	for i := range maxReportHistory + 3 {
		r = write(fmt.Sprintf("第%d稿", i+3))
	}
	if len(r.History) != maxReportHistory || r.History[len(r.History)-1].Text != fmt.Sprintf("第%d稿", maxReportHistory+4) {
		t.Errorf("history kept %d, last %q", len(r.History), r.History[len(r.History)-1].Text)
	}
	listed := mtMust(s.Reports(f.a, ReportFilter{Period: "2023Q3"}))
	if len(listed) != 1 || len(listed[0].History) != maxReportHistory {
		t.Errorf("listed %+v", listed)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "learning_report", EntityID: r.ID})
	for _, e := range entries {
		if strings.Contains(string(e.Before)+string(e.After), "history") {
			t.Fatalf("audit entry %d holds the history", e.Seq)
		}
	}
}
