package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PeriodSnapshot is every figure of a locked period, frozen when it was
// locked: each member's and group's numerators, denominators, score and
// grade with the attendance tally the forms print, the warnings, the
// membership and tree they were computed on, and the 三会一课 compliance.
// From the lock on, the rates, warnings and reports of the period come from
// here, so nothing written later — a back-dated roster import, a move, a
// late make-up — changes them. Only an unlock and a new lock (the next
// revision) take a new snapshot.
//
// The period_snapshots bucket: key "2023Q3#0001" (period, '#', revision as
// 4 decimal digits), value this record as JSON; the lock holds the SHA-256
// of exactly those bytes. This value holds the figures only. What the
// appraisal forms print line by line (each session with each member's
// status, make-up date and note; the exams with their scores; the
// activities and learning reports) is frozen beside it in parts (Format
// 2): key "2023Q3#0001/s/<group id>" for the sessions given to one group,
// "2023Q3#0001/o" for the rest, each part's SHA-256 in Parts, so the one
// hash in the lock still covers every byte. Only the parts a report needs
// are read (FrozenRecords). Snapshots written before Format 2 hold those
// records inline (Sessions, Exams, Activities, Reports) and are read as
// they are.
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
	// Format is 2 for a snapshot whose records are in parts, 0 for one
	// written before (records inline).
	Format int `json:"format,omitempty"`

	Groups  []Group  `json:"groups"`
	Members []Member `json:"members"` // every account, id order

	Participation Ratio         `json:"participation"` // the organisation's sums
	Completion    Ratio         `json:"completion"`
	Excellence    Ratio         `json:"excellence"`
	Rows          []SnapshotRow `json:"rows"` // the organisation's rates, in rates order
	Warnings      []Warning     `json:"warnings"`
	// Meetings is the period's 三会一课 compliance and 四落实, org-wide;
	// nil in a snapshot written before it was frozen (its summaries print
	// no 三会一课 section, as they did then).
	Meetings *SnapshotMeetings `json:"meetings,omitempty"`
	// Parts maps each part's key suffix ("s/12", "o") to its SHA-256
	// (Format 2).
	Parts map[string]string `json:"parts,omitempty"`

	// The records of a snapshot written before Format 2; empty since.
	Sessions   []SnapshotSession         `json:"sessions,omitempty"`
	Exams      []ExamDetail              `json:"exams,omitempty"`
	Activities map[string]*Activity      `json:"activities,omitempty"`
	Reports    map[string]LearningReport `json:"reports,omitempty"`
}

// SnapshotMeetings is a locked period's 三会一课: the compliance items and
// each held session's 四落实 result of the whole organisation.
type SnapshotMeetings struct {
	Compliance []ComplianceItem `json:"compliance"`
	Fours      []SessionFour    `json:"fours"`
}

// SnapshotRow is one member's frozen rates with the attendance tally the
// appraisal form prints.
type SnapshotRow struct {
	Rate  MemberRate      `json:"rate"`
	Tally AttendanceTally `json:"tally"`
}

// SnapshotSession is a session of the period with its attendance records.
// A Format 2 snapshot keeps of each record what the forms print: member,
// status, make-up date and note.
type SnapshotSession struct {
	Session    Session      `json:"session"`
	Attendance []Attendance `json:"attendance"`
}

// SnapshotRecords are the records of a locked period the forms print line
// by line, as frozen.
type SnapshotRecords struct {
	// Sessions by group they were given to, each group's in start order.
	Sessions   map[string][]SnapshotSession
	Exams      []ExamDetail // by date, then id
	Activities map[string]*Activity
	Reports    map[string]LearningReport
}

// snapshotFormat is the Format of the snapshots written now.
const snapshotFormat = 2

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

func snapshotPartKey(period string, revision int, part string) []byte {
	return fmt.Appendf(nil, "%s#%04d/%s", period, revision, part)
}

// snapshotOther is the part "o": the records besides the sessions.
type snapshotOther struct {
	Exams      []ExamDetail              `json:"exams"`
	Activities map[string]*Activity      `json:"activities"`
	Reports    map[string]LearningReport `json:"reports"`
}

// frozenSession is one session in a part "s/<group>": the session and its
// attendance packed by packAttendance.
type frozenSession struct {
	Session Session `json:"session"`
	Att     []byte  `json:"att"`
}

