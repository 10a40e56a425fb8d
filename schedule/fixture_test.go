package schedule

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/internal/testorg"
	"studyroll/store"
)

var shanghai = store.DefaultLocation()

// fixture is a small organisation with a quarter (2023Q3) of study:
//
//	机关党委 (root)  周组织 (hr)
//	├─ 第一支部      李书记 (lead), 张三, 王芳
//	└─ 第二支部      赵六
//
// Sessions: s1 (root, 07-10, item A), s2 (第一支部, 08-10, item B), s3 (第二
// 支部, 09-05). Self-study item C (第一支部, due 08-15), done by 张三.
// Attendance: s1 张三 present, 王芳 leave + make-up 07-20, 李书记 present,
// 赵六 absent, 周组织 present; s2 张三 present, 王芳 late, 李书记 present;
// s3 nobody. Exam (第一支部, 09-20, max 100): 张三 95, 王芳 80, 李书记 none.
// 张三's learning report is graded 5; 张三 led the reading at s2, shared
// once and asked 王芳 a question.
//
// So 张三: 2/2, 3/3, 1/1, evaluation 5 → 100, 好; 王芳: 2/2, 2/3, 0/1 →
// 66.7, 较差.
type fixture struct {
	t        testing.TB
	s        *store.Store
	clock    *store.ManualClock
	dir      string
	admin    *store.Member
	root, g1 string
	g2       string
	ids      map[string]string // name → member id
	sessions []string
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	clock := store.NewManualClock(time.Date(2023, 9, 25, 9, 0, 0, 0, shanghai))
	dir := tb.TempDir()
	s, err := store.Open(dir, store.Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		tb.Fatal(err)
	}
	s.WatchWrites(unaudited.Watch) // TestMain: every write audited
	f := &fixture{t: tb, s: s, clock: clock, dir: dir, ids: map[string]string{}}
	tb.Cleanup(func() { f.s.Close() })
	org, err := testorg.Build(s, store.ProfileStandard)
	if err != nil {
		tb.Fatal(err)
	}
	f.admin, _ = s.MemberByUsername("admin")
	ctx := store.WithActor(context.Background(), f.admin.ID)
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	f.root, f.g1, f.g2 = org.Root, org.G1, org.G2
	for name, id := range org.ByName {
		f.ids[name] = id
	}
	rootPlan, err := s.CreatePlan(ctx, store.PlanInput{GroupID: f.root, Period: "2023Q3", Title: "第三季度学习计划",
		Items: []store.PlanItemInput{{Title: "学习内容A"}}})
	must(err)
	plan, err := s.CreatePlan(ctx, store.PlanInput{GroupID: f.g1, Period: "2023Q3", Title: "支部学习计划",
		Items: []store.PlanItemInput{{Title: "学习内容B"}, {Title: "自学内容C", DueOn: "2023-08-15"}}})
	must(err)
	itemA, itemB, itemC := rootPlan.Items[0].ID, plan.Items[0].ID, plan.Items[1].ID
	sess := func(group, title, start string, items ...string) string {
		st, _ := time.ParseInLocation("2006-01-02 15:04", start, shanghai)
		ss, err := s.CreateSession(ctx, store.SessionInput{GroupID: group, Title: title,
			StartsAt: st.Format(time.RFC3339), EndsAt: st.Add(2 * time.Hour).Format(time.RFC3339), Place: "三楼会议室", ItemIDs: items})
		must(err)
		f.sessions = append(f.sessions, ss.ID)
		return ss.ID
	}
	s1 := sess(f.root, "学习党的二十大精神", "2023-07-10 09:00", itemA)
	s2 := sess(f.g1, "支部集中学习", "2023-08-10 14:30", itemB)
	sess(f.g2, "第二支部集中学习", "2023-09-05 09:00")
	set := func(sid, name, status string) {
		_, err := s.SetAttendance(ctx, sid, f.ids[name], store.AttendanceInput{Status: status})
		must(err)
	}
	set(s1, "张三", "present")
	set(s1, "王芳", "leave")
	set(s1, "李书记", "present")
	set(s1, "赵六", "absent")
	set(s1, "周组织", "present")
	_, err = s.RecordMakeup(ctx, s1, f.ids["王芳"], store.MakeupInput{On: "2023-07-20", Note: "补看录像"})
	must(err)
	set(s2, "张三", "present")
	set(s2, "王芳", "late")
	set(s2, "李书记", "present")
	_, err = s.MarkItemDone(ctx, f.ids["张三"], plan.ID, itemC)
	must(err)
	exam, err := s.CreateExam(ctx, store.ExamInput{GroupID: f.g1, Title: "第三季度测试", HeldOn: "2023-09-20", MaxScore: 100})
	must(err)
	_, err = s.PutScores(ctx, exam.ID, store.ScoresInput{Scores: []store.ScoreEntry{{MemberID: f.ids["张三"], Score: 95}, {MemberID: f.ids["王芳"], Score: 80}}})
	must(err)
	zhang, _ := s.Member(f.ids["张三"])
	rep, _, err := s.WriteReport(store.WithActor(context.Background(), zhang.ID), zhang, store.ReportInput{Period: "2023Q3", Text: "本季度认真学习了党的二十大报告，体会深刻。"})
	must(err)
	_, err = s.EvaluateReport(ctx, f.admin, rep.ID, store.EvaluationInput{Grade: 5, Comment: "学习认真"})
	must(err)
	_, _, err = s.RecordReading(ctx, f.admin, s2, store.ReadingInput{LeadID: zhang.ID, Material: "二十大报告第一部分"})
	must(err)
	_, err = s.RecordShare(ctx, f.admin, s2, store.ShareInput{MemberID: zhang.ID, Summary: "谈学习体会"})
	must(err)
	_, err = s.RecordQuestion(ctx, f.admin, s2, store.QuestionInput{AskerID: zhang.ID, AnswererID: f.ids["王芳"], Question: "如何理解高质量发展？", Rating: 4})
	must(err)
	_ = itemB
	// The quarter is over when the reports are made.
	clock.Set(time.Date(2023, 10, 1, 2, 0, 0, 0, shanghai))
	return f
}

