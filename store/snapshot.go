package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PeriodSnapshot is every figure of a locked period, frozen when it was
// locked: each member's and group's numerators, denominators, score and
// grade, the warnings, and the membership, sessions, attendance, exams,
// scores, activities and learning reports they were computed from (what
// the appraisal forms print). From the lock on, the rates, warnings and
// reports of the period come from here, so nothing written later — a
// back-dated roster import, a move, a late make-up — changes them. Only an
// unlock and a new lock (the next revision) take a new snapshot.
//
// The period_snapshots bucket: key "2023Q3#0001" (period, '#', revision as
// 4 decimal digits), value this record as JSON; the lock holds the SHA-256
// of exactly those bytes.
type PeriodSnapshot struct {
	Period   string    `json:"period"`
	Revision int       `json:"revision"`
	TakenAt  time.Time `json:"taken_at"`
	// Reason is why the period was unlocked before this revision ("" for
	// revision 1).
	Reason string `json:"reason,omitempty"`
	// AuditHead is the audit chain head the snapshot was taken at.
	AuditHead string `json:"audit_head"`
	Policy    Policy `json:"policy"`

	Groups  []Group  `json:"groups"`
	Members []Member `json:"members"` // every account, id order

	Participation Ratio         `json:"participation"` // the organisation's sums
	Completion    Ratio         `json:"completion"`
	Excellence    Ratio         `json:"excellence"`
	Rows          []SnapshotRow `json:"rows"` // the organisation's rates, in rates order
	Warnings      []Warning     `json:"warnings"`

	Sessions   []SnapshotSession         `json:"sessions"` // not cancelled, starting in the period
	Exams      []ExamDetail              `json:"exams"`    // held in the period, with every score
	Activities map[string]*Activity      `json:"activities"`
	Reports    map[string]LearningReport `json:"reports"` // learning reports of the period (and its quarters), by id
}

// SnapshotRow is one member's frozen rates with the attendance tally the
// appraisal form prints.
type SnapshotRow struct {
	Rate  MemberRate      `json:"rate"`
	Tally AttendanceTally `json:"tally"`
}

// SnapshotSession is a session of the period with its attendance records.
type SnapshotSession struct {
	Session    Session      `json:"session"`
	Attendance []Attendance `json:"attendance"`
}

// Tree is the organisation tree the snapshot was computed on.
func (ps *PeriodSnapshot) Tree() *Tree { return NewTree(ps.Groups) }

// NewTree builds a tree of groups (in the given order).
func NewTree(groups []Group) *Tree {
	t := &Tree{byID: map[string]Group{}, children: map[string][]string{}}
	for _, g := range groups {
		t.byID[g.ID] = g
		t.order = append(t.order, g.ID)
		t.children[g.ParentID] = append(t.children[g.ParentID], g.ID)
	}
	return t
}

func snapshotKey(period string, revision int) []byte {
	return fmt.Appendf(nil, "%s#%04d", period, revision)
}

