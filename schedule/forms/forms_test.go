package forms

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"studyroll/assets"
)

var testOpt = Options{
	GeneratedAt: time.Date(2023, 10, 8, 10, 20, 5, 0, shanghai),
	DataHash:    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}

func withLang(o Options, lang string) Options { o.Lang = lang; return o }

// tool returns the path of a poppler tool; the tests need it (CI installs
// poppler-utils), so a missing tool fails rather than skips.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils (apt-get install -y poppler-utils): %v", name, err)
	}
	return p
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfText extracts the text of a PDF with pdftotext -layout.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	path := writeTemp(t, "doc.pdf", pdf)
	out, err := exec.Command(tool(t, "pdftotext"), "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// darkPixels renders page 1 at 50 dpi and counts dark pixels.
func darkPixels(t testing.TB, pdf []byte) (dark, total int) {
	t.Helper()
	path := writeTemp(t, "doc.pdf", pdf)
	prefix := filepath.Join(filepath.Dir(path), "page")
	if out, err := exec.Command(tool(t, "pdftoppm"), "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x6000 {
				dark++
			}
			total++
		}
	}
	return dark, total
}

func pageSize(t testing.TB, pdf []byte) image.Point {
	t.Helper()
	path := writeTemp(t, "doc.pdf", pdf)
	out, err := exec.Command(tool(t, "pdfinfo"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	var w, h float64
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Page size:") {
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "Page size:")), "%f x %f", &w, &h)
		}
	}
	return image.Pt(int(w+0.5), int(h+0.5))
}

func build(t testing.TB, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(20, buf.Len())])
	}
	return buf.Bytes()
}

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	failed := false
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q", w)
			failed = true
		}
	}
	if failed {
		t.Logf("extracted text:\n%s", text)
	}
}

func TestMemberAppraisalText(t *testing.T) {
	pdf := build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, sampleAppraisal(), testOpt) })
	text := pdfText(t, pdf)
	mustContain(t, text,
		"第一党支部党员 2023年第三季度学习考核表",
		"张三丰", "第一党支部", "预算科科长", "××市财政局机关党委",
		"考核期间：2023年7月1日至2023年9月30日",
		"一、学习出勤", "二、学习内容完成", "三、考试成绩", "四、领学与交流", "五、述学与评学", "六、考核结果",
		"11/12 = 91.7%", "95.0%", "33.3%", "100%", "未达标",
		"2023年7月5日", "已补学（2023年8月9日）", "未补学",
		"<script>alert('x')</script>", "<b>bold?</b> & \"quotes\" {nb}",
		"87.5", "好", "较好", "一般", "较差",
		"本人签字", "支部书记签字", "年", "月", "日",
		"评分办法", "参学率 40", "得分≥95且参学率为100%",
		"第 1 页 / 共 1 页",
		"生成时间：2023年10月8日 10:20:05", "数据校验：sha256:9f86d08",
	)
	if sz := pageSize(t, pdf); sz != image.Pt(595, 842) {
		t.Errorf("page size %v, want A4 portrait 595x842", sz)
	}
	if dark, total := darkPixels(t, pdf); dark < total/200 {
		t.Errorf("page 1 looks blank: %d dark pixels of %d", dark, total)
	}
}

