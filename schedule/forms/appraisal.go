package forms

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// MemberAppraisal is one member's appraisal for a period (个人学习考核表).
type MemberAppraisal struct {
	// Title overrides the default title "<Member.Group>党员 <period>学习考核表".
	Title string
	// Organisation is the organ or unit (单位), printed under the title and
	// in the basic information.
	Organisation string
	Period       Period
	Member       MemberInfo

	// 一、学习出勤
	Attendance Attendance
	// Sessions lists the member's required sessions, in date order.
	Sessions []SessionLine

	// 二、学习内容完成
	Content Content

	// 三、考试成绩: every required exam; the excellence rate is derived from
	// this list (excellent / len(Exams)).
	Exams []ExamLine

	// 四、领学与交流
	Engagement Engagement

	// 五、述学与评学; the evaluation part of the score is the average Grade of
	// the evaluated reports.
	Reports []ReportLine

	// 六、考核结果, as computed by the caller with Policy.
	Result AppraisalResult
	// Policy is printed on the form; empty parts default to DefaultPolicy.
	Policy Policy
}

// MemberInfo is 基本信息.
type MemberInfo struct {
	Name     string // 姓名
	Group    string // 所在支部, e.g. "第一党支部"
	Position string // 职务 (the member's title, e.g. 副处长)
	Unit     string // 所属单位: the member's department, e.g. 办公室
}

// Attendance counts the member's required sessions (一、学习出勤).
type Attendance struct {
	Required int // 应参学
	Attended int // 实参学: present or late, or leave/absent with a make-up
	Leave    int // 请假 without a make-up
	Absent   int // 缺席 without a make-up
	// Unrecorded counts required sessions with no record (未登记), so that
	// 应参学 = 实参学 + 请假 + 缺席 + 未登记.
	Unrecorded int
	MadeUp     int // 补学 (part of 实参学)
	// Rate, when set, is the participation rate as the policy computes it
	// (one that excuses approved leave, say); nil means Attended / Required.
	Rate *Rate `json:",omitempty"`
}

// ParticipationRate is the participation rate: Rate, or Attended / Required.
func (a Attendance) ParticipationRate() Rate {
	if a.Rate != nil {
		return *a.Rate
	}
	return Rate{Num: int64(a.Attended), Den: int64(a.Required)}
}

// Session attendance status codes.
const (
	StatusPresent = "present"
	StatusLate    = "late"
	StatusLeave   = "leave"
	StatusAbsent  = "absent"
)

// SessionLine is one required session in the attendance table.
type SessionLine struct {
	Date   time.Time
	Title  string // 学习主题
	Status string // StatusPresent, StatusLate, StatusLeave, StatusAbsent ("" = not recorded)
	MadeUp bool   // a make-up is recorded
	// MadeUpOn is the make-up date, printed when not zero.
	MadeUpOn time.Time
	Note     string
	// Upcoming marks a session of an open period not yet held: listed,
	// counted nowhere, never 未补学.
	Upcoming bool
}

// Content counts distinct content items (二、学习内容完成).
type Content struct {
	Assigned  int // 应学
	Completed int // 已学
}

// Rate is the completion rate, Completed / Assigned.
func (c Content) Rate() Rate { return Rate{Num: int64(c.Completed), Den: int64(c.Assigned)} }

// ExamLine is one required exam (三、考试成绩).
type ExamLine struct {
	Title string
	Date  time.Time
	// Score is nil when missing (counts as not excellent).
	Score    *float64
	MaxScore float64
	// ExcellentScore is the 优秀线; 0 means 90% of MaxScore.
	ExcellentScore float64
}

// Line returns the excellent line, defaulting to 90% of MaxScore.
func (e ExamLine) Line() float64 {
	if e.ExcellentScore > 0 {
		return e.ExcellentScore
	}
	return 0.9 * e.MaxScore
}

// Excellent reports whether the score reaches the excellent line.
func (e ExamLine) Excellent() bool { return e.Score != nil && *e.Score >= e.Line() }

