package forms

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
)

// Layout constants, in mm.
const (
	marginX     = 15.0
	marginTop   = 12.0
	footerSpace = 15.0 // content stops this far above the page bottom
	cellPadX    = 1.4
	cellPadY    = 1.1
	lineFactor  = 1.32 // line height = font size × lineFactor
	ptMM        = 25.4 / 72
	maxCellRune = 4000 // longer user strings are cut before measuring
	spaceEm     = 0.42 // minimum width of a space, in em
)

type rgb struct{ r, g, b int }

var (
	black     = rgb{0, 0, 0}
	gray      = rgb{90, 90, 90}
	shadeGray = rgb{238, 238, 238}
	lightRed  = rgb{255, 222, 222}
)

// doc wraps one gofpdf document with this package's layout helpers. All text
// goes through doc so font coverage can be checked.
type doc struct {
	pdf    *gofpdf.Fpdf
	opt    Options
	lang   string
	lb     map[string]string
	cover  *runeSet // what the font in use has
	full   *runeSet // what the full font has
	missed bool     // printed a rune the font in use lacks but the full one has

	pageW, pageH float64
	left, right  float64 // content edges (x)
	top, bottom  float64 // content edges (y)
	y            float64 // layout cursor
	size         float64 // font size, pt
	widths       map[rune]float64

	onNewPage func() // repeats a table header after a page break

	padY   float64 // vertical cell padding, mm
	author string  // the organisation, for the document information
}

// render builds a document with body and writes it to w. It tries the fonts
// of the plan in order and keeps the first one that has every printed glyph.
func render(w io.Writer, opt Options, orientation string, body func(d *doc)) error {
	if err := checkLang(opt.Lang); err != nil {
		return err
	}
	if opt.GeneratedAt.IsZero() {
		opt.GeneratedAt = time.Now()
	}
	plan, err := planFor(opt)
	if err != nil {
		return err
	}
	if len(plan.variants) == 0 {
		return fmt.Errorf("forms: no font")
	}
	for i, v := range plan.variants {
		d, err := newDoc(opt, orientation, v, plan.full)
		if err != nil {
			return err
		}
		if err := runBody(d, body); err != nil {
			return err
		}
		if d.missed && i < len(plan.variants)-1 {
			continue // a glyph is missing from the subset: rebuild with the next font
		}
		if err := d.pdf.Error(); err != nil {
			return fmt.Errorf("forms: %w", err)
		}
		var buf bytes.Buffer
		if err := d.pdf.Output(&buf); err != nil {
			return fmt.Errorf("forms: %w", err)
		}
		out, err := finishPDF(buf.Bytes(), d.inZone(opt.GeneratedAt))
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	return nil
}

func runBody(d *doc, body func(d *doc)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("forms: building PDF: %v", r)
		}
	}()
	body(d)
	d.footers()
	if e := d.pdf.Error(); e != nil {
		return fmt.Errorf("forms: %w", e)
	}
	return nil
}

func newDoc(opt Options, orientation string, font fontVariant, full *runeSet) (*doc, error) {
	pdf := gofpdf.New(orientation, "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0) // page breaks are managed by doc.need
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetCreator("studyroll", true)
	pdf.SetProducer("studyroll (gofpdf)", true)
	at := opt.GeneratedAt
	if opt.Location != nil {
		at = at.In(opt.Location)
	}
	pdf.SetCreationDate(at) // the zone is added by finishPDF
	pdf.SetModificationDate(at)
	fb := make([]byte, len(font.bytes)) // gofpdf writes into font bytes: own copy
	copy(fb, font.bytes)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fb)
	pdf.SetFont(fontFamily, "", 10)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("forms: loading font: %w", err)
	}
	w, h := pdf.GetPageSize()
	d := &doc{
		pdf: pdf, opt: opt, lang: normLang(opt.Lang), cover: font.cover, full: full,
		pageW: w, pageH: h, left: marginX, right: w - marginX, top: marginTop, bottom: h - footerSpace,
		size: 10, widths: make(map[rune]float64, 512), padY: cellPadY,
	}
	d.lb = labelTables[d.lang]
	pdf.SetLineWidth(0.2)
	return d, nil
}

