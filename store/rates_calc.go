package store

import (
	"bytes"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// computeRates runs the rules of docs/RATES.md in named phases, each a
// method of ratesCalc below, over the rates index and the records it
// streams:
//
//	window        which dates count: the period, and for an open period what has fallen due
//	audience      who is reported, and in which group on each date (dated membership)
//	required      the sessions and self-study items that fell due and reach them
//	contentSets   how content items are counted distinct per member
//	attendance    participation, and the items of attended sessions
//	selfStudy     self-study items assigned, and the done marks that complete them
//	exams         excellence
//	score         rows, sums, scores and grades, in the one order
//
// The single rules those phases apply are the small functions after them,
// each with its own table test in rates_rules_test.go.
func (s *Store) computeRates(tx *bolt.Tx, q ratesQuery) (*ratesResult, error) {
	ix, err := s.ratesIndex(tx)
	if err != nil {
		return nil, err
	}
	c := &ratesCalc{ix: ix, q: q, pol: q.pol}
	c.window(s.loc)
	if err := c.audience(); err != nil {
		return nil, err
	}
	if c.single >= 0 && len(c.rows) == 0 {
		// A member's own answer for a period they were not active in
		// lists nobody.
		c.report.Members = []MemberRate{}
		return &ratesResult{report: c.report}, nil
	}
	c.required()
	c.contentSets()
	c.attendance(tx.Bucket(bucketAttendance))
	c.selfStudy(tx)
	c.exams(tx.Bucket(bucketScores))
	acts, err := s.activities(tx, q.p, ix)
	if err != nil {
		return nil, err
	}
	return c.score(acts), nil
}

// ratesCalc is one computation's state, filled phase by phase.
type ratesCalc struct {
	ix  *ratesIndex
	q   ratesQuery
	pol Policy

	report           *RatesReport
	firstDay, endDay int32 // the period's days, endDay exclusive
	dueEnd           int64 // sessions ending after this (Unix ns) have not fallen due
	dueDay           int32 // items and exams on or after this day have not

	inScope []bool // by dense group
	single  int32  // member index of a one-member query, else -1
	scope   int32  // dense group of a group query, else -1
	pos     []int32
	rows    []*memberAcc
	byGroup [][]memberEntry // dense group → the spans of reported members in it

	sessions []reqSession
	items    []reqItem
	selfDup  map[uint64]int32 // self-study item → dup index, for done marks
}

// memberEntry is a reported member's time in one group: rows[row] belongs
// to the group on the days [lo, hi).
type memberEntry struct {
	row    int32
	lo, hi int32
}

func (e memberEntry) holds(day int32) bool { return e.lo <= day && day < e.hi }

// memberAcc accumulates one member's counts.
type memberAcc struct {
	ix      *idxMember
	groupID string // the group the row is reported in

	partNum, partDen int32
	tally            AttendanceTally
	assigned, done   int32           // distinct items counted once, outside dup
	dup              map[int32]uint8 // items that may repeat: bit 1 assigned, bit 2 completed
	excNum, excDen   int32
	examStamp        int32 // 1 + the index of the last exam required of the member

	// warnings
	missed                 int   // past required sessions without credit
	firstMissed            int32 // day of the first one
	run, bestRun           int   // consecutive absences without make-up
	runStart, bestRunStart int32
	runEnd, bestRunEnd     int32
}

func (a *memberAcc) markDup(d int32, bits uint8) {
	if a.dup == nil {
		a.dup = make(map[int32]uint8, 8)
	}
	a.dup[d] |= bits
}

const (
	dupAssigned  = 1
	dupCompleted = 2
)

type reqSession struct {
	s      *idxSession
	groups []int32
	uniq   int32   // items counted by sum: they occur once in p
	dups   []int32 // items that may repeat, by dup index
}

type reqItem struct {
	it     *idxItem
	groups []int32
	dup    int32 // dup index
}

// window: the period's days and, for an open period, the figures to date.
func (c *ratesCalc) window(loc *time.Location) {
	p := c.q.p
	c.firstDay, c.endDay = dayOf(p.Start, loc), dayOf(p.End, loc)
	c.report = &RatesReport{Period: p.String(), Policy: c.pol.clone(), AsOf: c.q.now.UTC()}
	c.dueEnd, c.dueDay, c.report.Provisional = dueLimits(p, c.q.now, loc)
}

// audience: who is reported and, through their dated membership, in which
// group on each date.
func (c *ratesCalc) audience() error {
	ix, q := c.ix, c.q
	c.inScope = make([]bool, len(ix.groupIDs))
	c.single, c.scope = -1, -1
	switch {
	case q.member != "":
		if key, ok := idKey(q.member); ok {
			c.single = ix.memberIndex(btoi(key))
		}
		if c.single < 0 {
			return NotFound("member", q.member)
		}
		m := &ix.members[c.single]
		if m.group < 0 {
			return Errorf(KindNotFound, "not_in_rates", "account %s has no group and is in no rates", q.member)
		}
		for _, sp := range m.spans {
			if sp.group >= 0 {
				c.inScope[sp.group] = true
			}
		}
	case q.group != "":
		c.scope = ix.group(q.group)
		if c.scope < 0 {
			return NotFound("group", q.group)
		}
		c.report.GroupID = q.group
		for _, g := range ix.subtree[c.scope] {
			c.inScope[g] = true
		}
	default:
		for g := range c.inScope {
			c.inScope[g] = true
		}
	}
	c.pos = make([]int32, len(ix.members))
	c.byGroup = make([][]memberEntry, len(ix.groupIDs))
	for i := range ix.members {
		c.pos[i] = -1
		m := &ix.members[i]
		if m.group < 0 || (c.single >= 0 && int32(i) != c.single) {
			continue
		}
		from, to, ok := activeWithin(m.joined, m.left, c.firstDay, c.endDay)
		if !ok {
			continue // not active at any time in p
		}
		row := int32(len(c.rows))
		var acc *memberAcc
		for j, sp := range m.spans {
			lo, hi := sp.from, m.spanEnd(j)
			if sp.group < 0 || !c.inScope[sp.group] || max(lo, from) >= min(hi, to) {
				continue // another group, or not while active in p
			}
			if acc == nil {
				acc = &memberAcc{ix: m}
			}
			acc.groupID = ix.groupIDs[sp.group] // the last such group names the row
			c.byGroup[sp.group] = append(c.byGroup[sp.group], memberEntry{row: row, lo: lo, hi: hi})
		}
		if acc != nil {
			c.pos[i] = row
			c.rows = append(c.rows, acc)
		}
	}
	return nil
}

// audienceGroups lists the in-scope groups a session, plan or exam of
// group g reaches; nil when none.
func (c *ratesCalc) audienceGroups(g int32) []int32 {
	ix := c.ix
	switch {
	case c.single >= 0:
		var out []int32
		for _, sp := range ix.members[c.single].spans {
			if sp.group >= 0 && ix.covers(g, sp.group) && !containsGroup(out, sp.group) {
				out = append(out, sp.group)
			}
		}
		return out
	case c.scope < 0 || c.inScope[g]:
		return ix.subtree[g]
	case ix.covers(g, c.scope):
		return ix.subtree[c.scope]
	}
	return nil
}

func containsGroup(gs []int32, g int32) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// required: the sessions starting inside p that have ended (to date) and
// the self-study items due inside p (to date) that reach the audience.
func (c *ratesCalc) required() {
	ix, p := c.ix, c.q.p
	lo := sort.Search(len(ix.sessions), func(i int) bool { return ix.sessions[i].start >= p.Start.UnixNano() })
	hi := sort.Search(len(ix.sessions), func(i int) bool { return ix.sessions[i].start >= p.End.UnixNano() })
	for i := lo; i < hi; i++ {
		if ix.sessions[i].end > c.dueEnd {
			continue // not yet held
		}
		if gs := c.audienceGroups(ix.sessions[i].group); gs != nil {
			c.sessions = append(c.sessions, reqSession{s: &ix.sessions[i], groups: gs})
		}
	}
	for i := range ix.selfStudy {
		it := &ix.selfStudy[i]
		if it.due < c.firstDay || it.due >= c.dueDay {
			continue // outside p, or not yet due
		}
		if gs := c.audienceGroups(it.group); gs != nil {
			c.items = append(c.items, reqItem{it: it, groups: gs, dup: -1})
		}
	}
}

// contentSets: content items are counted distinct per member. An item that
// occurs once in p (at one session) can simply be summed; items occurring
// more than once, and every self-study item (a done mark may complete it
// wherever it was assigned), need a per-member set.
func (c *ratesCalc) contentSets() {
	occur := make(map[uint64]int32, len(c.sessions)*2+len(c.items))
	for _, rs := range c.sessions {
		for _, it := range rs.s.items {
			occur[it]++
		}
	}
	for _, ri := range c.items {
		occur[ri.it.num]++
	}
	dupIdx := map[uint64]int32{}
	c.selfDup = map[uint64]int32{}
	for it, n := range occur {
		_, self := c.ix.selfStudyNums[it]
		if n > 1 || self {
			dupIdx[it] = int32(len(dupIdx))
		}
		if self {
			c.selfDup[it] = dupIdx[it]
		}
	}
	for i := range c.sessions {
		rs := &c.sessions[i]
		for _, it := range rs.s.items {
			if d, ok := dupIdx[it]; ok {
				rs.dups = append(rs.dups, d)
			} else {
				rs.uniq++
			}
		}
	}
	for i := range c.items {
		c.items[i].dup = dupIdx[c.items[i].it.num]
	}
}

// members calls fn for each reported member whose group on day is one of
// groups and who was active on day.
func (c *ratesCalc) members(groups []int32, day int32, fn func(row int32, r *memberAcc)) {
	for _, g := range groups {
		for _, e := range c.byGroup[g] {
			if r := c.rows[e.row]; e.holds(day) && r.ix.activeOn(day) {
				fn(e.row, r)
			}
		}
	}
}

// attendance streams the records of each required session (its key prefix
// holds one record per member, in member id order) and counts
// participation and the items of attended sessions.
func (c *ratesCalc) attendance(att *bolt.Bucket) {
	code := make([]uint8, len(c.rows))
	seen := make([]int32, len(c.rows))
	for i := range seen {
		seen[i] = -1
	}
	now := c.q.now.UnixNano()
	for si, rs := range c.sessions {
		sess := rs.s
		if c.single >= 0 {
			if v := att.Get(pairKey(sess.key, itob(c.rows[0].ix.num))); v != nil {
				code[0], seen[0] = attCode(v), int32(si)
			}
		} else {
			cur := att.Cursor()
			for k, v := cur.Seek(sess.key); k != nil && bytes.HasPrefix(k, sess.key); k, v = cur.Next() {
				if len(k) != 16 {
					continue
				}
				if mi := c.ix.memberIndex(btoi(k[8:])); mi >= 0 && c.pos[mi] >= 0 {
					code[c.pos[mi]], seen[c.pos[mi]] = attCode(v), int32(si)
				}
			}
		}
		past := sess.end <= now
		c.members(rs.groups, sess.startDay, func(row int32, r *memberAcc) {
			st, makeup := StatusNone, false
			if seen[row] == int32(si) {
				st, makeup = Status(code[row]&^makeupBit), code[row]&makeupBit != 0
			}
			attended, excused := c.pol.attended(st, makeup), c.pol.excused(st, makeup)
			r.tally.add(st, makeup, attended, excused)
			if !excused {
				r.partDen++
				if attended {
					r.partNum++
				}
			}
			r.assigned += rs.uniq
			if attended {
				r.done += rs.uniq
			}
			for _, d := range rs.dups {
				bits := uint8(dupAssigned)
				if attended {
					bits |= dupCompleted
				}
				r.markDup(d, bits)
			}
			if c.q.warnings {
				r.noteSession(sess.startDay, st, makeup, attended, excused, past)
			}
		})
	}
}

// selfStudy assigns each self-study item due to every member the plan's
// group covers on its due date (while active, under the default policy),
// and completes any self-study item assigned to a member — by a plan or
// at a required session — that they marked done before p ended.
func (c *ratesCalc) selfStudy(tx *bolt.Tx) {
	for _, ri := range c.items {
		for _, g := range ri.groups {
			for _, e := range c.byGroup[g] {
				r := c.rows[e.row]
				if e.holds(ri.it.due) && (!c.pol.SelfStudyWhileActive || r.ix.activeOn(ri.it.due)) {
					r.markDup(ri.dup, dupAssigned)
				}
			}
		}
	}
	if len(c.selfDup) == 0 {
		return
	}
	end := c.q.p.End
	mark := func(member, item, v []byte) {
		mi := c.ix.memberIndex(btoi(member))
		if mi < 0 || c.pos[mi] < 0 {
			return
		}
		d, ok := c.selfDup[btoi(item)]
		if !ok {
			return
		}
		// The completed bit counts only beside dupAssigned.
		if at, err := decodeDoneAt(v); err == nil && doneInTime(at, end) {
			c.rows[c.pos[mi]].markDup(d, dupCompleted)
		}
	}
	cur := tx.Bucket(bucketItemDone).Cursor()
	if len(c.rows)*8 < len(c.ix.members) {
		// Few members: seek each one's prefix.
		for _, r := range c.rows {
			pre := itob(r.ix.num)
			for k, v := cur.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = cur.Next() {
				if len(k) == 16 {
					mark(k[:8], k[8:], v)
				}
			}
		}
		return
	}
	// Many members: the marks of the period's items, by item.
	indexed := true
	for num := range c.selfDup {
		item := itob(num)
		ok, _ := eachDoneOfItem(tx, item, func(member, v []byte) error { mark(member, item, v); return nil })
		indexed = indexed && ok
	}
	if indexed {
		return
	}
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if len(k) == 16 {
			mark(k[:8], k[8:], v)
		}
	}
}

