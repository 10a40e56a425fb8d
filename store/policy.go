package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// Grade codes of an appraisal.
const (
	GradeExcellent = "excellent"
	GradeGood      = "good"
	GradePass      = "pass"
	GradeFail      = "fail"
)

// Grades lists the grade codes from best to worst.
var Grades = []string{GradeExcellent, GradeGood, GradePass, GradeFail}

// Policy is the appraisal policy: how the three rates and the evaluation
// are weighted into a score, where the grade bands lie, how late arrivals
// and leave count, and the printed label of each grade. DefaultPolicy is the
// default policy (docs/RATES.md); a config file may change any part (see LoadPolicy).
type Policy struct {
	Weights Weights `json:"weights"`
	Bands   Bands   `json:"bands"`
	// ExcellentNeedsFullParticipation: the grade excellent also needs a
	// participation rate of exactly 100% (a null rate is not 100%).
	ExcellentNeedsFullParticipation bool `json:"excellent_needs_full_participation"`
	// LateCountsAsAttended: a late arrival counts as attended (default
	// true). When false, a late record counts only with a make-up.
	LateCountsAsAttended bool `json:"late_counts_as_attended"`
	// LeaveExcused: an approved leave without make-up drops the session out
	// of the member's participation denominator instead of counting as
	// missed (default false). Its content items stay assigned.
	LeaveExcused bool `json:"leave_excused"`
	// SelfStudyWhileActive: a self-study item is assigned only to members
	// active on its due date (default false: the rule assigns it to every
	// member its plan's group covers, whatever their dates).
	SelfStudyWhileActive bool   `json:"self_study_while_active"`
	Labels               Labels `json:"labels"`
}

// Weights are the relative weights of the four parts of the score. A part
// whose value is null drops out and the others are renormalised.
type Weights struct {
	Participation float64 `json:"participation"`
	Completion    float64 `json:"completion"`
	Excellence    float64 `json:"excellence"`
	Evaluation    float64 `json:"evaluation"`
}

// Bands are the lowest scores (0–100) of the grades excellent, good and
// pass; below Pass is fail.
type Bands struct {
	Excellent float64 `json:"excellent"`
	Good      float64 `json:"good"`
	Pass      float64 `json:"pass"`
}

// Labels are the printed names of the grades, by grade code, for quarterly
// and annual appraisals.
type Labels struct {
	Quarterly map[string]string `json:"quarterly"`
	Annual    map[string]string `json:"annual"`
}

// DefaultPolicy is the default policy (docs/RATES.md): weights 40/30/20/10, bands
// 95/85/70 with excellent needing 100% participation, late counts as
// attended, leave counts as missed unless made up; quarterly labels
// 好/较好/一般/较差, annual 优秀/合格/基本合格/不合格. It is the one source of
// these: the forms' default policy and the web's Chinese grade names are
// checked against it (TestDefaultPolicyOneSource, TestGradeLabelsFromPolicy).
func DefaultPolicy() Policy {
	return Policy{
		Weights:                         Weights{Participation: 40, Completion: 30, Excellence: 20, Evaluation: 10},
		Bands:                           Bands{Excellent: 95, Good: 85, Pass: 70},
		ExcellentNeedsFullParticipation: true,
		LateCountsAsAttended:            true,
		LeaveExcused:                    false,
		Labels: Labels{
			Quarterly: map[string]string{GradeExcellent: "好", GradeGood: "较好", GradePass: "一般", GradeFail: "较差"},
			Annual:    map[string]string{GradeExcellent: "优秀", GradeGood: "合格", GradePass: "基本合格", GradeFail: "不合格"},
		},
	}
}

