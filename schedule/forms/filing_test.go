package forms

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Tests of issue #16: forms a filing clerk accepts without retyping. Each
// reads the file back (pdftotext, pdfinfo, pdffonts, qpdf).

// pdfPages is pdfinfo's page count.
func pdfPages(t testing.TB, pdf []byte) int {
	t.Helper()
	out, err := exec.Command(tool(t, "pdfinfo"), writeTemp(t, "doc.pdf", pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Pages:") {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, "Pages:")))
			return n
		}
	}
	t.Fatalf("pdfinfo: no page count\n%s", out)
	return 0
}

// rawPageText is pdftotext -raw of one page (0 = all) with every blank
// removed: a cell's wrapped lines come out one after the other, so a cell's
// whole text is a substring.
func rawPageText(t testing.TB, pdf []byte, page int) string {
	t.Helper()
	args := []string{"-raw", "-enc", "UTF-8"}
	if page > 0 {
		args = append(args, "-f", fmt.Sprint(page), "-l", fmt.Sprint(page))
	}
	args = append(args, writeTemp(t, "doc.pdf", pdf), "-")
	out, err := exec.Command(tool(t, "pdftotext"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// typicalAppraisal is a member of a branch with weekly sessions: 13 in the
// quarter, 2 exams, one learning report.
func typicalAppraisal() MemberAppraisal {
	in := sampleAppraisal()
	in.Member = MemberInfo{Name: "张伟", Group: "办公室第一党支部", Position: "副处长", Unit: "办公室"}
	in.Sessions = nil
	for i := 0; i < 13; i++ {
		d := time.Date(2023, 7, 3, 9, 0, 0, 0, shanghai).AddDate(0, 0, 7*i)
		st := StatusPresent
		if i == 4 {
			st = StatusLeave
		}
		in.Sessions = append(in.Sessions, SessionLine{Date: d, Title: "学习《习近平新时代中国特色社会主义思想学习纲要》第" + fmt.Sprint(i+1) + "章", Status: st, MadeUp: i == 4, MadeUpOn: d.AddDate(0, 0, 3)})
	}
	in.Attendance = Attendance{Required: 13, Attended: 13, MadeUp: 1}
	in.Exams = in.Exams[:2]
	in.Reports = []ReportLine{{Date: time.Date(2023, 9, 22, 9, 0, 0, 0, shanghai), Title: "第三季度", Text: strings.Repeat("通过集中学习，进一步坚定了理想信念。", 12), Grade: 4, Comment: "认识深刻，联系实际。"}}
	return in
}

// TestAppraisalFitsOnePage: a typical member's form is one page; a member
// with much more keeps 六、考核结果 and the signature lines on one page.
func TestAppraisalFitsOnePage(t *testing.T) {
	pdf := build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, typicalAppraisal(), testOpt) })
	if n := pdfPages(t, pdf); n != 1 {
		t.Fatalf("typical member: %d pages, want 1; page 2: %s", n, rawPageText(t, pdf, 2))
	}
	txt := rawPageText(t, pdf, 1)
	mustContain(t, txt, "所属单位办公室", "职务副处长", "本人签字", "支部书记签字")

	long := typicalAppraisal()
	for i := 0; i < 30; i++ {
		long.Sessions = append(long.Sessions, long.Sessions[i%13])
	}
	pdf = build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, long, testOpt) })
	n := pdfPages(t, pdf)
	for p := 1; p <= n; p++ {
		pt := rawPageText(t, pdf, p)
		if strings.Contains(pt, "本人签字") && !strings.Contains(pt, "六、考核结果") {
			t.Errorf("page %d has the signatures without their section", p)
		}
	}
}

