package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestLockPeriod(t *testing.T) {
	o := newOrg(t) // the clock says 2023-09-01
	hr := WithActor(bg, o.hr1.ID)
	t.Run("ErrPeriodNotOver", func(t *testing.T) {
		for _, p := range []string{"2023Q3", "2023", "2024Q1"} {
			if _, err := o.s.LockPeriod(hr, p); ErrorKind(err) != KindConflict || err.(*Error).Code != "period_open" {
				t.Errorf("lock %s: %v, want 409 period_open", p, err)
			}
		}
	})
	t.Run("ErrBadPeriod", func(t *testing.T) {
		if _, err := o.s.LockPeriod(hr, "2023Q5"); ErrorKind(err) != KindInvalid {
			t.Errorf("err %v", err)
		}
	})
	t.Run("OK and again returns the same lock", func(t *testing.T) {
		l, err := o.s.LockPeriod(hr, "2023q2")
		if err != nil {
			t.Fatal(err)
		}
		if l.Period != "2023Q2" || l.LockedBy != o.hr1.ID || !l.LockedAt.Equal(testStart) || l.Stale {
			t.Errorf("lock %+v", l)
		}
		o.clock.Advance(3600e9)
		again, err := o.s.LockPeriod(WithActor(bg, o.adm.ID), "2023Q2")
		if err != nil || *again != *l {
			t.Errorf("second lock %+v %v, want the first unchanged", again, err)
		}
		got, err := o.s.PeriodLock("2023Q2")
		if err != nil || got == nil || got.LockedBy != o.hr1.ID {
			t.Errorf("PeriodLock %+v %v", got, err)
		}
		if none, err := o.s.PeriodLock("2023Q1"); none != nil || err != nil {
			t.Errorf("unlocked Q1: %+v %v", none, err)
		}
		all, _ := o.s.PeriodLocks()
		if len(all) != 1 {
			t.Errorf("locks %+v", all)
		}
	})
}