// reopen closes the store, runs offline on the closed file and opens it
// again, as a restart would. Schedulers built before keep the closed store.
func (f *fixture) reopen(offline func(dir string)) {
	f.t.Helper()
	if err := f.s.Close(); err != nil {
		f.t.Fatal(err)
	}
	offline(f.dir)
	s, err := store.Open(f.dir, store.Options{Now: f.clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		f.t.Fatal(err)
	}
	s.WatchWrites(unaudited.Watch)
	f.s = s
}

// scheduler builds a scheduler on the fixture's store (not started).
func (f *fixture) scheduler(cfg Config) *Scheduler {
	f.t.Helper()
	cfg.Store = f.s
	if cfg.DataDir == "" {
		cfg.DataDir = f.dir
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Now = f.clock.Now
	s, err := New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// pdfText extracts a PDF's text with pdftotext.
func pdfText(tb testing.TB, path string) string {
	tb.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		tb.Skip("pdftotext not installed (poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

// inkedFraction renders page 1 of a PDF at 40 dpi with pdftoppm and returns
// the fraction of pixels that are not white.
func inkedFraction(tb testing.TB, path string) float64 {
	tb.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		tb.Skip("pdftoppm not installed (poppler-utils)")
	}
	prefix := filepath.Join(tb.TempDir(), "page")
	if out, err := exec.Command("pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", path, prefix).CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm: %v %s", err, out)
	}
	data, err := os.ReadFile(prefix + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	b := img.Bounds()
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r < 0xd000 || g < 0xd000 || bb < 0xd000 {
				inked++
			}
		}
	}
	return float64(inked) / float64(b.Dx()*b.Dy())
}

// squash removes the spaces pdftotext puts between table cells.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }
