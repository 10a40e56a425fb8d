package schedule

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// formsPolicy is the store policy as the forms print it. English forms
// print the configured labels; only where a label is still the (Chinese)
// default do they use the forms' English name for the grade.
func formsPolicy(pol store.Policy, p store.Period, lang string) forms.Policy {
	def := store.DefaultPolicy()
	label := func(code string) string {
		l := pol.Label(code, p)
		if lang == "en" && l == def.Label(code, p) {
			return "" // the forms' English default for the code
		}
		return l
	}
	return forms.Policy{
		Weights: forms.Weights{Participation: pol.Weights.Participation, Completion: pol.Weights.Completion,
			Excellence: pol.Weights.Excellence, Evaluation: pol.Weights.Evaluation},
		Grades: []forms.GradeBand{
			{Code: store.GradeExcellent, Label: label(store.GradeExcellent), MinScore: pol.Bands.Excellent, FullParticipation: pol.ExcellentNeedsFullParticipation},
			{Code: store.GradeGood, Label: label(store.GradeGood), MinScore: pol.Bands.Good},
			{Code: store.GradePass, Label: label(store.GradePass), MinScore: pol.Bands.Pass},
			{Code: store.GradeFail, Label: label(store.GradeFail), MinScore: 0},
		},
	}
}

// memberAppraisal maps one member's data to the appraisal form. ok is
// false when the member is not in the period's rates; err is a failed read
// of their attendance.
func (d *periodData) memberAppraisal(memberID, lang string) (in forms.MemberAppraisal, ok bool, err error) {
	row := d.rows[memberID]
	m := d.members[memberID]
	if row == nil || m == nil {
		return forms.MemberAppraisal{}, false, nil
	}
	fp := d.p
	in = forms.MemberAppraisal{
		Organisation: d.organisation(m.GroupID),
		Period:       fp,
		Member:       forms.MemberInfo{Name: m.Name, Group: d.groupName(m.GroupID), Position: m.Title, Unit: d.unit(m.GroupID)},
		Content:      forms.Content{Assigned: row.Completion.Den, Completed: row.Completion.Num},
		Result:       forms.AppraisalResult{Score: row.Score, Grade: row.Grade},
		Policy:       formsPolicy(d.pol, d.p, lang),
	}
	if in.Attendance, in.Sessions, err = d.attendance(m, row); err != nil {
		return in, false, err
	}
	for _, ei := range d.requiredExams(m) {
		date, _ := time.ParseInLocation(store.DateLayout, ei.e.HeldOn, d.loc)
		line := forms.ExamLine{Title: ei.e.Title, Date: date, MaxScore: ei.e.MaxScore, ExcellentScore: ei.e.ExcellentScore}
		if sc, ok := ei.scores[memberID]; ok {
			line.Score = &sc
		}
		in.Exams = append(in.Exams, line)
	}
	if a := d.acts[memberID]; a != nil {
		in.Engagement = forms.Engagement{LeadCount: a.TimesLed, Shares: a.Shares,
			QuestionsAsked: a.QuestionsAsked, QuestionsAnswered: a.QuestionsAnswered}
		for _, ar := range a.Reports {
			line := forms.ReportLine{Grade: ar.Grade, Comment: ar.Comment}
			if rp, err := store.ParsePeriod(ar.Period, d.loc); err == nil {
				line.Title = forms.PeriodLabel(rp, lang)
			}
			if r, ok := d.reports[ar.ID]; ok {
				line.Text, line.Date = r.Text, r.CreatedAt
			}
			in.Reports = append(in.Reports, line)
		}
	}
	return in, true, nil
}

// attendance lists m's required sessions and counts them so that 应参学 =
// 实参学 + 请假 + 缺席 + 未登记: attended (present, late, or made up), leave
// and absent without a make-up, no record. Sessions of an open period not
// yet ended are listed as upcoming (never 未补学) and counted as the rates
// count them (nowhere once the rates count open periods to date).
// The participation rate itself is the rates' (row.Participation).
func (d *periodData) attendance(m *store.Member, row *store.MemberRate) (forms.Attendance, []forms.SessionLine, error) {
	var a forms.Attendance
	var lines []forms.SessionLine
	required := d.requiredSessions(m)
	att, err := d.attOf(m.ID, required)
	if err != nil {
		return a, nil, err
	}
	for _, si := range required {
		at := att[si]
		line := forms.SessionLine{Date: si.s.StartsAt, Title: si.s.Title, Status: statusCode(at.status), MadeUp: at.makeupOn != "", Note: at.note}
		if at.makeupOn != "" {
			line.MadeUpOn, _ = time.ParseInLocation(store.DateLayout, at.makeupOn, d.loc)
		}
		if d.frozen == nil && si.s.EndsAt.After(d.now) {
			line.Upcoming = true // never 未补学
			if d.rates.Provisional {
				lines = append(lines, line)
				continue // the rates count only what has fallen due
			}
		}
		switch {
		case line.Status == forms.StatusPresent || line.Status == forms.StatusLate || line.MadeUp:
			a.Attended++
		case line.Status == forms.StatusLeave:
			a.Leave++
		case line.Status == forms.StatusAbsent:
			a.Absent++
		default:
			a.Unrecorded++
		}
		if line.MadeUp {
			a.MadeUp++
		}
		lines = append(lines, line)
	}
	a.Required = a.Attended + a.Leave + a.Absent + a.Unrecorded
	if row.Participation.Den != a.Required || row.Participation.Num != a.Attended {
		// a policy that excuses leave or does not count late arrivals: the
		// rate is the rates' own, the counts what happened
		a.Rate = &forms.Rate{Num: int64(row.Participation.Num), Den: int64(row.Participation.Den)}
	}
	return a, lines, nil
}

// unit is the member's department (所属单位): the group right below the
// root on the way up from g (g itself when it is directly below the root,
// the root when g is the root).
func (d *periodData) unit(g string) string {
	anc := d.tree.Ancestors(g)
	switch len(anc) {
	case 0:
		return ""
	case 1:
		return d.groupName(anc[0])
	}
	return d.groupName(anc[len(anc)-2])
}

func statusCode(s store.Status) string {
	switch s {
	case store.StatusPresent:
		return forms.StatusPresent
	case store.StatusLate:
		return forms.StatusLate
	case store.StatusLeave:
		return forms.StatusLeave
	case store.StatusAbsent:
		return forms.StatusAbsent
	}
	return ""
}

// dataHash is the SHA-256, in hex, of the canonical JSON of what a file is
// built from: its kind, its language and the form's input struct, encoded
// by encoding/json (struct fields in declaration order, map keys sorted,
// times in RFC 3339), so the same data always gives the same hash.
func dataHash(kind, lang string, data any) (string, error) {
	b, err := json.Marshal(struct {
		Kind string `json:"kind"`
		Lang string `json:"lang"`
		Data any    `json:"data"`
	}{kind, lang, data})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