func TestMemberAppraisalEnglishAndNulls(t *testing.T) {
	in := sampleAppraisal()
	in.Period = Period{Year: 2023}
	in.Attendance = Attendance{}
	in.Sessions = nil
	in.Content = Content{Assigned: 20, Completed: 19}
	in.Exams = nil
	in.Reports = nil
	in.Result = AppraisalResult{Score: fp(95), Grade: GradeExcellent}
	text := pdfText(t, build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, in, withLang(testOpt, "en")) }))
	mustContain(t, text,
		"Member Study Appraisal, Year 2023", "Period: 2023-01-01 to 2023-12-31",
		"Basic information", "1. Study attendance", "6. Appraisal result",
		"— (none required)", "19/20 = 95.0%", "95.0", "Excellent", "Qualified", "Basically qualified", "Unqualified",
		"Member's signature:", "Branch secretary's signature:", "Scoring policy",
		"Page 1 of ", "Generated: 2023-10-08 10:20:05",
	)
	if strings.Contains(text, "无应参项") || strings.Contains(text, "考核") {
		t.Errorf("Chinese label in English form:\n%s", text)
	}

	zh := pdfText(t, build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, in, testOpt) }))
	mustContain(t, zh, "2023年度学习考核表", "—（无应参项）", "优秀", "合格", "基本合格", "不合格", "第 1 页")
}

func TestGroupSummaryText(t *testing.T) {
	s := sampleSummary(120, 12)
	s.ReportedAt = time.Date(2023, 10, 9, 9, 0, 0, 0, shanghai)
	pdf := build(t, func(b *bytes.Buffer) error { return GroupSummaryPDF(b, s, testOpt) })
	text := pdfText(t, pdf)
	mustContain(t, text,
		"2023年第三季度各支部学习情况汇总表",
		"序号", "支部", "党员数", "集中学习", "应参学人次", "实参学人次", "参学率", "完成率", "优秀率", "备注",
		"合计", "第1党支部", "第12党支部", "<script>x</script>",
		"填报单位（盖章）", "负责人（签名）", "填表人（签名）", "报出时间： 2023年10月9日",
		"各支部三个100%完成情况", "附表：党员学习情况明细",
		"张三1", "欧阳娜娜1", "堃喆1", "100.0%", "91.7% (11/12)", "—（无应参项）",
		"好", "较好", "一般", "较差", "第 1 页 / 共",
	)
	if sz := pageSize(t, pdf); sz != image.Pt(842, 595) {
		t.Errorf("page size %v, want A4 landscape 842x595", sz)
	}
	if dark, total := darkPixels(t, pdf); dark < total/200 {
		t.Errorf("page 1 looks blank: %d dark pixels of %d", dark, total)
	}
}

func TestGroupSummaryThousandsOfRows(t *testing.T) {
	s := sampleSummary(3000, 40)
	pdf := build(t, func(b *bytes.Buffer) error { return GroupSummaryPDF(b, s, testOpt) })
	text := pdfText(t, pdf)
	pages := strings.Count(text, "\f")
	if pages < 100 {
		t.Fatalf("only %d pages for 3000 members", pages)
	}
	// the header row repeats on every page of the member table
	if n := strings.Count(text, "姓名"); n < pages-5 {
		t.Errorf("header 姓名 on %d of %d pages", n, pages)
	}
	mustContain(t, text, "3000", fmt.Sprintf("第 %d 页 / 共 %d 页", pages, pages), "第40党支部")
}

func TestSignInSheetText(t *testing.T) {
	pdf := build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, sampleSignIn(), testOpt) })
	text := pdfText(t, pdf)
	mustContain(t, text,
		"第一党支部集中学习签到表",
		"学习主题", "学习贯彻党的二十大精神专题研讨", "领读人", "李四", "时间", "2023年9月30日 14:30—16:30",
		"地点", "机关三楼会议室", "主持人", "王五", "记录人", "赵六",
		"应到", "5人", "实到", "3人", "请假", "1人", "缺席",
		"序号", "姓名", "签到", "签到时间", "备注", "14:21", "请假；公务外出", "缺席；补学", "迟到",
		"<img src=x", "主持人（签字）", "记录人（签字）", "扫码签到", "第 1 页 / 共 1 页",
	)
	dark, total := darkPixels(t, pdf)
	if dark < total/200 {
		t.Errorf("page 1 looks blank: %d dark pixels of %d", dark, total)
	}

	// before the session: no statuses, so only 应到 is filled in
	in := sampleSignIn()
	for i := range in.Rows {
		in.Rows[i] = SignInRow{Name: in.Rows[i].Name}
	}
	in.BlankRows = 3
	in.QRURL = strings.Repeat("https://x/", 1000) // too long for a QR code: left out
	text = pdfText(t, build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, in, withLang(testOpt, "en")) }))
	mustContain(t, text, "Study Session Sign-in Sheet", "Expected", "Signature", "Host (signature):", "Page 1 of 1")
}