// takeSnapshot computes every figure of p inside tx with pol and stores it
// as revision rev, taken at now (the lock's time), answering reason; it
// returns the SHA-256 of the stored bytes.
func (s *Store) takeSnapshot(tx *bolt.Tx, p Period, rev int, reason string, pol Policy, now time.Time) (string, error) {
	res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, warnings: true, now: now})
	if err != nil {
		return "", err
	}
	ps := &PeriodSnapshot{Period: p.String(), Revision: rev, TakenAt: now, Reason: reason, Format: snapshotFormat,
		AuditHead: string(tx.Bucket(bucketMeta).Get(keyAuditHead)), Policy: pol.clone(),
		Participation: res.report.Participation, Completion: res.report.Completion, Excellence: res.report.Excellence,
		Warnings: warningsOf(res), Parts: map[string]string{}}
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
	res = nil
	b := tx.Bucket(bucketSnapshots)
	putPart := func(part string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ps.Parts[part] = hex.EncodeToString(sum[:])
		return b.Put(snapshotPartKey(ps.Period, rev, part), data)
	}
	sessions, err := sessionsTx(tx, SessionFilter{From: p.Start, To: p.End})
	if err != nil {
		return "", err
	}
	byGroup := map[string][]frozenSession{}
	var groups []string
	for _, sess := range sessions {
		recs, err := attendanceTx(tx, sess.ID)
		if err != nil {
			return "", err
		}
		att, err := packAttendance(sealedRecs(tx, recs))
		if err != nil {
			return "", fmt.Errorf("session %s: %w", sess.ID, err)
		}
		if byGroup[sess.GroupID] == nil {
			groups = append(groups, sess.GroupID)
		}
		byGroup[sess.GroupID] = append(byGroup[sess.GroupID], frozenSession{Session: sess, Att: att})
	}
	sessions = nil
	for _, g := range groups {
		if err := putPart("s/"+g, byGroup[g]); err != nil {
			return "", err
		}
		delete(byGroup, g)
	}
	var other snapshotOther
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
		other.Exams = append(other.Exams, *d)
	}
	sort.SliceStable(other.Exams, func(i, j int) bool {
		if other.Exams[i].HeldOn != other.Exams[j].HeldOn {
			return other.Exams[i].HeldOn < other.Exams[j].HeldOn
		}
		return btoi(keyOrZero(other.Exams[i].ID)) < btoi(keyOrZero(other.Exams[j].ID))
	})
	if other.Activities, err = activitiesTx(tx, p, nil); err != nil {
		return "", err
	}
	if other.Reports, err = learningReportsTx(tx, p); err != nil {
		return "", err
	}
	sealOther(tx, &other)
	if err := putPart("o", &other); err != nil {
		return "", err
	}
	m := &SnapshotMeetings{}
	if m.Compliance, err = s.complianceTx(tx, t, p, "", s.MeetingRules()); err != nil {
		return "", err
	}
	if m.Fours, err = s.fourResultsTx(tx, t, ps.Members, p, ""); err != nil {
		return "", err
	}
	ps.Meetings = m
	data, err := json.Marshal(ps)
	if err != nil {
		return "", err
	}
	if err := b.Put(snapshotKey(ps.Period, rev), data); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// packAttendance packs what the forms print of a session's records, in
// their order: per record a flags byte (1 make-up, 2 note, 4 id not a
// decimal number), the status, the member id (uvarint, or uvarint length
// and bytes with flag 4), then the make-up date (varint days since
// 1970-01-01) and the note (uvarint length and bytes) when flagged.
func packAttendance(recs []Attendance) ([]byte, error) {
	out := make([]byte, 0, 4*len(recs))
	for i := range recs {
		a := &recs[i]
		var flags byte
		var days int64
		if a.MakeupOn != "" {
			t, err := time.Parse(DateLayout, a.MakeupOn)
			if err != nil {
				return nil, fmt.Errorf("make-up date %q: %w", a.MakeupOn, err)
			}
			flags, days = flags|1, t.Unix()/86400
		}
		if a.Note != "" {
			flags |= 2
		}
		n, err := strconv.ParseUint(a.MemberID, 10, 64)
		if err != nil || strconv.FormatUint(n, 10) != a.MemberID {
			flags |= 4
		}
		out = append(out, flags, byte(a.Status))
		if flags&4 != 0 {
			out = binary.AppendUvarint(out, uint64(len(a.MemberID)))
			out = append(out, a.MemberID...)
		} else {
			out = binary.AppendUvarint(out, n)
		}
		if flags&1 != 0 {
			out = binary.AppendVarint(out, days)
		}
		if flags&2 != 0 {
			out = binary.AppendUvarint(out, uint64(len(a.Note)))
			out = append(out, a.Note...)
		}
	}
	return out, nil
}