// TestAttendanceCountsAddUp: 应参学 = 实参学 + 请假 + 缺席 + 未登记 is printed
// with a 未登记 column; a session not yet held is not 未补学.
func TestAttendanceCountsAddUp(t *testing.T) {
	in := typicalAppraisal()
	in.Attendance = Attendance{Required: 5, Attended: 2, Leave: 1, Absent: 1, Unrecorded: 1}
	in.Sessions = []SessionLine{
		{Date: time.Date(2023, 7, 3, 9, 0, 0, 0, shanghai), Title: "甲", Status: StatusPresent},
		{Date: time.Date(2023, 7, 10, 9, 0, 0, 0, shanghai), Title: "乙", Status: StatusLate},
		{Date: time.Date(2023, 7, 17, 9, 0, 0, 0, shanghai), Title: "丙", Status: StatusLeave},
		{Date: time.Date(2023, 7, 24, 9, 0, 0, 0, shanghai), Title: "丁", Status: StatusAbsent},
		{Date: time.Date(2023, 7, 31, 9, 0, 0, 0, shanghai), Title: "戊"},
		{Date: time.Date(2023, 12, 20, 9, 0, 0, 0, shanghai), Title: "己", Status: StatusLeave, Upcoming: true},
	}
	opt := testOpt
	opt.Provisional, opt.AsOf = true, time.Date(2023, 9, 1, 9, 0, 0, 0, shanghai)
	txt := rawPageText(t, build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, in, opt) }), 0)
	mustContain(t, txt, "未登记（次）", "己已准假（未举行）", "暂定")
	if strings.Count(txt, "未补学") != 2 {
		t.Errorf("未补学 %d times, want 2 (丙, 丁; not the session not yet held)", strings.Count(txt, "未补学"))
	}
}

// TestSignInSheetBranchOnePage: a branch of 15 prints on one page, with
// the check-in time for self check-ins, 负责人登记 for a lead's marks and
// 请假 / 补学 / 缺席 in 备注; the signature lines follow the table.
func TestSignInSheetBranchOnePage(t *testing.T) {
	in := sampleSignIn()
	in.Rows = nil
	at := time.Date(2023, 9, 30, 14, 21, 0, 0, shanghai)
	for i := 0; i < 15; i++ {
		r := SignInRow{Name: fmt.Sprintf("成员%02d", i+1), Group: "第一党支部", Status: StatusPresent}
		switch i {
		case 0:
			r.CheckedInAt = at
		case 13:
			r.Status = StatusLeave
		case 14:
			r.Status, r.MadeUp = StatusAbsent, true
		}
		in.Rows = append(in.Rows, r)
	}
	in.BlankRows = 3
	pdf := build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, in, testOpt) })
	if n := pdfPages(t, pdf); n != 1 {
		t.Fatalf("15 people: %d pages, want 1", n)
	}
	txt := rawPageText(t, pdf, 1)
	mustContain(t, txt, "1成员0114:21", "2成员02负责人登记", "14成员14请假", "15成员15缺席；补学", "主持人（签字）", "记录人（签字）")
}

// TestSignInSheetOrganisationWide: rows of several branches print in
// sections with a subtotal each; the signature lines never stand alone on
// a page.
func TestSignInSheetOrganisationWide(t *testing.T) {
	in := sampleSignIn()
	in.Rows = nil
	for g := 0; g < 5; g++ {
		for i := 0; i < 20+g*7; i++ {
			st := StatusPresent
			if i == 0 {
				st = StatusLeave
			}
			in.Rows = append(in.Rows, SignInRow{Name: fmt.Sprintf("人员%d-%d", g+1, i+1), Group: fmt.Sprintf("第%d党支部", g+1), Status: st})
		}
	}
	in.BlankRows = 0
	pdf := build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, in, testOpt) })
	txt := rawPageText(t, pdf, 0)
	mustContain(t, txt, "第1党支部（20人）", "小计：应到20人，实到19人，请假1人，缺席0人", "第5党支部（48人）", "小计：应到48人，实到47人，请假1人，缺席0人")
	n := pdfPages(t, pdf)
	last := rawPageText(t, pdf, n)
	if !strings.Contains(last, "主持人（签字）") || !strings.Contains(last, "人员5-48") {
		t.Errorf("last page %d: signatures without the last rows:\n%s", n, last)
	}
}

