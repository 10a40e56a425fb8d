package forms

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Inspection is what the inspection report (督查情况报告) and the
// rectification ledger (整改台账) print. The caller fills it from the store
// in the one order: targets in tree order, findings by group in tree order,
// then as recorded.
type Inspection struct {
	Organisation string
	Title        string
	StartsOn     string // YYYY-MM-DD
	EndsOn       string
	Status       string   // planned, in_progress, finished
	Methods      []string // method codes (spot_check …)
	Inspectors   []string // names
	Figures      InspectionFigures
	Awareness    Awareness
	Units        []InspectionUnit
	Findings     []LedgerRow
}

// InspectionFigures are the figures as the press reports them.
type InspectionFigures struct {
	Organisations, Branches, People, Problems, Rectified, Overdue int
}

// Awareness is 知晓率: (correct + ½ partial) / asked.
type Awareness struct {
	Asked, Correct, Partial, Wrong, NoAnswer int
}

// Text prints the rate as a percentage with one decimal, or "—".
func (a Awareness) Text() string {
	if a.Asked == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", (float64(a.Correct)+float64(a.Partial)/2)/float64(a.Asked)*100)
}

// InspectionUnit is one target's line of the per-unit table.
type InspectionUnit struct {
	Name                                           string
	Branches, People, Problems, Rectified, Overdue int
	Awareness                                      Awareness
}

// LedgerRow is one finding.
type LedgerRow struct {
	Unit, Problem, Category, Severity, Measures, Responsible, Deadline, State, ClosedOn string
	Overdue                                                                             bool
}

var inspectionLabels = map[string]map[string]string{
	"zh": {
		"report": "督查情况报告", "ledger": "整改台账", "org": "单位：", "dates": "督查时间：%s 至 %s", "methods": "督查方式：",
		"team": "督查组：", "figures": "一、总体情况", "figures_text": "本次督查共对%d个机关党组织、%d个机关基层党支部开展督查，与%d名党员、干部座谈了解和随机提问，查找各类问题%d个；已整改销号%d个，逾期未整改%d个。",
		"awareness_text": "随机提问%d人次，回答正确%d、基本正确%d、错误%d、未作答%d，应知应会知晓率%s。",
		"units":          "二、各单位情况", "unit": "单位", "branches": "支部数", "people": "座谈提问人数", "problems": "问题数", "rectified": "已销号", "overdue": "逾期", "awareness": "知晓率",
		"categories": "三、问题分类", "category": "类别", "count": "问题数",
		"status": "四、整改情况", "state": "状态", "total": "合计",
		"idx": "序号", "problem": "问题", "measures": "整改措施", "responsible": "责任人", "deadline": "时限", "closed_on": "销号日期", "severity": "程度",
		"spot_check": "随机抽查", "site_visit": "下沉走访", "interview": "座谈访谈", "questionnaire": "问卷调查", "records_review": "查阅资料",
		"open": "待整改", "in_progress": "整改中", "submitted": "已提交待核验", "closed": "已销号", "returned": "退回重改", "overdue_flag": "（逾期）",
		"minor": "一般", "serious": "较重", "grave": "严重",
		"planned": "未开始", "running": "进行中", "finished": "已结束",
		"sign": "督查组组长（签名）：", "date": "日期：", "none": "无",
		"results": "问卷结果", "question": "题目", "option": "选项", "pct": "占比", "respondents": "答卷人数：%d（应答 %d 人）", "text_answers": "文字回答",
	},
	"en": {
		"report": "Inspection report", "ledger": "Rectification ledger", "org": "Organisation: ", "dates": "Inspection dates: %s to %s", "methods": "Methods: ",
		"team": "Inspection team: ", "figures": "1. Overview", "figures_text": "The inspection covered %d Party organisations and %d branches, talked with or questioned %d members and cadres and found %d problems; %d are rectified and closed, %d are overdue.",
		"awareness_text": "%d questions asked: %d correct, %d partial, %d wrong, %d no answer; awareness rate %s.",
		"units":          "2. By unit", "unit": "Unit", "branches": "Branches", "people": "People", "problems": "Problems", "rectified": "Closed", "overdue": "Overdue", "awareness": "Awareness",
		"categories": "3. Problems by category", "category": "Category", "count": "Problems",
		"status": "4. Rectification", "state": "State", "total": "Total",
		"idx": "No.", "problem": "Problem", "measures": "Measures", "responsible": "Responsible", "deadline": "Deadline", "closed_on": "Closed on", "severity": "Severity",
		"spot_check": "spot checks", "site_visit": "site visits", "interview": "interviews", "questionnaire": "questionnaires", "records_review": "records review",
		"open": "open", "in_progress": "in progress", "submitted": "submitted", "closed": "closed", "returned": "returned", "overdue_flag": " (overdue)",
		"minor": "minor", "serious": "serious", "grave": "grave",
		"planned": "planned", "running": "in progress", "finished": "finished",
		"sign": "Team leader (signature): ", "date": "Date: ", "none": "none",
		"results": "Questionnaire results", "question": "Question", "option": "Option", "pct": "Share", "respondents": "Respondents: %d (audience %d)", "text_answers": "Text answers",
	},
}