// Validate reports every problem of the policy in one error, naming each
// field: negative or non-finite weights, all weights zero, bands outside
// 0..100 or out of order, missing labels.
func (p *Policy) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	w := []struct {
		name string
		v    float64
	}{
		{"weights.participation", p.Weights.Participation},
		{"weights.completion", p.Weights.Completion},
		{"weights.excellence", p.Weights.Excellence},
		{"weights.evaluation", p.Weights.Evaluation},
	}
	sum := 0.0
	for _, x := range w {
		switch {
		case math.IsNaN(x.v) || math.IsInf(x.v, 0):
			add("%s: must be a finite number", x.name)
		case x.v < 0:
			add("%s: must not be negative (got %g)", x.name, x.v)
		default:
			sum += x.v
		}
	}
	if sum == 0 {
		add("weights: at least one weight must be above zero")
	}
	b := []struct {
		name string
		v    float64
	}{{"bands.pass", p.Bands.Pass}, {"bands.good", p.Bands.Good}, {"bands.excellent", p.Bands.Excellent}}
	inRange := true
	for _, x := range b {
		if math.IsNaN(x.v) || x.v < 0 || x.v > 100 {
			add("%s: must be a score between 0 and 100 (got %g)", x.name, x.v)
			inRange = false
		}
	}
	if inRange && !(p.Bands.Pass < p.Bands.Good && p.Bands.Good < p.Bands.Excellent) {
		add("bands: must rise strictly: pass (%g) < good (%g) < excellent (%g)", p.Bands.Pass, p.Bands.Good, p.Bands.Excellent)
	}
	for _, l := range []struct {
		name string
		m    map[string]string
	}{{"labels.quarterly", p.Labels.Quarterly}, {"labels.annual", p.Labels.Annual}} {
		for _, g := range Grades {
			if strings.TrimSpace(l.m[g]) == "" {
				add("%s.%s: missing label", l.name, g)
			}
		}
		var extra []string
		for k := range l.m {
			if !isGrade(k) {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			add("%s.%s: unknown grade (want excellent, good, pass, fail)", l.name, k)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return errors.New("invalid appraisal policy: " + strings.Join(probs, "; "))
}

func isGrade(g string) bool {
	for _, x := range Grades {
		if x == g {
			return true
		}
	}
	return false
}

// Label is the printed name of grade for an appraisal of period p:
// quarterly labels for a quarter, annual ones for a year.
func (p *Policy) Label(grade string, period Period) string {
	if period.Quarter == 0 {
		return p.Labels.Annual[grade]
	}
	return p.Labels.Quarterly[grade]
}

// LoadPolicy reads the appraisal policy from a JSON config file and
// validates it. The file is either the policy object itself or an object
// with a "policy" key holding it (other top-level keys then belong to other
// settings and are ignored). Fields left out keep their DefaultPolicy value;
// unknown fields inside the policy are refused, so a typo is not silently
// ignored.
func LoadPolicy(path string) (Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("read config %s: %w", path, err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return Policy{}, fmt.Errorf("config %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy is LoadPolicy on the bytes of a config file.
func ParsePolicy(data []byte) (Policy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return Policy{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if raw, ok := top["policy"]; ok {
		data = raw
	}
	p := DefaultPolicy()
	// Labels given in the file replace the default maps entry by entry.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return Policy{}, errors.New("policy: trailing data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Score computes the appraisal score (0–100, unrounded) from the parts:
// rates 0..1 and the evaluation grade g 1–5 counted as (g−1)/4. A nil part
// drops out and the weights of the others are renormalised; nil when no
// weighted part is left.
func (p *Policy) Score(participation, completion, excellence, evaluation *float64) *float64 {
	var num, den float64
	add := func(w float64, v *float64) {
		if v != nil && w > 0 {
			num += w * *v
			den += w
		}
	}
	add(p.Weights.Participation, participation)
	add(p.Weights.Completion, completion)
	add(p.Weights.Excellence, excellence)
	if evaluation != nil {
		e := (*evaluation - 1) / 4
		add(p.Weights.Evaluation, &e)
	}
	if den == 0 {
		return nil
	}
	s := 100 * num / den
	return &s
}

// scoreEpsilon absorbs floating-point noise when a score is compared with a
// band: 40·1 + 30·1 + 20·0.75 … may land a hair below a band it reaches.
const scoreEpsilon = 1e-9

// Grade is the grade code of a score; fullParticipation says whether the
// participation rate is exactly 100%. A nil score has no grade ("").
func (p *Policy) Grade(score *float64, fullParticipation bool) string {
	if score == nil {
		return ""
	}
	s := *score + scoreEpsilon
	switch {
	case s >= p.Bands.Excellent && (fullParticipation || !p.ExcellentNeedsFullParticipation):
		return GradeExcellent
	case s >= p.Bands.Good:
		return GradeGood
	case s >= p.Bands.Pass:
		return GradePass
	}
	return GradeFail
}

// attended reports whether a record with status st and make-up flag counts
// as attended under the policy.
func (p *Policy) attended(st Status, makeup bool) bool {
	return makeup || st == StatusPresent || (st == StatusLate && p.LateCountsAsAttended)
}

// attendedRecord is attended for a decoded record.
func (p *Policy) attendedRecord(a *Attendance) bool { return p.attended(a.Status, a.MakeupOn != "") }

// excused reports whether a record drops out of the participation
// denominator under the policy: leave without make-up when leave is excused.
func (p *Policy) excused(st Status, makeup bool) bool {
	return p.LeaveExcused && st == StatusLeave && !makeup
}

// SetPolicy validates p and makes it the policy in force for this store
// (what GET /rates, the warnings and the reports use); serve sets it from
// --config at start.
func (s *Store) SetPolicy(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p = p.clone()
	s.policy.Store(&p)
	return nil
}

// Policy returns the policy in force: the one given to SetPolicy, else
// DefaultPolicy.
func (s *Store) Policy() Policy {
	if p := s.policy.Load(); p != nil {
		return p.clone()
	}
	return DefaultPolicy()
}

// clone copies the label maps so callers cannot change a shared policy.
func (p Policy) clone() Policy {
	cp := func(m map[string]string) map[string]string {
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	p.Labels.Quarterly = cp(p.Labels.Quarterly)
	p.Labels.Annual = cp(p.Labels.Annual)
	return p
}