// exams: each exam held inside p (to date) is required of the members its
// group covers on its date while active; a score at or above its
// excellent score counts.
func (c *ratesCalc) exams(scores *bolt.Bucket) {
	for ei := range c.ix.exams {
		e := &c.ix.exams[ei]
		if e.day < c.firstDay || e.day >= c.dueDay {
			continue // outside p, or not yet held
		}
		gs := c.audienceGroups(e.group)
		if gs == nil {
			continue
		}
		stamp := int32(ei) + 1
		c.members(gs, e.day, func(_ int32, r *memberAcc) {
			r.excDen++
			r.examStamp = stamp
		})
		count := func(r *memberAcc, v []byte) {
			if sc, ok := scoreValue(v); ok && r.examStamp == stamp && excellent(sc, e.excellent) {
				r.excNum++
			}
		}
		if c.single >= 0 {
			count(c.rows[0], scores.Get(pairKey(e.key, itob(c.rows[0].ix.num))))
			continue
		}
		cur := scores.Cursor()
		for k, v := cur.Seek(e.key); k != nil && bytes.HasPrefix(k, e.key); k, v = cur.Next() {
			if len(k) != 16 {
				continue
			}
			if mi := c.ix.memberIndex(btoi(k[8:])); mi >= 0 && c.pos[mi] >= 0 {
				count(c.rows[c.pos[mi]], v)
			}
		}
	}
}

