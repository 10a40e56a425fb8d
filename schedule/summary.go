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

// rowsIn lists the member rows whose group is one of groups, in the one
// order (group in tree order, roster position, name by pinyin).
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
	order := store.NewMemberOrder(d.tree) // one per call: workers call this concurrently
	pos := func(r *store.MemberRate) int {
		if m := d.members[r.MemberID]; m != nil {
			return m.Position
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return order.Less(a.GroupID, pos(a), a.Name, a.MemberID, b.GroupID, pos(b), b.Name, b.MemberID)
	})
	return out
}

// rowHead names the roll-up rows: 单位 when every row is a group with
// groups of its own (units), 支部 when none has, 单位/支部 when mixed.
func (d *periodData) rowHead(groups []string) string {
	units := 0
	for _, g := range groups {
		if len(d.tree.Children(g)) > 0 {
			units++
		}
	}
	switch {
	case units == 0:
		return "支部"
	case units == len(groups):
		return "单位"
	}
	return "单位/支部"
}

// groupSummary is the summary of group g's subtree: one roll-up row per
// child subtree (and one for g's own members when it has children), the
// group's own total, and every member row. ok is false when nobody in the
// subtree is in the period's rates; err a failed read of attendance.
func (d *periodData) groupSummary(g string) (forms.GroupSummary, bool, error) {
	sub := d.tree.Subtree(g)
	rows := d.rowsIn(sub)
	if len(rows) == 0 {
		return forms.GroupSummary{}, false, nil
	}
	name := d.groupName(g)
	fp := d.p
	out := forms.GroupSummary{
		Title:        name + " " + forms.PeriodLabel(fp, "zh") + "学习情况汇总表",
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
		// every child has its row, an empty one with zeros
		for _, c := range children {
			cs := d.tree.Subtree(c)
			out.Groups = append(out.Groups, d.groupRow(d.groupName(c), d.rowsIn(cs), d.sessionsReaching(cs)))
		}
		out.RowHead = d.rowHead(children)
	}
	total := d.groupRow(name, rows, d.sessionsReaching(sub))
	out.Total = &total
	out.Compliance, out.ComplianceKinds = d.complianceRows(g)
	out.Members = make([]forms.SummaryMember, len(rows))
	for i, r := range rows {
		out.Members[i] = forms.SummaryMember{Name: r.Name, Group: d.groupName(r.GroupID),
			Participation: formsRate(r.Participation), Completion: formsRate(r.Completion),
			Excellence: formsRate(r.Excellence), Score: r.Score, Grade: r.Grade}
		if m := d.members[r.MemberID]; m != nil {
			var err error
			if out.Members[i].Attendance, _, err = d.attendance(m, r); err != nil {
				return out, false, err
			}
		}
	}
	return out, true, nil
}
