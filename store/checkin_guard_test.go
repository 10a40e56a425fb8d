package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// wrongCode is a code that is neither the current nor the previous one.
func wrongCode(t *testing.T, o *attOrg, now time.Time, i int) string {
	t.Helper()
	sec := o.secret(t, o.sessionID)
	cur, prev := checkinCode(sec, codeStep(now)), checkinCode(sec, codeStep(now)-1)
	for n := i; ; n++ {
		c := fmt.Sprintf("%06d", (n*7919+13)%1000000)
		if c != string(cur[:]) && c != string(prev[:]) {
			return c
		}
	}
}

// TestCheckinWrongCodes: five wrong codes, then 429 too_many_codes even
// with the right code, audited, shown to the lead, kept across a restart;
// the lead can still mark the member.
func TestCheckinWrongCodes(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	for i := 0; i < MaxWrongCodes; i++ {
		_, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, wrongCode(t, o, now, i))
		wantCode(t, err, KindInvalid, "bad_code")
	}
	right := o.code(t, o.sessionID, now)
	_, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, right)
	wantCode(t, err, KindTooMany, "too_many_codes")
	// Another member is not affected.
	ctxM2 := WithActor(context.Background(), o.m2.ID)
	if _, created, err := o.s.Checkin(ctxM2, o.sessionID, o.m2.ID, right); err != nil || !created {
		t.Fatalf("m2: %v", err)
	}
	// Audited once, with who and how many.
	es, _ := o.s.Audit(AuditFilter{Limit: 50})
	n := 0
	for _, e := range es {
		if e.Action == "checkin_locked" {
			n++
			if e.ActorID != o.m1.ID || e.EntityID != o.sessionID+"/"+o.m1.ID {
				t.Errorf("audit entry %+v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d checkin_locked audit entries, want 1", n)
	}
	// On the lead's screen.
	d, err := o.s.SessionDetail(o.sessionID)
	if err != nil || len(d.CodeLocks) != 1 || d.CodeLocks[0].MemberID != o.m1.ID || d.CodeLocks[0].Wrong != MaxWrongCodes {
		t.Fatalf("code locks %+v %v", d, err)
	}
	// Kept across a restart.
	dir := filepath.Dir(o.s.Path())
	o.s.Close()
	s2, err := Open(dir, Options{Now: o.clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, _, err = s2.Checkin(o.ctxM1, o.sessionID, o.m1.ID, right)
	wantCode(t, err, KindTooMany, "too_many_codes")
	// The lead marks them.
	if _, err := s2.SetAttendance(o.ctxLead, o.sessionID, o.m1.ID, AttendanceInput{Status: "present"}); err != nil {
		t.Fatalf("lead marks the locked member: %v", err)
	}
	// With a record, a retry gets it back (200), as before.
	if rec, created, err := s2.Checkin(o.ctxM1, o.sessionID, o.m1.ID, right); err != nil || created || rec.Status != StatusPresent {
		t.Errorf("locked member with a record: %+v %v %v", rec, created, err)
	}
}

// TestCheckinParallelGuesses: 40 parallel wrong codes from one member run
// at most 5 comparisons; the rest are 429.
func TestCheckinParallelGuesses(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		code := wrongCode(t, o, now, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, code)
			mu.Lock()
			if e, ok := err.(*Error); ok {
				got[e.Code]++
			} else {
				got[fmt.Sprint(err)]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got["bad_code"] != MaxWrongCodes || got["too_many_codes"] != 40-MaxWrongCodes {
		t.Errorf("answers %v, want %d bad_code and the rest too_many_codes", got, MaxWrongCodes)
	}
}

// TestCheckinSessionWrongCodeCap: the session as a whole takes at most
// wrongCodeCap wrong codes per code step, however many members guess.
func TestCheckinSessionWrongCodeCap(t *testing.T) {
	o := newAttOrg(t)
	var ms []*Member
	for i := 0; i < 6; i++ {
		ms = append(ms, mustMember(t, o.s, fmt.Sprintf("guesser%d", i), o.g1, RoleMember, "2020-01-01"))
	}
	now := stepEnd(codeStep(o.start.Add(-20 * time.Minute))) // the start of a step
	o.clock.Set(now)
	d, _ := o.s.SessionDetail(o.sessionID)
	limit := wrongCodeCap(len(d.Audience))
	wrong, capped := 0, 0
	for _, m := range ms {
		ctx := WithActor(context.Background(), m.ID)
		for i := 0; i < MaxWrongCodes; i++ {
			_, _, err := o.s.Checkin(ctx, o.sessionID, m.ID, wrongCode(t, o, now, wrong+capped))
			switch e, _ := err.(*Error); {
			case e != nil && e.Code == "bad_code":
				wrong++
			case e != nil && e.Code == "too_many_codes":
				capped++
			default:
				t.Fatalf("%v", err)
			}
		}
	}
	if wrong != limit {
		t.Errorf("%d wrong codes compared in one step, want the cap %d (%d refused)", wrong, limit, capped)
	}
	// A member with tries left, in the next step, is compared again.
	o.clock.Set(now.Add(CodeStep))
	last := ms[len(ms)-1]
	_, _, err := o.s.Checkin(WithActor(context.Background(), last.ID), o.sessionID, last.ID, o.code(t, o.sessionID, now.Add(CodeStep)))
	if err != nil {
		t.Errorf("next step, right code: %v", err)
	}
}

// TestCheckinQRToken: the QR carries a 22-character token, accepted like
// the digits in its step and the next; a wrong token counts as a wrong
// code.
func TestCheckinQRToken(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	c, err := o.s.SessionCode(o.sessionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Token) != TokenLen || c.Token == c.Code {
		t.Fatalf("token %q", c.Token)
	}
	_, _, err = o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, "AAAAAAAAAAAAAAAAAAAAAA")
	wantCode(t, err, KindInvalid, "bad_code")
	o.clock.Set(now.Add(CodeStep))
	if _, created, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, c.Token); err != nil || !created {
		t.Fatalf("QR token in the next step: %v", err)
	}
	o.clock.Set(now.Add(2 * CodeStep))
	ctxM2 := WithActor(context.Background(), o.m2.ID)
	_, _, err = o.s.Checkin(ctxM2, o.sessionID, o.m2.ID, c.Token)
	wantCode(t, err, KindInvalid, "bad_code")
}

// TestMigration7 opens a version-6 store (no tries bucket): it gains the
// bucket, keeps its records and counts wrong codes.
func TestMigration7(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	if _, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, o.code(t, o.sessionID, now)); err != nil {
		t.Fatal(err)
	}
	bad := wrongCode(t, o, now, 0)
	dir := filepath.Dir(o.s.Path())
	err := o.s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCodeTries); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, itob(6))
	})
	if err != nil {
		t.Fatal(err)
	}
	o.s.Close()
	s, err := Open(dir, Options{Now: o.clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v < 7 {
		t.Errorf("version %d", v)
	}
	if recs, _ := s.Attendance(o.sessionID); len(recs) != 1 {
		t.Errorf("records %d, want 1", len(recs))
	}
	ctxM2 := WithActor(context.Background(), o.m2.ID)
	_, _, err = s.Checkin(ctxM2, o.sessionID, o.m2.ID, bad)
	wantCode(t, err, KindInvalid, "bad_code")
}

// FuzzCheckinAccepts: a step accepts exactly its own and the previous
// step's digits and QR tokens, nothing else, and never panics.
func FuzzCheckinAccepts(f *testing.F) {
	secret := []byte("12345678901234567890123456789012")
	c := codesAt(secret, 1000)
	for _, s := range []string{string(c.cur[:]), string(c.prevTok[:]), "", "000000", "AAAAAAAAAAAAAAAAAAAAAA", string(c.curTok[:21])} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		want := code == string(c.cur[:]) || code == string(c.prev[:]) || code == string(c.curTok[:]) || code == string(c.prevTok[:])
		if got := c.accepts(code); got != want {
			t.Errorf("accepts(%q) = %v, want %v", code, got, want)
		}
	})
}
