package store

import bolt "go.etcd.io/bbolt"

// MembershipDates answers which group a member belonged to on a date, by
// the very spans the rates count with (the rates index), so the forms list
// the sessions and exams the rates count and the rule lives in one place.
type MembershipDates struct{ ix *ratesIndex }

// MembershipDates reads the dated membership of every member.
func (s *Store) MembershipDates() (*MembershipDates, error) {
	var md *MembershipDates
	err := s.view(func(tx *bolt.Tx) error {
		ix, err := s.ratesIndex(tx)
		if err != nil {
			return err
		}
		md = &MembershipDates{ix: ix}
		return nil
	})
	return md, err
}

// member is the index entry of memberID; nil when unknown.
func (md *MembershipDates) member(memberID string) *idxMember {
	key, ok := idKey(memberID)
	if !ok {
		return nil
	}
	i := md.ix.memberIndex(btoi(key))
	if i < 0 {
		return nil
	}
	return &md.ix.members[i]
}

// GroupOn is the group memberID belonged to on date (YYYY-MM-DD): the span
// holding that day, the first span holding before joined_on too; "" for
// no group, an unknown member or a bad date. Whether the member was active
// that day is Member.ActiveOn.
func (md *MembershipDates) GroupOn(memberID, date string) string {
	m := md.member(memberID)
	day, ok := dayNum(date)
	if m == nil || !ok {
		return ""
	}
	for j, sp := range m.spans {
		if sp.from <= day && day < m.spanEnd(j) {
			if sp.group < 0 {
				return ""
			}
			return md.ix.groupIDs[sp.group]
		}
	}
	return ""
}

// Groups lists every group memberID belonged to, in span order, once each.
func (md *MembershipDates) Groups(memberID string) []string {
	m := md.member(memberID)
	if m == nil {
		return nil
	}
	var out []string
	for _, sp := range m.spans {
		if sp.group >= 0 {
			id := md.ix.groupIDs[sp.group]
			dup := false
			for _, g := range out {
				dup = dup || g == id
			}
			if !dup {
				out = append(out, id)
			}
		}
	}
	return out
}