// ExcellenceRate is excellent exams over required exams.
func ExcellenceRate(exams []ExamLine) Rate {
	r := Rate{Den: int64(len(exams))}
	for _, e := range exams {
		if e.Excellent() {
			r.Num++
		}
	}
	return r
}

// Engagement is 四、领学与交流.
type Engagement struct {
	LeadCount         int // 领读次数
	Shares            int // 交流发言
	QuestionsAsked    int // 提问
	QuestionsAnswered int // 回答
}

// ReportLine is one learning report (述学) and its evaluation (评学).
type ReportLine struct {
	Date    time.Time
	Title   string
	Text    string // the report; printed as a wrapped excerpt
	Grade   int    // 1–5; 0 = not evaluated
	Comment string // the evaluator's comment
}

// EvaluationAverage is the mean Grade of evaluated reports; ok is false when
// none is evaluated.
func EvaluationAverage(reports []ReportLine) (avg float64, ok bool) {
	n, sum := 0, 0
	for _, r := range reports {
		if r.Grade >= 1 && r.Grade <= 5 {
			n++
			sum += r.Grade
		}
	}
	if n == 0 {
		return 0, false
	}
	return float64(sum) / float64(n), true
}

// AppraisalResult is the caller's result (六、考核结果).
type AppraisalResult struct {
	Score *float64 // 0–100; nil when no part could be scored
	Grade string   // a grade code of the policy, e.g. "excellent"; "" = none
}

// MemberAppraisalPDF writes the member appraisal form as an A4 PDF.
func MemberAppraisalPDF(w io.Writer, in MemberAppraisal, opt Options) error {
	return render(w, opt, "P", func(d *doc) { d.appraisal(in) })
}

// ReportExcerpt is how many characters of a learning report the
// appraisal prints; a longer report is printed up to there and marked as an
// excerpt with its full length (the whole text is in the system).
const ReportExcerpt = 100