// meta sets the document information: title, author (the organisation)
// and subject.
func (d *doc) meta(title, author, subject string) {
	d.pdf.SetTitle(d.clean(title, false), true)
	if a := d.clean(author, false); a != "" {
		d.author = a
		d.pdf.SetAuthor(a, true)
	}
	d.pdf.SetSubject(d.clean(subject, false), true)
	d.pdf.SetKeywords("studyroll", true)
}

// t returns a label, formatted with args when given.
func (d *doc) t(key string, args ...interface{}) string {
	s, ok := d.lb[key]
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// withColon returns a label that ends in a colon, with the space English
// needs before what follows.
func (d *doc) withColon(key string) string {
	if d.lang == "en" {
		return d.t(key) + " "
	}
	return d.t(key)
}

// ---- time and numbers ----

func (d *doc) inZone(t time.Time) time.Time {
	if d.opt.Location != nil {
		return t.In(d.opt.Location)
	}
	return t
}

// date prints 2023年9月30日 (zh) or 2023-09-30 (en); zero time prints "".
func (d *doc) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = d.inZone(t)
	return fmt.Sprintf(d.lb["date_fmt"], t.Year(), int(t.Month()), t.Day())
}

func (d *doc) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return d.inZone(t).Format("15:04")
}

func (d *doc) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return d.date(t) + " " + d.inZone(t).Format("15:04:05")
}

// rateText prints "11/12 = 91.7%", or the null text.
func (d *doc) rateText(r Rate) string {
	if r.Null() {
		return d.t("none_required")
	}
	return fmt.Sprintf("%d/%d = %s", r.Num, r.Den, r.Percent())
}

// pct prints "91.7%" or the null text.
func (d *doc) pct(r Rate) string {
	if r.Null() {
		return d.t("none_required")
	}
	return r.Percent()
}

// num1 prints one decimal, half away from zero.
func num1(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf("%.1f", math.Round(v*10)/10)
}