func inspLabel(lang, key string, args ...any) string {
	s, ok := inspectionLabels[normLang(lang)][key]
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// StateLabel is the printed name of a finding state (with the overdue mark).
func (r LedgerRow) stateLabel(lang string) string {
	s := inspLabel(lang, r.State)
	if r.Overdue {
		s += inspLabel(lang, "overdue_flag")
	}
	return s
}

// InspectionReportPDF writes the 督查情况报告: title, unit, dates, methods
// and team; the figures in the press's sentence; 知晓率; a table per unit;
// problems by category; the rectification status of every finding; a
// signature line. Portrait A4 in the house style.
func InspectionReportPDF(w io.Writer, in Inspection, opt Options) error {
	return render(w, opt, "P", func(d *doc) { d.inspectionReport(in) })
}

func (d *doc) inspectionReport(in Inspection) {
	l := func(key string, args ...any) string { return inspLabel(d.lang, key, args...) }
	title := d.clean(in.Title, false) + " " + l("report")
	if d.lang == "zh" {
		title = d.clean(in.Title, false) + l("report")
		if strings.HasSuffix(in.Title, "督查") {
			title = d.clean(in.Title, false) + "情况报告"
		}
	}
	d.pdf.SetTitle(title, true)
	d.addPage()
	full := d.right - d.left
	d.title(title, 16, full-10)
	d.y += 2
	var methods []string
	for _, m := range in.Methods {
		methods = append(methods, l(m))
	}
	sep := "、"
	if d.lang == "en" {
		sep = ", "
	}
	d.paragraph(l("org")+d.clean(in.Organisation, false), 10)
	d.paragraph(l("dates", in.StartsOn, in.EndsOn), 10)
	if len(methods) > 0 {
		d.paragraph(l("methods")+strings.Join(methods, sep), 10)
	}
	if len(in.Inspectors) > 0 {
		d.paragraph(l("team")+d.clean(strings.Join(in.Inspectors, sep), false), 10)
	}
	d.y += 2
	f := in.Figures
	d.heading(l("figures"), 14)
	d.paragraph(l("figures_text", f.Organisations, f.Branches, f.People, f.Problems, f.Rectified, f.Overdue), 10.5)
	a := in.Awareness
	d.paragraph(l("awareness_text", a.Asked, a.Correct, a.Partial, a.Wrong, a.NoAnswer, a.Text()), 10.5)
	d.y += 2

	d.heading(l("units"), 20)
	t := d.newTable([]column{
		{title: l("idx"), w: 9, align: "C"},
		{title: l("unit"), w: 40, lines: 2},
		{title: l("branches"), w: 14, align: "C"},
		{title: l("people"), w: 16, align: "C"},
		{title: l("problems"), w: 14, align: "C"},
		{title: l("rectified"), w: 14, align: "C"},
		{title: l("overdue"), w: 12, align: "C"},
		{title: l("awareness"), w: 16, align: "C"},
	}, 9, 7)
	for i, u := range in.Units {
		t.add([]string{fmt.Sprint(i + 1), u.Name, fmt.Sprint(u.Branches), fmt.Sprint(u.People), fmt.Sprint(u.Problems),
			fmt.Sprint(u.Rectified), fmt.Sprint(u.Overdue), u.Awareness.Text()}, nil, false)
	}
	t.add([]string{"", l("total"), fmt.Sprint(f.Branches), fmt.Sprint(f.People), fmt.Sprint(f.Problems),
		fmt.Sprint(f.Rectified), fmt.Sprint(f.Overdue), a.Text()}, &shadeGray, true)
	t.end()
	d.y += 3

	d.heading(l("categories"), 20)
	type catCount struct{ n, closed, overdue int }
	counts := map[string]*catCount{}
	var cats []string
	for _, r := range in.Findings {
		if counts[r.Category] == nil {
			counts[r.Category] = &catCount{}
			cats = append(cats, r.Category)
		}
		c := counts[r.Category]
		c.n++
		if r.State == "closed" {
			c.closed++
		}
		if r.Overdue {
			c.overdue++
		}
	}
	ct := d.newTable([]column{
		{title: l("idx"), w: 9, align: "C"},
		{title: l("category"), w: 50},
		{title: l("count"), w: 20, align: "C"},
		{title: l("rectified"), w: 20, align: "C"},
		{title: l("overdue"), w: 20, align: "C"},
	}, 9, 7)
	for i, c := range cats {
		x := counts[c]
		ct.add([]string{fmt.Sprint(i + 1), c, fmt.Sprint(x.n), fmt.Sprint(x.closed), fmt.Sprint(x.overdue)}, nil, false)
	}
	ct.end()
	d.y += 3

	d.heading(l("status"), 20)
	st := d.newTable([]column{
		{title: l("idx"), w: 8, align: "C"},
		{title: l("unit"), w: 26, lines: 3},
		{title: l("problem"), w: 50, lines: 6},
		{title: l("responsible"), w: 14, align: "C"},
		{title: l("deadline"), w: 18, align: "C"},
		{title: l("state"), w: 18, align: "C", lines: 2},
	}, 8.5, 6.5)
	for i, r := range in.Findings {
		var fill *rgb
		if r.Overdue {
			fill = &lightRed
		}
		st.add([]string{fmt.Sprint(i + 1), r.Unit, r.Problem, r.Responsible, r.Deadline, r.stateLabel(d.lang)}, fill, false)
	}
	st.end()
	d.y += 8
	d.setFont(10)
	lh := d.lineH()
	d.need(lh + 2)
	d.textIn(d.left-cellPadX, d.y, full*0.6, lh, l("sign"), "L", false)
	d.textIn(d.left+full*0.6, d.y, full*0.4, lh, l("date"), "L", false)
	d.y += lh
}

// LedgerXLSX writes the 整改台账: one row per finding with 序号, 单位, 问题,
// 类别, 整改措施, 责任人, 时限, 状态, 销号日期 under a title row; overdue rows
// shaded light red; the header row frozen and repeated when printed.
func LedgerXLSX(w io.Writer, in Inspection, opt Options) (err error) {
	if err := checkLang(opt.Lang); err != nil {
		return err
	}
	lang := normLang(opt.Lang)
	l := func(key string) string { return inspLabel(lang, key) }
	heads := []string{l("idx"), l("unit"), l("problem"), l("category"), l("measures"), l("responsible"), l("deadline"), l("state"), l("closed_on")}
	widths := []float64{6, 22, 48, 14, 40, 10, 12, 14, 12}
	rows := make([][]any, 0, len(in.Findings))
	for i, r := range in.Findings {
		rows = append(rows, []any{i + 1, xlsxText(r.Unit), xlsxText(r.Problem), xlsxText(r.Category), xlsxText(r.Measures),
			xlsxText(r.Responsible), r.Deadline, r.stateLabel(lang), r.ClosedOn})
	}
	overdue := func(i int) bool { return in.Findings[i].Overdue }
	title := in.Title + l("ledger")
	if lang == "en" {
		title = in.Title + " — " + l("ledger")
	}
	return simpleSheet(w, opt, l("ledger"), title, heads, widths, rows, overdue)
}

// simpleSheet writes one sheet: a merged title row, a bold frozen header
// row, data rows (shade(i) → light red), column widths, landscape A4 fitted
// to width with the header repeated on every printed page.
func simpleSheet(w io.Writer, opt Options, sheet, title string, heads []string, widths []float64, rows [][]any, shade func(i int) bool) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("forms: %w", cerr)
		}
	}()
	wrap := func(e error) error {
		if e != nil {
			return fmt.Errorf("forms: xlsx: %w", e)
		}
		return nil
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return wrap(err)
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEEEEE"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	if err != nil {
		return wrap(err)
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}
	red, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: thinBorder(),
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFDEDE"}}})
	if err != nil {
		return wrap(err)
	}
	last, _ := excelize.ColumnNumberToName(len(heads))
	if err := f.SetCellValue(sheet, "A1", xlsxText(title)); err != nil {
		return wrap(err)
	}
	if err := f.MergeCell(sheet, "A1", last+"1"); err != nil {
		return wrap(err)
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", titleStyle); err != nil {
		return wrap(err)
	}
	hv := make([]any, len(heads))
	for i, h := range heads {
		hv[i] = h
	}
	if err := f.SetSheetRow(sheet, "A2", &hv); err != nil {
		return wrap(err)
	}
	if err := f.SetCellStyle(sheet, "A2", last+"2", headStyle); err != nil {
		return wrap(err)
	}
	for i, r := range rows {
		cell := fmt.Sprintf("A%d", i+3)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return wrap(err)
		}
		st := body
		if shade != nil && shade(i) {
			st = red
		}
		if err := f.SetCellStyle(sheet, cell, fmt.Sprintf("%s%d", last, i+3), st); err != nil {
			return wrap(err)
		}
	}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, wd); err != nil {
			return wrap(err)
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return wrap(err)
	}
	landscape, fit := "landscape", true
	size := 9 // A4
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &size, FitToWidth: new(int), FitToHeight: new(int)}); err != nil {
		return wrap(err)
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return wrap(err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$2:$2", Scope: sheet}); err != nil {
		return wrap(err)
	}
	gen := opt.GeneratedAt
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "studyroll", Created: gen.UTC().Format("2006-01-02T15:04:05Z"), Modified: gen.UTC().Format("2006-01-02T15:04:05Z")}); err != nil {
		return wrap(err)
	}
	return wrap(f.Write(w))
}

