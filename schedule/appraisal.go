package schedule

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// formsPeriod converts a store period.
func formsPeriod(p store.Period) forms.Period { return forms.Period{Year: p.Year, Quarter: p.Quarter} }

// formsPolicy is the store policy as the forms print it. English forms
// keep the forms' English grade names unless the policy's labels are the
// defaults (which are Chinese).
func formsPolicy(pol store.Policy, p store.Period, lang string) forms.Policy {
	label := func(code string) string {
		if lang == "en" {
			return "" // the forms' English default for the code
		}
		return pol.Label(code, p)
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
// false when the member is not in the period's rates.
func (d *periodData) memberAppraisal(memberID, lang string) (forms.MemberAppraisal, bool) {
	row := d.rows[memberID]
	m := d.members[memberID]
	if row == nil || m == nil {
		return forms.MemberAppraisal{}, false
	}
	fp := formsPeriod(d.p)
	in := forms.MemberAppraisal{
		Organisation: d.organisation(m.GroupID),
		Period:       fp,
		Member:       forms.MemberInfo{Name: m.Name, Group: d.groupName(m.GroupID)},
		Attendance: forms.Attendance{
			Required: row.Participation.Den, Attended: row.Participation.Num,
			Leave: row.Attendance.Leave, Absent: row.Attendance.Absent, MadeUp: row.Attendance.Makeup,
		},
		Content: forms.Content{Assigned: row.Completion.Den, Completed: row.Completion.Num},
		Result:  forms.AppraisalResult{Score: row.Score, Grade: row.Grade},
		Policy:  formsPolicy(d.pol, d.p, lang),
	}
	for _, si := range d.requiredSessions(m) {
		a := si.att[memberID]
		line := forms.SessionLine{Date: si.s.StartsAt, Title: si.s.Title, Status: statusCode(a.status), MadeUp: a.makeupOn != "", Note: a.note}
		if a.makeupOn != "" {
			line.MadeUpOn, _ = time.ParseInLocation(store.DateLayout, a.makeupOn, d.loc)
		}
		in.Sessions = append(in.Sessions, line)
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
				line.Title = formsPeriod(rp).Label(lang)
			}
			if r, ok := d.reports[ar.ID]; ok {
				line.Text, line.Date = r.Text, r.CreatedAt
			}
			in.Reports = append(in.Reports, line)
		}
	}
	return in, true
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