func (d *doc) appraisal(in MemberAppraisal) {
	pol := in.Policy.withDefaults(in.Period, d.lang)
	period := PeriodLabel(in.Period, d.lang)
	title := in.Title
	if title == "" {
		if g := strings.TrimSpace(in.Member.Group); g != "" {
			title = d.t("appraisal_title", g, period)
		} else {
			title = d.t("appraisal_title_ng", period)
		}
	}
	d.meta(title, in.Organisation, d.t("subject_appraisal", in.Member.Name, period))
	d.padY = 0.45
	d.addPage()
	full := d.right - d.left

	// title block
	d.title(title, 15, full-30)
	d.setFont(9.5)
	first, last := in.Period.Bounds()
	lh := d.lineH()
	unit := ""
	if in.Organisation != "" {
		unit = d.t("unit_org", d.clean(in.Organisation, false))
	}
	rng := d.t("period_range", d.dateUTC(first), d.dateUTC(last))
	if d.opt.Provisional && !d.opt.AsOf.IsZero() {
		rng += d.t("as_of", d.date(d.opt.AsOf))
	}
	d.textIn(d.left-cellPadX, d.y, full*0.45, lh, unit, "L", false)
	d.textIn(d.left+full*0.45, d.y, full*0.55+cellPadX, lh, rng, "R", false)
	d.y += lh + 1

	// 基本信息
	d.heading(d.t("basic"), 8)
	d.labelValueRow(9, 5.5,
		lv{label: d.t("name"), value: in.Member.Name, lw: 12, vw: 22, lines: 2},
		lv{label: d.t("group"), value: in.Member.Group, lw: 14, vw: 28, lines: 2},
		lv{label: d.t("position"), value: in.Member.Position, lw: 10, vw: 22, lines: 2},
		lv{label: d.t("organisation"), value: in.Member.Unit, lw: 14, vw: 28, lines: 2})

	// 一、学习出勤
	d.heading(d.t("sec1"), 14)
	a := in.Attendance
	d.summaryGrid(8, []string{d.t("required_sessions"), d.t("attended_sessions"), d.t("leave_sessions"),
		d.t("absent_sessions"), d.t("unrecorded_sessions"), d.t("makeup_sessions"), d.t("participation_rate")},
		[]string{fmt.Sprint(a.Required), fmt.Sprint(a.Attended), fmt.Sprint(a.Leave), fmt.Sprint(a.Absent),
			fmt.Sprint(a.Unrecorded), fmt.Sprint(a.MadeUp), d.rateTarget(a.ParticipationRate())},
		[]float64{1, 1, 1, 1, 1, 1.1, 2.6})
	d.y += 1
	if len(in.Sessions) == 0 {
		d.paragraph(d.t("no_sessions"), 9)
	} else {
		t := d.newTable([]column{
			{title: d.t("idx"), w: 9.5, align: "C"},
			{title: d.t("date"), w: 25, align: "C"},
			{title: d.t("topic"), w: 93, lines: 2},
			{title: d.t("attendance"), w: 18, align: "C"},
			{title: d.t("makeup"), w: 36, lines: 2},
		}, 8, 4.6)
		rows := make([][]string, len(in.Sessions))
		for i, s := range in.Sessions {
			st := d.status(s.Status)
			if s.Upcoming {
				st = d.t("upcoming")
				if s.Status == StatusLeave {
					st = d.t("leave_approved")
				}
			}
			rows[i] = []string{fmt.Sprint(i + 1), d.date(s.Date), s.Title, st, d.makeUp(s)}
		}
		t.addRows(rows, nil, 2, 0)
		t.end()
	}

	// 二、学习内容完成
	d.heading(d.t("sec2"), 7)
	c := in.Content
	d.labelValueRow(9, 5.5,
		lv{label: d.t("assigned"), value: fmt.Sprint(c.Assigned), lw: 14, vw: 12, align: "C"},
		lv{label: d.t("completed"), value: fmt.Sprint(c.Completed), lw: 14, vw: 12, align: "C"},
		lv{label: d.t("completion_rate"), value: d.rateTarget(c.Rate()), lw: 20, vw: 48, align: "C"})

	// 三、考试成绩
	exRate := ExcellenceRate(in.Exams)
	if len(in.Exams) == 0 {
		d.heading(d.t("sec3"), 12)
		d.paragraph(d.t("no_exams"), 9)
	} else {
		t := d.newTable([]column{
			{title: d.t("idx"), w: 9.5, align: "C"},
			{title: d.t("exam"), w: 71, lines: 2},
			{title: d.t("date"), w: 26, align: "C"},
			{title: d.t("exam_score"), w: 18, align: "C"},
			{title: d.t("max_score"), w: 17, align: "C"},
			{title: d.t("excellent_line"), w: 20, align: "C"},
			{title: d.t("is_excellent"), w: 20, align: "C"},
		}, 8, 4.6)
		rows := make([][]string, len(in.Exams))
		for i, e := range in.Exams {
			score := d.t("no_score")
			if e.Score != nil {
				score = numShort(*e.Score)
			}
			ex := d.t("no")
			if e.Excellent() {
				ex = d.t("yes")
			}
			rows[i] = []string{fmt.Sprint(i + 1), e.Title, d.date(e.Date), score, numShort(e.MaxScore), numShort(e.Line()), ex}
		}
		d.heading(d.t("sec3"), t.startH(rows[0]))
		t.addRows(rows, nil, 2, 0)
		t.end()
	}
	d.labelValueRow(9, 5.5, lv{label: d.t("excellence_rate"), value: d.rateTarget(exRate), lw: 34, vw: 146})

	// 四、领学与交流
	d.heading(d.t("sec4"), 7)
	e := in.Engagement
	d.labelValueRow(9, 5.5,
		lv{label: d.t("lead_count"), value: fmt.Sprint(e.LeadCount), lw: 18, vw: 12, align: "C"},
		lv{label: d.t("shares"), value: fmt.Sprint(e.Shares), lw: 20, vw: 12, align: "C"},
		lv{label: d.t("questions"), value: fmt.Sprintf("%d / %d", e.QuestionsAsked, e.QuestionsAnswered), lw: 22, vw: 16, align: "C"})

	// 五、述学与评学
	if len(in.Reports) == 0 {
		d.heading(d.t("sec5"), 12)
		d.paragraph(d.t("no_reports"), 9)
	} else {
		t := d.newTable([]column{
			{title: d.t("idx"), w: 9.5, align: "C"},
			{title: d.t("date"), w: 25, align: "C"},
			{title: d.t("report"), w: 99, lines: 2},
			{title: d.t("report_grade"), w: 14, align: "C", lines: 2},
			{title: d.t("comment"), w: 34, lines: 2},
		}, 8, 4.6)
		rows := make([][]string, len(in.Reports))
		for i, r := range in.Reports {
			text := d.excerpt(d.clean(r.Text, true))
			if r.Title != "" {
				text = "【" + d.clean(r.Title, false) + "】" + text
			}
			g := d.t("not_evaluated")
			if r.Grade >= 1 && r.Grade <= 5 {
				g = d.t("grade_of5", r.Grade)
			}
			rows[i] = []string{fmt.Sprint(i + 1), d.date(r.Date), text, g, r.Comment}
		}
		d.heading(d.t("sec5"), t.startH(rows[0]))
		t.addRows(rows, nil, 2, 0)
		t.end()
	}

	// 六、考核结果, kept together with the signatures
	d.result(in, pol, a, c, exRate)
}