// takeSnapshot computes every figure of p inside tx with pol and stores it
// as revision rev, taken at now (the lock's time), answering reason; it
// returns the SHA-256 of the stored bytes.
func (s *Store) takeSnapshot(tx *bolt.Tx, p Period, rev int, reason string, pol Policy, now time.Time) (string, error) {
	res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, warnings: true, now: now})
	if err != nil {
		return "", err
	}
	ps := &PeriodSnapshot{Period: p.String(), Revision: rev, TakenAt: now, Reason: reason,
		AuditHead: string(tx.Bucket(bucketMeta).Get(keyAuditHead)), Policy: pol.clone(),
		Participation: res.report.Participation, Completion: res.report.Completion, Excellence: res.report.Excellence,
		Warnings: warningsOf(res)}
	t, err := loadTree(tx)
	if err != nil {
		return "", err
	}
	ps.Groups = t.Groups()
	if ps.Members, err = loadMembers(tx); err != nil {
		return "", err
	}
	ps.Rows = make([]SnapshotRow, len(res.report.Members))
	for i, m := range res.report.Members {
		ps.Rows[i] = SnapshotRow{Rate: m, Tally: m.Attendance}
	}
	sessions, err := sessionsTx(tx, SessionFilter{From: p.Start, To: p.End})
	if err != nil {
		return "", err
	}
	ps.Sessions = make([]SnapshotSession, 0, len(sessions))
	for _, sess := range sessions {
		recs, err := attendanceTx(tx, sess.ID)
		if err != nil {
			return "", err
		}
		ps.Sessions = append(ps.Sessions, SnapshotSession{Session: sess, Attendance: recs})
	}
	var examIDs []string
	err = tx.Bucket(bucketExams).ForEach(func(k, v []byte) error {
		var e Exam
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if p.ContainsDate(e.HeldOn) {
			examIDs = append(examIDs, e.ID)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, id := range examIDs {
		d, err := examDetailTx(tx, id)
		if err != nil {
			return "", err
		}
		ps.Exams = append(ps.Exams, *d)
	}
	sort.SliceStable(ps.Exams, func(i, j int) bool {
		if ps.Exams[i].HeldOn != ps.Exams[j].HeldOn {
			return ps.Exams[i].HeldOn < ps.Exams[j].HeldOn
		}
		return btoi(keyOrZero(ps.Exams[i].ID)) < btoi(keyOrZero(ps.Exams[j].ID))
	})
	if ps.Activities, err = activitiesTx(tx, p); err != nil {
		return "", err
	}
	if ps.Reports, err = learningReportsTx(tx, p); err != nil {
		return "", err
	}
	sealSnapshot(tx, ps)
	data, err := json.Marshal(ps)
	if err != nil {
		return "", err
	}
	if err := tx.Bucket(bucketSnapshots).Put(snapshotKey(ps.Period, rev), data); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// snapshotCache keeps the last decoded snapshot of each period: a
// snapshot never changes once written, so (period, revision) is its key.
type snapshotCache struct {
	mu sync.Mutex
	m  map[string]*PeriodSnapshot
}

// FrozenPeriod returns the snapshot the figures of period p come from:
// non-nil only while p is locked. The bytes are checked against the
// lock's SHA-256; a mismatch is an error, never silently other figures.
func (s *Store) FrozenPeriod(p Period) (*PeriodSnapshot, error) {
	var ps *PeriodSnapshot
	err := s.view(func(tx *bolt.Tx) (err error) {
		ps, err = s.frozenTx(tx, p)
		return err
	})
	return ps, err
}

func (s *Store) frozenTx(tx *bolt.Tx, p Period) (*PeriodSnapshot, error) {
	b := tx.Bucket(bucketLocks)
	if k, _ := b.Cursor().First(); k == nil {
		return nil, nil // nothing is locked
	}
	var l PeriodLock
	found, err := getJSON(b, []byte(p.String()), &l)
	if err != nil || !found || !l.Locked || l.SnapshotSHA256 == "" {
		return nil, err
	}
	key := string(snapshotKey(l.Period, l.Revision))
	c := s.snapshots
	c.mu.Lock()
	ps := c.m[key]
	c.mu.Unlock()
	if ps != nil {
		return ps, nil
	}
	data := tx.Bucket(bucketSnapshots).Get([]byte(key))
	if data == nil {
		return nil, fmt.Errorf("period %s revision %d: snapshot missing", l.Period, l.Revision)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != l.SnapshotSHA256 {
		return nil, fmt.Errorf("period %s revision %d: snapshot does not match its SHA-256 (edited)", l.Period, l.Revision)
	}
	ps = &PeriodSnapshot{}
	if err := json.Unmarshal(data, ps); err != nil {
		return nil, err
	}
	if err := openSnapshot(tx, ps); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[key] = ps
	c.mu.Unlock()
	return ps, nil
}

// Rates answers Store.Rates from the snapshot: the rows of groupID's subtree
// ("" for everyone) as frozen, and their sums.
func (ps *PeriodSnapshot) Rates(groupID string) (*RatesReport, error) {
	rep := &RatesReport{Period: ps.Period, GroupID: groupID, Policy: ps.Policy.clone(),
		Locked: true, Revision: ps.Revision, AsOf: ps.TakenAt}
	in, err := ps.scope(groupID)
	if err != nil {
		return nil, err
	}
	if in == nil {
		rep.Participation, rep.Completion, rep.Excellence = ps.Participation, ps.Completion, ps.Excellence
	}
	var sums [6]int
	for _, r := range ps.Rows {
		if in != nil && !in[r.Rate.GroupID] {
			continue
		}
		m := r.Rate
		m.Attendance = r.Tally
		rep.Members = append(rep.Members, m)
		sums[0], sums[1] = sums[0]+m.Participation.Num, sums[1]+m.Participation.Den
		sums[2], sums[3] = sums[2]+m.Completion.Num, sums[3]+m.Completion.Den
		sums[4], sums[5] = sums[4]+m.Excellence.Num, sums[5]+m.Excellence.Den
	}
	if in != nil {
		rep.Participation, rep.Completion, rep.Excellence = ratio(sums[0], sums[1]), ratio(sums[2], sums[3]), ratio(sums[4], sums[5])
	}
	if rep.Members == nil {
		rep.Members = []MemberRate{}
	}
	return rep, nil
}

// scope is the set of groups of groupID's subtree in the snapshot; nil
// for everyone. A group created after the snapshot has nobody in it.
func (ps *PeriodSnapshot) scope(groupID string) (map[string]bool, error) {
	if groupID == "" {
		return nil, nil
	}
	in := map[string]bool{}
	for _, g := range ps.Tree().Subtree(groupID) {
		in[g] = true
	}
	in[groupID] = true
	return in, nil
}

// MemberRates answers Store.MemberRates from the snapshot: the member's frozen row,
// or none when they were in no rates of the period.
func (ps *PeriodSnapshot) MemberRates(memberID string) *RatesReport {
	rep := &RatesReport{Period: ps.Period, Policy: ps.Policy.clone(), Members: []MemberRate{},
		Locked: true, Revision: ps.Revision, AsOf: ps.TakenAt}
	for _, r := range ps.Rows {
		if r.Rate.MemberID == memberID {
			m := r.Rate
			m.Attendance = r.Tally
			rep.Members = append(rep.Members, m)
			rep.Participation, rep.Completion, rep.Excellence = m.Participation, m.Completion, m.Excellence
		}
	}
	return rep
}

// WarningsOf answers Store.Warnings from the snapshot.
func (ps *PeriodSnapshot) WarningsOf(groupID string) ([]Warning, error) {
	in, err := ps.scope(groupID)
	if err != nil {
		return nil, err
	}
	out := []Warning{}
	for _, w := range ps.Warnings {
		if in == nil || in[w.GroupID] {
			out = append(out, w)
		}
	}
	return out, nil
}

// learningReportsTx lists the learning reports of p and of its quarters by
// id.
func learningReportsTx(tx *bolt.Tx, p Period) (map[string]LearningReport, error) {
	periods := map[string]bool{p.String(): true}
	for _, q := range p.Quarters() {
		periods[q.String()] = true
	}
	out := map[string]LearningReport{}
	err := forEachReport(tx, func(_ []byte, r *LearningReport) bool {
		if periods[r.Period] {
			out[r.ID] = *r
		}
		return true
	})
	return out, err
}