// QuestionnaireResults is what the results XLSX prints.
type QuestionnaireResults struct {
	Title                 string
	Respondents, Audience int
	Questions             []QuestionnaireQuestion
}

// QuestionnaireQuestion is one question's counts (choices) or texts.
type QuestionnaireQuestion struct {
	Text    string
	Options []OptionCount
	Texts   []string
}

// OptionCount is one option, how many chose it and the share of respondents.
type OptionCount struct {
	Option  string
	Count   int
	Percent float64
}

// QuestionnaireResultsXLSX writes the results: per question its options
// with counts and percentages, then the text answers, unattributed.
func QuestionnaireResultsXLSX(w io.Writer, in QuestionnaireResults, opt Options) error {
	if err := checkLang(opt.Lang); err != nil {
		return err
	}
	lang := normLang(opt.Lang)
	l := func(key string) string { return inspLabel(lang, key) }
	heads := []string{l("idx"), l("question"), l("option"), l("count"), l("pct")}
	var rows [][]any
	for i, q := range in.Questions {
		if len(q.Options) == 0 {
			for _, t := range q.Texts {
				rows = append(rows, []any{i + 1, xlsxText(q.Text), l("text_answers"), xlsxText(t), ""})
			}
			if len(q.Texts) == 0 {
				rows = append(rows, []any{i + 1, xlsxText(q.Text), l("text_answers"), 0, ""})
			}
			continue
		}
		for _, o := range q.Options {
			rows = append(rows, []any{i + 1, xlsxText(q.Text), xlsxText(o.Option), o.Count, fmt.Sprintf("%.1f%%", o.Percent*100)})
		}
	}
	title := in.Title + " " + l("results") + " · " + fmt.Sprintf(inspLabel(lang, "respondents"), in.Respondents, in.Audience)
	return simpleSheet(w, opt, l("results"), title, heads, []float64{6, 40, 30, 10, 10}, rows, nil)
}