func TestQRCodeDrawnTopRight(t *testing.T) {
	in := sampleSignIn()
	with := build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, in, testOpt) })
	in.QRURL = ""
	without := build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, in, testOpt) })
	d1, _ := darkPixels(t, with)
	d2, _ := darkPixels(t, without)
	if d1 <= d2+200 {
		t.Errorf("QR code not visible: %d dark pixels with, %d without", d1, d2)
	}
}

// TestConcurrentPDFs builds 16 PDFs at once (run with -race): documents must
// not share font bytes.
func TestConcurrentPDFs(t *testing.T) {
	type job struct {
		name string
		run  func(*bytes.Buffer) error
		want string
	}
	rare := rareName(t)
	var jobs []job
	for i := 0; i < 16; i++ {
		i := i
		switch i % 4 {
		case 0:
			jobs = append(jobs, job{"appraisal", func(b *bytes.Buffer) error {
				in := sampleAppraisal()
				in.Member.Name = fmt.Sprintf("张三%d", i)
				return MemberAppraisalPDF(b, in, testOpt)
			}, fmt.Sprintf("张三%d", i)})
		case 1:
			jobs = append(jobs, job{"appraisal-rare", func(b *bytes.Buffer) error {
				in := sampleAppraisal()
				in.Member.Name = rare // not in the cached subset: rebuilt with the full font
				return MemberAppraisalPDF(b, in, withLang(testOpt, "en"))
			}, rare})
		case 2:
			jobs = append(jobs, job{"summary", func(b *bytes.Buffer) error {
				return GroupSummaryPDF(b, sampleSummary(60, 5), testOpt)
			}, "第5党支部"})
		case 3:
			jobs = append(jobs, job{"signin-ownfont", func(b *bytes.Buffer) error {
				o := testOpt
				o.Font = assets.Font()
				return SignInSheetPDF(b, sampleSignIn(), o)
			}, "机关三楼会议室"})
		}
	}
	out := make([][]byte, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			errs[i] = j.run(&b)
			out[i] = b.Bytes()
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		if errs[i] != nil {
			t.Fatalf("%s: %v", j.name, errs[i])
		}
		if text := pdfText(t, out[i]); !strings.Contains(text, j.want) {
			t.Errorf("%s #%d: text lacks %q", j.name, i, j.want)
		}
	}
}

// rareName returns a name with a character the full font has but the cached
// subset lacks.
func rareName(t testing.TB) string {
	plan, _ := planFor(Options{})
	if len(plan.variants) < 2 {
		t.Fatal("no cached subset font")
	}
	sub := plan.variants[0].cover
	for r := rune(0x4e00); r < 0xa000; r++ {
		if plan.full.has(r) && !sub.has(r) {
			return "王" + string(r)
		}
	}
	t.Fatal("no rare character found")
	return ""
}

func TestFallbackFontKeepsRareCharacters(t *testing.T) {
	name := rareName(t)
	in := sampleSignIn()
	in.Rows[0].Name = name
	in.Rows[1].Name = "𠀀" + "吉" // beyond the BMP: printed as a placeholder
	text := pdfText(t, build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, in, testOpt) }))
	mustContain(t, text, name, "〓吉")
}

