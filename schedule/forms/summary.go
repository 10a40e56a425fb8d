package forms

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// GroupSummary is the study summary across groups (各支部学习情况汇总表),
// rendered as a landscape PDF (GroupSummaryPDF) or an XLSX workbook
// (GroupSummaryXLSX).
type GroupSummary struct {
	// Title overrides "<period>各支部学习情况汇总表".
	Title string
	// Organisation is the reporting unit (填报单位).
	Organisation string
	Period       Period
	// Groups are the roll-up rows, one per subgroup, in print order.
	Groups []SummaryGroup
	// Total is the 合计 row. Nil means the sum of Groups, which is right
	// only when no member is in two rows; pass the organisation's own
	// figures when groups overlap or sessions are shared.
	Total *SummaryGroup
	// Members are the per-member rows: every one in the workbook, in the
	// PDF up to MaxPDFMemberRows (above it the PDF says where they are).
	Members []SummaryMember
	// Policy gives the grade codes and labels (columns per grade); empty
	// parts default to DefaultPolicy.
	Policy Policy
	// ReportedAt is 报出时间; zero leaves a blank to fill in by hand.
	ReportedAt time.Time
	// RowHead heads the roll-up rows' name column: "支部" (default),
	// "单位" or "单位/支部", as fits the rows.
	RowHead string
	// Compliance is the 三会一课 of the groups with required meetings
	// (compliance.go), printed on a page of its own and as a sheet of the
	// workbook; ComplianceKinds are the kinds of its columns. Empty: left out.
	Compliance      []ComplianceRow
	ComplianceKinds []string
}

// MaxPDFMemberRows is the most member rows a summary PDF lists (about 125
// landscape pages). Above it the document would run to thousands of pages
// that nobody prints, and gofpdf holds every page in memory until the end
// (~420 MB for 100,000 rows); the workbook lists every member, streamed.
var MaxPDFMemberRows = 5000

// SummaryGroup is one roll-up row. Its rates are sums of numerators over sums
// of denominators, never an average of rates.
type SummaryGroup struct {
	Name     string // 支部
	Members  int    // 党员数
	Sessions int    // 集中学习次数
	// Participation: Num is 实参学人次, Den is 应参学人次.
	Participation Rate
	Completion    Rate
	Excellence    Rate
	// GradeCounts counts members by grade code.
	GradeCounts map[string]int
	Note        string // 备注
}

// SummaryMember is one member row.
type SummaryMember struct {
	Name  string
	Group string
	// Attendance counts the member's required sessions (应参学, 实参学,
	// 请假, 缺席, 未登记) as on the appraisal form.
	Attendance    Attendance
	Participation Rate
	Completion    Rate
	Excellence    Rate
	Score         *float64 // nil = nothing to score
	Grade         string   // grade code; "" = none
}

// BelowTarget reports whether any non-null rate of m is under 100%.
func (m SummaryMember) BelowTarget() bool {
	return m.Participation.BelowTarget() || m.Completion.BelowTarget() || m.Excellence.BelowTarget()
}

// total returns the 合计 row.
func (s GroupSummary) total() SummaryGroup {
	if s.Total != nil {
		return *s.Total
	}
	t := SummaryGroup{GradeCounts: map[string]int{}}
	for _, g := range s.Groups {
		t.Members += g.Members
		t.Sessions += g.Sessions
		t.Participation = t.Participation.Add(g.Participation)
		t.Completion = t.Completion.Add(g.Completion)
		t.Excellence = t.Excellence.Add(g.Excellence)
		for k, v := range g.GradeCounts {
			t.GradeCounts[k] += v
		}
	}
	return t
}

// GroupSummaryPDF writes the group summary as an A4 landscape PDF: the
// roll-up table with its 合计 row and signature lines, a bar chart of the
// three rates per group, and the member table (rows below a 100% target
// shaded light red).
//
// A summary of more than MaxPDFMemberRows members prints, in place of the
// member table, how many members there are and where their rows are: the
// workbook (GroupSummaryXLSX, every member) and each subgroup's summary.
func GroupSummaryPDF(w io.Writer, in GroupSummary, opt Options) error {
	return render(w, opt, "L", func(d *doc) { d.summary(in) })
}

