package forms

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// ComplianceRow is one group's 三会一课 in the group summary: per kind of
// meeting how many the rules required in the period and how many were
// held, what is missing, and the group's 四落实 rate.
type ComplianceRow struct {
	Group   string
	Cells   map[string]ComplianceCell // by kind code (study, party_congress …)
	Missing int
	// Four: sessions with all four fulfilments over sessions held.
	Four Rate
}

// ComplianceCell is one kind's figures in a row.
type ComplianceCell struct {
	Required, Held, Missing int
}

// complianceSection prints the 三会一课 table of the group summary PDF on a
// page of its own: 序号, 支部／党小组, held/required per kind, 缺开, 四落实率.
func (d *doc) complianceSection(in GroupSummary) {
	d.addPage()
	d.heading(d.t("compliance"), 20)
	cols := []column{
		{title: d.t("idx"), w: 10, align: "C"},
		{title: d.t("compliance_branch"), w: 46, lines: 2},
	}
	for _, k := range in.ComplianceKinds {
		cols = append(cols, column{title: d.t("kind_" + k), w: 24, align: "C", lines: 2})
	}
	cols = append(cols, column{title: d.t("missing"), w: 16, align: "C"}, column{title: d.t("four_rate"), w: 22, align: "C", lines: 2})
	t := d.newTable(cols, 9, 7)
	rows := make([][]string, len(in.Compliance))
	fills := make([]*rgb, len(in.Compliance))
	for i, r := range in.Compliance {
		v := []string{fmt.Sprint(i + 1), r.Group}
		for _, k := range in.ComplianceKinds {
			c, ok := r.Cells[k]
			if !ok {
				v = append(v, d.t("none"))
				continue
			}
			v = append(v, fmt.Sprintf("%d/%d", c.Held, c.Required))
		}
		if r.Missing > 0 {
			fills[i] = &lightRed
		}
		rows[i] = append(v, fmt.Sprint(r.Missing), d.pct(r.Four))
	}
	t.addRows(rows, fills, 2, 0)
	t.end()
	d.y += 2
	d.paragraph(d.t("compliance_note"), 9)
}

// complianceSheet writes the 三会一课 sheet of the summary workbook: per
// group and kind the meetings required, held and missing, and the 四落实
// rate, as numbers.
func complianceSheet(f *excelize.File, name string, in GroupSummary, lb map[string]string, head, plain, pct int) error {
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	heads := []interface{}{
		excelize.Cell{StyleID: head, Value: lb["idx"]}, excelize.Cell{StyleID: head, Value: lb["compliance_branch"]},
		excelize.Cell{StyleID: head, Value: lb["meeting_kind"]}, excelize.Cell{StyleID: head, Value: lb["required"]},
		excelize.Cell{StyleID: head, Value: lb["held"]}, excelize.Cell{StyleID: head, Value: lb["missing"]},
		excelize.Cell{StyleID: head, Value: lb["four_rate"]},
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, w := range []float64{6, 28, 16, 8, 8, 8, 10} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetRow("A1", heads); err != nil {
		return err
	}
	row, n := 2, 0
	for _, r := range in.Compliance {
		n++
		for _, k := range in.ComplianceKinds {
			c, ok := r.Cells[k]
			if !ok {
				continue
			}
			four := excelize.Cell{StyleID: pct}
			if v, ok := r.Four.Value(); ok {
				four = ratioCell(v, pct)
			}
			vals := []interface{}{
				excelize.Cell{StyleID: plain, Value: n}, excelize.Cell{StyleID: plain, Value: xlsxText(r.Group)},
				excelize.Cell{StyleID: plain, Value: lb["kind_"+k]},
				excelize.Cell{StyleID: plain, Value: c.Required}, excelize.Cell{StyleID: plain, Value: c.Held},
				excelize.Cell{StyleID: plain, Value: c.Missing}, four,
			}
			if err := sw.SetRow(fmt.Sprintf("A%d", row), vals); err != nil {
				return err
			}
			row++
		}
	}
	return sw.Flush()
}
