package schedule

import (
	"sort"
	"time"

	"studyroll/store"
)

// periodData is everything the reports of one period need, loaded once and
// then only read, so the member PDFs can be built by concurrent workers.
type periodData struct {
	p       store.Period
	store   *store.Store // live data's attendance is read from it (attOf)
	loc     *time.Location
	pol     store.Policy
	tree    *store.Tree
	members map[string]*store.Member
	rates   *store.RatesReport
	rows    map[string]*store.MemberRate // member id → row of rates

	sessions map[string][]*sessionInfo // group id → sessions targeting it, by start
	exams    map[string][]*examInfo    // group id → exams targeting it, by date
	acts     map[string]*store.Activity
	reports  map[string]store.LearningReport // learning report id → report

	// frozen is the snapshot of a locked period the data comes from; nil
	// for live data. Its files are stamped with its time, so generating
	// them again gives the same bytes.
	frozen *store.PeriodSnapshot
	// auditHead is the audit chain head the data was read at.
	auditHead string
	// now is when the data was read (the store's clock).
	now time.Time
	// meet is the 三会一课 of the period (meetings.go); nil for a locked
	// period and for one member's data.
	meet *meetingData
	// dates is the dated membership of live data (nil for a locked period,
	// whose snapshot keeps the membership as it was): a member is listed
	// the sessions and exams of the group they belonged to on each date,
	// within scope (the reported group's subtree; "" for everyone), as the
	// rates count them.
	dates *store.MembershipDates
	scope string
}

type sessionInfo struct {
	s    store.Session
	date string // start date in the store's zone
	// att is the records by member of a locked period's session (from its
	// snapshot); nil for live data, whose records are read per member
	// (attOf) — at 100,000 members the period's records held in memory
	// were the batch's largest part.
	att map[string]attInfo
}

type attInfo struct {
	status   store.Status
	makeupOn string
	note     string
}

type examInfo struct {
	e      store.Exam
	scores map[string]float64
}