func (d *doc) summary(in GroupSummary) {
	pol := in.Policy.withDefaults(in.Period, d.lang)
	period := PeriodLabel(in.Period, d.lang)
	title := in.Title
	if title == "" {
		title = d.t("summary_title", period)
	}
	d.meta(title, in.Organisation, title)
	d.addPage()
	full := d.right - d.left
	d.title(title, 16, full-40)
	d.y += 1
	d.setFont(10)
	first, last := in.Period.Bounds()
	lh := d.lineH()
	d.textIn(d.left-cellPadX, d.y, full*0.5, lh, d.withColon("reporting_unit")+d.clean(in.Organisation, false), "L", false)
	rng := d.t("period_is", period, d.dateUTC(first), d.dateUTC(last))
	if d.opt.Provisional && !d.opt.AsOf.IsZero() {
		rng += d.t("as_of", d.date(d.opt.AsOf))
	}
	d.textIn(d.left+full*0.5, d.y, full*0.5+cellPadX, lh, rng, "R", false)
	d.y += lh + 2

	// roll-up table
	cols := []column{
		{title: d.t("idx"), w: 9, align: "C"},
		{title: d.rowHead(in.RowHead), w: 34, lines: 2},
		{title: d.t("members_n"), w: 13, align: "C"},
		{title: d.t("sessions_n"), w: 15, align: "C"},
		{title: d.t("required_n"), w: 18, align: "C"},
		{title: d.t("attended_n"), w: 18, align: "C"},
		{title: d.t("participation"), w: 18, align: "C", lines: 3},
		{title: d.t("completion"), w: 18, align: "C", lines: 3},
		{title: d.t("excellence"), w: 18, align: "C", lines: 3},
	}
	for _, g := range pol.Grades {
		cols = append(cols, column{title: d.t("count_of", d.clean(g.Label, false)), w: 14, align: "C", head: 2})
	}
	cols = append(cols, column{title: d.t("remarks"), w: 34, lines: 3})
	t := d.newTable(cols, 9, 7)
	groupRow := func(idx string, g SummaryGroup) []string {
		v := []string{idx, g.Name, fmt.Sprint(g.Members), fmt.Sprint(g.Sessions),
			fmt.Sprint(g.Participation.Den), fmt.Sprint(g.Participation.Num),
			d.pct(g.Participation), d.pct(g.Completion), d.pct(g.Excellence)}
		for _, gb := range pol.Grades {
			v = append(v, fmt.Sprint(g.GradeCounts[gb.Code]))
		}
		return append(v, g.Note)
	}
	rows := make([][]string, 0, len(in.Groups))
	for i, g := range in.Groups {
		rows = append(rows, d.nullBreak(t, groupRow(fmt.Sprint(i+1), g)))
	}
	tot := in.total()
	tot.Name = d.t("total")
	// the last rows, the 合计 row and the signature lines stay together
	t.addRows(rows, nil, 2, d.prepareRowH(t, groupRow("", tot))+4+d.summarySignaturesH())
	t.add(d.nullBreak(t, groupRow("", tot)), &shadeGray, true)
	t.end()

	// footer lines: 填报单位(盖章) 负责人(签名) 填表人(签名) 报出时间
	d.y += 4
	d.summarySignatures(in)

	// chart
	if len(in.Groups) > 0 {
		d.rateChart(in.Groups)
	}

	if len(in.Compliance) > 0 {
		d.complianceSection(in)
	}

	// member table
	if len(in.Members) > MaxPDFMemberRows {
		d.addPage()
		d.heading(d.t("members_title", period), 20)
		d.paragraph(d.t("members_in_workbook", len(in.Members), MaxPDFMemberRows), 10)
	} else if len(in.Members) > 0 {
		d.addPage()
		d.heading(d.t("members_title", period), 20)
		d.paragraph(d.t("below_target_note"), 9)
		d.y += 1
		mt := d.newTable([]column{
			{title: d.t("idx"), w: 12, align: "C"},
			{title: d.t("name"), w: 36},
			{title: d.t("group"), w: 56},
			{title: d.t("participation"), w: 34, align: "C"},
			{title: d.t("completion"), w: 34, align: "C"},
			{title: d.t("excellence"), w: 34, align: "C"},
			{title: d.t("score"), w: 18, align: "C"},
			{title: d.t("grade"), w: 24, align: "C"},
		}, 9, 6.2)
		rows := make([][]string, len(in.Members))
		fills := make([]*rgb, len(in.Members))
		for i, m := range in.Members {
			if m.BelowTarget() {
				fills[i] = &lightRed
			}
			score := d.t("none")
			if m.Score != nil {
				score = num1(*m.Score)
			}
			rows[i] = []string{fmt.Sprint(i + 1), m.Name, m.Group,
				d.pctFrac(m.Participation), d.pctFrac(m.Completion), d.pctFrac(m.Excellence),
				score, pol.label(m.Grade)}
		}
		// no last page with a row or two alone
		mt.addRows(rows, fills, 4, 0)
		mt.end()
	}
}

