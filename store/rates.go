package store

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Ratio is one rate: whole counts and their quotient, nil when nothing was
// required (a zero denominator is "none required", never 100%).
type Ratio struct {
	Num  int      `json:"num"`
	Den  int      `json:"den"`
	Rate *float64 `json:"rate"`
}

func ratio(num, den int) Ratio {
	r := Ratio{Num: num, Den: den}
	if den > 0 {
		v := float64(num) / float64(den)
		r.Rate = &v
	}
	return r
}

// Full reports whether the rate is exactly 100% (not null).
func (r Ratio) Full() bool { return r.Den > 0 && r.Num == r.Den }

// MemberRate is one member's three rates, evaluation and appraisal in a
// period: a row of GET /rates.
type MemberRate struct {
	MemberID      string   `json:"member_id"`
	Name          string   `json:"name"`
	GroupID       string   `json:"group_id"`
	Participation Ratio    `json:"participation"`
	Completion    Ratio    `json:"completion"`
	Excellence    Ratio    `json:"excellence"`
	Evaluation    *float64 `json:"evaluation"` // average grade 1–5 of evaluated reports, nil when none
	Score         *float64 `json:"score"`      // 0–100 unrounded, nil when no part is known
	// Grade is excellent, good, pass or fail; "" (null on the wire) when
	// there is no score.
	Grade string `json:"grade"`
	// GradeLabel is how the policy in force prints the grade for this
	// period (好 / 较好 … quarterly, 优秀 / 合格 … annual); null with Grade.
	GradeLabel string `json:"grade_label"`

	// Attendance breaks the participation down for the appraisal form;
	// it is not part of the API answer.
	Attendance AttendanceTally `json:"-"`
}

// MarshalJSON writes an empty grade as null.
func (m MemberRate) MarshalJSON() ([]byte, error) {
	type plain MemberRate
	return json.Marshal(struct {
		plain
		Grade      *string `json:"grade"`
		GradeLabel *string `json:"grade_label"`
	}{plain(m), nullable(m.Grade), nullable(m.GradeLabel)})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// AttendanceTally counts a member's required sessions in a period by what
// happened at them (一、学习出勤 of the appraisal form).
type AttendanceTally struct {
	Required int `json:"required"` // required sessions
	Attended int `json:"attended"` // counted as attended, make-up included
	Present  int `json:"present"`
	Late     int `json:"late"`
	Leave    int `json:"leave"`
	Absent   int `json:"absent"`
	None     int `json:"none"`    // no record
	Makeup   int `json:"makeup"`  // records with a make-up
	Excused  int `json:"excused"` // left out of the denominator (policy LeaveExcused)
}

// RatesReport is the answer of GET /rates: the sums over the members
// listed, each member's row, and the policy used.
type RatesReport struct {
	Period string `json:"period"`
	// GroupID is the subtree reported; "" (null on the wire) for the whole
	// organisation or a single member.
	GroupID       string       `json:"group_id"`
	Participation Ratio        `json:"participation"`
	Completion    Ratio        `json:"completion"`
	Excellence    Ratio        `json:"excellence"`
	Members       []MemberRate `json:"members"`
	Policy        Policy       `json:"policy"`
	// Provisional: the period has not ended, the figures are to date
	// (AsOf); Locked: they come from the period's frozen snapshot of
	// Revision, taken at AsOf.
	Provisional bool      `json:"provisional"`
	AsOf        time.Time `json:"as_of"`
	Locked      bool      `json:"locked"`
	Revision    int       `json:"revision"`
}

// MarshalJSON writes an empty group_id as null.
func (r RatesReport) MarshalJSON() ([]byte, error) {
	type plain RatesReport
	if r.Members == nil {
		r.Members = []MemberRate{}
	}
	return json.Marshal(struct {
		plain
		GroupID *string `json:"group_id"`
	}{plain(r), nullable(r.GroupID)})
}

// Rates computes the three rates, evaluation, score and grade of every
// account in groupID's subtree ("" for the whole organisation) active at
// any time in p, and the group's rates as sums of their numerators over
// sums of their denominators. Accounts without a group are in no rates.
// See docs/RATES.md for every rule.
//
// The rates of a locked period come from its snapshot, whatever pol says:
// they are the figures frozen at the lock.
func (s *Store) Rates(p Period, groupID string, pol Policy) (*RatesReport, error) {
	var r *RatesReport
	err := s.view(func(tx *bolt.Tx) error {
		ps, err := s.frozenTx(tx, p)
		if err != nil {
			return err
		}
		if ps != nil {
			if err := checkGroup(tx, ps, groupID); err != nil {
				return err
			}
			r, err = ps.Rates(groupID)
			return err
		}
		res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, group: groupID, now: s.now()})
		if err != nil {
			return err
		}
		r = res.report
		return nil
	})
	return r, err
}