// score builds the rows (score and grade from the policy), the sums over
// them, and puts the rows in the one order (docs/ORDER.md).
func (c *ratesCalc) score(acts map[string]*Activity) *ratesResult {
	pol, report := &c.pol, c.report
	var sumP, sumPD, sumC, sumCD, sumE, sumED int
	report.Members = make([]MemberRate, len(c.rows))
	for i, r := range c.rows {
		done, assigned := r.completion()
		mr := MemberRate{MemberID: r.ix.m.ID, Name: r.ix.m.Name, GroupID: r.groupID,
			Participation: ratio(int(r.partNum), int(r.partDen)),
			Completion:    ratio(done, assigned),
			Excellence:    ratio(int(r.excNum), int(r.excDen)),
			Attendance:    r.tally}
		if a := acts[r.ix.m.ID]; a != nil && a.Evaluation != nil {
			ev := *a.Evaluation
			mr.Evaluation = &ev
		}
		mr.Score = pol.Score(mr.Participation.Rate, mr.Completion.Rate, mr.Excellence.Rate, mr.Evaluation)
		mr.Grade = pol.Grade(mr.Score, mr.Participation.Full())
		if mr.Grade != "" {
			mr.GradeLabel = pol.Label(mr.Grade, c.q.p)
		}
		report.Members[i] = mr
		sumP, sumPD = sumP+int(r.partNum), sumPD+int(r.partDen)
		sumC, sumCD = sumC+done, sumCD+assigned
		sumE, sumED = sumE+int(r.excNum), sumED+int(r.excDen)
	}
	report.Participation = ratio(sumP, sumPD)
	report.Completion = ratio(sumC, sumCD)
	report.Excellence = ratio(sumE, sumED)

	order := make([]int, len(c.rows))
	for i := range order {
		order[i] = i
	}
	mo := c.ix.order
	sort.SliceStable(order, func(a, b int) bool {
		x, y := &c.rows[order[a]].ix.m, &c.rows[order[b]].ix.m
		xg, yg := c.rows[order[a]].groupID, c.rows[order[b]].groupID
		return mo.Less(xg, x.Position, x.Name, x.ID, yg, y.Position, y.Name, y.ID)
	})
	sorted := make([]MemberRate, len(c.rows))
	sortedRows := make([]*memberAcc, len(c.rows))
	for i, o := range order {
		sorted[i], sortedRows[i] = report.Members[o], c.rows[o]
	}
	report.Members = sorted
	return &ratesResult{report: report, rows: sortedRows}
}

