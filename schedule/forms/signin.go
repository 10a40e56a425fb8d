package forms

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// SignInSheet is the sign-in sheet of one session (学习签到表).
type SignInSheet struct {
	// Title overrides "<Group>集中学习签到表".
	Title string
	// Kind is the session's kind (study, party_congress …); it picks the
	// title (××党支部党员大会签到表) and the topic label. "" is study.
	Kind         string
	Organisation string
	Group        string // e.g. "第一党支部"
	Topic        string // 学习主题
	Lead         string // 领读人
	Start, End   time.Time
	Place        string // 地点
	Host         string // 主持人
	Recorder     string // 记录人
	// Rows are the audience, in print order.
	Rows []SignInRow
	// Counts overrides 应到/实到/请假/缺席. Nil derives them from Rows:
	// 应到 = len(Rows), 实到 = present + late; when no row has a status yet
	// (a sheet printed before the session) only 应到 is filled in.
	Counts *SignInCounts
	// BlankRows adds empty rows at the end for people not on the roster.
	BlankRows int
	// QRURL is encoded as a QR code in the top-right corner ("" = none).
	QRURL string
}

// SignInRow is one person on the sheet. The 签到 column is always left blank
// for a handwritten signature.
type SignInRow struct {
	Name string
	// Group is the person's branch; a sheet whose rows name more than one
	// group (an organisation-wide session) is printed in sections, one per
	// group in row order, each with a subtotal.
	Group  string
	Status string // StatusPresent, StatusLate, StatusLeave, StatusAbsent or ""
	// CheckedInAt is the self check-in time, printed as 签到时间; a present
	// or late status without it was entered by a lead (负责人登记).
	CheckedInAt time.Time
	MadeUp      bool // 补学 recorded
	Note        string
}

// SignInCounts are the header counts.
type SignInCounts struct {
	Expected, Present, Leave, Absent int
}

func (s SignInSheet) counts() (c SignInCounts, known bool) {
	if s.Counts != nil {
		return *s.Counts, true
	}
	return countRows(s.Rows)
}

func countRows(rows []SignInRow) (c SignInCounts, known bool) {
	c.Expected = len(rows)
	for _, r := range rows {
		switch r.Status {
		case StatusPresent, StatusLate:
			c.Present++
			known = true
		case StatusLeave:
			c.Leave++
			known = true
		case StatusAbsent:
			c.Absent++
			known = true
		}
	}
	return c, known
}

// SignInSheetPDF writes the sign-in sheet as an A4 PDF.
func SignInSheetPDF(w io.Writer, in SignInSheet, opt Options) error {
	var qr []byte
	if in.QRURL != "" {
		// Encoding fails only for data too long for a QR code; the sheet is
		// still useful without it, so the code is left out then.
		if q, err := qrcode.New(in.QRURL, qrcode.Medium); err == nil {
			q.DisableBorder = true
			qr, _ = q.PNG(-4) // 4 px per module: crisp enough, quick to embed
		}
	}
	return render(w, opt, "P", func(d *doc) { d.signIn(in, qr) })
}

