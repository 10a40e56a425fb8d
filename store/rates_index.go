package store

import (
	"bytes"
	"encoding/json"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The rates need, besides the attendance records they stream, the whole
// roster, the sessions, exams and self-study items: small next to the
// attendance bucket, but decoding 20,000 sessions from JSON costs ~70 ms
// and the one-member rates must answer in 5 ms. So a decoded copy, the
// rates index, is kept per open Store and reused while it is current; the
// activities (for the evaluation) are kept the same way, per period.
//
// A copy is current while no write that could change it has committed.
// Every write appends an audit entry in its own transaction, so the audit
// bucket's sequence counts writes: when it moved, the entries written since
// are read and the copy survives only if all of them touched records it
// does not depend on (attendance, scores, leave, logins …). Anything
// unknown rebuilds it, so a new kind of write can make the rates slower,
// never wrong.

// ratesIndex is the decoded roster, sessions, exams and self-study items.
type ratesIndex struct {
	stamp indexStamp

	tree     *Tree
	groupIDs []string         // dense group index → id
	gidx     map[string]int32 // id → dense group index
	parent   []int32          // dense parent, -1 for a root
	subtree  [][]int32        // dense group → itself and its descendants
	paths    []string         // dense group → "单位/支部"
	// order compares members; every member's name key is computed when
	// the index is built, so concurrent readers never write to it.
	order *MemberOrder

	members []idxMember // in id order
	byNum   []int32     // numeric member id → index in members, -1

	sessions []idxSession // not cancelled, by start, then id
	// held is every session not cancelled, whatever its group, by start:
	// the activities read only those of the period asked.
	held      []heldSession
	exams     []idxExam // by date, then id
	selfStudy []idxItem // self-study items, by due date
	// selfStudyNums holds every self-study item's numeric id.
	selfStudyNums map[uint64]struct{}
}

type idxMember struct {
	num          uint64
	m            Member
	group        int32 // the current group; -1: no group, in no rates
	joined, left int32 // days since 1970-01-01; left = maxDay when none
	// spans is the dated membership: the group from each date on, the
	// first one unbounded below (see groupSpans).
	spans []idxSpan
}

// idxSpan is one dated membership: group from day from until the next
// span's from.
type idxSpan struct {
	group int32
	from  int32
}

// spanEnd is where span i of m ends (exclusive): the next span's from, or
// maxDay.
func (m *idxMember) spanEnd(i int) int32 {
	if i+1 < len(m.spans) {
		return m.spans[i+1].from
	}
	return maxDay
}

// activeOn is Member.ActiveOn on day numbers.
func (m *idxMember) activeOn(day int32) bool { return m.joined <= day && day < m.left }

type idxSession struct {
	num      uint64
	key      []byte
	group    int32
	start    int64 // Unix ns
	end      int64
	startDay int32 // the start's date in the store's zone
	items    []uint64
}

type heldSession struct {
	start int64 // Unix ns
	key   []byte
}

// heldIn is the keys of the sessions not cancelled that start in p.
func (ix *ratesIndex) heldIn(p Period) [][]byte {
	lo := sort.Search(len(ix.held), func(i int) bool { return ix.held[i].start >= p.Start.UnixNano() })
	hi := sort.Search(len(ix.held), func(i int) bool { return ix.held[i].start >= p.End.UnixNano() })
	keys := make([][]byte, 0, hi-lo)
	for _, h := range ix.held[lo:hi] {
		keys = append(keys, h.key)
	}
	return keys
}

type idxExam struct {
	num       uint64
	key       []byte
	exam      Exam
	group     int32
	day       int32
	excellent float64
}

type idxItem struct {
	num   uint64
	group int32 // the plan's group
	due   int32
}

const maxDay = int32(1<<31 - 1)

// dayNum turns YYYY-MM-DD into days since 1970-01-01; ok false when bad.
func dayNum(d string) (int32, bool) {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return 0, false
	}
	n := func(s string) int {
		v := 0
		for _, r := range s {
			if r < '0' || r > '9' {
				return -1
			}
			v = v*10 + int(r-'0')
		}
		return v
	}
	y, m, dd := n(d[:4]), n(d[5:7]), n(d[8:])
	if y < 0 || m < 1 || m > 12 || dd < 1 || dd > 31 {
		return 0, false
	}
	return int32(time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC).Unix() / 86400), true
}