// excerpt shortens a learning report to ReportExcerpt characters, saying
// so and how long the whole text is.
func (d *doc) excerpt(s string) string {
	rs := []rune(strings.TrimSpace(s))
	if len(rs) <= ReportExcerpt {
		return string(rs)
	}
	return string(rs[:ReportExcerpt]) + d.t("excerpt_of", len(rs))
}

// result prints 六、考核结果 — score, grade boxes, the rates against their
// targets, the policy — and the signature lines, all on one page: when
// they do not fit below the cursor they start a new page together.
func (d *doc) result(in MemberAppraisal, pol Policy, a Attendance, c Content, exRate Rate) {
	score := d.t("no_score_total")
	if in.Result.Score != nil {
		score = num1(*in.Result.Score)
	}
	d.setFont(9.5)
	boxes := d.gradeBoxes(pol, in.Result.Grade, 120-2*cellPadX)
	scoreRow := []lv{
		{label: d.t("total_score"), value: score, lw: 20, vw: 22, align: "C"},
		{label: d.t("final_grade"), lw: 20, vw: 118, draw: boxes.draw, minH: boxes.h},
	}
	// the three rates against their 100% target, and the evaluation, with
	// the weights of the score
	var heads, vals []string
	for _, r := range []struct {
		label string
		rate  Rate
		wt    float64
	}{
		{d.t("participation_rate"), a.ParticipationRate(), pol.Weights.Participation},
		{d.t("completion_rate"), c.Rate(), pol.Weights.Completion},
		{d.t("excellence_rate"), exRate, pol.Weights.Excellence},
	} {
		heads = append(heads, d.t("rate_weight", r.label, numShort(r.wt)))
		v := d.pct(r.rate)
		if !r.rate.Null() {
			res := d.t("met")
			if r.rate.BelowTarget() {
				res = d.t("not_met")
			}
			v = d.t("rate_result", r.rate.Num, r.rate.Den, r.rate.Percent(), res)
		}
		vals = append(vals, v)
	}
	ev := d.t("none")
	if avg, ok := EvaluationAverage(in.Reports); ok {
		ev = d.t("eval_result", num1(avg), num1((avg-1)/4*100))
	}
	heads = append(heads, d.t("rate_weight", d.t("evaluation"), numShort(pol.Weights.Evaluation)))
	vals = append(vals, ev)
	rel := []float64{1, 1, 1, 1}
	policy := d.t("policy") + d.t("colon") + d.policyText(pol)

	// the height of the whole section, to keep it on one page
	d.setFont(10.5)
	h := d.lineH() + 2 // heading
	d.setFont(9.5)
	h += d.prepareRow(d.lvCells(scoreRow...), 6.5).h + 1
	h += d.summaryGridH(8.5, heads, vals, rel) + 1
	h += d.paragraphH(policy, 7) + 1.5
	h += d.signaturesH()
	if h < d.bottom-d.top {
		d.need(h)
	}
	d.heading(d.t("sec6"), 0)
	d.labelValueRow(9.5, 6.5, scoreRow...)
	d.y += 1
	d.summaryGrid(8.5, heads, vals, rel)
	d.y += 1
	d.paragraph(policy, 7)
	d.y += 1.5
	d.signatures()
}

