package forms

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

// DefaultPolicy is the policy a form is drawn with when its input has
// none: the store's default policy (store.DefaultPolicy, the one source,
// which schedule's TestDefaultPolicyOneSource holds this to) — weights
// 40/30/20/10; excellent ≥ 95 with 100% participation, good ≥ 85, pass ≥ 70,
// fail below; labels 好/较好/一般/较差 for a quarter and
// 优秀/合格/基本合格/不合格 for a year, or their English names.
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