// completion is the member's distinct completed and assigned items.
func (a *memberAcc) completion() (done, assigned int) {
	done, assigned = int(a.done), int(a.assigned)
	for _, bits := range a.dup {
		if bits&dupAssigned != 0 {
			assigned++
			if bits&dupCompleted != 0 {
				done++
			}
		}
	}
	return done, assigned
}

// The rules, one function each.

// dueLimits is the figures-to-date rule: for a period not yet ended at now,
// only sessions ended by now (dueEnd, Unix ns) and items and exams dated
// before dueDay (tomorrow) have fallen due, and the figures are
// provisional. An ended period counts everything.
func dueLimits(p Period, now time.Time, loc *time.Location) (dueEnd int64, dueDay int32, provisional bool) {
	endDay := dayOf(p.End, loc)
	if now.IsZero() || !now.Before(p.End) {
		return 1<<63 - 1, endDay, false
	}
	return now.UnixNano(), min(endDay, dayOf(now, loc)+1), true
}

// activeWithin is the part [from, to) of the days [firstDay, endDay) a
// member on the roster from joined until left (exclusive) was active;
// ok false when none.
func activeWithin(joined, left, firstDay, endDay int32) (from, to int32, ok bool) {
	from, to = max(joined, firstDay), min(left, endDay)
	return from, to, from < to
}