var errBadPacked = errors.New("corrupt frozen attendance")

// The make-up dates a packed record can hold: YYYY-MM-DD, years 1 to 9999,
// as days since 1970-01-01.
var (
	minPackedDay = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	maxPackedDay = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
)

// unpackAttendance reads what packAttendance wrote for session sessionID.
func unpackAttendance(sessionID string, b []byte) ([]Attendance, error) {
	out := []Attendance{}
	str := func() (string, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", errBadPacked
		}
		v := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return v, nil
	}
	for len(b) > 0 {
		if len(b) < 3 {
			return nil, errBadPacked
		}
		flags := b[0]
		a := Attendance{SessionID: sessionID, Status: Status(b[1])}
		b = b[2:]
		if flags&4 != 0 {
			v, err := str()
			if err != nil {
				return nil, err
			}
			a.MemberID = v
		} else {
			n, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, errBadPacked
			}
			a.MemberID, b = strconv.FormatUint(n, 10), b[k:]
		}
		if flags&1 != 0 {
			d, k := binary.Varint(b)
			if k <= 0 || d < minPackedDay || d > maxPackedDay {
				return nil, errBadPacked // no date packAttendance could have written
			}
			a.MakeupOn, b = time.Unix(d*86400, 0).UTC().Format(DateLayout), b[k:]
		}
		if flags&2 != 0 {
			v, err := str()
			if err != nil {
				return nil, err
			}
			a.Note = v
		}
		out = append(out, a)
	}
	return out, nil
}

// FrozenRecords reads the records of locked snapshot ps that the forms
// print: the sessions given to groups (nil: to every group) with their
// attendance, and the exams, activities and learning reports. Each part
// read is checked against its SHA-256 in ps.
func (s *Store) FrozenRecords(ps *PeriodSnapshot, groups []string) (*SnapshotRecords, error) {
	out := &SnapshotRecords{Sessions: map[string][]SnapshotSession{}}
	if ps.Format < snapshotFormat {
		want := map[string]bool{}
		for _, g := range groups {
			want[g] = true
		}
		for _, ss := range ps.Sessions {
			if groups == nil || want[ss.Session.GroupID] {
				out.Sessions[ss.Session.GroupID] = append(out.Sessions[ss.Session.GroupID], ss)
			}
		}
		out.Exams, out.Activities, out.Reports = ps.Exams, ps.Activities, ps.Reports
		return out, s.openRecords(out)
	}
	if groups == nil {
		for part := range ps.Parts {
			if g, ok := strings.CutPrefix(part, "s/"); ok {
				groups = append(groups, g)
			}
		}
	}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSnapshots)
		read := func(part string, v any) (bool, error) {
			want, ok := ps.Parts[part]
			if !ok {
				return false, nil
			}
			data := b.Get(snapshotPartKey(ps.Period, ps.Revision, part))
			if data == nil {
				return false, fmt.Errorf("period %s revision %d: snapshot part %s missing", ps.Period, ps.Revision, part)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != want {
				return false, fmt.Errorf("period %s revision %d: snapshot part %s does not match its SHA-256 (edited)", ps.Period, ps.Revision, part)
			}
			return true, json.Unmarshal(data, v)
		}
		for _, g := range groups {
			var fs []frozenSession
			found, err := read("s/"+g, &fs)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			list := make([]SnapshotSession, len(fs))
			for i := range fs {
				att, err := unpackAttendance(fs[i].Session.ID, fs[i].Att)
				if err != nil {
					return fmt.Errorf("period %s revision %d, session %s: %w", ps.Period, ps.Revision, fs[i].Session.ID, err)
				}
				list[i] = SnapshotSession{Session: fs[i].Session, Attendance: att}
			}
			out.Sessions[g] = list
		}
		var other snapshotOther
		if _, err := read("o", &other); err != nil {
			return err
		}
		out.Exams, out.Activities, out.Reports = other.Exams, other.Activities, other.Reports
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, s.openRecords(out)
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
