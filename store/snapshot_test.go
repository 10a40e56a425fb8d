package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// printed is what the forms print of an attendance record.
type printed struct {
	Member, MakeupOn, Note string
	Status                 Status
}

func printedOf(recs []SnapshotSession) map[string][]printed {
	out := map[string][]printed{}
	for _, ss := range recs {
		for _, a := range ss.Attendance {
			out[ss.Session.ID] = append(out[ss.Session.ID], printed{a.MemberID, a.MakeupOn, a.Note, a.Status})
		}
	}
	return out
}

func allSessions(r *SnapshotRecords) []SnapshotSession {
	var out []SnapshotSession
	for _, l := range r.Sessions {
		out = append(out, l...)
	}
	return out
}

// TestSnapshotFiguresOnly: the snapshot value holds the figures, tallies
// and 三会一课, not the records; the records sit in parts, packed, and come
// back as the forms print them; an edited part is an error, never other
// figures.
func TestSnapshotFiguresOnly(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(time.Date(2023, 10, 8, 9, 0, 0, 0, o.s.loc))
	o.f.write(func(tx *bolt.Tx) error { // a note and a make-up note to pack
		k := append(keyOrZero(o.S["S2"]), keyOrZero(o.a4.ID)...)
		a, err := decodeAttendance(k, tx.Bucket(bucketAttendance).Get(k))
		if err != nil {
			return err
		}
		a.Note, a.MakeupNote = "病假 (sick)", "补学笔记"
		return tx.Bucket(bucketAttendance).Put(k, encodeAttendance(a))
	})
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	var live []SnapshotSession
	o.s.view(func(tx *bolt.Tx) error {
		ss, _ := sessionsTx(tx, SessionFilter{From: q3.Start, To: q3.End})
		for _, s := range ss {
			recs, _ := attendanceTx(tx, s.ID)
			live = append(live, SnapshotSession{Session: s, Attendance: recs})
		}
		return nil
	})
	l, err := o.s.LockPeriod(admin, "2023Q3")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := o.s.FrozenPeriod(q3)
	if err != nil || ps == nil {
		t.Fatal(ps, err)
	}
	if ps.Format != 2 || ps.Sessions != nil || ps.Exams != nil || ps.Activities != nil || ps.Meetings == nil || len(ps.Meetings.Compliance) == 0 {
		t.Fatalf("snapshot format %d, inline sessions %d, meetings %v", ps.Format, len(ps.Sessions), ps.Meetings)
	}
	recs, err := o.s.FrozenRecords(ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := printedOf(allSessions(recs)), printedOf(live); !reflect.DeepEqual(got, want) {
		t.Errorf("frozen attendance\n%v\nwant\n%v", got, want)
	}
	if len(recs.Exams) != 2 || recs.Activities == nil {
		t.Errorf("exams %d, activities %d", len(recs.Exams), len(recs.Activities))
	}
	some, err := o.s.FrozenRecords(ps, []string{o.B})
	if err != nil || len(some.Sessions) != 1 || len(some.Sessions[o.B]) != 1 {
		t.Errorf("sessions of B: %v %v", some.Sessions, err)
	}
	// an edited part
	key := snapshotPartKey("2023Q3", l.Revision, "s/"+o.A)
	o.f.write(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSnapshots)
		v := append([]byte{}, b.Get(key)...)
		v[len(v)-3] ^= 1
		return b.Put(key, v)
	})
	if _, err := o.s.FrozenRecords(ps, []string{o.A}); err == nil {
		t.Error("an edited part read without error")
	}
}

