package store

import (
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fixture writes sessions, plans, attendance and done marks straight into
// their buckets (with an audit entry each, like every write), so the rates
// can be tested without the session and attendance APIs.
type fixture struct {
	tb testing.TB
	s  *Store
}

func (f *fixture) write(fn func(tx *bolt.Tx) error) {
	f.tb.Helper()
	err := f.s.update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return f.s.audit(admin, tx, "fixture", "test", "", nil, nil)
	})
	if err != nil {
		f.tb.Fatal(err)
	}
}

// at reads "2023-07-05 09:00" in the store's zone.
func (f *fixture) at(s string) time.Time {
	f.tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, f.s.loc)
	if err != nil {
		f.tb.Fatal(err)
	}
	return t
}

// session stores a two-hour session of group starting at start.
func (f *fixture) session(group, start string, items ...string) string {
	f.tb.Helper()
	var id string
	st := f.at(start)
	if items == nil {
		items = []string{}
	}
	f.write(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		sid, key, err := nextID(b)
		if err != nil {
			return err
		}
		id = sid
		return putJSON(b, key, &Session{ID: sid, GroupID: group, Title: "学习 " + start, StartsAt: st,
			EndsAt: st.Add(2 * time.Hour), ItemIDs: items, CreatedAt: st, CreatedBy: "1"})
	})
	return id
}

func (f *fixture) cancel(id string) {
	f.tb.Helper()
	f.write(func(tx *bolt.Tx) error {
		var sess Session
		if _, err := getJSON(tx.Bucket(bucketSessions), keyOrZero(id), &sess); err != nil {
			return err
		}
		sess.Cancelled = true
		return putJSON(tx.Bucket(bucketSessions), keyOrZero(id), &sess)
	})
}

// att stores a record; makeup is the make-up date or "".
func (f *fixture) att(session, member string, st Status, makeup string) {
	f.tb.Helper()
	f.write(func(tx *bolt.Tx) error {
		a := &Attendance{SessionID: session, MemberID: member, Status: st, Source: "lead", MakeupOn: makeup, UpdatedAt: testStart, UpdatedBy: "1"}
		return tx.Bucket(bucketAttendance).Put(pairKey(keyOrZero(session), keyOrZero(member)), encodeAttendance(a))
	})
}

// plan stores a plan; items with a due date are self-study. It returns the
// item ids in order.
func (f *fixture) plan(group, period string, items ...PlanItemInput) []string {
	f.tb.Helper()
	var ids []string
	f.write(func(tx *bolt.Tx) error {
		pb, ib := tx.Bucket(bucketPlans), tx.Bucket(bucketItems)
		pid, pkey, err := nextID(pb)
		if err != nil {
			return err
		}
		p := &Plan{ID: pid, GroupID: group, Period: period, Title: "计划", CreatedAt: testStart, CreatedBy: "1"}
		for _, in := range items {
			iid, ikey, err := nextID(ib)
			if err != nil {
				return err
			}
			it := ContentItem{ID: iid, PlanID: pid, Title: in.Title, DueOn: in.DueOn}
			if err := putJSON(ib, ikey, &it); err != nil {
				return err
			}
			p.Items = append(p.Items, it)
			ids = append(ids, iid)
		}
		return putJSON(pb, pkey, p)
	})
	return ids
}

// done marks a self-study item done at instant at ("2023-09-10 10:00").
func (f *fixture) done(member, item, at string) {
	f.tb.Helper()
	t := f.at(at).UTC()
	f.write(func(tx *bolt.Tx) error {
		v, _ := t.MarshalText()
		return putDoneMark(tx, keyOrZero(member), keyOrZero(item), v)
	})
}

func (f *fixture) exam(group, heldOn string, maxScore float64, excellent *float64) string {
	f.tb.Helper()
	e, err := f.s.CreateExam(admin, ExamInput{GroupID: group, Title: "考试 " + heldOn, HeldOn: heldOn, MaxScore: maxScore, ExcellentScore: excellent})
	if err != nil {
		f.tb.Fatal(err)
	}
	return e.ID
}

func (f *fixture) scores(exam string, byMember map[string]float64) {
	f.tb.Helper()
	var in ScoresInput
	for m, sc := range byMember {
		in.Scores = append(in.Scores, ScoreEntry{MemberID: m, Score: sc})
	}
	if _, err := f.s.PutScores(admin, exam, in); err != nil {
		f.tb.Fatal(err)
	}
}

func (f *fixture) leave(m *Member, on string) {
	f.tb.Helper()
	if _, err := f.s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: &on}); err != nil {
		f.tb.Fatal(err)
	}
}

func f64(v float64) *float64 { return &v }

var bg = context.Background()