// rowHead is the head of the roll-up rows' name column.
func (d *doc) rowHead(h string) string {
	if h == "" {
		return d.t("branch")
	}
	return h
}

// prepareRowH is the height of one row of vals in table t.
func (d *doc) prepareRowH(t *table, vals []string) float64 {
	save := d.size
	defer d.setFont(save)
	d.setFont(t.size)
	return d.prepareRow(t.rowCells(vals, nil, false), t.minH).h
}

// pctFrac prints "91.7% (11/12)" or the null text.
func (d *doc) pctFrac(r Rate) string {
	if r.Null() {
		return d.t("none_required")
	}
	return fmt.Sprintf("%s (%d/%d)", r.Percent(), r.Num, r.Den)
}

// nullBreak puts the null-rate text on two lines where its column is too
// narrow for one: "—" over "（无应参项）".
func (d *doc) nullBreak(t *table, vals []string) []string {
	null := d.t("none_required")
	d.setFont(t.size)
	for i, v := range vals {
		if v == null && i < len(t.widths) && d.strW(v) > t.widths[i]-2*cellPadX {
			if j := strings.IndexAny(v, "（("); j > 0 {
				vals[i] = strings.TrimSpace(v[:j]) + "\n" + v[j:]
			}
		}
	}
	return vals
}

// summarySignaturesH is the height summarySignatures takes.
func (d *doc) summarySignaturesH() float64 {
	save := d.size
	d.setFont(10.5)
	defer d.setFont(save)
	return d.lineH()*2 + 2
}

func (d *doc) summarySignatures(in GroupSummary) {
	d.setFont(10.5)
	lh := d.lineH()
	d.need(lh*2 + 4)
	full := d.right - d.left
	y := d.y + lh
	items := []struct{ label, value string }{
		{d.t("reporting_unit"), d.clean(in.Organisation, false)},
		{d.t("responsible"), ""},
		{d.t("filled_by"), ""},
		{d.t("reported_at"), d.date(in.ReportedAt)},
	}
	// every signature line gets the same share of what the labels leave,
	// and the unit's line also room for its name when it fits
	const gap = 6.0
	labels := 0.0
	for _, it := range items {
		labels += d.strW(it.label) + 1
	}
	free := full - labels - gap*float64(len(items)-1)
	unitW := d.strW(items[0].value) + 3
	lineW := free / float64(len(items))
	if unitW > lineW && free-unitW > 3*18 {
		lineW = (free - unitW) / 3
	} else {
		unitW = lineW
	}
	x := d.left
	for i, it := range items {
		lw := lineW
		if i == 0 {
			lw = unitW
		}
		d.text(x, y, it.label, false)
		lx := x + d.strW(it.label) + 1
		d.pdf.SetDrawColor(0, 0, 0)
		d.pdf.Line(lx, y+1.2, lx+lw, y+1.2)
		if it.value != "" {
			save := d.size
			d.setFont(d.shrinkTo(it.value, lw-1))
			d.text(lx+1, y, it.value, false)
			d.setFont(save)
		}
		x = lx + lw + gap
	}
	d.y += lh*2 + 2
}

// chart colours for participation, completion, excellence.
var chartColors = [3]rgb{{192, 32, 38}, {237, 145, 33}, {52, 101, 164}}

// rateChart draws grouped bars of the three rates per group, up to ten
// groups per chart, two charts per page.
func (d *doc) rateChart(groups []SummaryGroup) {
	const maxPerChart = 10
	const chartH = 78.0
	charts := (len(groups) + maxPerChart - 1) / maxPerChart
	per := (len(groups) + charts - 1) / charts // spread groups evenly
	for i, start := 0, 0; start < len(groups); i, start = i+1, start+per {
		end := start + per
		if end > len(groups) {
			end = len(groups)
		}
		d.need(chartH + 4)
		title := d.t("chart_title")
		if i > 0 {
			title += d.t("continued")
		}
		d.drawChart(title, groups[start:end], per, d.left, d.y, d.right-d.left, chartH)
		d.y += chartH + 4
	}
}