// TestSummaryNoOrphanPage: whatever the member count, the member table's
// last page holds at least 4 rows, and the roll-up table keeps its last
// rows with the 合计 row and the signature lines.
func TestSummaryNoOrphanPage(t *testing.T) {
	for _, n := range []int{40, 60, 77, 100, 140, 367} {
		s := sampleSummary(n, 8)
		pdf := build(t, func(b *bytes.Buffer) error { return GroupSummaryPDF(b, s, testOpt) })
		pages := pdfPages(t, pdf)
		last := rawPageText(t, pdf, pages)
		rows := 0
		for i := 1; i <= n; i++ {
			if strings.Contains(last, fmt.Sprintf("%d%s", i, s.Members[i-1].Name)) {
				rows++
			}
		}
		if rows < 4 {
			t.Errorf("%d members: last page %d has %d member rows", n, pages, rows)
		}
	}
}

// TestNothingTruncated fills every column of every form with its longest
// value: each comes back whole (wrapped or shrunk, never cut with "…").
func TestNothingTruncated(t *testing.T) {
	longDate := time.Date(2026, 11, 28, 9, 0, 0, 0, shanghai) // 2026年11月28日
	in := typicalAppraisal()
	in.Member = MemberInfo{Name: "欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜", Group: "机关服务中心离退休干部第十二党支部第三党小组", Position: "二级巡视员兼机关服务中心副主任", Unit: "机关服务中心离退休干部服务管理处"}
	for i := range in.Sessions {
		in.Sessions[i].Date = longDate
		in.Sessions[i].Status = StatusLeave
		in.Sessions[i].MadeUp, in.Sessions[i].MadeUpOn = true, longDate
		in.Sessions[i].Note = "因公出差至新疆维吾尔自治区乌鲁木齐市参加全国会议"
	}
	in.Exams[0].Date, in.Exams[0].Title = longDate, "党纪学习教育应知应会知识测试（第三季度・补考）全体党员参加"
	sc := 100.0
	in.Exams[0].Score, in.Exams[0].MaxScore, in.Exams[0].ExcellentScore = &sc, 100, 92.5
	in.Reports[0].Date = longDate
	in.Reports[0].Comment = "认识深刻，联系实际较好，建议进一步加强理论学习与业务工作的结合，形成常态长效机制。"
	txt := rawPageText(t, build(t, func(b *bytes.Buffer) error { return MemberAppraisalPDF(b, in, testOpt) }), 0)
	mustContain(t, txt, in.Member.Name, in.Member.Group, in.Member.Position, in.Member.Unit,
		"请假已补学（2026年11月28日）；"+in.Sessions[0].Note, in.Exams[0].Title, in.Reports[0].Comment)
	if strings.Count(txt, "2026年11月28日") < 2*13+2 {
		t.Errorf("dates cut: %d whole dates", strings.Count(txt, "2026年11月28日"))
	}

	s := sampleSummary(12, 3)
	s.Groups[0].Name = "机关服务中心离退休干部第十二党支部第三党小组"
	s.Groups[0].Note = "含两名新入职人员，七月起参学；一人长期病假，经批准不计入应参学人次"
	s.Members[0].Name, s.Members[0].Group = in.Member.Name, in.Member.Group
	for _, en := range []bool{false, true} {
		opt := testOpt
		if en {
			opt = withLang(testOpt, "en")
		}
		txt = rawPageText(t, build(t, func(b *bytes.Buffer) error { return GroupSummaryPDF(b, s, opt) }), 0)
		mustContain(t, txt, s.Groups[0].Name, s.Groups[0].Note, s.Members[0].Name, s.Members[0].Group)
	}
	sheet := sampleSignIn()
	sheet.Rows[0].Name = in.Member.Name
	sheet.Rows[1].Note = in.Sessions[0].Note
	sheet.Place = "机关服务中心综合楼三楼第一会议室（东侧）及视频分会场"
	txt = rawPageText(t, build(t, func(b *bytes.Buffer) error { return SignInSheetPDF(b, sheet, testOpt) }), 0)
	mustContain(t, txt, in.Member.Name, in.Sessions[0].Note, sheet.Place)
	if strings.Contains(txt, "…") {
		t.Error("a sheet text was cut with …")
	}
}

