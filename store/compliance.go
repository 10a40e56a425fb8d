package store

import (
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Compliance (三会一课 落实): for each group, kind of meeting and slot of a
// period, how many meetings the rules require, how many were held and how
// many are missing.

// ComplianceItem is one row of GET /compliance.
type ComplianceItem struct {
	GroupID string `json:"group_id"`
	Kind    string `json:"kind"`
	// Slot is a month ("2023-07") for monthly kinds, a quarter ("2023Q3")
	// for quarterly ones and a year ("2023") for yearly ones.
	Slot     string `json:"slot"`
	Required int    `json:"required"`
	// Held counts the sessions of the kind that ended inside the slot, not
	// cancelled, given to the group (or, for study, 党课 and 主题党日, to a
	// group above it).
	Held int `json:"held"`
	// Missing is Required − Held once the slot is over (0 while it runs).
	Missing int `json:"missing"`
	// Due is false while the slot has not ended.
	Due bool `json:"due"`
}

// slot is one month, quarter or year, [start, end) in the store's zone.
type slot struct {
	name       string
	start, end time.Time
}

// slotsOf lists the slots of frequency f that period p touches: its months,
// its quarters, or its year.
func slotsOf(p Period, f Frequency) []slot {
	var out []slot
	switch f {
	case FrequencyMonthly:
		for m := p.Start; m.Before(p.End); m = m.AddDate(0, 1, 0) {
			out = append(out, slot{m.Format("2006-01"), m, m.AddDate(0, 1, 0)})
		}
	case FrequencyQuarterly:
		for _, q := range p.Quarters() {
			out = append(out, slot{q.String(), q.Start, q.End})
		}
	case FrequencyYearly:
		y := time.Date(p.Year, 1, 1, 0, 0, 0, 0, p.Start.Location())
		out = append(out, slot{strconv.Itoa(p.Year), y, y.AddDate(1, 0, 0)})
	}
	return out
}

// preorder lists g and its subtree depth first, children in tree order.
func (t *Tree) preorder(g string) []string {
	out := []string{g}
	for _, c := range t.Children(g) {
		out = append(out, t.preorder(c)...)
	}
	return out
}

// Compliance lists, for groupID and every group below it ("" for the whole
// organisation), every kind its type must hold and every slot of p: rows
// in tree order, kinds in SessionKinds order, slots in time order.
func (s *Store) Compliance(p Period, groupID string) ([]ComplianceItem, error) {
	var out []ComplianceItem
	err := s.view(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		out, err = s.complianceTx(tx, t, p, groupID, s.MeetingRules())
		return err
	})
	return out, err
}

// scopeGroups lists groupID's subtree in tree order, or the whole tree.
func (t *Tree) scopeGroups(groupID string) ([]string, error) {
	if groupID != "" {
		if _, ok := t.Group(groupID); !ok {
			return nil, NotFound("group", groupID)
		}
		return t.preorder(groupID), nil
	}
	var gs []string
	for _, r := range t.Roots() {
		gs = append(gs, t.preorder(r)...)
	}
	return gs, nil
}

func (s *Store) complianceTx(tx *bolt.Tx, t *Tree, p Period, groupID string, rules MeetingRules) ([]ComplianceItem, error) {
	gs, err := t.scopeGroups(groupID)
	if err != nil {
		return nil, err
	}
	from := time.Date(p.Year, 1, 1, 0, 0, 0, 0, p.Start.Location()) // yearly slots reach the whole year
	ss, err := sessionsTx(tx, SessionFilter{From: from, To: from.AddDate(1, 0, 0)})
	if err != nil {
		return nil, err
	}
	now := s.now()
	// the sessions of each group and kind: a group's candidates are those
	// given to it or to a group above it, not every session of the year
	type groupKind struct{ g, kind string }
	given := map[groupKind][]*Session{}
	for i := range ss {
		k := groupKind{ss[i].GroupID, ss[i].Kind}
		given[k] = append(given[k], &ss[i])
	}
	out := []ComplianceItem{}
	for _, gid := range gs {
		g, _ := t.Group(gid)
		anc := t.Ancestors(gid)
		for _, kind := range SessionKinds {
			f := rules.Frequency(g.Type, kind)
			if f == FrequencyNone {
				continue
			}
			var cand []*Session
			for _, a := range anc {
				if a == gid || kindReachesBelow(kind) {
					cand = append(cand, given[groupKind{a, kind}]...)
				}
			}
			for _, sl := range slotsOf(p, f) {
				it := ComplianceItem{GroupID: gid, Kind: kind, Slot: sl.name, Required: 1, Due: !sl.end.After(now)}
				for _, sess := range cand {
					if countsFor(t, sess, gid, kind) && !sess.StartsAt.Before(sl.start) && sess.StartsAt.Before(sl.end) && !sess.EndsAt.After(now) {
						it.Held++
					}
				}
				if it.Due && it.Held < it.Required {
					it.Missing = it.Required - it.Held
				}
				out = append(out, it)
			}
		}
	}
	return out, nil
}

