package handlers

import (
	"studyroll/schedule/forms"
	"studyroll/store"
)

// inspectionForm fills the report and ledger of inspection id from the store.
func (h *Handler) inspectionForm(id string) (*forms.Inspection, error) {
	r, err := h.store.InspectionReport(id)
	if err != nil {
		return nil, err
	}
	out := &forms.Inspection{Organisation: r.Organisation, Title: r.Title, StartsOn: r.StartsOn, EndsOn: r.EndsOn,
		Status: r.Status, Methods: r.Methods, Awareness: awarenessForm(r.Awareness),
		Figures: forms.InspectionFigures{Organisations: r.Summary.Organisations, Branches: r.Summary.Branches, People: r.Summary.People,
			Problems: r.Summary.Problems, Rectified: r.Summary.Rectified, Overdue: r.Summary.Overdue}}
	for _, m := range r.Inspectors {
		out.Inspectors = append(out.Inspectors, m.Name)
	}
	for _, u := range r.Targets {
		out.Units = append(out.Units, forms.InspectionUnit{Name: u.Name, Branches: u.Summary.Branches, People: u.Summary.People,
			Problems: u.Summary.Problems, Rectified: u.Summary.Rectified, Overdue: u.Summary.Overdue, Awareness: awarenessForm(u.Awareness)})
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, forms.LedgerRow{Unit: unitName(r, f.GroupID), Problem: f.Description, Category: f.Category,
			Severity: f.Severity, Measures: f.Measures, Responsible: r.Members[f.ResponsibleID].Name, Deadline: f.Deadline,
			State: f.State, ClosedOn: f.ClosedOn, Overdue: f.Overdue})
	}
	return out, nil
}

// unitName names a finding's group as the ledger's 单位: the target that
// holds it, then the group itself when it lies below ("办公室 第一党支部").
func unitName(r *store.InspectionReport, g string) string {
	gr, _ := r.Tree.Group(g)
	for _, t := range r.Targets {
		if t.GroupID == g {
			return t.Name
		}
		if r.Tree.Covers(t.GroupID, g) {
			return t.Name + " " + gr.Name
		}
	}
	return gr.Name
}

func awarenessForm(a store.Awareness) forms.Awareness {
	return forms.Awareness{Asked: a.Asked, Correct: a.Correct, Partial: a.Partial, Wrong: a.Wrong, NoAnswer: a.NoAnswer}
}

func questionnaireForm(r *store.QuestionnaireResults) forms.QuestionnaireResults {
	out := forms.QuestionnaireResults{Title: r.Questionnaire.Title, Respondents: r.Respondents, Audience: r.Audience}
	for _, q := range r.Questions {
		fq := forms.QuestionnaireQuestion{Text: q.Text, Texts: q.Texts}
		for _, c := range q.Counts {
			oc := forms.OptionCount{Option: c.Option, Count: c.Count}
			if c.Percent != nil {
				oc.Percent = *c.Percent
			}
			fq.Options = append(fq.Options, oc)
		}
		out.Questions = append(out.Questions, fq)
	}
	return out
}