// TestChineseLineBreaking: no line starts with closing punctuation, none
// ends with opening punctuation (a title whose break fell before "）》").
func TestChineseLineBreaking(t *testing.T) {
	plan, _ := planFor(Options{})
	d, err := newDoc(testOpt, "P", plan.variants[0], plan.full)
	if err != nil {
		t.Fatal(err)
	}
	d.setFont(15)
	title := "第一党支部党员 2023年第三季度学习《习近平新时代中国特色社会主义思想学习纲要（2023年版）》考核表"
	for w := 40.0; w <= 180; w += 0.5 {
		lines := d.wrap(title, w)
		if strings.ReplaceAll(strings.Join(lines, ""), " ", "") != strings.ReplaceAll(title, " ", "") {
			t.Fatalf("w=%v lost text: %q", w, lines)
		}
		for i, l := range lines {
			rs := []rune(l)
			if i > 0 && isNoStart(rs[0]) {
				t.Errorf("w=%v: line %q starts with %q", w, l, rs[0])
			}
			if i < len(lines)-1 && isNoEnd(rs[len(rs)-1]) {
				t.Errorf("w=%v: line %q ends with %q", w, l, rs[len(rs)-1])
			}
		}
	}
}

// TestPDFInformation: Title, Author (the organisation), Subject, dates
// with their zone, the font subset named with a tag; qpdf finds no fault.
func TestPDFInformation(t *testing.T) {
	pdf := build(t, func(b *bytes.Buffer) error {
		return MemberAppraisalPDF(b, typicalAppraisal(), Options{GeneratedAt: testOpt.GeneratedAt, Location: shanghai})
	})
	path := writeTemp(t, "doc.pdf", pdf)
	out, err := exec.Command(tool(t, "pdfinfo"), "-isodates", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	info := string(out)
	for _, want := range []string{"Title:           办公室第一党支部党员 2023年第三季度学习考核表", "Author:          ××市财政局机关党委",
		"Subject:         张伟 2023年第三季度学习考核", "CreationDate:    2023-10-08T10:20:05+08", "ModDate:         2023-10-08T10:20:05+08"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	out, err = exec.Command(tool(t, "pdffonts"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	fonts := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(fonts) < 3 {
		t.Fatalf("pdffonts:\n%s", out)
	}
	for _, l := range fonts[2:] {
		f := strings.Fields(l)
		name := f[0]
		if len(name) < 8 || name[6] != '+' || strings.ToUpper(name[:6]) != name[:6] || !strings.HasSuffix(name, "WenQuanYiMicroHei") {
			t.Errorf("font %q is not named as a subset (ABCDEF+Name)", name)
		}
		if !strings.Contains(l, " yes yes ") {
			t.Errorf("font not embedded as a subset: %s", l)
		}
	}
	if q, err := exec.LookPath("qpdf"); err == nil {
		if out, err := exec.Command(q, "--check", path).CombinedOutput(); err != nil {
			t.Errorf("qpdf --check: %v\n%s", err, out)
		}
	}
}

// TestGradeCountHeadTwoLines: "基本合格（人）" heads its column in at most
// two lines.
func TestGradeCountHeadTwoLines(t *testing.T) {
	s := sampleSummary(20, 3)
	s.Period = Period{Year: 2023}
	txt := rawPageText(t, build(t, func(b *bytes.Buffer) error { return GroupSummaryPDF(b, s, testOpt) }), 1)
	mustContain(t, txt, "基本合格（人）", "不合格（人）")
	plan, _ := planFor(Options{})
	d, _ := newDoc(withLang(testOpt, "zh"), "L", plan.variants[0], plan.full)
	cols := []column{{title: "序号", w: 9}, {title: "支部", w: 34}, {title: "党员数", w: 13}, {title: "集中学习次数", w: 15},
		{title: "应参学人次", w: 18}, {title: "实参学人次", w: 18}, {title: "参学率", w: 18}, {title: "完成率", w: 18}, {title: "优秀率", w: 18},
		{title: "优秀（人）", w: 14, head: 2}, {title: "合格（人）", w: 14, head: 2}, {title: "基本合格（人）", w: 14, head: 2}, {title: "不合格（人）", w: 14, head: 2},
		{title: "备注", w: 34}}
	tb := d.newTable(cols, 9, 7)
	d.setFont(9)
	p := d.prepareRow(tb.headerCells(), 7)
	if n := len(p.lines[11]); n > 2 {
		t.Errorf("基本合格（人） on %d lines: %q", n, p.lines[11])
	}
}

// xlsxParts unzips an XLSX into its parts.
func xlsxParts(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		out[f.Name] = buf.String()
	}
	return out
}

// TestXLSXForFiling reads the workbook's XML: the true dimension, a title
// row with the organisation and period, per-member session counts, print
// setup (landscape A4, fit to width, the header row repeated, print area),
// ratios at full precision, and document properties of the generation.
func TestXLSXForFiling(t *testing.T) {
	s := sampleSummary(15, 3)
	s.RowHead = "单位"
	s.Members[0].Attendance = Attendance{Required: 13, Attended: 10, Leave: 1, Absent: 1, Unrecorded: 1}
	s.Members[1].Participation = Rate{Num: 2, Den: 3}
	var buf bytes.Buffer
	if err := GroupSummaryXLSX(&buf, s, testOpt); err != nil {
		t.Fatal(err)
	}
	parts := xlsxParts(t, buf.Bytes())
	members, groups := parts["xl/worksheets/sheet1.xml"], parts["xl/worksheets/sheet2.xml"]
	for _, want := range []string{`<dimension ref="A1:M18"`, `fitToPage="true"`, `orientation="landscape"`, `fitToWidth="1"`, `fitToHeight="0"`, `paperSize="9"`,
		`<mergeCell ref="A1:M1"`, `ySplit="3"`} {
		if !strings.Contains(members, want) {
			i := strings.Index(members, "<sheetPr")
			t.Errorf("成员 sheet lacks %s: %s", want, members[max(0, i):min(i+300, len(members))])
		}
	}
	// The members sheet is the one open (selected, the workbook's active
	// tab), the others not.
	if !strings.Contains(members, `tabSelected="true"`) || strings.Contains(groups, `tabSelected`) ||
		regexp.MustCompile(`activeTab="[1-9]`).MatchString(parts["xl/workbook.xml"]) {
		t.Errorf("active sheet: members %q, groups %q, workbook %q", members[:min(500, len(members))], groups[:min(500, len(groups))], parts["xl/workbook.xml"])
	}
	if !strings.Contains(groups, `<dimension ref="A1:N7"`) {
		t.Errorf("支部 sheet dimension: %s", groups[:min(600, len(groups))])
	}
	wb := parts["xl/workbook.xml"]
	for _, want := range []string{`localSheetId="0" name="_xlnm.Print_Area">&#39;成员&#39;!$A$1:$M$18<`, `localSheetId="0" name="_xlnm.Print_Titles">&#39;成员&#39;!$3:$3<`,
		`localSheetId="1" name="_xlnm.Print_Area">&#39;支部&#39;!$A$1:$N$7<`} {
		if !strings.Contains(wb, want) {
			t.Errorf("workbook lacks %s:\n%s", want, wb)
		}
	}
	core := parts["docProps/core.xml"]
	for _, want := range []string{"<dc:title>2023年第三季度各支部学习情况汇总表</dc:title>", "<dc:creator>××市财政局机关党委</dc:creator>",
		`<dcterms:modified xsi:type="dcterms:W3CDTF">2023-10-08T02:20:05Z</dcterms:modified>`, `<dcterms:created xsi:type="dcterms:W3CDTF">2023-10-08T02:20:05Z</dcterms:created>`} {
		if !strings.Contains(core, want) {
			t.Errorf("core.xml lacks %s:\n%s", want, core)
		}
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	get := func(sheet, cell string) string {
		v, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		return v
	}
	if got := get("成员", "A1"); got != "2023年第三季度各支部学习情况汇总表" {
		t.Errorf("title row %q", got)
	}
	if got := get("成员", "A2"); !strings.Contains(got, "填报单位：××市财政局机关党委") || !strings.Contains(got, "2023年7月1日至2023年9月30日") {
		t.Errorf("second row %q", got)
	}
	for cell, want := range map[string]string{"A3": "序号", "I3": "应参学（次）", "M3": "未登记（次）", "I4": "13", "J4": "10", "K4": "1", "L4": "1", "M4": "1"} {
		if got := get("成员", cell); got != want {
			t.Errorf("成员!%s = %q, want %q", cell, got, want)
		}
	}
	if got := get("支部", "B3"); got != "单位" {
		t.Errorf("支部!B3 = %q, want 单位", got)
	}
	// full precision: the very float64 of GET /rates, shown as 66.7%
	if got := get("成员", "D5"); got != "0.6666666666666666" {
		t.Errorf("成员!D5 = %q, want 0.6666666666666666", got)
	}
	// in the XML: a plain number cell with the 0.0% style, no marks left
	if !strings.Contains(members, `<v>0.6666666666666666</v>`) || strings.Contains(members, "\uE000") || strings.Contains(members, "inlineStr\"><is><t>0.") {
		i := strings.Index(members, `r="D5"`)
		t.Errorf("成员!D5 XML: %s", members[max(0, i-10):min(i+120, len(members))])
	}
	if style, fmtCode := cellStyleFormat(t, f, "成员", "D5"); fmtCode != "0.0%" {
		t.Errorf("成员!D5 style %d number format %q, want 0.0%%", style, fmtCode)
	}
}

// cellStyleFormat names a cell's style and its custom number format.
func cellStyleFormat(t *testing.T, f *excelize.File, sheet, cell string) (int, string) {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return id, ""
	}
	return id, *st.CustomNumFmt
}

// TestXLSXRatiosFullPrecision reads every ratio of the workbook back from
// its XML: each is a number equal to the float64 of Num/Den (what GET
// /rates answers), shown with the 0.0% format; text that looks like a
// marked ratio stays text.
func TestXLSXRatiosFullPrecision(t *testing.T) {
	s := sampleSummary(6, 2)
	rates := []Rate{{1, 3}, {2, 3}, {1, 7}, {1, 100000}, {5, 5}, {0, 9}}
	for i := range s.Members {
		s.Members[i].Participation = rates[i]
		s.Members[i].Completion = rates[(i+1)%len(rates)]
		s.Members[i].Excellence = Rate{}
	}
	s.Members[0].Name = "\uE0000.5\uE000"
	s.ComplianceKinds = []string{"party_congress"}
	s.Compliance = []ComplianceRow{{Group: "第1党支部", Cells: map[string]ComplianceCell{"party_congress": {Required: 1, Held: 1}}, Four: Rate{2, 3}}}
	var buf bytes.Buffer
	if err := GroupSummaryXLSX(&buf, s, testOpt); err != nil {
		t.Fatal(err)
	}
	for name, xml := range xlsxParts(t, buf.Bytes()) {
		if strings.Contains(xml, "\uE000") {
			t.Errorf("%s keeps a ratio mark", name)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("成员", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]SummaryMember{}
	for _, m := range s.Members {
		byName[xlsxText(m.Name)] = m
	}
	seen := 0
	for r, row := range rows {
		m, ok := byName[row[min(1, len(row)-1)]]
		if !ok || len(row) < 6 {
			continue
		}
		seen++
		for i, rt := range []Rate{m.Participation, m.Completion, m.Excellence} {
			cell, _ := excelize.CoordinatesToCellName(4+i, r+1)
			got := row[3+i]
			want, ok := rt.Value()
			if !ok {
				if got != "" {
					t.Errorf("%s = %q, want empty (null rate)", cell, got)
				}
				continue
			}
			if v, err := strconv.ParseFloat(got, 64); err != nil || v != want {
				t.Errorf("%s = %q, want exactly %v", cell, got, want)
			}
			if typ, _ := f.GetCellType("成员", cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s has type %v, want a number", cell, typ)
			}
			if _, code := cellStyleFormat(t, f, "成员", cell); code != "0.0%" {
				t.Errorf("%s number format %q, want 0.0%%", cell, code)
			}
		}
	}
	if seen != len(s.Members) {
		t.Errorf("found %d of %d members; the marked name must stay text", seen, len(s.Members))
	}
	// the 三会一课 sheet's 四落实率
	crow, err := f.GetRows(labelTables["zh"]["sheet_compliance"], excelize.Options{RawCellValue: true})
	if err != nil || len(crow) < 2 {
		t.Fatalf("compliance sheet %v %v", crow, err)
	}
	if got := crow[1][len(crow[1])-1]; got != "0.6666666666666666" {
		t.Errorf("四落实率 %q, want 0.6666666666666666", got)
	}
}