// dayOf is the date of instant t in loc, as a day number.
func dayOf(t time.Time, loc *time.Location) int32 {
	y, m, d := t.In(loc).Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// covers is Tree.Covers on dense indices.
func (ix *ratesIndex) covers(ancestor, g int32) bool {
	for i := 0; g >= 0 && i <= len(ix.parent); i++ {
		if g == ancestor {
			return true
		}
		g = ix.parent[g]
	}
	return false
}

// indexStamp identifies the store state an index was built from.
type indexStamp struct {
	audit uint64 // the audit bucket's sequence: one per write
	seqs  [5]uint64
}

var indexBuckets = [5][]byte{bucketGroups, bucketMembers, bucketSessions, bucketExams, bucketPlans}

func stampOf(tx *bolt.Tx) indexStamp {
	st := indexStamp{audit: tx.Bucket(bucketAudit).Sequence()}
	for i, b := range indexBuckets {
		st.seqs[i] = tx.Bucket(b).Sequence()
	}
	return st
}

// harmlessToIndex reports whether an audit entry records a write the index
// does not depend on. Closing a session only stamps closed_at.
func harmlessToIndex(action, entity string) bool {
	switch entity {
	case "attendance", "item_done", "exam_score", "leave_request", "learning_report",
		"question", "share", "reading_turn", "rotation", "period", "job", "report", "report_file", "minutes":
		return true
	case "session":
		return action == "close"
	case "member", "members":
		return action == "login" || action == "logout"
	}
	return false
}

// harmlessToActivities reports whether an audit entry records a write the
// activities (times led, shares, questions, learning reports) do not
// depend on.
func harmlessToActivities(action, entity string) bool {
	switch entity {
	case "attendance", "item_done", "exam", "exam_score", "leave_request", "rotation", "period",
		"job", "report", "report_file", "plan", "group", "member", "members", "minutes":
		return true
	case "session":
		return action == "close"
	}
	return false
}

// maxAuditReplay caps how many audit entries are read to keep a cache;
// past it a rebuild is as cheap.
const maxAuditReplay = 2000

// ratesCache is what the rates keep in memory per open Store: the index,
// and the activities of the periods asked about lately.
type ratesCache struct {
	mu   sync.Mutex
	ix   *ratesIndex
	acts map[string]*actEntry // by period
}

type actEntry struct {
	audit uint64
	acts  map[string]*Activity
}

// maxCachedPeriods bounds the activities kept.
const maxCachedPeriods = 16

func newRatesCache() *ratesCache { return &ratesCache{acts: map[string]*actEntry{}} }

func (s *Store) ratesCache() *ratesCache { return s.rates }

// ratesIndex returns the current index, building it when needed.
func (s *Store) ratesIndex(tx *bolt.Tx) (*ratesIndex, error) {
	c := s.ratesCache()
	now := stampOf(tx)
	c.mu.Lock()
	ix := c.ix
	c.mu.Unlock()
	if ix != nil && ix.stamp.seqs == now.seqs && ix.stamp.audit <= now.audit {
		if ix.stamp.audit == now.audit {
			return ix, nil
		}
		if now.audit-ix.stamp.audit <= maxAuditReplay && auditHarmlessSince(tx, ix.stamp.audit, harmlessToIndex) {
			// Same index, newer stamp: later calls skip the replay.
			fresh := *ix
			fresh.stamp = now
			c.keepIndex(&fresh)
			return &fresh, nil
		}
	}
	ix, err := s.buildIndex(tx)
	if err != nil {
		return nil, err
	}
	ix.stamp = now
	c.keepIndex(ix)
	return ix, nil
}

// keepIndex keeps ix unless a newer one is already kept.
func (c *ratesCache) keepIndex(ix *ratesIndex) {
	c.mu.Lock()
	if c.ix == nil || c.ix.stamp.audit <= ix.stamp.audit {
		c.ix = ix
	}
	c.mu.Unlock()
}

// activities returns activitiesTx(tx, p), reusing the last result for p
// while no write it depends on has committed. activitiesTx reads every
// session and every learning report (texts included): tens of
// milliseconds that the one-member rates cannot spend on each call.
func (s *Store) activities(tx *bolt.Tx, p Period, ix *ratesIndex) (map[string]*Activity, error) {
	c := s.ratesCache()
	now := tx.Bucket(bucketAudit).Sequence()
	key := p.String()
	c.mu.Lock()
	e := c.acts[key]
	c.mu.Unlock()
	if e != nil && e.audit <= now {
		if e.audit == now {
			return e.acts, nil
		}
		if now-e.audit <= maxAuditReplay && auditHarmlessSince(tx, e.audit, harmlessToActivities) {
			c.keepActs(key, &actEntry{audit: now, acts: e.acts})
			return e.acts, nil
		}
	}
	acts, err := activitiesTx(tx, p, ix.heldIn(p))
	if err != nil {
		return nil, err
	}
	c.keepActs(key, &actEntry{audit: now, acts: acts})
	return acts, nil
}

func (c *ratesCache) keepActs(period string, e *actEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.acts[period]; old != nil && old.audit > e.audit {
		return
	}
	if _, ok := c.acts[period]; !ok && len(c.acts) >= maxCachedPeriods {
		for k := range c.acts {
			delete(c.acts, k)
			break
		}
	}
	c.acts[period] = e
}

// auditHarmlessSince reports whether every audit entry after seq records a
// write harmless says a cache does not depend on.
func auditHarmlessSince(tx *bolt.Tx, seq uint64, harmless func(action, entity string) bool) bool {
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := c.Seek(itob(seq + 1)); k != nil; k, v = c.Next() {
		var e struct {
			Action string `json:"action"`
			Entity string `json:"entity"`
		}
		if json.Unmarshal(v, &e) != nil || !harmless(e.Action, e.Entity) {
			return false
		}
	}
	return true
}

// buildIndex decodes what the index holds.
func (s *Store) buildIndex(tx *bolt.Tx) (*ratesIndex, error) {
	t, err := loadTree(tx)
	if err != nil {
		return nil, err
	}
	ix := &ratesIndex{tree: t, gidx: map[string]int32{}}
	for _, g := range t.Groups() {
		ix.gidx[g.ID] = int32(len(ix.groupIDs))
		ix.groupIDs = append(ix.groupIDs, g.ID)
	}
	ix.parent = make([]int32, len(ix.groupIDs))
	ix.subtree = make([][]int32, len(ix.groupIDs))
	ix.paths = make([]string, len(ix.groupIDs))
	for i, id := range ix.groupIDs {
		g, _ := t.Group(id)
		ix.parent[i] = ix.group(g.ParentID)
		for _, sub := range t.Subtree(id) {
			ix.subtree[i] = append(ix.subtree[i], ix.gidx[sub])
		}
		ix.paths[i] = t.Path(id)
	}

	var maxNum uint64
	err = tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		im := idxMember{num: btoi(k), m: m, group: ix.group(m.GroupID), left: maxDay}
		im.joined, _ = dayNum(m.JoinedOn)
		if m.LeftOn != "" {
			if d, ok := dayNum(m.LeftOn); ok {
				im.left = d
			}
		}
		spans, err := spansTx(tx, k, &m)
		if err != nil {
			return err
		}
		for i, sp := range spans {
			d, ok := dayNum(sp.From)
			switch {
			case i == 0:
				d = -maxDay // the first span holds before joined_on too
			case !ok || d <= im.spans[len(im.spans)-1].from:
				continue
			}
			im.spans = append(im.spans, idxSpan{group: ix.group(sp.GroupID), from: d})
		}
		ix.members = append(ix.members, im)
		maxNum = max(maxNum, im.num)
		return nil
	})
	if err != nil {
		return nil, err
	}
	ix.order = NewMemberOrder(t)
	names := make([]string, len(ix.members))
	for i := range ix.members {
		names[i] = ix.members[i].m.Name
	}
	ix.order.prime(names)
	if maxNum > 1<<26 {
		maxNum = 1 << 26 // ids beyond stay unindexed: memberPos falls back to search
	}
	ix.byNum = make([]int32, maxNum+1)
	for i := range ix.byNum {
		ix.byNum[i] = -1
	}
	for i, m := range ix.members {
		if m.num < uint64(len(ix.byNum)) {
			ix.byNum[m.num] = int32(i)
		}
	}

	type sessionFields struct {
		GroupID   string    `json:"group_id"`
		StartsAt  time.Time `json:"starts_at"`
		EndsAt    time.Time `json:"ends_at"`
		ItemIDs   []string  `json:"item_ids"`
		Cancelled bool      `json:"cancelled"`
	}
	err = tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		var sess sessionFields
		if err := json.Unmarshal(v, &sess); err != nil {
			return err
		}
		if sess.Cancelled {
			return nil
		}
		key := copyBytes(k)
		ix.held = append(ix.held, heldSession{start: sess.StartsAt.UnixNano(), key: key})
		g := ix.group(sess.GroupID)
		if g < 0 {
			return nil
		}
		is := idxSession{num: btoi(k), key: key, group: g, start: sess.StartsAt.UnixNano(),
			end: sess.EndsAt.UnixNano(), startDay: dayOf(sess.StartsAt, s.loc)}
		for _, id := range sess.ItemIDs {
			if key, ok := idKey(id); ok {
				is.items = append(is.items, btoi(key))
			}
		}
		ix.sessions = append(ix.sessions, is)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(ix.held, func(i, j int) bool {
		if ix.held[i].start != ix.held[j].start {
			return ix.held[i].start < ix.held[j].start
		}
		return bytes.Compare(ix.held[i].key, ix.held[j].key) < 0
	})
	sort.Slice(ix.sessions, func(i, j int) bool {
		a, b := &ix.sessions[i], &ix.sessions[j]
		if a.start != b.start {
			return a.start < b.start
		}
		return a.num < b.num
	})

	err = tx.Bucket(bucketExams).ForEach(func(k, v []byte) error {
		var e Exam
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		g := ix.group(e.GroupID)
		d, ok := dayNum(e.HeldOn)
		if g < 0 || !ok {
			return nil
		}
		ix.exams = append(ix.exams, idxExam{num: btoi(k), key: copyBytes(k), exam: e, group: g, day: d, excellent: e.ExcellentScore})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(ix.exams, func(i, j int) bool {
		a, b := &ix.exams[i], &ix.exams[j]
		if a.day != b.day {
			return a.day < b.day
		}
		return a.num < b.num
	})

	err = tx.Bucket(bucketPlans).ForEach(func(k, v []byte) error {
		var p Plan
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		g := ix.group(p.GroupID)
		if g < 0 {
			return nil
		}
		for _, it := range p.Items {
			if it.DueOn == "" {
				continue
			}
			key, ok1 := idKey(it.ID)
			d, ok2 := dayNum(it.DueOn)
			if ok1 && ok2 {
				ix.selfStudy = append(ix.selfStudy, idxItem{num: btoi(key), group: g, due: d})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ix.selfStudyNums = make(map[uint64]struct{}, len(ix.selfStudy))
	for _, it := range ix.selfStudy {
		ix.selfStudyNums[it.num] = struct{}{}
	}
	sort.Slice(ix.selfStudy, func(i, j int) bool {
		a, b := &ix.selfStudy[i], &ix.selfStudy[j]
		if a.due != b.due {
			return a.due < b.due
		}
		return a.num < b.num
	})
	return ix, nil
}

// group is the dense index of group id, -1 when none or unknown.
func (ix *ratesIndex) group(id string) int32 {
	if g, ok := ix.gidx[id]; ok {
		return g
	}
	return -1
}

// memberIndex is the index in members of numeric id num, -1 when unknown.
func (ix *ratesIndex) memberIndex(num uint64) int32 {
	if num < uint64(len(ix.byNum)) {
		return ix.byNum[num]
	}
	i := sort.Search(len(ix.members), func(i int) bool { return ix.members[i].num >= num })
	if i < len(ix.members) && ix.members[i].num == num {
		return int32(i)
	}
	return -1
}

// DropCaches forgets what the rates and the 四落实 keep in memory between
// requests (the rates index and activities here, four_cache.go); the next
// request builds them again. A one-off batch calls it once its data is
// loaded: at 100,000 members that is some 60 MB it no longer needs, which
// the collector would otherwise scan on every cycle of the batch.
func (s *Store) DropCaches() {
	c := s.ratesCache()
	c.mu.Lock()
	c.ix, c.acts = nil, map[string]*actEntry{}
	c.mu.Unlock()
	s.fours.mu.Lock()
	s.fours.m = map[string]fourEntry{}
	s.fours.mu.Unlock()
}
