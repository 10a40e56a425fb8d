package schedule

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"studyroll/store"
)

// rawText is pdftotext -raw without blanks: each cell's text is contiguous.
func rawText(tb testing.TB, path string) string {
	tb.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		tb.Skip("pdftotext not installed (poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", path, err)
	}
	return squash(string(out))
}

// filingFixture adds to the fixture: a unit 办公室 with a branch 第三支部
// (孙七, 科员), an empty group 第四支部, 第二支部 moved first, and 张三's
// title 副科长.
func filingFixture(t *testing.T) *fixture {
	f := newFixture(t)
	ctx := store.WithActor(context.Background(), f.admin.ID)
	office, err := f.s.CreateGroup(ctx, store.GroupInput{Name: "办公室", ParentID: f.root})
	if err != nil {
		t.Fatal(err)
	}
	b3, err := f.s.CreateGroup(ctx, store.GroupInput{Name: "第三支部", ParentID: office.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateGroup(ctx, store.GroupInput{Name: "第四支部", ParentID: f.root}); err != nil {
		t.Fatal(err)
	}
	m, err := f.s.CreateMember(ctx, store.MemberInput{Name: "孙七", Username: "m7", Password: "password1", GroupID: b3.ID, JoinedOn: "2023-01-01", Title: "科员"})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["孙七"] = m.ID
	title, one := "副科长", 1
	if _, err := f.s.UpdateMember(ctx, f.ids["张三"], store.MemberPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateGroup(ctx, f.g2, store.GroupPatch{Position: &one}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFormsFromStore: the files carry 职务 (the member's title), 所属单位
// (their unit), attendance counts that add up, zero rows for empty
// groups, the 单位/支部 head, and one order everywhere — the rates, the
// XLSX, the summary PDF — by tree order, then pinyin (李, 王, 张 — not
// 张, 李, 王 by character code).
func TestFormsFromStore(t *testing.T) {
	f := filingFixture(t)
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	ctx := store.WithActor(context.Background(), "system")
	if _, err := gen.Generate(ctx, q3(t), "", "", nil); err != nil {
		t.Fatal(err)
	}
	path := func(kind, id string) string {
		rec, err := f.s.ReportFileOf("2023Q3", kind, id)
		if err != nil {
			t.Fatal(err)
		}
		return filepath.Join(gen.Dir, filepath.FromSlash(rec.Path))
	}
	sun := rawText(t, path(store.ReportMemberPDF, f.ids["孙七"]))
	for _, want := range []string{"所在支部第三支部", "职务科员", "所属单位办公室"} {
		if !strings.Contains(sun, want) {
			t.Errorf("孙七's form lacks %q:\n%s", want, sun)
		}
	}
	if zh := rawText(t, path(store.ReportMemberPDF, f.ids["张三"])); !strings.Contains(zh, "职务副科长") || !strings.Contains(zh, "所属单位第一支部") {
		t.Errorf("张三's form:\n%s", zh)
	}
	// 赵六: s1 absent, s3 no record → 应参学 2 = 实参学 0 + 请假 0 + 缺席 1 + 未登记 1
	zhao := rawText(t, path(store.ReportMemberPDF, f.ids["赵六"]))
	if !strings.Contains(zhao, "2001100/2=0.0%") {
		t.Errorf("赵六's counts (应参学 实参学 请假 缺席 未登记 补学 参学率):\n%s", zhao)
	}

	want := []string{"周组织", "赵六", "李书记", "王芳", "张三", "孙七"}
	rates, err := f.s.Rates(q3(t), "", f.s.Policy())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range rates.Members {
		got = append(got, m.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("rates order %v, want %v", got, want)
	}
	x, err := excelize.OpenFile(path(store.ReportGroupXLSX, f.root))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows("成员")
	got = nil
	for _, r := range rows[3:] {
		got = append(got, r[1])
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("XLSX order %v, want %v", got, want)
	}
	// 赵六's session counts in columns I–M
	for _, r := range rows[3:] {
		if r[1] == "赵六" && strings.Join(r[8:13], ",") != "2,0,0,1,1" {
			t.Errorf("赵六's XLSX counts %v", r[8:13])
		}
	}
	grows, _ := x.GetRows("支部")
	if grows[2][1] != "单位/支部" {
		t.Errorf("支部 sheet head %q", grows[2][1])
	}
	var groups []string
	for _, r := range grows[3:] {
		groups = append(groups, r[1])
		if r[1] == "第四支部" && (r[2] != "0" || r[4] != "0" || r[5] != "0") {
			t.Errorf("empty group row %v", r)
		}
	}
	if strings.Join(groups, ",") != "机关党委（本级）,第二支部,第一支部,办公室,第四支部,合计" {
		t.Errorf("group rows %v", groups)
	}
	sum := rawText(t, path(store.ReportGroupPDF, f.root))
	last := -1
	for i, name := range want {
		j := strings.Index(sum, string(rune('1'+i))+name)
		if j < 0 || j < last {
			t.Errorf("summary PDF: %s not in place %d", name, i+1)
		}
		last = j
	}
	if !strings.Contains(sum, "5第四支部0100") {
		t.Errorf("summary PDF has no zero row for 第四支部:\n%s", sum)
	}
}

// TestFormsOpenYearAndLabels: the annual form of a year still running
// lists a future session with approved leave as 已准假（未举行）, not 未补学,
// and carries 暂定; English forms print the configured grade labels.
func TestFormsOpenYearAndLabels(t *testing.T) {
	f := newFixture(t)
	ctx := store.WithActor(context.Background(), f.admin.ID)
	st := time.Date(2023, 11, 10, 9, 0, 0, 0, shanghai)
	ss, err := f.s.CreateSession(ctx, store.SessionInput{GroupID: f.g1, Title: "十一月集中学习",
		StartsAt: st.Format(time.RFC3339), EndsAt: st.Add(2 * time.Hour).Format(time.RFC3339), Place: "三楼会议室"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetAttendance(ctx, ss.ID, f.ids["王芳"], store.AttendanceInput{Status: "leave"}); err != nil {
		t.Fatal(err)
	}
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	year, _ := store.ParsePeriod("2023", shanghai)
	rec, err := gen.Regenerate(ctx, year, store.ReportMemberPDF, f.ids["王芳"])
	if err != nil {
		t.Fatal(err)
	}
	txt := rawText(t, filepath.Join(gen.Dir, rec.Path))
	for _, want := range []string{"十一月集中学习已准假（未举行）", "暂定"} {
		if !strings.Contains(txt, want) {
			t.Errorf("annual form lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "未补学") {
		t.Errorf("a session not yet held counts as 未补学:\n%s", txt)
	}

	pol := f.s.Policy()
	pol.Labels.Quarterly = map[string]string{store.GradeExcellent: "Outstanding", store.GradeGood: "Solid", store.GradePass: "Adequate", store.GradeFail: "Weak"}
	if err := f.s.SetPolicy(pol); err != nil {
		t.Fatal(err)
	}
	rec, err = gen.Regenerate(ctx, q3(t), store.ReportMemberPDFEn, f.ids["张三"])
	if err != nil {
		t.Fatal(err)
	}
	txt = rawText(t, filepath.Join(gen.Dir, rec.Path))
	for _, want := range []string{"Outstanding", "Solid", "Adequate", "Weak"} {
		if !strings.Contains(txt, want) {
			t.Errorf("English form lacks the configured label %q", want)
		}
	}
}

// TestBranchOfFifteenOnePageEach: a branch of 15 with a session every week
// of the quarter (13) and an exam: every member's appraisal is one page.
func TestBranchOfFifteenOnePageEach(t *testing.T) {
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Skip("pdfinfo not installed (poppler-utils)")
	}
	f := newFixture(t)
	ctx := store.WithActor(context.Background(), f.admin.ID)
	unit, _ := f.s.CreateGroup(ctx, store.GroupInput{Name: "综合规划处", ParentID: f.root})
	br, err := f.s.CreateGroup(ctx, store.GroupInput{Name: "综合规划处第一党支部", ParentID: unit.ID})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "黄丽", "赵强", "吴敏", "周杰", "徐涛", "孙芳", "马超", "朱红", "胡明"}
	var ids []string
	for i, n := range names {
		m, err := f.s.CreateMember(ctx, store.MemberInput{Name: n, Username: fmt.Sprintf("b%d", i), Password: "password1", GroupID: br.ID, JoinedOn: "2023-01-01", Title: "主任科员"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	for w := 0; w < 13; w++ {
		st := time.Date(2023, 7, 4, 15, 0, 0, 0, shanghai).AddDate(0, 0, 7*w)
		ss, err := f.s.CreateSession(ctx, store.SessionInput{GroupID: br.ID, Title: fmt.Sprintf("学习《习近平著作选读》第%d专题", w+1),
			StartsAt: st.Format(time.RFC3339), EndsAt: st.Add(90 * time.Minute).Format(time.RFC3339), Place: "七楼会议室"})
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			status := "present"
			if (i+w)%9 == 0 {
				status = "leave"
			}
			if _, err := f.s.SetAttendance(ctx, ss.ID, id, store.AttendanceInput{Status: status}); err != nil {
				t.Fatal(err)
			}
		}
	}
	exam, err := f.s.CreateExam(ctx, store.ExamInput{GroupID: br.ID, Title: "第三季度应知应会测试", HeldOn: "2023-09-21", MaxScore: 100})
	if err != nil {
		t.Fatal(err)
	}
	var scores []store.ScoreEntry
	for i, id := range ids {
		scores = append(scores, store.ScoreEntry{MemberID: id, Score: float64(80 + i)})
	}
	if _, err := f.s.PutScores(ctx, exam.ID, store.ScoresInput{Scores: scores}); err != nil {
		t.Fatal(err)
	}
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	if _, err := gen.Generate(store.WithActor(context.Background(), "system"), q3(t), br.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		rec, err := f.s.ReportFileOf("2023Q3", store.ReportMemberPDF, id)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdfinfo", filepath.Join(gen.Dir, rec.Path)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "\nPages:           1\n") {
			t.Errorf("%s's appraisal is not one page:\n%s", names[i], out)
		}
	}
}