func TestHostileText(t *testing.T) {
	huge := strings.Repeat("<script>alert(1)</script>", 40000) // 1 MB
	in := sampleAppraisal()
	in.Member.Name = huge
	in.Member.Group = "\x00\x01\x1b[31m红\u202e反向\u200b"
	in.Organisation = string([]byte{0xff, 0xfe, 'o', 'k'})
	in.Sessions = append(in.Sessions, SessionLine{Title: huge, Note: huge, Status: "weird<status>"})
	in.Reports = append(in.Reports, ReportLine{Title: huge, Text: huge, Comment: huge, Grade: 9})
	in.Exams = append(in.Exams, ExamLine{Title: huge, MaxScore: 1e12, Score: fp(-5)})
	in.Policy = Policy{Grades: []GradeBand{{Code: "a", Label: huge, MinScore: 90}, {Code: "b", Label: "乙"}}}
	in.Result.Grade = "a"
	start := time.Now()
	pdf := build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, in, testOpt) })
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("hostile input took %v", d)
	}
	text := pdfText(t, pdf)
	mustContain(t, text, "<script>alert(1)</script>", "红反向", "ok", "第 1 页")

	s := sampleSummary(10, 3)
	s.Groups[0].Name = huge
	s.Groups[1].Note = huge
	s.Members[0].Name = huge
	build(t, func(b *bytes.Buffer) error { return GroupSummaryPDF(b, s, testOpt) })
	var x bytes.Buffer
	if err := GroupSummaryXLSX(&x, s, testOpt); err != nil {
		t.Fatal(err)
	}
	sg := sampleSignIn()
	sg.Topic, sg.Place, sg.Rows[0].Note, sg.Title = huge, huge, huge, huge
	build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, sg, testOpt) })
}

func TestBadOptions(t *testing.T) {
	var b bytes.Buffer
	if err := MemberAppraisalPDF(&b, sampleAppraisal(), Options{Lang: "fr"}); err == nil {
		t.Error("lang fr accepted")
	}
	if err := MemberAppraisalPDF(&b, sampleAppraisal(), Options{Font: []byte("not a font")}); err == nil {
		t.Error("bad font accepted")
	}
	if err := GroupSummaryXLSX(&b, sampleSummary(1, 1), Options{Lang: "de"}); err == nil {
		t.Error("xlsx lang de accepted")
	}
}

