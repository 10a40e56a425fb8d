package schedule

import (
	"sort"

	"studyroll/schedule/forms"
	"studyroll/store"
)

func formsRate(r store.Ratio) forms.Rate { return forms.Rate{Num: int64(r.Num), Den: int64(r.Den)} }

// groupRow sums the rows of the given members (numerators over
// denominators) into one roll-up row named name; sessions counts the
// distinct sessions that reached any of them.
func (d *periodData) groupRow(name string, rows []*store.MemberRate, sessions int) forms.SummaryGroup {
	g := forms.SummaryGroup{Name: name, Members: len(rows), Sessions: sessions, GradeCounts: map[string]int{}}
	for _, r := range rows {
		g.Participation = g.Participation.Add(formsRate(r.Participation))
		g.Completion = g.Completion.Add(formsRate(r.Completion))
		g.Excellence = g.Excellence.Add(formsRate(r.Excellence))
		if r.Grade != "" {
			g.GradeCounts[r.Grade]++
		}
	}
	return g
}

// sessionsReaching counts the distinct sessions of the period that reach a
// member of any of the groups: those targeting one of them or an ancestor.
func (d *periodData) sessionsReaching(groups []string) int {
	seen := map[string]bool{}
	for _, g := range groups {
		for _, a := range d.tree.Ancestors(g) {
			for _, si := range d.sessions[a] {
				seen[si.s.ID] = true
			}
		}
	}
	return len(seen)
}

// rowsIn lists the member rows whose group is one of groups, by group path
// then name.
func (d *periodData) rowsIn(groups []string) []*store.MemberRate {
	in := make(map[string]bool, len(groups))
	for _, g := range groups {
		in[g] = true
	}
	var out []*store.MemberRate
	for i := range d.rates.Members {
		r := &d.rates.Members[i]
		if in[r.GroupID] {
			out = append(out, r)
		}
	}
	paths := map[string]string{}
	path := func(g string) string {
		p, ok := paths[g]
		if !ok {
			p = d.tree.Path(g)
			paths[g] = p
		}
		return p
	}
	sort.SliceStable(out, func(i, j int) bool {
		if pi, pj := path(out[i].GroupID), path(out[j].GroupID); pi != pj {
			return pi < pj
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return idLess(out[i].MemberID, out[j].MemberID)
	})
	return out
}

// groupSummary is the summary of group g's subtree: one roll-up row per
// child subtree (and one for g's own members when it has children), the
// group's own total, and every member row. ok is false when nobody in the
// subtree is in the period's rates.
func (d *periodData) groupSummary(g string) (forms.GroupSummary, bool) {
	sub := d.tree.Subtree(g)
	rows := d.rowsIn(sub)
	if len(rows) == 0 {
		return forms.GroupSummary{}, false
	}
	name := d.groupName(g)
	fp := formsPeriod(d.p)
	out := forms.GroupSummary{
		Title:        name + " " + fp.Label("zh") + "学习情况汇总表",
		Organisation: name,
		Period:       fp,
		Policy:       formsPolicy(d.pol, d.p, "zh"),
	}
	children := d.tree.Children(g)
	if len(children) == 0 {
		out.Groups = []forms.SummaryGroup{d.groupRow(name, rows, d.sessionsReaching([]string{g}))}
	} else {
		if own := d.rowsIn([]string{g}); len(own) > 0 {
			out.Groups = append(out.Groups, d.groupRow(name+"（本级）", own, d.sessionsReaching([]string{g})))
		}
		for _, c := range children {
			cs := d.tree.Subtree(c)
			if cr := d.rowsIn(cs); len(cr) > 0 {
				out.Groups = append(out.Groups, d.groupRow(d.groupName(c), cr, d.sessionsReaching(cs)))
			}
		}
	}
	total := d.groupRow(name, rows, d.sessionsReaching(sub))
	out.Total = &total
	out.Members = make([]forms.SummaryMember, len(rows))
	for i, r := range rows {
		out.Members[i] = forms.SummaryMember{Name: r.Name, Group: d.groupName(r.GroupID),
			Participation: formsRate(r.Participation), Completion: formsRate(r.Completion),
			Excellence: formsRate(r.Excellence), Score: r.Score, Grade: r.Grade}
	}
	return out, true
}