// TestLockGuard covers every actor against a locked quarter and a locked
// year, through the writes of this package (exams and scores).
func TestLockGuard(t *testing.T) {
	o := newOrg(t)
	if _, err := o.s.LockPeriod(admin, "2023Q2"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.LockPeriod(admin, "2022"); err != nil {
		t.Fatal(err)
	}
	adm := WithActor(bg, o.adm.ID)
	lead := WithActor(bg, o.a4.ID) // a lead of A
	cases := []struct {
		name    string
		ctx     context.Context
		heldOn  string
		allowed bool
		flagged bool
	}{
		{"lead in a locked quarter", lead, "2023-06-20", false, false},
		{"hr in a locked quarter", WithActor(bg, o.hr1.ID), "2023-04-01", false, false},
		{"system job in a locked quarter", context.Background(), "2023-05-05", false, false},
		{"unknown actor in a locked quarter", WithActor(bg, "4242"), "2023-05-05", false, false},
		{"lead in a locked year", lead, "2022-11-30", false, false},
		{"lead in an open quarter", lead, "2023-07-01", true, false},
		{"lead on the last open day before the lock", lead, "2023-03-31", true, false},
		{"admin in a locked quarter", adm, "2023-06-30", true, true},
		{"admin in a locked year", adm, "2022-01-01", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := o.s.CreateExam(tc.ctx, ExamInput{GroupID: o.A, Title: "补考", HeldOn: tc.heldOn, MaxScore: 100})
			if !tc.allowed {
				// hr and an unknown account do not manage the group: the
				// scope (scope.go) refuses them before the lock does.
				if ErrorKind(err) != KindForbidden || (tc.ctx == lead || tc.ctx == bg) && err.(*Error).Code != "period_locked" {
					t.Fatalf("err %v, want 403 period_locked", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := o.s.Audit(AuditFilter{Entity: "exam", EntityID: e.ID})
			if len(entries) != 1 || (entries[0].Flag == AuditFlagLockedPeriod) != tc.flagged {
				t.Errorf("audit %+v, want flagged=%v", entries, tc.flagged)
			}
		})
	}
	q2, _ := o.s.PeriodLock("2023Q2")
	y22, _ := o.s.PeriodLock("2022")
	if !q2.Stale || q2.StaleSince == nil || !y22.Stale {
		t.Errorf("after admin edits: Q2 %+v, 2022 %+v, want both stale", q2, y22)
	}
	t.Run("scores of an exam in a locked period", func(t *testing.T) {
		// E4 is A's exam of 2023-06-20 (locked Q2): a1 had 50.
		body := decodeScores(t, `{"scores":[{"member_id":"`+o.a1.ID+`","score":60}]}`)
		if _, err := o.s.PutScores(lead, o.E4, body); ErrorKind(err) != KindForbidden {
			t.Fatalf("lead: %v, want 403", err)
		}
		d, _ := o.s.ExamDetail(o.E4)
		for _, sc := range d.Scores {
			if sc.MemberID == o.a1.ID && sc.Score != 50 {
				t.Errorf("refused score stored: %v", sc.Score)
			}
		}
		if _, err := o.s.PutScores(adm, o.E4, body); err != nil {
			t.Fatalf("admin: %v", err)
		}
		entries, _ := o.s.Audit(AuditFilter{Entity: "exam_score", EntityID: o.E4 + "/" + o.a1.ID})
		if len(entries) == 0 || entries[0].Flag != AuditFlagLockedPeriod {
			t.Errorf("admin's score change not flagged: %+v", entries)
		}
	})
	t.Run("fresh again after the reports", func(t *testing.T) {
		if err := o.s.MarkPeriodFresh(admin, "2023Q2"); err != nil {
			t.Fatal(err)
		}
		if l, _ := o.s.PeriodLock("2023Q2"); l.Stale || l.StaleSince != nil {
			t.Errorf("lock %+v, want fresh", l)
		}
		if n, err := o.s.VerifyAudit(); err != nil {
			t.Errorf("audit chain after %d entries: %v", n, err)
		}
	})
}

// TestLockGuardNoLocks checks the common case writes nothing extra.
func TestLockGuardNoLocks(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "支部", "")
	e, err := s.CreateExam(context.Background(), ExamInput{GroupID: g, Title: "x", HeldOn: "2020-01-01", MaxScore: 10})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := s.Audit(AuditFilter{Entity: "exam", EntityID: e.ID})
	if len(entries) != 1 || entries[0].Flag != "" || entries[0].ActorID != "system" {
		t.Errorf("audit %+v", entries)
	}
}

// TestMigration4 opens a store whose lock an older version wrote (no
// locked, revision nor snapshot): it stays locked as revision 1, its
// figures stay what they were, and TakeMissingSnapshots freezes them.
func TestMigration4(t *testing.T) {
	o := newOrg(t)
	o.clock.Set(time.Date(2023, 10, 8, 9, 0, 0, 0, o.s.loc))
	q3, _ := ParsePeriod("2023Q3", o.s.loc)
	before, err := o.s.Rates(q3, "", DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(o.s.Path())
	err = o.s.db.Update(func(tx *bolt.Tx) error {
		old := `{"period":"2023Q3","locked_at":"2023-10-02T01:00:00Z","locked_by":"1","stale":false}`
		if err := tx.Bucket(bucketLocks).Put([]byte("2023Q3"), []byte(old)); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, itob(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	o.s.Close()
	s, err := Open(dir, Options{Now: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, _ := s.PeriodLock("2023Q3")
	if l == nil || !l.Locked || l.Revision != 1 || l.SnapshotSHA256 != "" || !l.LockedAt.Equal(time.Date(2023, 10, 2, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("migrated lock %+v", l)
	}
	same := func(when string) {
		t.Helper()
		got, err := s.Rates(q3, "", DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		if got.Participation.Num != before.Participation.Num || got.Participation.Den != before.Participation.Den || got.Completion.Num != before.Completion.Num || len(got.Members) != len(before.Members) {
			t.Errorf("%s: figures %+v, want %+v", when, got.Participation, before.Participation)
		}
	}
	same("after the migration")
	if err := s.TakeMissingSnapshots(WithActor(bg, "system")); err != nil {
		t.Fatal(err)
	}
	l, _ = s.PeriodLock("2023Q3")
	if !l.Locked || l.Revision != 1 || len(l.SnapshotSHA256) != 64 || !l.LockedAt.Equal(time.Date(2023, 10, 2, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("lock after TakeMissingSnapshots %+v", l)
	}
	same("frozen")
	// A back-dated member no longer moves the frozen quarter.
	mustMember(t, s, "late", o.A, RoleMember, "2023-07-01")
	same("after a back-dated member")
}
