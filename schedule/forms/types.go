// Package forms renders studyroll's printed forms — the member appraisal
// (个人学习考核表), the group summary (各支部学习情况汇总表, PDF and XLSX) and
// the sign-in sheet (学习签到表) — as pure functions of plain Go structs.
//
// The package knows nothing of the store or HTTP: callers map their data into
// the input structs below. Every renderer is safe to call concurrently. All
// user text (names, titles, notes, report text) is printed literally, never
// interpreted; over-long text is wrapped and truncated with "…" so the layout
// never breaks.
package forms

import (
	"fmt"
	"strings"
	"time"

	"studyroll/period"
)

// Options are the settings shared by every renderer.
type Options struct {
	// Font is a TrueType font (glyf outlines) used for all text. Nil means the
	// embedded WenQuanYi Micro Hei (assets.Font), with a fast cached subset.
	// The slice is only read: each document works on its own copy.
	Font []byte
	// Lang is "zh" (default, also for "" and "zh-*") or "en" ("en-*").
	Lang string
	// GeneratedAt is printed in every page footer; zero means time.Now().
	GeneratedAt time.Time
	// DataHash identifies the data the form was built from (e.g. a SHA-256 in
	// hex); printed in every page footer when not empty.
	DataHash string
	// Revision is the locked period's revision the figures come from; above
	// 1 every page prints 第N版 and RevisionReason (why the period was
	// unlocked).
	Revision       int
	RevisionReason string
	// AuditHead is the audit chain head the data was read at; printed
	// (shortened) in every page footer when not empty.
	AuditHead string
	// Provisional marks figures to date of a period that has not ended:
	// every page prints 暂评 (provisional) with AsOf.
	Provisional bool
	AsOf        time.Time
	// Location, when set, is the time zone every time is shown in (the
	// server's zone, Asia/Shanghai by default in studyroll). Nil shows each
	// time in its own location.
	Location *time.Location
}

// Period is the appraisal period (package period): forms read its Year and
// Quarter only.
type Period = period.Period

// PeriodLabel is the printed name of p: "2023年第三季度" / "2023年度" in
// Chinese, "Q3 2023" / "Year 2023" in English.
func PeriodLabel(p Period, lang string) string {
	l := labelTables[normLang(lang)]
	if p.Annual() {
		if normLang(lang) == "en" {
			return fmt.Sprintf("%s %d", l["year"], p.Year)
		}
		return fmt.Sprintf("%d%s", p.Year, l["year"])
	}
	q := l[fmt.Sprintf("q%d", p.Quarter)]
	if q == "" {
		q = fmt.Sprintf("Q%d", p.Quarter)
	}
	if normLang(lang) == "en" {
		return fmt.Sprintf("%s %d", q, p.Year)
	}
	return fmt.Sprintf("%d年%s", p.Year, q)
}

// Rate is a numerator over a denominator, e.g. attended / required sessions.
// A zero denominator is a null rate ("none required"), never 100%.
type Rate struct {
	Num int64
	Den int64
}

// Null reports whether the rate has nothing required.
func (r Rate) Null() bool { return r.Den <= 0 }

// Value is Num/Den unrounded; ok is false for a null rate.
func (r Rate) Value() (v float64, ok bool) {
	if r.Null() {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// BelowTarget reports whether a non-null rate is under 100%.
func (r Rate) BelowTarget() bool { return !r.Null() && r.Num < r.Den }

// Percent formats the rate with one decimal, rounding half up: "95.0%".
// A null rate gives "".
func (r Rate) Percent() string {
	if r.Null() {
		return ""
	}
	num, den := r.Num, r.Den
	neg := num < 0
	if neg {
		num = -num
	}
	// tenths of a percent, half up, in integers (no float rounding surprises)
	t := (num*2000 + den) / (2 * den)
	s := fmt.Sprintf("%d.%d%%", t/10, t%10)
	if neg && t != 0 {
		s = "-" + s
	}
	return s
}

// Add sums two rates the way group rates are built: numerators over
// denominators, not an average of rates.
func (r Rate) Add(o Rate) Rate {
	return Rate{Num: r.Num + o.Num, Den: r.Den + o.Den}
}

// Grade codes of the default policy.
const (
	GradeExcellent = "excellent"
	GradeGood      = "good"
	GradePass      = "pass"
	GradeFail      = "fail"
)

// Weights of the parts of the appraisal score.
type Weights struct {
	Participation float64
	Completion    float64
	Excellence    float64
	Evaluation    float64
}

// GradeBand is one grade of a policy.
type GradeBand struct {
	// Code is the stable code, e.g. "excellent".
	Code string
	// Label is what is printed, e.g. "好" or "优秀".
	Label string
	// MinScore: the grade needs score ≥ MinScore (0 for the last band).
	MinScore float64
	// FullParticipation: the grade also needs participation = 100%.
	FullParticipation bool
}

// Policy is the appraisal policy a form was computed with; every PDF prints
// it. Grades run best first.
type Policy struct {
	Weights Weights
	Grades  []GradeBand
}

// DefaultPolicy is the default policy (docs/RATES.md): weights 40/30/20/10; excellent ≥ 95
// with 100% participation, good ≥ 85, pass ≥ 70, fail below; labels
// 好/较好/一般/较差 for a quarter and 优秀/合格/基本合格/不合格 for a year (or
// their English equivalents).
func DefaultPolicy(p Period, lang string) Policy {
	lb := defaultGradeLabels[normLang(lang)][p.Annual()]
	return Policy{
		Weights: Weights{Participation: 40, Completion: 30, Excellence: 20, Evaluation: 10},
		Grades: []GradeBand{
			{Code: GradeExcellent, Label: lb[0], MinScore: 95, FullParticipation: true},
			{Code: GradeGood, Label: lb[1], MinScore: 85},
			{Code: GradePass, Label: lb[2], MinScore: 70},
			{Code: GradeFail, Label: lb[3], MinScore: 0},
		},
	}
}

// withDefaults fills an empty policy (or empty parts of it) from
// DefaultPolicy, and empty labels from the grade code.
func (pol Policy) withDefaults(p Period, lang string) Policy {
	def := DefaultPolicy(p, lang)
	if pol.Weights == (Weights{}) {
		pol.Weights = def.Weights
	}
	if len(pol.Grades) == 0 {
		pol.Grades = def.Grades
	}
	out := make([]GradeBand, len(pol.Grades))
	copy(out, pol.Grades)
	for i := range out {
		if out[i].Label == "" {
			for _, d := range def.Grades {
				if d.Code == out[i].Code {
					out[i].Label = d.Label
				}
			}
			if out[i].Label == "" {
				out[i].Label = out[i].Code
			}
		}
	}
	pol.Grades = out
	return pol
}

// label returns the printed label of a grade code, or the code itself.
func (pol Policy) label(code string) string {
	for _, g := range pol.Grades {
		if g.Code == code {
			return g.Label
		}
	}
	return code
}

func normLang(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return "en"
	}
	return "zh"
}

func checkLang(lang string) error {
	l := strings.ToLower(strings.TrimSpace(lang))
	switch {
	case l == "", l == "zh", l == "en",
		strings.HasPrefix(l, "zh-"), strings.HasPrefix(l, "zh_"),
		strings.HasPrefix(l, "en-"), strings.HasPrefix(l, "en_"):
		return nil
	}
	return fmt.Errorf("forms: unsupported language %q (want zh or en)", lang)
}