// dateUTC prints a calendar date that is not an instant (period bounds).
func (d *doc) dateUTC(t time.Time) string {
	return fmt.Sprintf(d.lb["date_fmt"], t.Year(), int(t.Month()), t.Day())
}

// rateTarget prints "11/12 = 91.7%（目标 100%）".
func (d *doc) rateTarget(r Rate) string {
	if r.Null() {
		return d.t("none_required")
	}
	if d.lang == "en" {
		return d.rateText(r) + " (" + d.t("target") + " 100%)"
	}
	return d.rateText(r) + "（" + d.t("target") + " 100%）"
}

func (d *doc) status(code string) string {
	switch code {
	case StatusPresent, StatusLate, StatusLeave, StatusAbsent:
		return d.t(code)
	}
	return code
}

func (d *doc) makeUp(s SessionLine) string {
	var parts []string
	switch {
	case s.MadeUp && !s.MadeUpOn.IsZero():
		parts = append(parts, d.t("made_up_on", d.date(s.MadeUpOn)))
	case s.MadeUp:
		parts = append(parts, d.t("made_up"))
	case s.Upcoming:
	case s.Status == StatusLeave || s.Status == StatusAbsent:
		parts = append(parts, d.t("not_made_up"))
	}
	if n := strings.TrimSpace(d.clean(s.Note, false)); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, d.t("list_sep"))
}

// summaryGridH is the height summaryGrid takes.
func (d *doc) summaryGridH(sizePt float64, heads, vals []string, rel []float64) float64 {
	hc, vc := d.gridCells(heads, vals, rel)
	save := d.size
	defer d.setFont(save)
	d.setFont(sizePt)
	return d.prepareRow(hc, 5.5).h + d.prepareRow(vc, 5.5).h
}

func (d *doc) gridCells(heads, vals []string, rel []float64) (hc, vc []cell) {
	total := 0.0
	for _, r := range rel {
		total += r
	}
	avail := d.right - d.left
	hc = make([]cell, len(heads))
	vc = make([]cell, len(heads))
	for i := range heads {
		w := rel[i] / total * avail
		hc[i] = cell{w: w, text: heads[i], align: "C", shade: true, lines: 2}
		vc[i] = cell{w: w, text: vals[i], align: "C", lines: 2}
	}
	return hc, vc
}

// summaryGrid draws a header row of labels over a row of values.
func (d *doc) summaryGrid(sizePt float64, heads, vals []string, rel []float64) {
	total := 0.0
	for _, r := range rel {
		total += r
	}
	avail := d.right - d.left
	hc := make([]cell, len(heads))
	vc := make([]cell, len(heads))
	for i := range heads {
		w := rel[i] / total * avail
		hc[i] = cell{w: w, text: heads[i], align: "C", shade: true, lines: 2}
		vc[i] = cell{w: w, text: vals[i], align: "C", lines: 2}
	}
	d.setFont(sizePt)
	hp := d.prepareRow(hc, 5.5)
	vp := d.prepareRow(vc, 5.5)
	d.need(hp.h + vp.h)
	d.drawRow(hc, hp)
	d.drawRow(vc, vp)
}

