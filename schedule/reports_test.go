package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"studyroll/assets"
	"studyroll/schedule/forms"
	"studyroll/store"
)

func q3(tb testing.TB) store.Period {
	p, err := store.ParsePeriod("2023Q3", shanghai)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestGenerateQuarter(t *testing.T) {
	f := newFixture(t)
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	ctx := store.WithActor(context.Background(), "system")
	var calls, lastDone, lastTotal int
	res, err := gen.Generate(ctx, q3(t), "", "", func(done, total int) { calls++; lastDone, lastTotal = done, total })
	if err != nil {
		t.Fatal(err)
	}
	// 5 members; groups 机关党委, 第一支部, 第二支部 each get a PDF and an XLSX.
	if res.Members != 5 || res.MemberPDFs != 5 || res.GroupPDFs != 3 || res.GroupXLSX != 3 {
		t.Fatalf("result = %+v", res)
	}
	if lastDone != 11 || lastTotal != 11 || calls != 12 {
		t.Fatalf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
	}
	recs, err := f.s.ReportFiles("2023Q3")
	if err != nil || len(recs) != 11 {
		t.Fatalf("records = %d, %v", len(recs), err)
	}

	t.Run("MemberPDF", func(t *testing.T) {
		rec, err := f.s.ReportFileOf("2023Q3", store.ReportMemberPDF, f.ids["张三"])
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(gen.Dir, filepath.FromSlash(rec.Path))
		text := pdfText(t, path)
		flat := squash(text)
		for _, want := range []string{"张三", "第一支部", "机关党委", "2023年第三季度", "100.0%", "学习党的二十大精神", "支部集中学习",
			"第三季度测试", "95", "本季度认真学习", "学习认真", "本人签字", "支部书记签字", "第1页", "共"} {
			if !strings.Contains(flat, want) {
				t.Errorf("appraisal of 张三 lacks %q:\n%s", want, text)
			}
		}
		// the grade ticked is 好 (excellent): the policy's quarterly label
		if !strings.Contains(flat, "好") {
			t.Errorf("no grade label")
		}
		// the footer carries the data hash, which the record and the audit log hold
		if !strings.Contains(flat, rec.DataHash) {
			t.Errorf("footer lacks the data hash %s", rec.DataHash)
		}
		es, _ := f.s.Audit(store.AuditFilter{Entity: "report_file", EntityID: rec.EntityID()})
		if len(es) != 1 || !strings.Contains(string(es[0].After), rec.DataHash) {
			t.Errorf("audit: %+v", es)
		}
		if frac := inkedFraction(t, path); frac < 0.01 {
			t.Errorf("page 1 is blank (%.4f inked)", frac)
		}
		wang, _ := f.s.ReportFileOf("2023Q3", store.ReportMemberPDF, f.ids["王芳"])
		wt := squash(pdfText(t, filepath.Join(gen.Dir, wang.Path)))
		for _, want := range []string{"王芳", "66.7%", "0.0%", "较差", "补学"} {
			if !strings.Contains(wt, want) {
				t.Errorf("appraisal of 王芳 lacks %q:\n%s", want, wt)
			}
		}
	})

	t.Run("GroupPDF", func(t *testing.T) {
		rec, _ := f.s.ReportFileOf("2023Q3", store.ReportGroupPDF, f.root)
		raw := pdfText(t, filepath.Join(gen.Dir, rec.Path))
		text := squash(raw)
		for _, want := range []string{"机关党委", "第一支部", "第二支部", "张三", "王芳", "赵六", "周组织", "合计", "各支部三个100%完成情况"} {
			if !strings.Contains(text, want) {
				t.Errorf("group summary lacks %q:\n%s", want, raw)
			}
		}
		// each member's row: rates with num/den, score and grade label
		rows := map[string]string{"张三": "100.0%(2/2)100.0%(3/3)100.0%(1/1)100.0好", "王芳": "100.0%(2/2)66.7%(2/3)0.0%(0/1)66.7较差"}
		for _, line := range strings.Split(raw, "\n") {
			for name, want := range rows {
				if strings.Contains(line, name) && strings.Contains(squash(line), want) {
					delete(rows, name)
				}
			}
		}
		for name, want := range rows {
			t.Errorf("no row of %s with %s:\n%s", name, want, raw)
		}
	})

	t.Run("XLSXMatchesRates", func(t *testing.T) {
		rates, err := f.s.Rates(q3(t), "", f.s.Policy())
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]store.MemberRate{}
		for _, m := range rates.Members {
			byName[m.Name] = m
		}
		rec, _ := f.s.ReportFileOf("2023Q3", store.ReportGroupXLSX, f.root)
		x, err := excelize.OpenFile(filepath.Join(gen.Dir, rec.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("成员", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		compareXLSXWithRates(t, rows, byName)
	})

	t.Run("RegenerateAndEnglish", func(t *testing.T) {
		id := f.ids["张三"]
		rec, _ := f.s.ReportFileOf("2023Q3", store.ReportMemberPDF, id)
		path := filepath.Join(gen.Dir, rec.Path)
		os.Remove(path)
		got, _, err := gen.File(ctx, q3(t), store.ReportMemberPDF, id)
		if err != nil || got != path {
			t.Fatalf("File = %q, %v", got, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatal("missing file not made again")
		}
		en, _, err := gen.File(ctx, q3(t), store.ReportMemberPDFEn, id)
		if err != nil {
			t.Fatal(err)
		}
		text := squash(pdfText(t, en))
		for _, want := range []string{"张三", "100.0%", "Page1of"} {
			if !strings.Contains(text, want) {
				t.Errorf("English appraisal lacks %q:\n%s", want, text)
			}
		}
		// never generated → 404
		if _, _, err := gen.File(ctx, q3(t), store.ReportMemberPDF, "999"); !store.IsKind(err, store.KindNotFound) {
			t.Errorf("unknown member: %v", err)
		}
		p2, _ := store.ParsePeriod("2023Q2", shanghai)
		if _, _, err := gen.File(ctx, p2, store.ReportMemberPDF, id); !store.IsKind(err, store.KindNotFound) {
			t.Errorf("period never generated: %v", err)
		}
	})
}

// compareXLSXWithRates checks the 成员 sheet (序号, 姓名, 支部, 参学率, 完成率,
// 优秀率, 得分, 等次) against the rates.
func compareXLSXWithRates(t *testing.T, rows [][]string, byName map[string]store.MemberRate) {
	t.Helper()
	if len(rows) < 4 {
		t.Fatalf("no member rows: %v", rows)
	}
	// rows 1–2: title and reporting unit; row 3: the header
	head := strings.Join(rows[2], ",")
	if !strings.Contains(head, "参学率") || !strings.Contains(head, "优秀率") {
		t.Fatalf("header = %v", rows[2])
	}
	seen := 0
	for _, row := range rows[1:] {
		if len(row) < 6 {
			continue
		}
		m, ok := byName[row[1]]
		if !ok {
			continue
		}
		seen++
		for i, r := range []store.Ratio{m.Participation, m.Completion, m.Excellence} {
			cell := row[3+i]
			if r.Rate == nil {
				if cell != "" {
					t.Errorf("%s col %d = %q, want empty (null rate)", row[1], 3+i, cell)
				}
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil || math.Abs(v-*r.Rate) > 1e-9 {
				t.Errorf("%s col %d = %q, want %v", row[1], 3+i, cell, *r.Rate)
			}
		}
	}
	if seen != len(byName) {
		t.Errorf("XLSX has %d of %d members", seen, len(byName))
	}
}

func TestGenerateOneGroupAndErrors(t *testing.T) {
	f := newFixture(t)
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	ctx := store.WithActor(context.Background(), "system")
	res, err := gen.Generate(ctx, q3(t), f.g2, "", nil)
	if err != nil || res.MemberPDFs != 1 || res.GroupPDFs != 1 {
		t.Fatalf("Generate(第二支部) = %+v, %v", res, err)
	}
	if _, err := gen.Generate(ctx, q3(t), "999", "", nil); !store.IsKind(err, store.KindNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := gen.Generate(cctx, q3(t), "", "", nil); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	for _, bad := range []string{"../1", "1/../../x", "", "0", "-1"} {
		if _, err := RelPath(store.ReportMemberPDF, q3(t), bad); err == nil {
			t.Errorf("RelPath(%q) accepted", bad)
		}
	}
}

func TestGenerateYear(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(f.clock.Now().AddDate(0, 4, 0)) // 2024-02-01: the year is over
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	y, _ := store.ParsePeriod("2023", shanghai)
	res, err := gen.Generate(store.WithActor(context.Background(), "system"), y, "", "", nil)
	if err != nil || res.MemberPDFs != 5 {
		t.Fatalf("annual = %+v, %v", res, err)
	}
	rec, _ := f.s.ReportFileOf("2023", store.ReportMemberPDF, f.ids["张三"])
	text := squash(pdfText(t, filepath.Join(gen.Dir, rec.Path)))
	for _, want := range []string{"2023年度", "张三", "优秀"} {
		if !strings.Contains(text, want) {
			t.Errorf("annual appraisal lacks %q:\n%s", want, text)
		}
	}
}

// TestConcurrentPDFs builds many appraisals at once, with the embedded font
// and with a font given as bytes (as --font does), under -race: the font
// bytes are never written by two documents.
func TestConcurrentPDFs(t *testing.T) {
	f := newFixture(t)
	d, err := loadPeriod(f.s, q3(t), "", "")
	if err != nil {
		t.Fatal(err)
	}
	custom := assets.Font()
	before := append([]byte(nil), custom...)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, ok, _ := d.memberAppraisal(f.ids["张三"], "zh")
			if !ok {
				errs <- fmt.Errorf("no appraisal")
				return
			}
			opt := forms.Options{Lang: "zh"}
			if i%4 == 0 { // the full custom font is slow: a few are enough
				opt.Font = custom
			}
			var buf strings.Builder
			if err := forms.MemberAppraisalPDF(&buf, in, opt); err != nil {
				errs <- err
				return
			}
			if !strings.HasPrefix(buf.String(), "%PDF") {
				errs <- fmt.Errorf("not a PDF")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if string(before) != string(custom) {
		t.Error("the caller's font bytes were changed")
	}
}

func TestDataHashIsStable(t *testing.T) {
	f := newFixture(t)
	d1, _ := loadPeriod(f.s, q3(t), "", "")
	d2, _ := loadPeriod(f.s, q3(t), "", f.ids["张三"])
	a, _, _ := d1.memberAppraisal(f.ids["张三"], "zh")
	b, _, _ := d2.memberAppraisal(f.ids["张三"], "zh")
	h1, _ := dataHash(store.ReportMemberPDF, "zh", a)
	h2, _ := dataHash(store.ReportMemberPDF, "zh", b)
	if h1 != h2 {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		t.Fatalf("batch and single loads differ:\n%s\n%s", ja, jb)
	}
	// a change in the data changes the hash
	ctx := store.WithActor(context.Background(), f.admin.ID)
	if _, err := f.s.SetAttendance(ctx, f.sessions[0], f.ids["张三"], store.AttendanceInput{Status: "late"}); err != nil {
		t.Fatal(err)
	}
	d3, _ := loadPeriod(f.s, q3(t), "", "")
	c, _, _ := d3.memberAppraisal(f.ids["张三"], "zh")
	if h3, _ := dataHash(store.ReportMemberPDF, "zh", c); h3 == h1 {
		t.Fatal("hash did not change with the data")
	}
}

// TestLockedPeriodFrozenUntilRevision2 is the frozen-period promise: once
// 2023Q3 is locked, a back-dated roster import, a move to another group
// and an admin's make-up change neither its rates, its warnings nor a byte
// of its report files (made again after each change); only an unlock with
// a reason and a new lock — revision 2 — bring the changes in, and its
// files print 第2版 and the reason.
func TestLockedPeriodFrozenUntilRevision2(t *testing.T) {
	f := newFixture(t)
	gen := &Generator{Store: f.s, Dir: filepath.Join(f.dir, "reports")}
	sys := store.WithActor(context.Background(), "system")
	adm := store.WithActor(context.Background(), f.admin.ID)
	p := q3(t)
	lock, err := f.s.LockPeriod(adm, "2023Q3")
	if err != nil {
		t.Fatal(err)
	}
	if lock.Revision != 1 || !lock.Locked || len(lock.SnapshotSHA256) != 64 {
		t.Fatalf("lock %+v", lock)
	}
	figures := func() string {
		t.Helper()
		var b strings.Builder
		for _, g := range []string{"", f.root, f.g1, f.g2} {
			r, err := f.s.Rates(p, g, store.DefaultPolicy())
			if err != nil {
				t.Fatal(err)
			}
			ws, err := f.s.Warnings(p, g, store.DefaultPolicy())
			if err != nil {
				t.Fatal(err)
			}
			j1, _ := json.Marshal(r)
			j2, _ := json.Marshal(ws)
			b.Write(j1)
			b.Write(j2)
		}
		for _, name := range []string{"周组织", "李书记", "张三", "王芳", "赵六"} {
			r, err := f.s.MemberRates(p, f.ids[name], store.DefaultPolicy())
			if err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(r)
			b.Write(j)
		}
		return b.String()
	}
	files := func() map[string][]byte {
		t.Helper()
		f.clock.Advance(time.Minute) // a later run would stamp a later time
		if _, err := gen.Generate(sys, p, "", "", nil); err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		err := filepath.WalkDir(gen.Dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			out[path] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	wantFigures, wantFiles := figures(), files()
	if len(wantFiles) < 6 {
		t.Fatalf("%d files", len(wantFiles))
	}
	same := func(step string) {
		t.Helper()
		if got := figures(); got != wantFigures {
			t.Errorf("after %s the locked figures moved", step)
		}
		got := files()
		for path, data := range wantFiles {
			if !bytes.Equal(got[path], data) {
				t.Errorf("after %s %s changed", step, path)
			}
		}
		if len(got) != len(wantFiles) {
			t.Errorf("after %s: %d files, want %d", step, len(got), len(wantFiles))
		}
		for _, kind := range []string{store.ReportMemberPDF, store.ReportGroupPDF} {
			subject := f.ids["张三"]
			if kind == store.ReportGroupPDF {
				subject = f.g1
			}
			rec, err := f.s.ReportFileOf("2023Q3", kind, subject)
			l, _ := f.s.PeriodLock("2023Q3")
			if err != nil || rec.Stale(p, l) {
				t.Errorf("after %s: %s %v stale or missing (%v)", step, kind, rec, err)
			}
		}
	}

	// A member imported with a joined_on inside the locked quarter.
	csv := "name,username,group,role,joined_on,password\n钱七,m7,第一支部,member,2023-07-01,password1\n"
	if _, err := f.s.ImportRoster(adm, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	same("a back-dated import")
	// 张三 moves to 第二支部.
	g2 := f.g2
	if _, err := f.s.UpdateMember(adm, f.ids["张三"], store.MemberPatch{GroupID: &g2}); err != nil {
		t.Fatal(err)
	}
	same("a move")
	// The admin records 赵六's make-up of s1.
	if _, err := f.s.RecordMakeup(adm, f.sessions[0], f.ids["赵六"], store.MakeupInput{On: "2023-09-28", Note: "补学"}); err != nil {
		t.Fatal(err)
	}
	same("an admin's make-up")

	// Unlock needs a reason; then the next lock is revision 2.
	if _, err := f.s.UnlockPeriod(adm, "2023Q3", "  "); store.ErrorKind(err) != store.KindInvalid {
		t.Fatalf("unlock without a reason: %v", err)
	}
	same("a refused unlock")
	if _, err := f.s.UnlockPeriod(adm, "2023Q3", "补录赵六补学记录"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UnlockPeriod(adm, "2023Q3", "again"); store.ErrorKind(err) != store.KindConflict {
		t.Fatalf("unlock of an unlocked period: %v", err)
	}
	f.clock.Advance(time.Hour)
	lock2, err := f.s.LockPeriod(adm, "2023Q3")
	if err != nil {
		t.Fatal(err)
	}
	if lock2.Revision != 2 || lock2.Reason != "补录赵六补学记录" || lock2.SnapshotSHA256 == lock.SnapshotSHA256 {
		t.Fatalf("relock %+v", lock2)
	}
	zhao, err := f.s.MemberRates(p, f.ids["赵六"], store.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	// s1 now made up; s3 still without a record.
	if r := zhao.Members[0].Participation; r.Num != 1 || r.Den != 2 || !zhao.Locked || zhao.Revision != 2 {
		t.Errorf("赵六 in revision 2: %+v", zhao)
	}
	got := files()
	rel, _ := RelPath(store.ReportMemberPDF, p, f.ids["赵六"])
	path := filepath.Join(gen.Dir, rel)
	if bytes.Equal(got[path], wantFiles[path]) {
		t.Error("revision 2 left 赵六's appraisal as it was")
	}
	if text := squash(pdfText(t, path)); !strings.Contains(text, "第2版") || !strings.Contains(text, "补录赵六补学记录") {
		t.Errorf("revision 2's appraisal does not print 第2版 and the reason: %s", text)
	}
}
