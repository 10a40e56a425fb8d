package store

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPolicyScoreAndGrade(t *testing.T) {
	pol := DefaultPolicy()
	n := func(v float64) *float64 { return &v }
	cases := []struct {
		name          string
		p, c, e, eval *float64
		score         float64 // -1: null
		grade         string
	}{
		{"all full", n(1), n(1), n(1), n(5), 100, GradeExcellent},
		// (40 + 30 + 20·0.75 + 10·(4.5−1)/4) = 93.75
		{"API example parts", n(1), n(1), n(0.75), n(4.5), 93.75, GradeGood},
		// 95 exactly with full participation: (40 + 30 + 20·0.75 + 10·1) = 95
		{"exactly 95 with 100% participation", n(1), n(1), n(0.75), n(5), 95, GradeExcellent},
		// 36 + 30 + 20 + 10 = 96 but participation 90%
		{"96 without full participation is good", n(0.9), n(1), n(1), n(5), 96, GradeGood},
		// evaluation null: (40·1 + 30·1 + 20·0.75)/90 = 94.444…
		{"null evaluation renormalises", n(1), n(1), n(0.75), nil, 85.0 / 0.9, GradeGood},
		// only completion: 0.7 → 70 exactly: pass
		{"only completion at the pass line", nil, n(0.7), nil, nil, 70, GradePass},
		{"just under the pass line", nil, n(0.6999), nil, nil, 69.99, GradeFail},
		{"only the evaluation, grade 3", nil, nil, nil, n(3), 50, GradeFail},
		// participation null: excellent impossible under the default policy
		{"null participation never excellent", nil, n(1), n(1), nil, 100, GradeGood},
		{"nothing at all", nil, nil, nil, nil, -1, ""},
		{"85 is good", n(0.85), n(0.85), n(0.85), n(0.85*4 + 1), 85, GradeGood},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := pol.Score(tc.p, tc.c, tc.e, tc.eval)
			switch {
			case tc.score < 0 && s != nil:
				t.Fatalf("score %v, want null", *s)
			case tc.score >= 0 && (s == nil || math.Abs(*s-tc.score) > 1e-9):
				t.Fatalf("score %v, want %v", s, tc.score)
			}
			full := tc.p != nil && *tc.p == 1
			if g := pol.Grade(s, full); g != tc.grade {
				t.Errorf("grade %q, want %q", g, tc.grade)
			}
		})
	}
	t.Run("a zero weight drops its part", func(t *testing.T) {
		p := DefaultPolicy()
		p.Weights.Excellence = 0
		// (40·1 + 30·0.5)/70
		if s := p.Score(n(1), n(0.5), n(0), nil); math.Abs(*s-55.0/0.7) > 1e-9 {
			t.Errorf("score %v", *s)
		}
		p.Weights = Weights{Excellence: 1}
		if s := p.Score(n(1), n(1), nil, n(5)); s != nil {
			t.Errorf("only zero-weight parts known: %v, want null", *s)
		}
	})
	t.Run("labels", func(t *testing.T) {
		q, _ := ParsePeriod("2023Q3", DefaultLocation())
		y, _ := ParsePeriod("2023", DefaultLocation())
		if pol.Label(GradeExcellent, q) != "好" || pol.Label(GradeFail, q) != "较差" || pol.Label(GradePass, y) != "基本合格" || pol.Label(GradeGood, y) != "合格" {
			t.Error("default labels")
		}
	})
}