// numShort prints up to two decimals, without trailing zeros: 92, 92.5.
func numShort(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	s := fmt.Sprintf("%.2f", math.Round(v*100)/100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// ---- text cleaning and measuring ----

// clean makes user text printable: valid UTF-8, no control or format
// characters (newlines kept when multiline), no private-use characters, and
// characters beyond the Basic Multilingual Plane (which gofpdf cannot print)
// replaced by a placeholder. Very long strings are cut.
func (d *doc) clean(s string, multiline bool) string {
	if len(s) > maxCellRune*4 {
		s = s[:maxCellRune*4]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	for _, r := range s {
		if n >= maxCellRune {
			b.WriteRune('…')
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError:
			b.WriteByte('?')
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r >= 0xe000 && r <= 0xf8ff, r >= 0xfff0 && r <= 0xffff:
			continue
		case r > 0xffff:
			if d.lang == "zh" {
				b.WriteRune('〓') // the customary placeholder for a missing character
			} else {
				b.WriteByte('?')
			}
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

// use records that s is printed, to detect glyphs missing from a subset.
func (d *doc) use(s string) {
	if d.missed {
		return
	}
	for _, r := range s {
		if r > ' ' && !d.cover.has(r) && d.full.has(r) {
			d.missed = true
			return
		}
	}
}

func (d *doc) setFont(sizePt float64) {
	d.size = sizePt
	d.pdf.SetFontSize(sizePt)
}

func (d *doc) lineH() float64 { return d.size * ptMM * lineFactor }

func (d *doc) runeW(r rune) float64 {
	w, ok := d.widths[r]
	if !ok {
		_, unit := d.pdf.GetFontSize()
		w = d.pdf.GetStringWidth(string(r)) / unit // width at a 1-unit font size
		if r == ' ' && w < spaceEm {
			w = spaceEm
		}
		d.widths[r] = w
	}
	return w * d.size * ptMM
}

func (d *doc) strW(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += d.runeW(r)
	}
	return w
}

// minPt is the smallest font size text is shrunk to; below it, text wraps.
const minPt = 5.5

// shrinkTo returns the font size, from the current one down to minPt, at
// which s fits width w on one line (minPt when it never does).
func (d *doc) shrinkTo(s string, w float64) float64 {
	base := d.size
	wd := d.strW(s)
	if wd <= w || wd == 0 {
		return base
	}
	size := base * w / wd
	size = math.Floor(size*4) / 4 // a quarter point below the exact fit
	if size < minPt {
		return minPt
	}
	return size
}

// wrap breaks s into lines no wider than w: at spaces between Latin words,
// anywhere between CJK characters (keeping closing punctuation off a line
// start and opening punctuation off a line end), and inside over-long
// words. Nothing is ever dropped: callers make room for every line.
func (d *doc) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, d.wrapPara(para, w)...)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func (d *doc) wrapPara(s string, w float64) []string {
	rs := []rune(s)
	var lines []string
	start := 0
	for start < len(rs) {
		acc := 0.0
		end := start
		lastBreak := -1 // index after which a break is allowed
		for end < len(rs) {
			rw := d.runeW(rs[end])
			if acc+rw > w && end > start {
				break
			}
			acc += rw
			if rs[end] == ' ' || isCJK(rs[end]) || (end+1 < len(rs) && isCJK(rs[end+1])) {
				lastBreak = end
			}
			end++
		}
		if end == len(rs) {
			lines = append(lines, strings.TrimRight(string(rs[start:end]), " "))
			break
		}
		cut := end
		if lastBreak >= start && rs[end] != ' ' && !isCJK(rs[end]) {
			cut = lastBreak + 1
		}
		cut = kinsoku(rs, start, cut)
		lines = append(lines, strings.TrimRight(string(rs[start:cut]), " "))
		start = cut
		for start < len(rs) && rs[start] == ' ' {
			start++
		}
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// kinsoku moves a line break at cut (the next line starts with rs[cut])
// back so that no line starts with closing punctuation (避头: ，。）》…) and
// none ends with opening punctuation (避尾: （《“…), the Chinese line-breaking
// rule. A line keeps at least one character.
func kinsoku(rs []rune, start, cut int) int {
	c := cut
	for i := 0; i < 8 && c > start+1 && c < len(rs); i++ {
		switch {
		case isNoStart(rs[c]):
			c--
		case isNoEnd(rs[c-1]):
			c--
		default:
			return c
		}
	}
	if c < len(rs) && (isNoStart(rs[c]) || isNoEnd(rs[c-1])) {
		return cut // nothing better within reach: break where it fits
	}
	return c
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) ||
		unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

func isNoEnd(r rune) bool {
	return strings.ContainsRune("（【《「『〔〈“‘([{", r)
}

func isNoStart(r rune) bool {
	return strings.ContainsRune("，。、；：？！）】》」』〕〉”’…—·,.;:?!)]}%", r)
}

// ---- drawing primitives ----

func (d *doc) textColor(c rgb) { d.pdf.SetTextColor(c.r, c.g, c.b) }

// text prints s with its baseline at (x, y). Spaces are laid out as gaps of
// at least spaceEm (the font's own space is 0.26 em, which pdftotext and
// copy-paste do not see as a word break).
func (d *doc) text(x, y float64, s string, bold bool) {
	if s == "" {
		return
	}
	d.use(s)
	if bold {
		lw := d.pdf.GetLineWidth()
		d.pdf.SetDrawColor(0, 0, 0)
		d.pdf.SetTextRenderingMode(2) // fill + stroke: the one font looks bold
		d.pdf.SetLineWidth(d.size*0.011 + 0.04)
		d.words(x, y, s)
		d.pdf.SetTextRenderingMode(0)
		d.pdf.SetLineWidth(lw)
		return
	}
	d.words(x, y, s)
}

func (d *doc) words(x, y float64, s string) {
	if !strings.Contains(s, " ") {
		d.pdf.Text(x, y, s)
		return
	}
	sp := d.runeW(' ')
	for _, w := range strings.Split(s, " ") {
		if w != "" {
			d.pdf.Text(x, y, w)
			x += d.strW(w)
		}
		x += sp
	}
}

// baseline returns the baseline that centres one line of text vertically in
// a band of height h starting at y.
func (d *doc) baseline(y, h float64) float64 {
	return y + h/2 + 0.33*d.size*ptMM
}

// textIn prints one line in the box (x, y, w, h), aligned "L", "C" or "R",
// shrunk to fit (never cut).
func (d *doc) textIn(x, y, w, h float64, s, align string, bold bool) {
	if size := d.shrinkTo(s, w-2*cellPadX); size < d.size {
		save := d.size
		d.setFont(size)
		defer d.setFont(save)
	}
	tw := d.strW(s)
	tx := x + cellPadX
	switch align {
	case "C":
		tx = x + (w-tw)/2
	case "R":
		tx = x + w - cellPadX - tw
	}
	d.text(tx, d.baseline(y, h), s, bold)
}

// linesIn prints lines centred vertically in the box (x, y, w, h).
func (d *doc) linesIn(x, y, w, h float64, lines []string, align string, bold bool) {
	lh := d.lineH()
	y0 := y + (h-lh*float64(len(lines)))/2
	for i, l := range lines {
		d.textIn(x, y0+lh*float64(i), w, lh, l, align, bold)
	}
}

func (d *doc) fillRect(x, y, w, h float64, c rgb) {
	d.pdf.SetFillColor(c.r, c.g, c.b)
	d.pdf.Rect(x, y, w, h, "F")
}

func (d *doc) strokeRect(x, y, w, h float64) {
	d.pdf.SetDrawColor(0, 0, 0)
	d.pdf.Rect(x, y, w, h, "D")
}

// checkbox draws a box of side s at (x, y), ticked with a drawn √ when on.
func (d *doc) checkbox(x, y, s float64, on bool) {
	lw := d.pdf.GetLineWidth()
	d.pdf.SetDrawColor(0, 0, 0)
	d.pdf.SetLineWidth(0.25)
	d.pdf.Rect(x, y, s, s, "D")
	if on {
		d.pdf.SetLineWidth(0.5)
		d.pdf.SetLineCapStyle("round")
		d.pdf.SetLineJoinStyle("round")
		d.pdf.Polygon([]gofpdf.PointType{
			{X: x + 0.18*s, Y: y + 0.52*s},
			{X: x + 0.42*s, Y: y + 0.80*s},
			{X: x + 0.88*s, Y: y + 0.12*s},
			{X: x + 0.42*s, Y: y + 0.80*s},
		}, "D")
		d.pdf.SetLineCapStyle("butt")
		d.pdf.SetLineJoinStyle("miter")
	}
	d.pdf.SetLineWidth(lw)
}

// ---- pages ----

func (d *doc) addPage() {
	d.pdf.AddPage()
	d.y = d.top
	if d.onNewPage != nil {
		d.onNewPage()
	}
}

// need starts a new page unless h mm fit below the cursor.
func (d *doc) need(h float64) bool {
	if d.y+h <= d.bottom+0.01 {
		return false
	}
	d.addPage()
	return true
}

// footers draws the footer of every page once the page count is known:
// 第 N 页 / 共 M 页, generation time and data hash. (gofpdf's AliasNbPages
// is not used: v1.16.2 leaves the substituted digits out of the font subset.)
func (d *doc) footers() {
	n := d.pdf.PageCount()
	for p := 1; p <= n; p++ {
		d.pdf.SetPage(p)
		d.footer(p, n)
	}
	d.pdf.SetPage(n)
}

func (d *doc) footer(page, pages int) {
	d.pdf.SetFontSize(8.5) // SetPage does not restore a page's font state:
	d.setFont(8)           // emit it afresh
	d.pdf.SetTextRenderingMode(0)
	if d.opt.Provisional {
		d.provisionalMark() // every page of an open period's form
	}
	d.textColor(gray)
	label := d.t("page", fmt.Sprint(page), fmt.Sprint(pages))
	y1 := d.pageH - footerSpace + 5
	d.text((d.pageW-d.strW(label))/2, y1, label, false)
	half := (d.pageW-d.strW(label))/2 - d.left - 4
	var left string
	switch {
	case d.opt.Provisional:
		left = d.t("provisional", d.dateTime(d.opt.AsOf))
	case d.opt.Revision > 1:
		left = d.t("revision", fmt.Sprint(d.opt.Revision), d.clean(d.opt.RevisionReason, false))
	}
	if left != "" {
		save := d.size
		d.setFont(d.shrinkTo(left, half))
		d.text(d.left, y1, left, false)
		d.setFont(save)
	}
	if h := d.clean(d.opt.AuditHead, false); h != "" {
		if len(h) > 16 {
			h = h[:16]
		}
		hs := d.t("audit_head", h)
		save := d.size
		d.setFont(d.shrinkTo(hs, half))
		d.text(d.right-d.strW(hs), y1, hs, false)
		d.setFont(save)
	}
	y2 := y1 + 4.5
	gen := d.t("generated", d.dateTime(d.opt.GeneratedAt))
	d.text(d.left, y2, gen, false)
	if h := d.clean(d.opt.DataHash, false); h != "" {
		avail := d.right - d.left - d.strW(gen) - 8
		hs := d.t("hash", h)
		if sz := d.shrinkTo(hs, avail); sz < d.size {
			d.setFont(sz)
		}
		d.text(d.right-d.strW(hs), y2, hs, false)
	}
	d.textColor(black)
}

// provisionalMark draws the 暂定 stamp in the top-right corner of a page:
// the figures of a period that has not ended.
func (d *doc) provisionalMark() {
	save := d.size
	d.setFont(12)
	label := d.t("provisional_mark")
	w := d.strW(label) + 5
	h := 7.0
	x, y := d.pageW-marginX-w, 4.0
	d.pdf.SetDrawColor(200, 0, 0)
	lw := d.pdf.GetLineWidth()
	d.pdf.SetLineWidth(0.5)
	d.pdf.Rect(x, y, w, h, "D")
	d.pdf.SetLineWidth(lw)
	d.textColor(rgb{200, 0, 0})
	d.text(x+2.5, d.baseline(y, h), label, true)
	d.textColor(black)
	d.pdf.SetDrawColor(0, 0, 0)
	d.setFont(save)
}

// ---- block helpers ----

// title prints a bold, centred title: on one line when it fits, else
// wrapped (shrunk down to 12 pt first, so it takes at most two lines when
// it can).
func (d *doc) title(s string, sizePt, maxW float64) {
	s = d.clean(s, false)
	d.setFont(sizePt)
	for d.size > 12 && d.strW(s) > 2*maxW*0.97 {
		d.setFont(d.size - 0.5)
	}
	lines := d.wrap(s, maxW)
	lh := d.lineH() * 1.05
	for _, l := range lines {
		d.textIn((d.pageW-maxW)/2-cellPadX, d.y, maxW+2*cellPadX, lh, l, "C", true)
		d.y += lh
	}
}

// heading prints a section heading and keeps keep mm of room after it.
func (d *doc) heading(s string, keep float64) {
	d.setFont(10.5)
	h := d.lineH() + 2
	d.need(h + keep)
	d.textIn(d.left-cellPadX, d.y+1.5, d.right-d.left, h-1.5, s, "L", true)
	d.y += h
}

// paragraph prints wrapped text across the content width, breaking pages
// between lines.
func (d *doc) paragraph(s string, sizePt float64) {
	d.setFont(sizePt)
	w := d.right - d.left
	for _, l := range d.paraLines(s, sizePt) {
		lh := d.lineH()
		d.need(lh)
		d.textIn(d.left-cellPadX, d.y, w+2*cellPadX, lh, l, "L", false)
		d.y += lh
	}
}

// paraLines are the lines paragraph prints.
func (d *doc) paraLines(s string, sizePt float64) []string {
	save := d.size
	d.setFont(sizePt)
	defer d.setFont(save)
	return d.wrap(d.clean(s, true), d.right-d.left)
}

// paragraphH is the height paragraph takes.
func (d *doc) paragraphH(s string, sizePt float64) float64 {
	save := d.size
	d.setFont(sizePt)
	defer d.setFont(save)
	return float64(len(d.paraLines(s, sizePt))) * d.lineH()
}

// cell is one cell of a grid row.
type cell struct {
	w     float64
	text  string
	align string // "L" (default), "C", "R"
	shade bool   // grey label background
	bold  bool
	lines int // >1: wrap onto as many lines as it takes; 0 or 1: one line, shrunk to fit (wrapped when even minPt is too big)
	fill  *rgb
	draw  func(x, y, w, h float64) // custom content instead of text
	minH  float64                  // minimum height for custom content
	size  float64                  // font size, pt (0 = the current one)
}

// prepared holds the wrapped lines of a row and each cell's font size.
type prepared struct {
	lines [][]string
	sizes []float64
	h     float64
}

func (d *doc) prepareRow(cells []cell, minH float64) prepared {
	p := prepared{lines: make([][]string, len(cells)), sizes: make([]float64, len(cells))}
	base := d.size
	defer d.setFont(base)
	textH := d.lineH()
	for i, c := range cells {
		if c.draw != nil {
			if c.minH > p.h {
				p.h = c.minH
			}
			continue
		}
		size := base
		if c.size > 0 {
			size = c.size
		}
		d.setFont(size)
		w := c.w - 2*cellPadX
		txt := d.clean(c.text, c.lines > 1)
		var ls []string
		if c.lines > 1 {
			ls = d.wrap(txt, w)
		} else {
			size = d.shrinkTo(txt, w)
			d.setFont(size)
			ls = d.wrap(txt, w)
		}
		p.lines[i], p.sizes[i] = ls, size
		if th := float64(len(ls)) * d.lineH(); th > textH {
			textH = th
		}
	}
	h := textH + 2*d.padY
	if h < minH {
		h = minH
	}
	if p.h < h {
		p.h = h
	}
	return p
}

// row draws a bordered grid row at the cursor (breaking the page first when
// it does not fit) and advances the cursor.
func (d *doc) row(cells []cell, minH float64) {
	p := d.prepareRow(cells, minH)
	d.need(p.h)
	d.drawRow(cells, p)
}

func (d *doc) drawRow(cells []cell, p prepared) {
	x := d.left
	for i, c := range cells {
		switch {
		case c.fill != nil:
			d.fillRect(x, d.y, c.w, p.h, *c.fill)
		case c.shade:
			d.fillRect(x, d.y, c.w, p.h, shadeGray)
		}
		d.strokeRect(x, d.y, c.w, p.h)
		if c.draw != nil {
			c.draw(x, d.y, c.w, p.h)
		} else {
			align := c.align
			if align == "" {
				align = "L"
			}
			save := d.size
			d.setFont(p.sizes[i])
			d.linesIn(x, d.y, c.w, p.h, p.lines[i], align, c.bold)
			d.setFont(save)
		}
		x += c.w
	}
	d.y += p.h
}

// column of a table; widths are relative and scaled to the table width.
type column struct {
	title string
	w     float64
	align string
	lines int
	head  int // the header's most lines (0 = 3): a smaller size keeps it within
}

// table draws rows under a header that repeats after every page break. The
// header is drawn with the first row, so it never sits alone at a page foot.
type table struct {
	d       *doc
	cols    []column
	widths  []float64
	size    float64
	minH    float64
	started bool
}

func (d *doc) newTable(cols []column, sizePt float64, minH float64) *table {
	total := 0.0
	for _, c := range cols {
		total += c.w
	}
	t := &table{d: d, cols: cols, size: sizePt, minH: minH}
	avail := d.right - d.left
	for _, c := range cols {
		t.widths = append(t.widths, c.w/total*avail)
	}
	return t
}

func (t *table) headerCells() []cell {
	cells := make([]cell, len(t.cols))
	for i, c := range t.cols {
		maxLines := c.head
		if maxLines == 0 {
			maxLines = 3
		}
		cells[i] = cell{w: t.widths[i], text: c.title, align: "C", shade: true, bold: true, lines: 3,
			size: t.d.headSize(c.title, t.widths[i]-2*cellPadX, t.size, maxLines)}
	}
	return cells
}

func (t *table) header() {
	d := t.d
	save := d.size
	d.setFont(t.size)
	cells := t.headerCells()
	d.drawRow(cells, d.prepareRow(cells, t.minH))
	d.setFont(save)
}

func (t *table) headerH() float64 {
	t.d.setFont(t.size)
	return t.d.prepareRow(t.headerCells(), t.minH).h
}

func (t *table) rowCells(vals []string, fill *rgb, bold bool) []cell {
	cells := make([]cell, len(t.cols))
	for i, c := range t.cols {
		v := ""
		if i < len(vals) {
			v = vals[i]
		}
		cells[i] = cell{w: t.widths[i], text: v, align: c.align, lines: c.lines, fill: fill, bold: bold}
	}
	return cells
}

// startH is the room the header and a first row of vals take.
func (t *table) startH(vals []string) float64 {
	t.d.setFont(t.size)
	return t.headerH() + t.d.prepareRow(t.rowCells(vals, nil, false), t.minH).h
}

// end finishes the table (drawing the bare header of an empty one).
func (t *table) end() {
	if !t.started {
		t.d.need(t.headerH())
		t.header()
	}
	t.d.onNewPage = nil
}

// add draws one row; fill shades the whole row when not nil.
func (t *table) add(vals []string, fill *rgb, bold bool) {
	d := t.d
	d.setFont(t.size)
	cells := t.rowCells(vals, fill, bold)
	p := d.prepareRow(cells, t.minH)
	if !t.started {
		t.started = true
		d.need(t.headerH() + p.h)
		t.header()
		d.onNewPage = t.header
	}
	d.need(p.h)
	d.setFont(t.size)
	d.drawRow(cells, p)
}

// need starts a new page (with the header) unless h mm fit; before the
// first row it makes room for the header too.
func (t *table) need(h float64) {
	if !t.started {
		h += t.headerH()
	}
	if h < t.d.bottom-t.d.top {
		t.d.need(h)
	}
}

// bodyH is the height rows take, without the header.
func (t *table) bodyH(rows [][]string) float64 {
	h := 0.0
	for _, r := range rows {
		h += t.d.prepareRowH(t, r)
	}
	return h
}

// spanCells is one cell across the whole table.
func (t *table) spanCells(text string, fill *rgb, bold bool) []cell {
	w := 0.0
	for _, x := range t.widths {
		w += x
	}
	return []cell{{w: w, text: text, lines: 2, fill: fill, bold: bold}}
}

func (t *table) spanH(text string) float64 {
	save := t.d.size
	defer t.d.setFont(save)
	t.d.setFont(t.size)
	return t.d.prepareRow(t.spanCells(text, nil, false), t.minH*0.8).h
}

// span draws a row of one cell across the table (a section head or a
// subtotal).
func (t *table) span(text string, fill *rgb, bold bool) {
	d := t.d
	d.setFont(t.size)
	cells := t.spanCells(text, fill, bold)
	p := d.prepareRow(cells, t.minH*0.8)
	if !t.started {
		t.started = true
		d.need(t.headerH() + p.h)
		t.header()
		d.onNewPage = t.header
	}
	d.need(p.h)
	d.setFont(t.size)
	d.drawRow(cells, p)
}

// addRows draws rows (fills[i] shades row i when fills is not nil) so that
// a page never ends up with fewer than tail of the last rows alone (no
// orphan rows on a last page), and the last rows keep with the after mm
// that follow them (keep-with-next: a signature block).
func (t *table) addRows(rows [][]string, fills []*rgb, tail int, after float64) {
	d := t.d
	if tail > len(rows) {
		tail = len(rows)
	}
	start := len(rows) - tail
	for i, r := range rows {
		var fill *rgb
		if fills != nil {
			fill = fills[i]
		}
		if i == start && i > 0 {
			// the tail and what follows go together
			h := after
			for _, tr := range rows[start:] {
				d.setFont(t.size)
				h += d.prepareRow(t.rowCells(tr, nil, false), t.minH).h
			}
			if h+t.headerH() < d.bottom-d.top {
				d.need(h)
			}
		}
		if i == 0 && tail == len(rows) && len(rows) > 0 {
			h := after + t.headerH()
			for _, tr := range rows {
				d.setFont(t.size)
				h += d.prepareRow(t.rowCells(tr, nil, false), t.minH).h
			}
			if h < d.bottom-d.top {
				d.need(h)
			}
		}
		t.add(r, fill, false)
	}
}

// headSize is the largest size from sizePt down to 6 at which every word
// of a column title fits w and the title takes at most maxLines lines
// ("基本合格（人）" on two lines, not three).
func (d *doc) headSize(s string, w, sizePt float64, maxLines int) float64 {
	size := d.fitWords(s, w, sizePt, 6)
	save := d.size
	defer d.setFont(save)
	for ; size > 6; size -= 0.5 {
		d.setFont(size)
		if len(d.wrap(s, w)) <= maxLines {
			return size
		}
	}
	return 6
}

// fitWords returns the largest size from sizePt down to minPt at which
// every word of s (split at spaces; CJK text breaks anywhere) fits w.
func (d *doc) fitWords(s string, w, sizePt, minPt float64) float64 {
	save := d.size
	defer d.setFont(save)
	for size := sizePt; size > minPt; size -= 0.5 {
		d.setFont(size)
		ok := true
		for _, word := range strings.Fields(s) {
			if !strings.ContainsFunc(word, isCJK) && d.strW(word) > w {
				ok = false
				break
			}
		}
		if ok {
			return size
		}
	}
	return minPt
}

// labelValueRow draws label/value pairs: shaded label cells followed by
// value cells, with the given relative widths.
func (d *doc) labelValueRow(sizePt float64, minH float64, pairs ...lv) {
	d.setFont(sizePt)
	d.row(d.lvCells(pairs...), minH)
}

// lvCells are the cells of labelValueRow.
func (d *doc) lvCells(pairs ...lv) []cell {
	total := 0.0
	for _, p := range pairs {
		total += p.lw + p.vw
	}
	avail := d.right - d.left
	var cells []cell
	for _, p := range pairs {
		cells = append(cells,
			cell{w: p.lw / total * avail, text: p.label, align: "C", shade: true, lines: 2},
			cell{w: p.vw / total * avail, text: p.value, align: p.align, lines: p.lines, draw: p.draw, minH: p.minH})
	}
	return cells
}

// lv is one label/value pair of labelValueRow.
type lv struct {
	label, value string
	lw, vw       float64
	align        string
	lines        int
	draw         func(x, y, w, h float64)
	minH         float64
}
