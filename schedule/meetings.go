package schedule

import (
	"studyroll/schedule/forms"
	"studyroll/store"
)

// meetingData is what the group summaries print of 三会一课: the compliance
// table and each held session's 四落实. It is read live, so a locked
// period's summaries (made from its snapshot, byte for byte the same each
// time) leave it out.
type meetingData struct {
	items []store.ComplianceItem
	fours []store.SessionFour
}

// loadMeetings reads the compliance and 四落实 of p for groupID's subtree.
func loadMeetings(s *store.Store, p store.Period, groupID string) (*meetingData, error) {
	items, err := s.Compliance(p, groupID)
	if err != nil {
		return nil, err
	}
	fours, err := s.FourResults(p, groupID)
	if err != nil {
		return nil, err
	}
	return &meetingData{items: items, fours: fours}, nil
}

// complianceRows are the rows of g's subtree with required meetings, in
// tree order, each kind's required and held summed over the period, and
// each row's 四落实 rate (its own sessions and those below it); kinds lists
// the kinds that appear, in the order of store.SessionKinds.
func (d *periodData) complianceRows(g string) (rows []forms.ComplianceRow, kinds []string) {
	if d.meet == nil {
		return nil, nil
	}
	in := map[string]bool{}
	for _, id := range d.tree.Subtree(g) {
		in[id] = true
	}
	byGroup := map[string]*forms.ComplianceRow{}
	var order []string
	seen := map[string]bool{}
	for _, it := range d.meet.items {
		if !in[it.GroupID] {
			continue
		}
		r := byGroup[it.GroupID]
		if r == nil {
			r = &forms.ComplianceRow{Group: d.groupName(it.GroupID), Cells: map[string]forms.ComplianceCell{}}
			byGroup[it.GroupID] = r
			order = append(order, it.GroupID)
		}
		c := r.Cells[it.Kind]
		c.Required += it.Required
		c.Held += min(it.Held, it.Required)
		c.Missing += it.Missing
		r.Cells[it.Kind] = c
		r.Missing += it.Missing
		seen[it.Kind] = true
	}
	for _, k := range store.SessionKinds {
		if seen[k] {
			kinds = append(kinds, k)
		}
	}
	for _, id := range order {
		r := byGroup[id]
		for _, f := range d.meet.fours {
			if d.tree.Covers(id, f.GroupID) {
				r.Four.Den++
				if f.All {
					r.Four.Num++
				}
			}
		}
		rows = append(rows, *r)
	}
	return rows, kinds
}