// MemberRates is Rates for one member: a report whose only row, and sums,
// are theirs. A member inactive throughout p gets no row (members: []); an
// account without a group is in no rates (404 not_in_rates).
func (s *Store) MemberRates(p Period, memberID string, pol Policy) (*RatesReport, error) {
	var r *RatesReport
	err := s.view(func(tx *bolt.Tx) error {
		ps, err := s.frozenTx(tx, p)
		if err != nil {
			return err
		}
		if ps != nil {
			m, err := getMember(tx, memberID)
			if err != nil {
				return err
			}
			if m.GroupID == "" {
				return Errorf(KindNotFound, "not_in_rates", "account %s has no group and is in no rates", memberID)
			}
			r = ps.MemberRates(memberID)
			return nil
		}
		res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, member: memberID, now: s.now()})
		if err != nil {
			return err
		}
		r = res.report
		return nil
	})
	return r, err
}

// ratesQuery says what computeRates covers: a group's subtree (or "" for
// everyone), or one member.
type ratesQuery struct {
	p        Period
	pol      Policy
	group    string
	member   string
	warnings bool
	now      time.Time
}

// ratesResult is the report plus, when asked, what the warnings need.
type ratesResult struct {
	report *RatesReport
	rows   []*memberAcc // in report member order
}