func (d *doc) signIn(in SignInSheet, qr []byte) {
	title := in.Title
	suffix := ""
	if in.Kind != "" && in.Kind != "study" {
		if _, ok := d.lb["signin_title_"+in.Kind]; ok {
			suffix = "_" + in.Kind
		}
	}
	if title == "" {
		if g := strings.TrimSpace(in.Group); g != "" {
			title = d.t("signin_title"+suffix, g)
		} else {
			title = d.t("signin_title0" + suffix)
		}
	}
	topic := d.t("topic")
	if suffix != "" {
		topic = d.t("meeting_topic")
	}
	d.meta(title, in.Organisation, title+" "+d.date(in.Start))
	d.addPage()
	full := d.right - d.left

	const qrSize = 26.0
	qrBottom := d.top
	if len(qr) > 0 {
		name := "qr"
		d.pdf.RegisterImageOptionsReader(name, gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))
		qx, qy := d.right-qrSize, d.top-4
		d.pdf.ImageOptions(name, qx, qy, qrSize, qrSize, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		d.setFont(8)
		d.textIn(qx-4, qy+qrSize+0.5, qrSize+8, 4, d.t("scan"), "C", false)
		qrBottom = qy + qrSize + 5
	}

	d.y += 1
	d.title(title, 17, full-2*(qrSize+4))
	d.setFont(10)
	lh := d.lineH()
	if in.Organisation != "" {
		d.textIn(d.left+qrSize+4, d.y+1, full-2*(qrSize+4), lh, d.clean(in.Organisation, false), "C", false)
		d.y += lh + 1
	}
	if d.y < qrBottom+1 {
		d.y = qrBottom + 1
	}

	when := ""
	if !in.Start.IsZero() {
		when = d.date(in.Start) + " " + d.clock(in.Start)
		if !in.End.IsZero() {
			if d.date(in.End) == d.date(in.Start) {
				when += "—" + d.clock(in.End)
			} else {
				when += " — " + d.date(in.End) + " " + d.clock(in.End)
			}
		}
	}
	d.labelValueRow(10.5, 8, lv{label: topic, value: in.Topic, lw: 18, vw: 162, lines: 2})
	d.labelValueRow(10.5, 8,
		lv{label: d.t("time"), value: when, lw: 18, vw: 72, lines: 2},
		lv{label: d.t("place"), value: in.Place, lw: 18, vw: 72, lines: 2})
	d.labelValueRow(10.5, 8,
		lv{label: d.t("reading_lead"), value: in.Lead, lw: 18, vw: 42, lines: 2},
		lv{label: d.t("host"), value: in.Host, lw: 18, vw: 42, lines: 2},
		lv{label: d.t("recorder"), value: in.Recorder, lw: 18, vw: 42, lines: 2})
	c, known := in.counts()
	n := func(v int, show bool) string {
		if !show {
			return ""
		}
		return d.t("persons", fmt.Sprint(v))
	}
	d.labelValueRow(10.5, 8,
		lv{label: d.t("expected"), value: n(c.Expected, true), lw: 18, vw: 27, align: "C"},
		lv{label: d.t("present_n"), value: n(c.Present, known), lw: 18, vw: 27, align: "C"},
		lv{label: d.t("leave_n"), value: n(c.Leave, known), lw: 18, vw: 27, align: "C"},
		lv{label: d.t("absent_n"), value: n(c.Absent, known), lw: 18, vw: 27, align: "C"})
	d.y += 3

	t := d.newTable([]column{
		{title: d.t("idx"), w: 12, align: "C"},
		{title: d.t("name"), w: 38, lines: 2},
		{title: d.t("signature"), w: 50},
		{title: d.t("signin_time"), w: 28, align: "C"},
		{title: d.t("remarks"), w: 52, lines: 2},
	}, 10.5, 9)
	row := func(i int, r SignInRow) []string {
		at := ""
		switch {
		case !r.CheckedInAt.IsZero() && (r.Status == StatusPresent || r.Status == StatusLate || r.Status == ""):
			at = d.clock(r.CheckedInAt)
		case r.Status == StatusPresent || r.Status == StatusLate:
			at = d.t("lead_marked")
		}
		var notes []string
		switch r.Status {
		case StatusLate, StatusLeave, StatusAbsent:
			notes = append(notes, d.t(r.Status))
		}
		if r.MadeUp {
			notes = append(notes, d.t("makeup_note"))
		}
		if s := strings.TrimSpace(d.clean(r.Note, false)); s != "" {
			notes = append(notes, s)
		}
		return []string{fmt.Sprint(i + 1), r.Name, "", at, strings.Join(notes, d.t("list_sep"))}
	}
	d.setFont(10.5)
	signH := 6 + d.lineH() + 4
	var blank [][]string
	for i := 0; i < in.BlankRows && i < 500; i++ {
		blank = append(blank, []string{fmt.Sprint(len(in.Rows) + i + 1), "", "", "", ""})
	}
	sections := signInSections(in.Rows)
	if len(sections) <= 1 {
		rows := make([][]string, 0, len(in.Rows)+len(blank))
		for i, r := range in.Rows {
			rows = append(rows, row(i, r))
		}
		rows = append(rows, blank...)
		// the last rows keep with the signature lines
		t.addRows(rows, nil, 2, signH)
	} else {
		n := 0
		for si, sec := range sections {
			c, known := countRows(sec.rows)
			head := sec.name + d.t("section_count", c.Expected)
			sub := d.t("subtotal") + d.t("colon") + d.t("subtotal_counts", c.Expected)
			if known {
				sub = d.t("subtotal") + d.t("colon") + d.t("subtotal_known", c.Expected, c.Present, c.Leave, c.Absent)
			}
			rows := make([][]string, len(sec.rows))
			for i, r := range sec.rows {
				rows[i] = row(n+i, r)
			}
			n += len(sec.rows)
			// a section's head keeps with its first rows
			first := rows
			if len(first) > 2 {
				first = first[:2]
			}
			t.need(t.spanH(head) + t.bodyH(first))
			t.span(head, &shadeGray, true)
			after := t.spanH(sub)
			if si == len(sections)-1 && len(blank) == 0 {
				after += signH
			}
			t.addRows(rows, nil, 2, after)
			t.span(sub, nil, false)
		}
		if len(blank) > 0 {
			t.addRows(blank, nil, 2, signH)
		}
	}
	t.end()

	// 主持人(签字) 记录人(签字)
	d.y += 6
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

// signInSection is one group's rows of an organisation-wide sheet.
type signInSection struct {
	name string
	rows []SignInRow
}

// signInSections splits rows into runs of the same group (the rows come in
// the one order, so each group is one run). One section means no sections.
func signInSections(rows []SignInRow) []signInSection {
	var out []signInSection
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].name != r.Group {
			out = append(out, signInSection{name: r.Group})
		}
		out[len(out)-1].rows = append(out[len(out)-1].rows, r)
	}
	return out
}