func TestLoadPolicy(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		file string
		errs []string // substrings of the error; nil: valid
		chk  func(t *testing.T, p Policy)
	}{
		{name: "OK empty object is the default", file: `{}`, chk: func(t *testing.T, p Policy) {
			if p.Weights != DefaultPolicy().Weights || !p.LateCountsAsAttended || p.LeaveExcused {
				t.Errorf("%+v", p)
			}
		}},
		{name: "OK civil-service labels and leave excused", file: `{"leave_excused": true,
			"labels": {"annual": {"excellent": "优秀", "good": "称职", "pass": "基本称职", "fail": "不称职"}}}`,
			chk: func(t *testing.T, p Policy) {
				if !p.LeaveExcused || p.Labels.Annual[GradeGood] != "称职" || p.Labels.Quarterly[GradeGood] != "较好" {
					t.Errorf("%+v", p)
				}
			}},
		{name: "OK nested under policy beside other settings", file: `{"tz": "Asia/Shanghai", "policy": {"weights": {"participation": 50, "completion": 30, "excellence": 20, "evaluation": 0}}}`,
			chk: func(t *testing.T, p Policy) {
				if p.Weights.Participation != 50 || p.Weights.Evaluation != 0 {
					t.Errorf("%+v", p.Weights)
				}
			}},
		{name: "ErrNegativeWeight", file: `{"weights": {"participation": -1}}`, errs: []string{"weights.participation: must not be negative"}},
		{name: "ErrAllZero", file: `{"weights": {"participation": 0, "completion": 0, "excellence": 0, "evaluation": 0}}`, errs: []string{"at least one weight"}},
		{name: "ErrBandsOutOfOrder", file: `{"bands": {"excellent": 80, "good": 85, "pass": 70}}`, errs: []string{"bands: must rise strictly"}},
		{name: "ErrBandOutOfRange", file: `{"bands": {"excellent": 120}}`, errs: []string{"bands.excellent: must be a score between 0 and 100"}},
		{name: "ErrMissingLabel", file: `{"labels": {"quarterly": {"good": ""}}}`, errs: []string{"labels.quarterly.good: missing label"}},
		{name: "ErrUnknownGrade", file: `{"labels": {"annual": {"superb": "特优"}}}`, errs: []string{"labels.annual.superb: unknown grade"}},
		{name: "ErrTypo", file: `{"weight": {}}`, errs: []string{`unknown field "weight"`}},
		{name: "ErrNotJSON", file: `weights = 1`, errs: []string{"not a JSON object"}},
		{name: "ErrSeveralAtOnce", file: `{"weights": {"completion": -3}, "bands": {"pass": 90}}`, errs: []string{"weights.completion", "bands: must rise"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "c"+string(rune('a'+i))+".json")
			os.WriteFile(path, []byte(tc.file), 0o600)
			p, err := LoadPolicy(path)
			if tc.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				tc.chk(t, p)
				return
			}
			if err == nil {
				t.Fatalf("loaded %+v, want an error", p)
			}
			for _, sub := range tc.errs {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q lacks %q", err, sub)
				}
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	if _, err := LoadPolicy(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file loaded")
	}
	if p := DefaultPolicy(); p.Validate() != nil {
		t.Errorf("default policy invalid: %v", p.Validate())
	}
}

func TestStorePolicy(t *testing.T) {
	s, _ := mustOpen(t)
	if s.Policy().Weights != DefaultPolicy().Weights {
		t.Error("a new store's policy is not the default")
	}
	p := DefaultPolicy()
	p.Weights.Evaluation = 0
	if err := s.SetPolicy(p); err != nil {
		t.Fatal(err)
	}
	got := s.Policy()
	got.Labels.Annual[GradeFail] = "changed"
	if s.Policy().Weights.Evaluation != 0 || s.Policy().Labels.Annual[GradeFail] != "不合格" {
		t.Error("policy not kept, or shared with callers")
	}
	bad := DefaultPolicy()
	bad.Bands.Pass = 99
	if err := s.SetPolicy(bad); err == nil {
		t.Error("invalid policy accepted")
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(`{}`)
	f.Add(`{"policy":{"weights":{"participation":1}}}`)
	f.Add(`{"bands":{"excellent":1e309}}`)
	f.Add(`{"labels":{"quarterly":null}}`)
	f.Fuzz(func(t *testing.T, data string) {
		p, err := ParsePolicy([]byte(data))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid policy: %v", err)
		}
		one := 1.0
		if s := p.Score(&one, &one, &one, nil); s == nil && p.Weights.Participation+p.Weights.Completion+p.Weights.Excellence > 0 {
			t.Fatal("no score from full parts")
		}
	})
}