// boxLayout is the laid-out row of grade check boxes.
type boxLayout struct {
	h    float64
	draw func(x, y, w, h float64)
}

// gradeBoxes lays out every grade label beside a drawn box, the given grade
// ticked, wrapping onto more lines when the labels are long.
func (d *doc) gradeBoxes(pol Policy, grade string, w float64) boxLayout {
	const box = 4.0
	size := d.size
	type item struct {
		x, line float64
		label   string
		on      bool
	}
	var items []item
	x, line := 0.0, 0.0
	for _, g := range pol.Grades {
		label := d.clean(g.Label, false)
		iw := box + 1.5 + d.strW(label)
		if x > 0 && x+iw > w {
			x, line = 0, line+1
		}
		items = append(items, item{x: x, line: line, label: label, on: g.Code == grade && grade != ""})
		x += iw + 8
	}
	lh := box + 3
	h := (line+1)*lh + 2*cellPadY
	return boxLayout{h: h, draw: func(x0, y0, cw, ch float64) {
		d.setFont(size)
		top := y0 + (ch-(line+1)*lh)/2
		for _, it := range items {
			bx := x0 + cellPadX + 1 + it.x
			by := top + it.line*lh + (lh-box)/2
			d.checkbox(bx, by, box, it.on)
			d.text(bx+box+1.5, d.baseline(by, box), it.label, it.on)
		}
	}}
}

// policyText describes weights and grade bands.
func (d *doc) policyText(pol Policy) string {
	sep := "，"
	if d.lang == "en" {
		sep = ", "
	}
	ws := []string{
		d.t("policy_weight", d.t("participation"), numShort(pol.Weights.Participation)),
		d.t("policy_weight", d.t("completion"), numShort(pol.Weights.Completion)),
		d.t("policy_weight", d.t("excellence"), numShort(pol.Weights.Excellence)),
		d.t("policy_weight", d.t("evaluation"), numShort(pol.Weights.Evaluation)),
	}
	var bands []string
	for i, g := range pol.Grades {
		label := d.clean(g.Label, false)
		switch {
		case i == len(pol.Grades)-1 && g.MinScore <= 0 && i > 0:
			bands = append(bands, d.t("band_below", label, numShort(pol.Grades[i-1].MinScore)))
		case g.MinScore <= 0:
			bands = append(bands, d.t("band_other", label))
		case g.FullParticipation:
			bands = append(bands, d.t("band_min_full", label, numShort(g.MinScore)))
		default:
			bands = append(bands, d.t("band_min", label, numShort(g.MinScore)))
		}
	}
	gap := ""
	if d.lang == "en" {
		gap = " "
	}
	return d.t("policy_score", strings.Join(ws, sep)) + gap + d.t("policy_grades", strings.Join(bands, d.t("list_sep")))
}

// signaturesH is the height signatures takes.
func (d *doc) signaturesH() float64 {
	save := d.size
	d.setFont(9.5)
	defer d.setFont(save)
	return d.lineH() * 2.2
}

// signatures prints 本人签字 / 支部书记签字, each with its date line.
func (d *doc) signatures() {
	d.setFont(9.5)
	lh := d.lineH()
	d.need(lh * 2.2)
	half := (d.right - d.left) / 2
	date := d.t("sign_date")
	for i, key := range []string{"sign_member", "sign_secretary"} {
		x := d.left + float64(i)*half
		label := d.t(key)
		y := d.baseline(d.y, lh)
		d.text(x, y, label, false)
		lx := x + d.strW(label) + 1
		dx := x + half - 4 - d.strW(date)
		d.pdf.SetDrawColor(0, 0, 0)
		d.pdf.Line(lx, y+1.2, dx-3, y+1.2)
		d.text(dx, y, date, false)
	}
	d.y += lh * 2.2
}
