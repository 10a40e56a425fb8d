package forms

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Minutes is the 会议记录 of one session, as inspectors expect it: the
// meeting's particulars, 应到/实到/请假/缺席 with the absentees and why, the
// 第一议题, the reading turn, shares and questions recorded, a summary, the
// decisions, and signature lines for 主持人 and 记录人.
type Minutes struct {
	Organisation string
	Group        string // e.g. "第一党支部"
	// Kind is the session's kind (study, party_congress …).
	Kind       string
	Topic      string // the session's title
	Start, End time.Time
	Place      string
	Host       string // 主持人
	Recorder   string // 记录人
	FirstTopic string // 第一议题
	Expected   int
	Present    int
	Leave      int
	Absent     int
	Absentees  []MinutesAbsentee
	// Reading is "name: material" of the reading turn ("" = none).
	Reading   string
	Shares    []string // "name: summary"
	Questions []string // already worded
	Summary   string
	Decisions string
	// DueOn and Late say when the minutes were due and whether they came
	// (or are still missing) after that; Complete whether they are.
	DueOn    time.Time
	Late     bool
	Complete bool
}

// MinutesAbsentee is one person not there.
type MinutesAbsentee struct {
	Name   string
	Status string // StatusLeave, StatusAbsent or "" (no record)
	Reason string
	MadeUp bool
}

// MinutesPDF writes the 会议记录 as an A4 PDF.
func MinutesPDF(w io.Writer, in Minutes, opt Options) error {
	return render(w, opt, "P", func(d *doc) { d.minutes(in) })
}

func (d *doc) minutes(in Minutes) {
	title := d.t("minutes_title0")
	if g := strings.TrimSpace(in.Group); g != "" {
		title = d.t("minutes_title", g)
	}
	d.pdf.SetTitle(d.clean(title, false), true)
	d.addPage()
	full := d.right - d.left
	d.y += 2
	d.title(title, 18, full)
	d.setFont(10)
	lh := d.lineH()
	if in.Organisation != "" {
		d.textIn(d.left, d.y+1, full, lh, d.clean(in.Organisation, false), "C", false)
		d.y += lh + 1
	}
	d.y += 2
	kind := in.Kind
	if kind == "" {
		kind = "study"
	}
	when := ""
	if !in.Start.IsZero() {
		when = d.date(in.Start) + " " + d.clock(in.Start)
		if !in.End.IsZero() {
			when += "—" + d.clock(in.End)
		}
	}
	topicLabel := d.t("topic")
	if kind != "study" {
		topicLabel = d.t("meeting_topic")
	}
	d.labelValueRow(10.5, 9,
		lv{label: d.t("meeting_kind"), value: d.t("kind_" + kind), lw: 18, vw: 42},
		lv{label: topicLabel, value: in.Topic, lw: 18, vw: 102, lines: 2})
	d.labelValueRow(10.5, 9,
		lv{label: d.t("time"), value: when, lw: 18, vw: 72, lines: 2},
		lv{label: d.t("place"), value: in.Place, lw: 18, vw: 72, lines: 2})
	d.labelValueRow(10.5, 9,
		lv{label: d.t("host"), value: in.Host, lw: 18, vw: 72},
		lv{label: d.t("recorder"), value: in.Recorder, lw: 18, vw: 72})
	n := func(v int) string { return d.t("persons", fmt.Sprint(v)) }
	d.labelValueRow(10.5, 9,
		lv{label: d.t("expected"), value: n(in.Expected), lw: 18, vw: 27, align: "C"},
		lv{label: d.t("present_n"), value: n(in.Present), lw: 18, vw: 27, align: "C"},
		lv{label: d.t("leave_n"), value: n(in.Leave), lw: 18, vw: 27, align: "C"},
		lv{label: d.t("absent_n"), value: n(in.Absent), lw: 18, vw: 27, align: "C"})
	var abs []string
	for _, a := range in.Absentees {
		why := a.Reason
		switch {
		case why == "" && a.Status == StatusAbsent:
			why = d.t("no_reason")
		case why == "" && a.Status == "":
			why = d.t("not_recorded")
		}
		s := a.Name + "（" + d.t(orStatus(a.Status))
		if why != "" && why != d.t(orStatus(a.Status)) {
			s += d.t("colon") + why
		}
		if a.MadeUp {
			s += d.t("list_sep") + d.t("made_up")
		}
		abs = append(abs, s+"）")
	}
	d.labelValueRow(10.5, 9, lv{label: d.t("absentees"), value: strings.Join(abs, d.t("list_sep")), lw: 18, vw: 162, lines: 6})
	d.labelValueRow(10.5, 9, lv{label: d.t("first_topic"), value: in.FirstTopic, lw: 18, vw: 162, lines: 3})
	d.y += 3

	section := func(head string, body []string) {
		if len(body) == 0 {
			return
		}
		d.heading(head, 12)
		for _, b := range body {
			d.paragraph(b, 10.5)
		}
		d.y += 2
	}
	if in.Reading != "" {
		section(d.t("reading_turn"), []string{in.Reading})
	}
	section(d.t("shares"), numbered(in.Shares))
	section(d.t("questions"), numbered(in.Questions))
	section(d.t("summary_text"), nonEmpty(in.Summary, d.t("none")))
	section(d.t("decisions"), nonEmpty(in.Decisions, d.t("none")))

	d.setFont(9)
	state := d.t("minutes_pending")
	if in.Complete {
		state = d.t("minutes_on_time")
	}
	if in.Late {
		state = d.t("minutes_late")
	}
	note := state
	if !in.DueOn.IsZero() {
		note = d.t("minutes_due", d.date(in.DueOn)) + d.t("list_sep") + state
	}
	d.need(d.lineH() + 2)
	d.textIn(d.left-cellPadX, d.y, full, d.lineH(), note, "L", false)
	d.y += d.lineH() + 6

	// 主持人(签字) 记录人(签字)
	d.setFont(10.5)
	lh = d.lineH()
	d.need(lh + 4)
	half := full / 2
	for i, key := range []string{"host_sign", "recorder_sign"} {
		x := d.left + float64(i)*half
		label := d.t(key)
		y := d.baseline(d.y, lh)
		d.text(x, y, label, false)
		d.pdf.SetDrawColor(0, 0, 0)
		d.pdf.Line(x+d.strW(label)+1, y+1.2, x+half-8, y+1.2)
	}
	d.y += lh + 4
}

func orStatus(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

func numbered(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%d. %s", i+1, s)
	}
	return out
}

func nonEmpty(s, none string) []string {
	if strings.TrimSpace(s) == "" {
		return []string{none}
	}
	return []string{s}
}