// doneInTime is the self-study rule: a done mark completes an item when it
// was made before the period ended.
func doneInTime(at, periodEnd time.Time) bool { return at.Before(periodEnd) }

// excellent is the excellence rule: a score at or above the exam's
// excellent score.
func excellent(score, threshold float64) bool { return score >= threshold }

// add counts one required session in the tally.
func (t *AttendanceTally) add(st Status, makeup, attended, excused bool) {
	t.Required++
	switch st {
	case StatusPresent:
		t.Present++
	case StatusLate:
		t.Late++
	case StatusLeave:
		t.Leave++
	case StatusAbsent:
		t.Absent++
	default:
		t.None++
	}
	if makeup {
		t.Makeup++
	}
	if attended {
		t.Attended++
	}
	if excused {
		t.Excused++
	}
}

// noteSession keeps what the warnings need: past required sessions without
// credit, and the longest run of absences without make-up.
func (a *memberAcc) noteSession(day int32, st Status, makeup, attended, excused, past bool) {
	if !attended && !excused && past {
		if a.missed == 0 {
			a.firstMissed = day
		}
		a.missed++
	}
	if st == StatusAbsent && !makeup {
		if a.run == 0 {
			a.runStart = day
		}
		a.run++
		a.runEnd = day
		if a.run > a.bestRun {
			a.bestRun, a.bestRunStart, a.bestRunEnd = a.run, a.runStart, a.runEnd
		}
	} else {
		a.run = 0
	}
}