func (d *doc) drawChart(title string, groups []SummaryGroup, slots int, x, y, w, h float64) {
	// frame: title, legend, plot area, x labels
	d.setFont(11)
	d.textIn(x, y, w, 6, title, "C", true)
	d.setFont(8)
	names := []string{d.t("participation"), d.t("completion"), d.t("excellence")}
	lx := x + w - 4
	legend := func(label string, draw func(x, y float64)) {
		lx -= d.strW(label) + 8
		draw(lx, y+8.5)
		d.text(lx+5, d.baseline(y+7, 4), label, false)
	}
	d.pdf.SetLineWidth(0.4)
	d.pdf.SetDrawColor(200, 0, 0)
	d.pdf.SetDashPattern([]float64{1.2, 0.8}, 0)
	targetLabel := d.t("target") + " 100%"
	legend(targetLabel, func(x, y float64) {
		d.pdf.SetDrawColor(200, 0, 0)
		d.pdf.SetDashPattern([]float64{1.2, 0.8}, 0)
		d.pdf.Line(x, y+0.5, x+4, y+0.5)
		d.pdf.SetDashPattern(nil, 0)
	})
	d.pdf.SetDashPattern(nil, 0)
	d.pdf.SetLineWidth(0.2)
	for i := 2; i >= 0; i-- {
		c := chartColors[i]
		legend(names[i], func(x, y float64) { d.fillRect(x, y-1, 3.5, 3, c) })
	}

	plotL, plotR := x+14, x+w-2
	plotT, plotB := y+16, y+h-12
	ph := plotB - plotT
	// grid and y axis
	d.setFont(7.5)
	for p := 0; p <= 100; p += 20 {
		gy := plotB - ph*float64(p)/100
		if p > 0 && p < 100 {
			d.pdf.SetDrawColor(215, 215, 215)
			d.pdf.SetLineWidth(0.15)
			d.pdf.Line(plotL, gy, plotR, gy)
		}
		lab := fmt.Sprintf("%d%%", p)
		d.text(plotL-1.5-d.strW(lab), gy+1, lab, false)
	}
	d.pdf.SetDrawColor(0, 0, 0)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(plotL, plotT-3, plotL, plotB)
	d.pdf.Line(plotL, plotB, plotR, plotB)

	slot := (plotR - plotL) / float64(slots)
	if slot > 40 {
		slot = 40
	}
	x0 := plotL + (plotR-plotL-slot*float64(len(groups)))/2
	barW := slot * 0.8 / 3
	for gi, g := range groups {
		sx := x0 + slot*float64(gi)
		rates := [3]Rate{g.Participation, g.Completion, g.Excellence}
		for ri, r := range rates {
			bx := sx + slot*0.1 + barW*float64(ri)
			d.setFont(6)
			v, ok := r.Value()
			if !ok {
				d.textIn(bx-2, plotB-5, barW+4, 4, "—", "C", false)
				continue
			}
			if v > 1 {
				v = 1
			}
			if v < 0 {
				v = 0
			}
			bh := ph * v
			d.fillRect(bx, plotB-bh, barW*0.92, bh, chartColors[ri])
			lab := strings.TrimSuffix(r.Percent(), "%")
			if bh > 6 && d.strW(lab) < barW*0.92 {
				// inside the top of the bar, clear of the 100% target line
				d.textColor(rgb{255, 255, 255})
				d.textIn(bx-3, plotB-bh+0.6, barW*0.92+6, 3.4, lab, "C", false)
				d.textColor(black)
			} else {
				d.textIn(bx-3, plotB-bh-3.6, barW*0.92+6, 3.4, lab, "C", false)
			}
		}
		d.setFont(8)
		lines := d.wrap(d.clean(g.Name, false), slot-1)
		for li, l := range lines {
			d.textIn(sx, plotB+1.2+3.6*float64(li), slot, 3.6, l, "C", false)
		}
	}
	// target line at 100%
	d.pdf.SetDrawColor(200, 0, 0)
	d.pdf.SetLineWidth(0.4)
	d.pdf.SetDashPattern([]float64{1.2, 0.8}, 0)
	d.pdf.Line(plotL, plotT, plotR, plotT)
	d.pdf.SetDashPattern(nil, 0)
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetDrawColor(0, 0, 0)
}
