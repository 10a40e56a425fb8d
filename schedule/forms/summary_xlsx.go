package forms

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
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
// English. Rates are numeric cells holding the unrounded fraction with a
// 0.0% number format (null rates are empty cells); the header row is bold and
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
			return excelize.Cell{StyleID: style, Value: v}
		}
		return excelize.Cell{StyleID: style}
	}
	text := func(s string, style int) excelize.Cell {
		return excelize.Cell{StyleID: style, Value: xlsxText(s)}
	}
	frozen := &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}

	// members sheet
	membersSheet, groupsSheet := lb["sheet_members"], lb["sheet_groups"]
	if err := f.SetSheetName("Sheet1", membersSheet); err != nil {
		return wrap(err)
	}
	sw, err := f.NewStreamWriter(membersSheet)
	if err != nil {
		return wrap(err)
	}
	for i, wd := range []float64{7, 14, 22, 11, 11, 11, 9, 10} {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return wrap(err)
		}
	}
	if err := sw.SetPanes(frozen); err != nil {
		return wrap(err)
	}
	if err := sw.SetRow("A1", headerCells(head, lb["idx"], lb["name"], lb["branch"], lb["participation"],
		lb["completion"], lb["excellence"], lb["score"], lb["grade"])); err != nil {
		return wrap(err)
	}
	for i, m := range in.Members {
		ps, rs, ss := plain, pct, score
		if m.BelowTarget() {
			ps, rs, ss = red, redPct, redScore
		}
		sc := excelize.Cell{StyleID: ss}
		if m.Score != nil {
			sc.Value = *m.Score
		}
		row := []interface{}{
			excelize.Cell{StyleID: ps, Value: i + 1},
			text(m.Name, ps), text(m.Group, ps),
			rate(m.Participation, rs), rate(m.Completion, rs), rate(m.Excellence, rs),
			sc, text(pol.label(m.Grade), ps),
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row); err != nil {
			return wrap(err)
		}
	}
	if err := sw.Flush(); err != nil {
		return wrap(err)
	}

	// groups sheet
	if _, err := f.NewSheet(groupsSheet); err != nil {
		return wrap(err)
	}
	sw, err = f.NewStreamWriter(groupsSheet)
	if err != nil {
		return wrap(err)
	}
	heads := []string{lb["idx"], lb["branch"], lb["members_n"], lb["sessions_n"], lb["required_n"], lb["attended_n"],
		lb["participation"], lb["completion"], lb["excellence"]}
	widths := []float64{7, 22, 9, 12, 12, 12, 10, 10, 10}
	for _, g := range pol.Grades {
		heads = append(heads, fmt.Sprintf(lb["count_of"], xlsxText(g.Label)))
		widths = append(widths, 10)
	}
	heads = append(heads, lb["remarks"])
	widths = append(widths, 30)
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return wrap(err)
		}
	}
	if err := sw.SetPanes(frozen); err != nil {
		return wrap(err)
	}
	if err := sw.SetRow("A1", headerCells(head, heads...)); err != nil {
		return wrap(err)
	}
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
	for i, g := range in.Groups {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), groupRow(i+1, g, plain, pct)); err != nil {
			return wrap(err)
		}
	}
	tot := in.total()
	tot.Name = lb["total"]
	if err := sw.SetRow(fmt.Sprintf("A%d", len(in.Groups)+2), groupRow(nil, tot, boldPlain, boldPct)); err != nil {
		return wrap(err)
	}
	if err := sw.Flush(); err != nil {
		return wrap(err)
	}

	title := in.Title
	if title == "" {
		title = fmt.Sprintf(lb["summary_title"], in.Period.Label(lang))
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
	props := &excelize.DocProperties{
		Title:       xlsxText(title),
		Creator:     "studyroll",
		Description: xlsxText(desc),
	}
	if !opt.GeneratedAt.IsZero() {
		props.Created = opt.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if err := f.SetDocProps(props); err != nil {
		return wrap(err)
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return wrap(err)
	}
	return wrap(canonicalZip(buf.Bytes(), w))
}

// canonicalZip copies a zip archive with its entries in name order. The
// workbook library writes its parts in map order, so the same workbook
// would otherwise come out as different bytes from run to run; a frozen
// period's files must be the same byte for byte.
func canonicalZip(data []byte, w io.Writer) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	zw := zip.NewWriter(w)
	for _, f := range files {
		raw, err := f.OpenRaw()
		if err != nil {
			return err
		}
		h := f.FileHeader
		out, err := zw.CreateRaw(&h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, raw); err != nil {
			return err
		}
	}
	return zw.Close()
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
		case unicode.IsControl(r), r == 0xfffe, r == 0xffff, r >= 0xd800 && r <= 0xdfff:
			continue
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