// loadPeriod reads the data of period p for the members of groupID's
// subtree ("" for everyone), or for one member when memberID is set.
func loadPeriod(s *store.Store, p store.Period, groupID, memberID string) (*periodData, error) {
	d := &periodData{p: p, store: s, loc: s.Location(), pol: s.Policy(), now: s.Now(), members: map[string]*store.Member{},
		sessions: map[string][]*sessionInfo{}, exams: map[string][]*examInfo{}}
	ps, err := s.FrozenPeriod(p)
	if err != nil {
		return nil, err
	}
	if ps != nil {
		return d.loadFrozen(s, ps, groupID, memberID)
	}
	if d.auditHead, err = s.AuditHead(); err != nil {
		return nil, err
	}
	if d.tree, err = s.Tree(); err != nil {
		return nil, err
	}
	if memberID != "" {
		m, err := s.Member(memberID)
		if err != nil {
			return nil, err
		}
		d.members[m.ID] = m
		d.rates, err = s.MemberRates(p, memberID, d.pol)
		if err != nil {
			return nil, err
		}
	} else {
		ms, err := s.Members()
		if err != nil {
			return nil, err
		}
		for i := range ms {
			d.members[ms[i].ID] = &ms[i]
		}
		if d.rates, err = s.Rates(p, groupID, d.pol); err != nil {
			return nil, err
		}
	}
	if d.dates, err = s.MembershipDates(); err != nil {
		return nil, err
	}
	d.scope = groupID
	d.rows = make(map[string]*store.MemberRate, len(d.rates.Members))
	reach := d.reach() // groups whose sessions and exams reach a reported member
	sessions, err := s.Sessions(store.SessionFilter{From: p.Start, To: p.End})
	if err != nil {
		return nil, err
	}
	for _, ss := range sessions {
		if !reach[ss.GroupID] {
			continue
		}
		si := &sessionInfo{s: ss, date: ss.StartsAt.In(d.loc).Format(store.DateLayout)}
		d.sessions[ss.GroupID] = append(d.sessions[ss.GroupID], si)
	}
	if err := d.loadExams(s, reach, memberID); err != nil {
		return nil, err
	}
	if d.acts, err = s.Activities(p); err != nil {
		return nil, err
	}
	if d.reports, err = s.LearningReportsFor(p); err != nil {
		return nil, err
	}
	if memberID == "" {
		if d.meet, err = loadMeetings(s, p, groupID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// loadFrozen fills d from the snapshot of a locked period: the figures,
// membership, sessions, attendance, exams, reports and 三会一课 as they were
// at the lock. Only the sessions of the groups that reach a reported
// member are read.
func (d *periodData) loadFrozen(s *store.Store, ps *store.PeriodSnapshot, groupID, memberID string) (*periodData, error) {
	d.frozen, d.auditHead, d.pol, d.tree = ps, ps.AuditHead, ps.Policy, ps.Tree()
	for i := range ps.Members {
		d.members[ps.Members[i].ID] = &ps.Members[i]
	}
	if memberID != "" {
		if d.members[memberID] == nil {
			return nil, store.NotFound("member", memberID)
		}
		d.rates = ps.MemberRates(memberID)
	} else {
		if groupID != "" {
			if _, ok := d.tree.Group(groupID); !ok {
				d.rates = &store.RatesReport{Period: ps.Period}
			}
		}
		if d.rates == nil {
			var err error
			if d.rates, err = ps.Rates(groupID); err != nil {
				return nil, err
			}
		}
	}
	d.rows = make(map[string]*store.MemberRate, len(d.rates.Members))
	reach := map[string]bool{}
	for i := range d.rates.Members {
		r := &d.rates.Members[i]
		d.rows[r.MemberID] = r
		if m := d.members[r.MemberID]; m != nil && !reach[m.GroupID] {
			for _, g := range d.tree.Ancestors(m.GroupID) {
				reach[g] = true
			}
		}
	}
	groups := make([]string, 0, len(reach))
	for g := range reach {
		groups = append(groups, g)
	}
	recs, err := s.FrozenRecords(ps, groups)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		for _, ss := range recs.Sessions[g] {
			si := &sessionInfo{s: ss.Session, date: ss.Session.StartsAt.In(d.loc).Format(store.DateLayout), att: make(map[string]attInfo, len(ss.Attendance))}
			for _, a := range ss.Attendance {
				if memberID != "" && a.MemberID != memberID {
					continue
				}
				si.att[a.MemberID] = attInfo{status: a.Status, makeupOn: a.MakeupOn, note: a.Note}
			}
			d.sessions[g] = append(d.sessions[g], si)
		}
	}
	for _, e := range recs.Exams {
		if !reach[e.GroupID] {
			continue
		}
		ei := &examInfo{e: e.Exam, scores: make(map[string]float64, len(e.Scores))}
		for _, sc := range e.Scores {
			if memberID == "" || sc.MemberID == memberID {
				ei.scores[sc.MemberID] = sc.Score
			}
		}
		d.exams[e.GroupID] = append(d.exams[e.GroupID], ei)
	}
	d.acts, d.reports = recs.Activities, recs.Reports
	if ps.Meetings != nil && memberID == "" {
		// org-wide; the summaries keep the rows of their own subtree
		d.meet = &meetingData{items: ps.Meetings.Compliance, fours: ps.Meetings.Fours}
	}
	return d, nil
}

// reach fills d.rows and returns the groups whose sessions and exams
// reach a reported member: the ancestors of every group the member
// belonged to.
func (d *periodData) reach() map[string]bool {
	reach := map[string]bool{}
	for i := range d.rates.Members {
		r := &d.rates.Members[i]
		d.rows[r.MemberID] = r
		for _, mg := range d.dates.Groups(r.MemberID) {
			if reach[mg] {
				continue
			}
			for _, g := range d.tree.Ancestors(mg) {
				reach[g] = true
			}
		}
	}
	return reach
}

// loadExams reads the exams of the period that reach a reported member,
// with every score — or memberID's alone, for one member's form.
func (d *periodData) loadExams(s *store.Store, reach map[string]bool, memberID string) error {
	exams, err := s.Exams(store.ExamFilter{Period: &d.p})
	if err != nil {
		return err
	}
	for _, e := range exams {
		if !reach[e.GroupID] {
			continue
		}
		scores, err := s.ExamScores(e.ID, memberID)
		if err != nil {
			return err
		}
		d.exams[e.GroupID] = append(d.exams[e.GroupID], &examInfo{e: e, scores: scores})
	}
	return nil
}

// attOf is member memberID's records of sessions ss: a locked period's
// from its snapshot, live ones read from the store in one transaction.
func (d *periodData) attOf(memberID string, ss []*sessionInfo) (map[*sessionInfo]attInfo, error) {
	out := make(map[*sessionInfo]attInfo, len(ss))
	var live []string
	for _, si := range ss {
		if si.att != nil {
			out[si] = si.att[memberID]
		} else {
			live = append(live, si.s.ID)
		}
	}
	if len(live) == 0 {
		return out, nil
	}
	recs, err := d.store.MemberAttendance(memberID, live)
	if err != nil {
		return nil, err
	}
	for _, si := range ss {
		if a, ok := recs[si.s.ID]; ok && si.att == nil {
			out[si] = attInfo{status: a.Status, makeupOn: a.MakeupOn, note: a.Note}
		}
	}
	return out, nil
}

// requiredSessions lists the sessions member m had to attend in the
// period: targeting their group or an ancestor, starting while they were
// active; by start.
func (d *periodData) requiredSessions(m *store.Member) []*sessionInfo {
	var out []*sessionInfo
	for _, g := range d.targets(m) {
		for _, si := range d.sessions[g] {
			if m.ActiveOn(si.date) && d.reaches(m, g, si.date) {
				out = append(out, si)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].s.StartsAt.Equal(out[j].s.StartsAt) {
			return out[i].s.StartsAt.Before(out[j].s.StartsAt)
		}
		return idLess(out[i].s.ID, out[j].s.ID)
	})
	return out
}

// requiredExams lists the exams member m had to take: held in the period,
// targeting their group or an ancestor, while they were active; by date.
func (d *periodData) requiredExams(m *store.Member) []*examInfo {
	var out []*examInfo
	for _, g := range d.targets(m) {
		for _, ei := range d.exams[g] {
			if m.ActiveOn(ei.e.HeldOn) && d.reaches(m, g, ei.e.HeldOn) {
				out = append(out, ei)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].e.HeldOn != out[j].e.HeldOn {
			return out[i].e.HeldOn < out[j].e.HeldOn
		}
		return idLess(out[i].e.ID, out[j].e.ID)
	})
	return out
}

// targets lists the groups whose sessions and exams may reach m: the
// ancestors of m's group, and for live data of every group m belonged to;
// each once.
func (d *periodData) targets(m *store.Member) []string {
	if d.dates == nil {
		return d.tree.Ancestors(m.GroupID)
	}
	var out []string
	seen := map[string]bool{}
	for _, mg := range d.dates.Groups(m.ID) {
		for _, g := range d.tree.Ancestors(mg) {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// reaches tells whether a session or exam of group g on date reaches m:
// for a locked period g is among the ancestors of m's group (targets); for
// live data g covers the group m belonged to on date, which lies in scope.
func (d *periodData) reaches(m *store.Member, g, date string) bool {
	if d.dates == nil {
		return true
	}
	mg := d.dates.GroupOn(m.ID, date)
	return mg != "" && d.tree.Covers(g, mg) && (d.scope == "" || d.tree.Covers(d.scope, mg))
}

// organisation is the name of the root above group g.
func (d *periodData) organisation(g string) string {
	anc := d.tree.Ancestors(g)
	if len(anc) == 0 {
		return ""
	}
	root, _ := d.tree.Group(anc[len(anc)-1])
	return root.Name
}

// groupName is the name of group g.
func (d *periodData) groupName(g string) string {
	grp, _ := d.tree.Group(g)
	return grp.Name
}

// idLess orders decimal ids numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