func TestGroupSummaryXLSX(t *testing.T) {
	const n = 10000
	s := sampleSummary(n, 25)
	var buf bytes.Buffer
	if err := GroupSummaryXLSX(&buf, s, testOpt); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "成员" || got[1] != "支部" {
		t.Fatalf("sheets %v", got)
	}
	raw := excelize.Options{RawCellValue: true}
	get := func(sheet, cell string) string {
		v, err := f.GetCellValue(sheet, cell, raw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v, err := strconv.ParseFloat(get("成员", "D5"), 64); err != nil || math.Abs(v-11.0/12) > 1e-12 {
		t.Errorf("成员!D5 = %v (%v), want the unrounded 11/12", v, err)
	}
	for cell, want := range map[string]string{
		"A3": "序号", "B3": "姓名", "C3": "支部", "D3": "参学率", "E3": "完成率", "F3": "优秀率", "G3": "得分", "H3": "等次",
		"A4": "1", "B4": "张三1", "C4": "第1党支部", "D4": "1", "E4": "1", "F4": "1", "G4": "80", "H4": "好",
		"E5": "1", "H5": "较好", "E6": "0.95",
		"F7":                    "", // a null rate is an empty cell
		fmt.Sprintf("A%d", n+3): fmt.Sprint(n),
	} {
		if got := get("成员", cell); got != want {
			t.Errorf("成员!%s = %q, want %q", cell, got, want)
		}
	}
	if v, _ := f.GetCellValue("成员", "D5"); v != "91.7%" {
		t.Errorf("formatted D5 = %q, want 91.7%%", v)
	}
	style, err := f.GetCellStyle("成员", "D5")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(style)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil || *st.CustomNumFmt != "0.0%" {
		t.Errorf("rate format %v", st.CustomNumFmt)
	}
	hs, _ := f.GetCellStyle("成员", "A3")
	if hst, _ := f.GetStyle(hs); hst == nil || hst.Font == nil || !hst.Font.Bold {
		t.Error("header not bold")
	}
	panes, err := f.GetPanes("成员")
	if err != nil || !panes.Freeze || panes.YSplit != 3 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	rows, err := f.GetRows("成员")
	if err != nil || len(rows) != n+3 {
		t.Fatalf("成员 has %d rows (%v), want %d", len(rows), err, n+3)
	}

	// groups sheet with the 合计 row
	wantHead := []string{"序号", "支部", "党员数", "集中学习次数", "应参学人次", "实参学人次", "参学率", "完成率", "优秀率",
		"好（人）", "较好（人）", "一般（人）", "较差（人）", "备注"}
	grows, err := f.GetRows("支部")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(grows[2], "|") != strings.Join(wantHead, "|") {
		t.Errorf("支部 header %q", grows[2])
	}
	if len(grows) != 25+4 {
		t.Fatalf("支部 has %d rows", len(grows))
	}
	tot := s.total()
	last := len(grows)
	if got := get("支部", fmt.Sprintf("B%d", last)); got != "合计" {
		t.Errorf("last row %q", got)
	}
	if got := get("支部", fmt.Sprintf("C%d", last)); got != fmt.Sprint(n) {
		t.Errorf("合计 members %q", got)
	}
	if got := get("支部", fmt.Sprintf("E%d", last)); got != fmt.Sprint(tot.Participation.Den) {
		t.Errorf("合计 应参学人次 %q, want %d", got, tot.Participation.Den)
	}
	pv, _ := tot.Participation.Value()
	if got, err := strconv.ParseFloat(get("支部", fmt.Sprintf("G%d", last)), 64); err != nil || math.Abs(got-pv) > 1e-12 {
		t.Errorf("合计 参学率 %v (%v), want %v", got, err, pv)
	}
	if got := get("支部", "N5"); got != "<script>x</script>含两名新入职人员，7月起参学" {
		t.Errorf("备注 %q", got)
	}

	// English sheet names and headers
	buf.Reset()
	if err := GroupSummaryXLSX(&buf, sampleSummary(3, 2), withLang(testOpt, "en")); err != nil {
		t.Fatal(err)
	}
	fe, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer fe.Close()
	if got := fe.GetSheetList(); got[0] != "Members" || got[1] != "Branches" {
		t.Errorf("english sheets %v", got)
	}
	if v, _ := fe.GetCellValue("Members", "D3"); v != "Participation" {
		t.Errorf("english header %q", v)
	}
}

func TestRatePercent(t *testing.T) {
	for _, c := range []struct {
		r    Rate
		want string
	}{
		{Rate{19, 20}, "95.0%"}, {Rate{11, 12}, "91.7%"}, {Rate{1, 3}, "33.3%"}, {Rate{2, 3}, "66.7%"},
		{Rate{1, 16}, "6.3%"}, {Rate{1, 8}, "12.5%"}, {Rate{0, 5}, "0.0%"}, {Rate{5, 5}, "100.0%"},
		{Rate{1999, 2000}, "100.0%"}, {Rate{0, 0}, ""}, {Rate{3, 0}, ""},
	} {
		if got := c.r.Percent(); got != c.want {
			t.Errorf("%v.Percent() = %q, want %q", c.r, got, c.want)
		}
	}
	if !(Rate{1999, 2000}).BelowTarget() || (Rate{}).BelowTarget() || (Rate{3, 3}).BelowTarget() {
		t.Error("BelowTarget")
	}
}

func TestPeriodLabel(t *testing.T) {
	p := Period{Year: 2023, Quarter: 3}
	if p.String() != "2023Q3" {
		t.Fatalf("%v", p)
	}
	if got := PeriodLabel(p, "zh"); got != "2023年第三季度" {
		t.Error(got)
	}
	if got := PeriodLabel(Period{Year: 2023}, "zh"); got != "2023年度" {
		t.Error(got)
	}
	if got := PeriodLabel(p, "en"); got != "Q3 2023" {
		t.Error(got)
	}
	f, l := p.Bounds()
	if f.Format("2006-01-02") != "2023-07-01" || l.Format("2006-01-02") != "2023-09-30" {
		t.Error(f, l)
	}
}

func TestLabelTablesMatch(t *testing.T) {
	for k := range labelTables["zh"] {
		if _, ok := labelTables["en"][k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range labelTables["en"] {
		if _, ok := labelTables["zh"][k]; !ok {
			t.Errorf("zh lacks %q", k)
		}
	}
}

func TestWrapNeverOverflows(t *testing.T) {
	plan, _ := planFor(Options{})
	d, err := newDoc(testOpt, "P", plan.variants[0], plan.full)
	if err != nil {
		t.Fatal(err)
	}
	d.setFont(9.5)
	inputs := []string{
		strings.Repeat("很长的学习主题", 50),
		strings.Repeat("x", 500),
		"word " + strings.Repeat("supercalifragilistic ", 30),
		"（括号开头）和结尾（" + strings.Repeat("，。", 40),
		"",
		"a\nb\n\nc",
	}
	for _, w := range []float64{3, 12, 40, 120} {
		for _, s := range inputs {
			lines := d.wrap(s, w)
			if strings.ReplaceAll(strings.Join(lines, ""), " ", "") != strings.ReplaceAll(strings.ReplaceAll(s, "\n", ""), " ", "") {
				t.Errorf("wrap lost text at w=%v: %q", w, s[:min(len(s), 30)])
			}
			for _, l := range lines {
				if d.strW(l) > w+0.01 && len([]rune(l)) > 1 {
					t.Errorf("line %q is %.1f mm wide, limit %.1f", l, d.strW(l), w)
				}
			}
		}
	}
}

func BenchmarkMemberAppraisalPDF(b *testing.B) {
	in := sampleAppraisal()
	_, _ = planFor(Options{}) // the one-off subset cut is not per document
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := MemberAppraisalPDF(&buf, in, testOpt); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			b.ReportMetric(float64(buf.Len()), "bytes/pdf")
		}
	}
}

// BenchmarkMemberAppraisalPDFParallel is the throughput on all cores.
func BenchmarkMemberAppraisalPDFParallel(b *testing.B) {
	in := sampleAppraisal()
	_, _ = planFor(Options{})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var buf bytes.Buffer
			if err := MemberAppraisalPDF(&buf, in, testOpt); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkMemberAppraisalPDFFullFont is the slow path: a character outside
// the cached subset, so the document is built again with the full font.
func BenchmarkMemberAppraisalPDFFullFont(b *testing.B) {
	in := sampleAppraisal()
	in.Member.Name = rareName(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := MemberAppraisalPDF(&buf, in, testOpt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignInSheetPDF(b *testing.B) {
	in := sampleSignIn()
	_, _ = planFor(Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := SignInSheetPDF(&buf, in, testOpt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupSummaryPDF1000(b *testing.B) {
	s := sampleSummary(1000, 20)
	_, _ = planFor(Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := GroupSummaryPDF(&buf, s, testOpt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupSummaryXLSX10000(b *testing.B) {
	s := sampleSummary(10000, 40)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := GroupSummaryXLSX(&buf, s, testOpt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroupSummary100000 builds the summary of 100,000 members as a
// PDF (the member table left to the workbook: MaxPDFMemberRows) and as a
// workbook, and reports the most live heap seen while each was built
// (sampled every 10 ms) — what the quarterly batch's last step adds to the
// period's data:
//
//	go test -run '^$' -bench GroupSummary100000 -benchtime 1x ./schedule/forms/
func BenchmarkGroupSummary100000(b *testing.B) {
	in := sampleSummary(100000, 2000)
	_, _ = planFor(Options{})
	for _, tc := range []struct {
		name string
		make func(io.Writer) error
	}{
		{"pdf", func(w io.Writer) error { return GroupSummaryPDF(w, in, testOpt) }},
		{"xlsx", func(w io.Writer) error { return GroupSummaryXLSX(w, in, testOpt) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
				base := liveHeap()
				peak := base
				stop := make(chan struct{})
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					t := time.NewTicker(10 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							peak = max(peak, liveHeap())
						}
					}
				}()
				var buf bytes.Buffer
				err := tc.make(&buf)
				close(stop)
				<-sampled
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(peak-base)/(1<<20), "live-MB")
				b.ReportMetric(float64(buf.Len())/(1<<20), "file-MB")
			}
		})
	}
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// FuzzUserText checks the text cleaners on arbitrary input: the XLSX text is
// valid UTF-8 without characters XML forbids, and period parsing and font
// coverage reading never panic. (Whole documents are not fuzzed: under the
// fuzzer's coverage instrumentation one font parse takes seconds.)
func FuzzUserText(f *testing.F) {
	f.Add("张三<script>", []byte("\x00\x01\x00\x00\x00\x01"))
	f.Add("\x00\xff\u202e\r\n", []byte("cmap"))
	f.Add("2023Q3", []byte{})
	f.Fuzz(func(t *testing.T, s string, font []byte) {
		x := xlsxText(s)
		if !utf8.ValidString(x) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		for _, r := range x {
			if r != '\t' && r != '\n' && unicode.IsControl(r) {
				t.Fatalf("control %U kept from %q", r, s)
			}
		}
		_ = cmapCoverage(font)
		_ = cmapCoverage(append([]byte("\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00cmap\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x00"), font...))
	})
}

// TestSummaryPDFMemberCap: a summary of more members than MaxPDFMemberRows
// lists none of them in the PDF and says where they are; the workbook still
// has every row; at the limit every member is listed.
func TestSummaryPDFMemberCap(t *testing.T) {
	defer func(n int) { MaxPDFMemberRows = n }(MaxPDFMemberRows)
	MaxPDFMemberRows = 20
	for _, tc := range []struct {
		members int
		listed  bool
	}{{20, true}, {21, false}} {
		in := sampleSummary(tc.members, 3)
		last := in.Members[tc.members-1].Name
		for _, lang := range []string{"zh", "en"} {
			var buf bytes.Buffer
			if err := GroupSummaryPDF(&buf, in, withLang(testOpt, lang)); err != nil {
				t.Fatal(err)
			}
			txt := strings.Join(strings.Fields(pdfText(t, buf.Bytes())), "")
			note := map[string]string{"zh": fmt.Sprintf("本汇总共%d名党员，超过本表逐人列出的上限（20人）", tc.members),
				"en": fmt.Sprintf("Thissummarycovers%dmembers,morethanthe20", tc.members)}[lang]
			if got := strings.Contains(txt, last); got != tc.listed {
				t.Errorf("%d members, %s: last member %q listed = %v, want %v", tc.members, lang, last, got, tc.listed)
			}
			if got := strings.Contains(txt, note); got == tc.listed {
				t.Errorf("%d members, %s: note present = %v\n%s", tc.members, lang, got, txt)
			}
			if !strings.Contains(txt, strings.ReplaceAll(in.Groups[2].Name, " ", "")) {
				t.Errorf("%d members, %s: roll-up rows missing", tc.members, lang)
			}
		}
		var x bytes.Buffer
		if err := GroupSummaryXLSX(&x, in, testOpt); err != nil {
			t.Fatal(err)
		}
		if sheets := xlsxParts(t, x.Bytes()); !strings.Contains(sheets["xl/worksheets/sheet1.xml"]+sheets["xl/worksheets/sheet2.xml"], last) {
			t.Errorf("%d members: the workbook lacks %q", tc.members, last)
		}
	}
}
