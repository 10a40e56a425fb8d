package forms

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// maxXLSXText is the longest text put in one cell (Excel's limit is 32,767).
const maxXLSXText = 32000

// GroupSummaryXLSX writes the group summary as an XLSX workbook with two
// sheets: "成员" (members: 序号, 姓名, 支部, 参学率, 完成率, 优秀率, 得分, 等次)
// and "支部" (groups: 序号, 支部, 党员数, 集中学习次数, 应参学人次, 实参学人次,
// 参学率, 完成率, 优秀率, one count column per grade, 备注, then a 合计 row).
// With Lang "en" the sheets are "Members" and "Branches" and headers are
// English. Rates are numeric cells holding the unrounded fraction at full
// precision (see ratioCell) with a 0.0% number format (null rates are empty cells); the header row is bold and
// frozen; members below a 100% target are shaded light red. Sheets are
// streamed, so tens of thousands of rows are fine. Options.Font is not used;
// GeneratedAt and DataHash go into the document properties.
func GroupSummaryXLSX(w io.Writer, in GroupSummary, opt Options) (err error) {
	if err := checkLang(opt.Lang); err != nil {
		return err
	}
	lang := normLang(opt.Lang)
	lb := labelTables[lang]
	pol := in.Policy.withDefaults(in.Period, lang)

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

	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEEEEE"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    thinBorder(),
	})
	if err != nil {
		return wrap(err)
	}
	pctFmt := "0.0%"
	pct, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pctFmt, Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}
	oneDec := "0.0"
	score, err := f.NewStyle(&excelize.Style{CustomNumFmt: &oneDec, Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}
	plain, err := f.NewStyle(&excelize.Style{Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}
	red, err := f.NewStyle(&excelize.Style{Border: thinBorder(),
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFDEDE"}}})
	if err != nil {
		return wrap(err)
	}
	redPct, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pctFmt, Border: thinBorder(),
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFDEDE"}}})
	if err != nil {
		return wrap(err)
	}
	redScore, err := f.NewStyle(&excelize.Style{CustomNumFmt: &oneDec, Border: thinBorder(),
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFDEDE"}}})
	if err != nil {
		return wrap(err)
	}
	boldPlain, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}
	boldPct, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &pctFmt, Border: thinBorder()})
	if err != nil {
		return wrap(err)
	}

	rate := func(r Rate, style int) excelize.Cell {
		if v, ok := r.Value(); ok {
			return ratioCell(v, style)
		}
		return excelize.Cell{StyleID: style}
	}
	text := func(s string, style int) excelize.Cell {
		return excelize.Cell{StyleID: style, Value: xlsxText(s)}
	}
	title := in.Title
	if title == "" {
		title = fmt.Sprintf(lb["summary_title"], PeriodLabel(in.Period, lang))
	}
	first, last := in.Period.Bounds()
	dateOf := func(t time.Time) string {
		return fmt.Sprintf(lb["date_fmt"], t.Year(), int(t.Month()), t.Day())
	}
	info := fmt.Sprintf(lb["reporting_unit_is"], xlsxText(in.Organisation)) + "    " +
		fmt.Sprintf(lb["period_is"], PeriodLabel(in.Period, lang), dateOf(first), dateOf(last))
	if opt.Provisional && !opt.AsOf.IsZero() {
		at := opt.AsOf
		if opt.Location != nil {
			at = at.In(opt.Location)
		}
		info += fmt.Sprintf(lb["as_of"], dateOf(at))
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return wrap(err)
	}
	infoStyle, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}})
	if err != nil {
		return wrap(err)
	}
	// Rows 1–2: title and reporting unit/period; row 3: the header (frozen,
	// repeated on every printed page); data from row 4.
	const headRow = 3
	frozen := &excelize.Panes{Freeze: true, YSplit: headRow, TopLeftCell: "A4", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A4", ActiveCell: "A4", Pane: "bottomLeft"}}}
	// sheet writes one streamed sheet: its size, print setup, title rows,
	// header and rows.
	sheet := func(name string, widths []float64, heads []string, rows int, body func(sw *excelize.StreamWriter) error) error {
		lastCol, _ := excelize.ColumnNumberToName(len(heads))
		lastRow := headRow + rows
		if err := f.SetSheetDimension(name, fmt.Sprintf("A1:%s%d", lastCol, lastRow)); err != nil {
			return err
		}
		fit, one, zero, orient, a4 := true, 1, 0, "landscape", 9
		if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
		if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
			return err
		}
		m := 0.4
		if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m}); err != nil {
			return err
		}
		quoted := "'" + strings.ReplaceAll(name, "'", "''") + "'"
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", Scope: name,
			RefersTo: fmt.Sprintf("%s!$A$1:$%s$%d", quoted, lastCol, lastRow)}); err != nil {
			return err
		}
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: name,
			RefersTo: fmt.Sprintf("%s!$%d:$%d", quoted, headRow, headRow)}); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		for i, wd := range widths {
			if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(frozen); err != nil {
			return err
		}
		if err := sw.SetRow("A1", []interface{}{excelize.Cell{StyleID: titleStyle, Value: xlsxText(title)}}, excelize.RowOpts{Height: 24}); err != nil {
			return err
		}
		if err := sw.SetRow("A2", []interface{}{excelize.Cell{StyleID: infoStyle, Value: info}}); err != nil {
			return err
		}
		if err := sw.MergeCell("A1", lastCol+"1"); err != nil {
			return err
		}
		if err := sw.MergeCell("A2", lastCol+"2"); err != nil {
			return err
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", headRow), headerCells(head, heads...), excelize.RowOpts{Height: 30}); err != nil {
			return err
		}
		if err := body(sw); err != nil {
			return err
		}
		return sw.Flush()
	}

	// members sheet
	membersSheet, groupsSheet := lb["sheet_members"], lb["sheet_groups"]
	if err := f.SetSheetName("Sheet1", membersSheet); err != nil {
		return wrap(err)
	}
	// The first sheet is the active one. Said now, before any sheet is
	// streamed: SetActiveSheet reads every worksheet back into memory,
	// which after streaming is the whole members sheet parsed as XML —
	// 120 MB at 20,000 members, most of the batch's peak.
	f.SetActiveSheet(0)
	mheads := []string{lb["idx"], lb["name"], lb["branch"], lb["participation"], lb["completion"], lb["excellence"],
		lb["score"], lb["grade"], lb["x_required"], lb["x_attended"], lb["x_leave"], lb["x_absent"], lb["x_unrecorded"]}
	mwidths := []float64{6, 12, 24, 9, 9, 9, 7, 9, 8, 8, 7, 7, 8}
	err = sheet(membersSheet, mwidths, mheads, len(in.Members), func(sw *excelize.StreamWriter) error {
		for i, m := range in.Members {
			ps, rs, ss := plain, pct, score
			if m.BelowTarget() {
				ps, rs, ss = red, redPct, redScore
			}
			sc := excelize.Cell{StyleID: ss}
			if m.Score != nil {
				sc.Value = *m.Score
			}
			a := m.Attendance
			row := []interface{}{
				excelize.Cell{StyleID: ps, Value: i + 1},
				text(m.Name, ps), text(m.Group, ps),
				rate(m.Participation, rs), rate(m.Completion, rs), rate(m.Excellence, rs),
				sc, text(pol.label(m.Grade), ps),
				excelize.Cell{StyleID: ps, Value: a.Required}, excelize.Cell{StyleID: ps, Value: a.Attended},
				excelize.Cell{StyleID: ps, Value: a.Leave}, excelize.Cell{StyleID: ps, Value: a.Absent},
				excelize.Cell{StyleID: ps, Value: a.Unrecorded},
			}
			if err := sw.SetRow(fmt.Sprintf("A%d", headRow+1+i), row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap(err)
	}

	// groups sheet
	if _, err := f.NewSheet(groupsSheet); err != nil {
		return wrap(err)
	}
	rowHead := in.RowHead
	if rowHead == "" || lang == "en" {
		rowHead = lb["branch"]
	}
	heads := []string{lb["idx"], rowHead, lb["members_n"], lb["sessions_n"], lb["required_n"], lb["attended_n"],
		lb["participation"], lb["completion"], lb["excellence"]}
	widths := []float64{6, 24, 8, 10, 10, 10, 9, 9, 9}
	for _, g := range pol.Grades {
		heads = append(heads, fmt.Sprintf(lb["count_of"], xlsxText(g.Label)))
		widths = append(widths, 9)
	}
	heads = append(heads, lb["remarks"])
	widths = append(widths, 30)
	groupRow := func(idx interface{}, g SummaryGroup, ps, rs int) []interface{} {
		row := []interface{}{
			excelize.Cell{StyleID: ps, Value: idx}, text(g.Name, ps),
			excelize.Cell{StyleID: ps, Value: g.Members}, excelize.Cell{StyleID: ps, Value: g.Sessions},
			excelize.Cell{StyleID: ps, Value: g.Participation.Den}, excelize.Cell{StyleID: ps, Value: g.Participation.Num},
			rate(g.Participation, rs), rate(g.Completion, rs), rate(g.Excellence, rs),
		}
		for _, gb := range pol.Grades {
			row = append(row, excelize.Cell{StyleID: ps, Value: g.GradeCounts[gb.Code]})
		}
		return append(row, text(g.Note, ps))
	}
	err = sheet(groupsSheet, widths, heads, len(in.Groups)+1, func(sw *excelize.StreamWriter) error {
		for i, g := range in.Groups {
			if err := sw.SetRow(fmt.Sprintf("A%d", headRow+1+i), groupRow(i+1, g, plain, pct)); err != nil {
				return err
			}
		}
		tot := in.total()
		tot.Name = lb["total"]
		return sw.SetRow(fmt.Sprintf("A%d", headRow+1+len(in.Groups)), groupRow(nil, tot, boldPlain, boldPct))
	})
	if err != nil {
		return wrap(err)
	}

	if len(in.Compliance) > 0 {
		if err := complianceSheet(f, lb["sheet_compliance"], in, lb, head, plain, pct); err != nil {
			return wrap(err)
		}
	}

	desc := opt.DataHash
	if opt.AuditHead != "" {
		desc += " · " + fmt.Sprintf(lb["audit_head"], opt.AuditHead)
	}
	switch {
	case opt.Provisional:
		desc += " · " + fmt.Sprintf(lb["provisional"], opt.AsOf.Format("2006-01-02 15:04"))
	case opt.Revision > 1:
		desc += " · " + fmt.Sprintf(lb["revision"], fmt.Sprint(opt.Revision), opt.RevisionReason)
	}
	creator := xlsxText(in.Organisation)
	if creator == "" {
		creator = "studyroll"
	}
	gen := opt.GeneratedAt
	if gen.IsZero() {
		gen = time.Now()
	}
	stamp := gen.UTC().Format("2006-01-02T15:04:05Z")
	props := &excelize.DocProperties{
		Title:          xlsxText(title),
		Subject:        xlsxText(title),
		Creator:        creator,
		LastModifiedBy: "studyroll",
		Keywords:       "studyroll",
		Category:       in.Period.String(),
		Description:    xlsxText(desc),
		Created:        stamp,
		Modified:       stamp,
		Language:       map[string]string{"zh": "zh-CN", "en": "en"}[lang],
	}
	if err := f.SetDocProps(props); err != nil {
		return wrap(err)
	}
	if err := f.SetAppProps(&excelize.AppProperties{Application: "studyroll", Company: xlsxText(in.Organisation)}); err != nil {
		return wrap(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return wrap(err)
	}
	return wrap(canonicalZip(buf.Bytes(), w))
}

func thinBorder() []excelize.Border {
	return []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
}

func headerCells(style int, titles ...string) []interface{} {
	row := make([]interface{}, len(titles))
	for i, t := range titles {
		row[i] = excelize.Cell{StyleID: style, Value: t}
	}
	return row
}

// xlsxText makes user text safe for a cell: valid UTF-8, no characters XML
// 1.0 forbids, at most maxXLSXText characters. It is always stored as a
// string, never as a formula.
func xlsxText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= maxXLSXText {
			b.WriteRune('…')
			break
		}
		switch {
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r == '\r':
			continue
		case unicode.IsControl(r), r == 0xfffe, r == 0xffff, r >= 0xd800 && r <= 0xdfff, r == ratioMark:
			continue
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