// countsFor reports whether sess (not cancelled) counts as a meeting of
// kind held by group g: given to g itself, or — for study, 党课 and 主题党日 —
// to a group above it.
func countsFor(t *Tree, sess *Session, g, kind string) bool {
	if sess.Kind != kind || sess.Cancelled {
		return false
	}
	return sess.GroupID == g || kindReachesBelow(kind) && t.Covers(sess.GroupID, g)
}

// Meeting warning kinds.
const (
	// WarnMeetingMissed: a required meeting was not held in its slot.
	WarnMeetingMissed = "meeting_missed"
	// WarnInactiveGroup: a branch or party group held no session of any
	// kind for InactiveDays days.
	WarnInactiveGroup = "inactive_group"
	// WarnNoOrgLife: a member absent without leave from every required
	// session for NoOrgLifeMonths months in a row (党章第九条).
	WarnNoOrgLife = "member_no_org_life"
)

// The thresholds of the meeting warnings.
const (
	InactiveDays    = 30
	NoOrgLifeMonths = 6
)

// MeetingWarnings lists the meeting warnings of p for groupID's subtree (""
// for everyone): meeting_missed for every missing row of the compliance
// table, inactive_group for every branch or party group with members whose
// last session (given to it or below it) is more than 30 days before the
// end of p (or today, while p runs), and member_no_org_life for every
// member with a run of 6 months, reaching into p, in each of which they had
// required sessions and neither attended (make-up included) nor had leave
// for any. A month without required sessions ends a run.
func (s *Store) MeetingWarnings(p Period, groupID string) ([]Warning, error) {
	out := []Warning{}
	err := s.view(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		items, err := s.complianceTx(tx, t, p, groupID, s.MeetingRules())
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Missing == 0 {
				continue
			}
			g, _ := t.Group(it.GroupID)
			out = append(out, Warning{GroupID: it.GroupID, GroupName: g.Name, Kind: WarnMeetingMissed,
				MeetingKind: it.Kind, Slot: it.Slot, Count: it.Missing,
				Detail: fmt.Sprintf("no %s held in %s", it.Kind, it.Slot)})
		}
		gs, _ := t.scopeGroups(groupID)
		asOf := s.now()
		if p.End.Before(asOf) {
			asOf = p.End
		}
		ms, err := loadMembers(tx)
		if err != nil {
			return err
		}
		winStart := time.Date(p.Start.Year(), p.Start.Month()-NoOrgLifeMonths+1, 1, 0, 0, 0, 0, s.loc)
		histFrom := asOf.AddDate(0, 0, -InactiveDays)
		if winStart.Before(histFrom) {
			histFrom = winStart
		}
		ss, err := sessionsTx(tx, SessionFilter{To: asOf})
		if err != nil {
			return err
		}
		inScope := map[string]bool{}
		for _, g := range gs {
			inScope[g] = true
		}
		// inactive_group
		last := map[string]time.Time{}
		for i := range ss {
			for _, a := range t.Ancestors(ss[i].GroupID) {
				if ss[i].StartsAt.After(last[a]) {
					last[a] = ss[i].StartsAt
				}
			}
		}
		today := s.dateIn(asOf.Add(-time.Nanosecond))
		for _, gid := range gs {
			g, _ := t.Group(gid)
			if g.Type != GroupBranch && g.Type != GroupPartyGroup {
				continue
			}
			if !hasActiveMember(t, ms, gid, today) {
				continue
			}
			l, ok := last[gid]
			if ok && asOf.Sub(l) <= InactiveDays*24*time.Hour {
				continue
			}
			w := Warning{GroupID: gid, GroupName: g.Name, Kind: WarnInactiveGroup}
			if ok {
				w.From = s.dateIn(l)
				w.Count = int(asOf.Sub(l).Hours() / 24)
				w.Detail = fmt.Sprintf("no session since %s (%d days)", w.From, w.Count)
			} else {
				w.Detail = "no session recorded"
			}
			out = append(out, w)
		}
		// member_no_org_life
		type monthMark struct{ required, took bool }
		marks := map[string]map[string]*monthMark{} // member → month → mark
		var firstMiss, lastMiss = map[string]map[string]string{}, map[string]map[string]string{}
		pol := s.Policy()
		for i := range ss {
			sess := &ss[i]
			if sess.StartsAt.Before(winStart) || sess.EndsAt.After(asOf) {
				continue
			}
			recs, err := attendanceTx(tx, sess.ID)
			if err != nil {
				return err
			}
			byMember := make(map[string]*Attendance, len(recs))
			for j := range recs {
				byMember[recs[j].MemberID] = &recs[j]
			}
			month := sess.StartsAt.In(s.loc).Format("2006-01")
			for _, m := range s.audienceOf(t, sess, ms) {
				if !inScope[m.GroupID] {
					continue
				}
				if marks[m.ID] == nil {
					marks[m.ID], firstMiss[m.ID], lastMiss[m.ID] = map[string]*monthMark{}, map[string]string{}, map[string]string{}
				}
				mk := marks[m.ID][month]
				if mk == nil {
					mk = &monthMark{}
					marks[m.ID][month] = mk
				}
				mk.required = true
				if a := byMember[m.ID]; a != nil && (pol.attendedRecord(a) || a.Status == StatusLeave) {
					mk.took = true
				} else {
					d := s.startDate(sess)
					if f := firstMiss[m.ID][month]; f == "" || d < f {
						firstMiss[m.ID][month] = d
					}
					if d > lastMiss[m.ID][month] {
						lastMiss[m.ID][month] = d
					}
				}
			}
		}
		pFirst := p.Start.Format("2006-01")
		SortMembers(t, ms)
		for _, m := range ms {
			mm := marks[m.ID]
			if mm == nil {
				continue
			}
			run, best, bestEnd := 0, 0, ""
			var runStart, bestStart string
			for mo := winStart; mo.Before(asOf); mo = mo.AddDate(0, 1, 0) {
				key := mo.Format("2006-01")
				if mk := mm[key]; mk != nil && mk.required && !mk.took {
					if run == 0 {
						runStart = key
					}
					run++
					if run >= NoOrgLifeMonths && key >= pFirst && run > best {
						best, bestStart, bestEnd = run, runStart, key
					}
				} else {
					run = 0
				}
			}
			if best == 0 {
				continue
			}
			w := Warning{MemberID: m.ID, Name: m.Name, GroupID: m.GroupID, Kind: WarnNoOrgLife, Count: best,
				From: firstMiss[m.ID][bestStart], To: lastMiss[m.ID][bestEnd]}
			w.Detail = fmt.Sprintf("absent without leave from every required session for %d months in a row (%s to %s)", best, w.From, w.To)
			out = append(out, w)
		}
		return nil
	})
	return out, err
}

// hasActiveMember reports whether anyone in g's subtree is on the roster on
// day.
func hasActiveMember(t *Tree, ms []Member, g, day string) bool {
	for i := range ms {
		if ms[i].GroupID != "" && t.Covers(g, ms[i].GroupID) && ms[i].ActiveOn(day) {
			return true
		}
	}
	return false
}