// TestSnapshotFormat0 opens a store whose lock an older version froze with
// its records inline (the format of migration 4): its figures and records
// read as they were, no 三会一课 is made up for it.
func TestSnapshotFormat0(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(time.Date(2023, 10, 8, 9, 0, 0, 0, o.s.loc))
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	before, err := o.s.Rates(q3, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	beforeWarn, _ := o.s.Warnings(q3, o.A, DefaultPolicy())
	var live []SnapshotSession
	now := o.clock.Now().UTC()
	// what the version of migration 4 wrote: every record inline
	err = o.s.db.Update(func(tx *bolt.Tx) error {
		res, err := o.s.computeRates(tx, ratesQuery{p: q3, pol: DefaultPolicy(), warnings: true, now: now})
		if err != nil {
			return err
		}
		old := map[string]any{"period": "2023Q3", "revision": 1, "taken_at": now, "audit_head": "",
			"policy": DefaultPolicy(), "participation": res.report.Participation, "completion": res.report.Completion,
			"excellence": res.report.Excellence, "warnings": warningsOf(res)}
		t, _ := loadTree(tx)
		old["groups"] = t.Groups()
		old["members"], _ = loadMembers(tx)
		var rows []SnapshotRow
		for _, m := range res.report.Members {
			rows = append(rows, SnapshotRow{Rate: m, Tally: m.Attendance})
		}
		old["rows"] = rows
		ss, _ := sessionsTx(tx, SessionFilter{From: q3.Start, To: q3.End})
		for _, s := range ss {
			recs, _ := attendanceTx(tx, s.ID)
			live = append(live, SnapshotSession{Session: s, Attendance: recs})
		}
		old["sessions"] = live
		e1, _ := examDetailTx(tx, o.E1)
		e2, _ := examDetailTx(tx, o.E2)
		old["exams"] = []ExamDetail{*e1, *e2}
		old["activities"], _ = activitiesTx(tx, q3, nil)
		old["reports"] = map[string]LearningReport{}
		data, _ := json.Marshal(old)
		if err := tx.Bucket(bucketSnapshots).Put(snapshotKey("2023Q3", 1), data); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		l := PeriodLock{Period: "2023Q3", Locked: true, Revision: 1, LockedAt: now, LockedBy: o.adm.ID, SnapshotSHA256: hex.EncodeToString(sum[:])}
		return putJSON(tx.Bucket(bucketLocks), []byte("2023Q3"), &l)
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := o.s.Path()
	o.s.Close()
	s, err := Open(dir[:len(dir)-len(FileName)-1], Options{Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustMember(t, s, "late", o.A, RoleMember, "2023-07-01") // moves nothing frozen
	got, err := s.Rates(q3, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal([]any{got.Members, got.Participation, got.Completion, got.Excellence})
	j2, _ := json.Marshal([]any{before.Members, before.Participation, before.Completion, before.Excellence})
	if !got.Locked || string(j1) != string(j2) {
		t.Errorf("old snapshot's rates\n%s\nwant\n%s", j1, j2)
	}
	if w, _ := s.Warnings(q3, o.A, DefaultPolicy()); len(w) != len(beforeWarn) {
		t.Errorf("warnings %v, want %v", w, beforeWarn)
	}
	ps, err := s.FrozenPeriod(q3)
	if err != nil || ps.Format != 0 || ps.Meetings != nil {
		t.Fatalf("old snapshot %v %v", ps, err)
	}
	recs, err := s.FrozenRecords(ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := printedOf(allSessions(recs)), printedOf(live); !reflect.DeepEqual(got, want) {
		t.Errorf("old snapshot's attendance\n%v\nwant\n%v", got, want)
	}
	if len(recs.Exams) != 2 {
		t.Errorf("exams %d", len(recs.Exams))
	}
}

func TestPackAttendance(t *testing.T) {
	recs := []Attendance{
		{SessionID: "7", MemberID: "1", Status: StatusPresent},
		{SessionID: "7", MemberID: "123456789", Status: StatusAbsent, MakeupOn: "1969-12-30", Note: "补学"},
		{SessionID: "7", MemberID: "x-1", Status: StatusLeave, Note: "病假"},
		{SessionID: "7", MemberID: "007", Status: StatusLate, MakeupOn: "2023-07-10"},
	}
	b, err := packAttendance(recs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := unpackAttendance("7", b)
	if err != nil || !reflect.DeepEqual(got, recs) {
		t.Errorf("unpacked %+v %v", got, err)
	}
	if _, err := unpackAttendance("7", b[:len(b)-1]); err == nil {
		t.Error("a cut note read without error")
	}
}

func FuzzUnpackAttendance(f *testing.F) {
	b, _ := packAttendance([]Attendance{{MemberID: "12", Status: StatusLeave, MakeupOn: "2023-07-10", Note: "n"}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := unpackAttendance("1", b)
		if err != nil {
			return
		}
		again, err := packAttendance(recs)
		if err != nil {
			t.Fatalf("unpacked %+v does not pack: %v", recs, err)
		}
		if back, err := unpackAttendance("1", again); err != nil || !reflect.DeepEqual(back, recs) {
			t.Fatalf("round trip %+v → %+v %v", recs, back, err)
		}
	})
}