// memberAcc accumulates one member's counts.
type memberAcc struct {
	ix *idxMember

	partNum, partDen int32
	tally            AttendanceTally
	assigned, done   int32           // distinct items counted once, outside dup
	dup              map[int32]uint8 // items that may repeat: bit 1 assigned, bit 2 completed
	excNum, excDen   int32

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

// attendance value byte: status in the low bits, make-up in bit 7.
const makeupBit = 0x80

func (s *Store) computeRates(tx *bolt.Tx, q ratesQuery) (*ratesResult, error) {
	ix, err := s.ratesIndex(tx)
	if err != nil {
		return nil, err
	}
	p, pol := q.p, q.pol
	firstDay := dayOf(p.Start, s.loc)
	endDay := dayOf(p.End, s.loc) // exclusive
	report := &RatesReport{Period: p.String(), Policy: pol.clone(), AsOf: q.now.UTC()}
	// An open period's figures are to date: only what has fallen due
	// counts — sessions that have ended, self-study items due and exams
	// held on or before today.
	dueEnd, dueDay := int64(1<<63-1), endDay
	if !q.now.IsZero() && q.now.Before(p.End) {
		report.Provisional = true
		dueEnd = q.now.UnixNano()
		dueDay = min(endDay, dayOf(q.now, s.loc)+1)
	}

	// Who is reported, and which groups are in scope.
	inScope := make([]bool, len(ix.groupIDs))
	single := int32(-1)
	scope := int32(-1)
	switch {
	case q.member != "":
		key, ok := idKey(q.member)
		if ok {
			single = ix.memberIndex(btoi(key))
		}
		if single < 0 {
			return nil, NotFound("member", q.member)
		}
		if ix.members[single].group < 0 {
			return nil, Errorf(KindNotFound, "not_in_rates", "account %s has no group and is in no rates", q.member)
		}
		inScope[ix.members[single].group] = true
	case q.group != "":
		scope = ix.group(q.group)
		if scope < 0 {
			return nil, NotFound("group", q.group)
		}
		report.GroupID = q.group
		for _, g := range ix.subtree[scope] {
			inScope[g] = true
		}
	default:
		for g := range inScope {
			inScope[g] = true
		}
	}
	pos := make([]int32, len(ix.members)) // member index → row, -1
	byGroup := make([][]int32, len(ix.groupIDs))
	var rows []*memberAcc
	for i := range ix.members {
		pos[i] = -1
		m := &ix.members[i]
		if m.group < 0 || !inScope[m.group] {
			continue
		}
		if single >= 0 && int32(i) != single {
			continue
		}
		if !(m.joined < endDay && m.left > max(m.joined, firstDay)) {
			continue // not active at any time in p
		}
		pos[i] = int32(len(rows))
		byGroup[m.group] = append(byGroup[m.group], int32(len(rows)))
		rows = append(rows, &memberAcc{ix: m})
	}

	if single >= 0 && len(rows) == 0 {
		// A member's own answer for a period they were not active in
		// lists nobody.
		report.Members = []MemberRate{}
		return &ratesResult{report: report}, nil
	}

	// audienceGroups lists the in-scope groups a session or exam of group g
	// reaches; nil when none.
	audienceGroups := func(g int32) []int32 {
		switch {
		case single >= 0:
			if mg := ix.members[single].group; ix.covers(g, mg) {
				return []int32{mg}
			}
			return nil
		case scope < 0 || inScope[g]:
			return ix.subtree[g]
		case ix.covers(g, scope):
			return ix.subtree[scope]
		}
		return nil
	}

	// Sessions starting inside p that reach the scope.
	lo := sort.Search(len(ix.sessions), func(i int) bool { return ix.sessions[i].start >= p.Start.UnixNano() })
	hi := sort.Search(len(ix.sessions), func(i int) bool { return ix.sessions[i].start >= p.End.UnixNano() })
	type reqSession struct {
		s      *idxSession
		groups []int32
		uniq   int32   // items counted by sum: they occur once in p
		dups   []int32 // items that may repeat, by dup index
	}
	var sessions []reqSession
	for i := lo; i < hi; i++ {
		if ix.sessions[i].end > dueEnd {
			continue // not yet held
		}
		if gs := audienceGroups(ix.sessions[i].group); gs != nil {
			sessions = append(sessions, reqSession{s: &ix.sessions[i], groups: gs})
		}
	}
	// Self-study items due inside p whose plan's group reaches the scope.
	type reqItem struct {
		it     *idxItem
		groups []int32
		dup    int32 // dup index, -1 when it occurs once
	}
	var items []reqItem
	for i := range ix.selfStudy {
		it := &ix.selfStudy[i]
		if it.due < firstDay || it.due >= dueDay {
			continue // outside p, or not yet due
		}
		if gs := audienceGroups(it.group); gs != nil {
			items = append(items, reqItem{it: it, groups: gs, dup: -1})
		}
	}

	// Content items are counted distinct per member. An item that occurs
	// once in p (one session, or one self-study assignment) can simply be
	// summed; only items occurring more than once need a per-member set.
	occur := make(map[uint64]int32, len(sessions)*2+len(items))
	for _, rs := range sessions {
		for _, it := range rs.s.items {
			occur[it]++
		}
	}
	for _, ri := range items {
		occur[ri.it.num]++
	}
	// A self-study item listed at a session also counts completed when
	// marked done before p ended, so it needs a per-member set too.
	dupIdx := map[uint64]int32{}
	for it, n := range occur {
		if _, self := ix.selfStudyNums[it]; n > 1 || self {
			dupIdx[it] = int32(len(dupIdx))
		}
	}
	// sessionSelf: self-study items not due inside p but listed at one of
	// its sessions; a done mark counts for whoever the session assigned.
	sessionSelf := map[uint64]int32{}
	for _, rs := range sessions {
		for _, it := range rs.s.items {
			if _, self := ix.selfStudyNums[it]; self {
				sessionSelf[it] = dupIdx[it]
			}
		}
	}
	for i := range sessions {
		rs := &sessions[i]
		for _, it := range rs.s.items {
			if d, ok := dupIdx[it]; ok {
				rs.dups = append(rs.dups, d)
			} else {
				rs.uniq++
			}
		}
	}
	for i := range items {
		if d, ok := dupIdx[items[i].it.num]; ok {
			items[i].dup = d
		}
	}

	// Stream the attendance of each required session: its key prefix holds
	// one record per member, in member id order.
	att := tx.Bucket(bucketAttendance)
	code := make([]uint8, len(rows))
	seen := make([]int32, len(rows))
	for i := range seen {
		seen[i] = -1
	}
	now := q.now.UnixNano()
	for si, rs := range sessions {
		sess := rs.s
		if single >= 0 {
			r := rows[0]
			if !r.ix.activeOn(sess.startDay) {
				continue
			}
			if v := att.Get(pairKey(sess.key, itob(r.ix.num))); v != nil {
				code[0], seen[0] = attCode(v), int32(si)
			}
		} else {
			c := att.Cursor()
			for k, v := c.Seek(sess.key); k != nil && bytes.HasPrefix(k, sess.key); k, v = c.Next() {
				if len(k) != 16 {
					continue
				}
				mi := ix.memberIndex(btoi(k[8:]))
				if mi < 0 || pos[mi] < 0 {
					continue
				}
				code[pos[mi]], seen[pos[mi]] = attCode(v), int32(si)
			}
		}
		past := sess.end <= now
		for _, g := range rs.groups {
			for _, row := range byGroup[g] {
				r := rows[row]
				if !r.ix.activeOn(sess.startDay) {
					continue
				}
				st, makeup := StatusNone, false
				if seen[row] == int32(si) {
					st, makeup = Status(code[row]&^makeupBit), code[row]&makeupBit != 0
				}
				t := &r.tally
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
				attended := pol.attended(st, makeup)
				excused := pol.excused(st, makeup)
				if attended {
					t.Attended++
				}
				if excused {
					t.Excused++
				} else {
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
				if q.warnings {
					if !attended && !excused && past {
						if r.missed == 0 {
							r.firstMissed = sess.startDay
						}
						r.missed++
					}
					if st == StatusAbsent && !makeup {
						if r.run == 0 {
							r.runStart = sess.startDay
						}
						r.run++
						r.runEnd = sess.startDay
						if r.run > r.bestRun {
							r.bestRun, r.bestRunStart, r.bestRunEnd = r.run, r.runStart, r.runEnd
						}
					} else {
						r.run = 0
					}
				}
			}
		}
	}

	// Self-study: assigned to every member the plan's group covers, done
	// when marked before p ended.
	byItem := make(map[uint64]int32, len(items))
	for i, ri := range items {
		byItem[ri.it.num] = int32(i)
		for _, g := range ri.groups {
			for _, row := range byGroup[g] {
				if pol.SelfStudyWhileActive && !rows[row].ix.activeOn(ri.it.due) {
					continue
				}
				if ri.dup >= 0 {
					rows[row].markDup(ri.dup, dupAssigned)
				} else {
					rows[row].assigned++
				}
			}
		}
	}
	for _, ri := range items {
		delete(sessionSelf, ri.it.num) // handled through byItem
	}
	if len(items) > 0 || len(sessionSelf) > 0 {
		done := tx.Bucket(bucketItemDone)
		mark := func(k, v []byte) {
			mi := ix.memberIndex(btoi(k[:8]))
			if mi < 0 || pos[mi] < 0 {
				return
			}
			r := rows[pos[mi]]
			num := btoi(k[8:])
			j, ok := byItem[num]
			if !ok {
				d, ok := sessionSelf[num]
				if !ok {
					return
				}
				// Completed only where a required session assigned it:
				// the bit counts only beside dupAssigned.
				if at, err := decodeDoneAt(v); err == nil && at.Before(p.End) {
					r.markDup(d, dupCompleted)
				}
				return
			}
			if !ix.covers(items[j].it.group, r.ix.group) || (pol.SelfStudyWhileActive && !r.ix.activeOn(items[j].it.due)) {
				return
			}
			at, err := decodeDoneAt(v)
			if err != nil || !at.Before(p.End) {
				return
			}
			if items[j].dup >= 0 {
				r.markDup(items[j].dup, dupCompleted)
			} else {
				r.done++
			}
		}
		if len(rows)*8 < len(ix.members) {
			// Few members: seek each one's prefix.
			c := done.Cursor()
			for _, r := range rows {
				pre := itob(r.ix.num)
				for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
					if len(k) == 16 {
						mark(k, v)
					}
				}
			}
		} else {
			c := done.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(k) == 16 {
					mark(k, v)
				}
			}
		}
	}

	// Exams held inside p: required for the audience, excellent by score.
	scores := tx.Bucket(bucketScores)
	for ei := range ix.exams {
		e := &ix.exams[ei]
		if e.day < firstDay || e.day >= dueDay {
			continue // outside p, or not yet held
		}
		gs := audienceGroups(e.group)
		if gs == nil {
			continue
		}
		for _, g := range gs {
			for _, row := range byGroup[g] {
				if rows[row].ix.activeOn(e.day) {
					rows[row].excDen++
				}
			}
		}
		excellent := func(r *memberAcc, v []byte) {
			if sc, ok := scoreValue(v); ok && sc >= e.excellent {
				r.excNum++
			}
		}
		if single >= 0 {
			r := rows[0]
			if r.ix.activeOn(e.day) {
				excellent(r, scores.Get(pairKey(e.key, itob(r.ix.num))))
			}
			continue
		}
		c := scores.Cursor()
		for k, v := c.Seek(e.key); k != nil && bytes.HasPrefix(k, e.key); k, v = c.Next() {
			if len(k) != 16 {
				continue
			}
			mi := ix.memberIndex(btoi(k[8:]))
			if mi < 0 || pos[mi] < 0 {
				continue
			}
			r := rows[pos[mi]]
			if ix.covers(e.group, r.ix.group) && r.ix.activeOn(e.day) {
				excellent(r, v)
			}
		}
	}

	acts, err := s.activities(tx, p)
	if err != nil {
		return nil, err
	}

	// Rows, sums, scores and grades.
	var sumP, sumPD, sumC, sumCD, sumE, sumED int
	report.Members = make([]MemberRate, len(rows))
	for i, r := range rows {
		assigned, done := int(r.assigned), int(r.done)
		for _, bits := range r.dup {
			if bits&dupAssigned != 0 {
				assigned++
				if bits&dupCompleted != 0 {
					done++
				}
			}
		}
		mr := MemberRate{MemberID: r.ix.m.ID, Name: r.ix.m.Name, GroupID: r.ix.m.GroupID,
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
			mr.GradeLabel = pol.Label(mr.Grade, q.p)
		}
		report.Members[i] = mr
		sumP, sumPD = sumP+int(r.partNum), sumPD+int(r.partDen)
		sumC, sumCD = sumC+done, sumCD+assigned
		sumE, sumED = sumE+int(r.excNum), sumED+int(r.excDen)
	}
	report.Participation = ratio(sumP, sumPD)
	report.Completion = ratio(sumC, sumCD)
	report.Excellence = ratio(sumE, sumED)

	// Rows in the one order (docs/ORDER.md).
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	mo := ix.order
	sort.SliceStable(order, func(a, b int) bool {
		x, y := &rows[order[a]].ix.m, &rows[order[b]].ix.m
		return mo.Less(x.GroupID, x.Position, x.Name, x.ID, y.GroupID, y.Position, y.Name, y.ID)
	})
	sorted := make([]MemberRate, len(rows))
	sortedRows := make([]*memberAcc, len(rows))
	for i, o := range order {
		sorted[i], sortedRows[i] = report.Members[o], rows[o]
	}
	report.Members = sorted
	return &ratesResult{report: report, rows: sortedRows}, nil
}

// checkGroup answers 404 for a group neither the snapshot nor the store
// knows.
func checkGroup(tx *bolt.Tx, ps *PeriodSnapshot, groupID string) error {
	if groupID == "" {
		return nil
	}
	if _, ok := ps.Tree().Group(groupID); ok {
		return nil
	}
	if k, ok := idKey(groupID); ok && tx.Bucket(bucketGroups).Get(k) != nil {
		return nil
	}
	return NotFound("group", groupID)
}

// attCode packs what the rates read from an attendance record: its status
// and whether a make-up is recorded (see encodeAttendance).
func attCode(v []byte) uint8 {
	if len(v) < attendanceHeader {
		return uint8(StatusNone)
	}
	c := v[1] &^ makeupBit
	if v[3]&1 != 0 {
		c |= makeupBit
	}
	return c
}
