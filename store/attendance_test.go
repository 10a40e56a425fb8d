package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// attOrg is the organisation of the attendance tests: 机关党委 → 第一支部
// (with 第一小组 under it), 第二支部.
type attOrg struct {
	s                     *Store
	clock                 *ManualClock
	root, g1, g1a, g2     string
	lead, m1, m2, m4, m3  *Member // lead, m1, m2 in g1; m4 in g1a; m3 in g2
	left, late            *Member // left before the session; joined after it
	topLead               *Member // a lead at the root
	start, end            time.Time
	sessionID             string
	ctxM1, ctxLead, ctxM3 context.Context
}

// newAttOrg builds the organisation and one session for 第一支部 on
// 2023-09-01 10:00–11:30; the clock stands at 09:00 that day.
func newAttOrg(tb testing.TB) *attOrg {
	tb.Helper()
	s, clock := mustOpen(tb)
	o := &attOrg{s: s, clock: clock}
	o.root = mustGroup(tb, s, "机关党委", "")
	o.g1 = mustGroup(tb, s, "第一支部", o.root)
	o.g2 = mustGroup(tb, s, "第二支部", o.root)
	o.g1a = mustGroup(tb, s, "第一小组", o.g1)
	o.topLead = mustMember(tb, s, "top", o.root, RoleLead, "2020-01-01")
	o.lead = mustMember(tb, s, "lead", o.g1, RoleLead, "2020-01-01")
	o.m1 = mustMember(tb, s, "m1", o.g1, RoleMember, "2020-01-01")
	o.m2 = mustMember(tb, s, "m2", o.g1, RoleMember, "2020-01-01")
	o.m4 = mustMember(tb, s, "m4", o.g1a, RoleMember, "2020-01-01")
	o.m3 = mustMember(tb, s, "m3", o.g2, RoleMember, "2020-01-01")
	o.left = mustMember(tb, s, "left", o.g1, RoleMember, "2020-01-01")
	leftOn := "2023-09-01"
	if _, err := s.UpdateMember(admin, o.left.ID, MemberPatch{LeftOn: &leftOn}); err != nil {
		tb.Fatal(err)
	}
	o.late = mustMember(tb, s, "late", o.g1, RoleMember, "2023-09-02")
	o.start = time.Date(2023, 9, 1, 10, 0, 0, 0, DefaultLocation())
	o.end = o.start.Add(90 * time.Minute)
	o.sessionID = o.newSession(tb, o.g1, o.start, o.end)
	o.ctxM1 = WithActor(context.Background(), o.m1.ID)
	o.ctxM3 = WithActor(context.Background(), o.m3.ID)
	o.ctxLead = WithActor(context.Background(), o.lead.ID)
	return o
}

func (o *attOrg) newSession(tb testing.TB, group string, start, end time.Time) string {
	tb.Helper()
	in := SessionInput{GroupID: group, Title: "学习会", StartsAt: start.Format(time.RFC3339), EndsAt: end.Format(time.RFC3339), LeadID: o.topLead.ID}
	sess, err := o.s.CreateSession(admin, in)
	if err != nil {
		tb.Fatal(err)
	}
	return sess.ID
}

// secret reads a session's secret.
func (o *attOrg) secret(tb testing.TB, id string) []byte {
	tb.Helper()
	var sec []byte
	o.s.view(func(tx *bolt.Tx) error {
		sec = copyBytes(tx.Bucket(bucketSecrets).Get(keyOrZero(id)))
		return nil
	})
	if len(sec) != sessionSecretSize {
		tb.Fatalf("secret of %s: %d bytes", id, len(sec))
	}
	return sec
}

// code is the session's code at t.
func (o *attOrg) code(tb testing.TB, id string, t time.Time) string {
	c := checkinCode(o.secret(tb, id), codeStep(t))
	return string(c[:])
}

// counts returns how many attendance records and audit entries exist.
func (o *attOrg) counts(tb testing.TB) (records, audits int) {
	tb.Helper()
	o.s.view(func(tx *bolt.Tx) error {
		records = tx.Bucket(bucketAttendance).Stats().KeyN
		audits = tx.Bucket(bucketAudit).Stats().KeyN
		return nil
	})
	return
}

func wantCode(tb testing.TB, err error, kind Kind, code string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want %s", code)
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind || e.Code != code {
		tb.Fatalf("error %v (%#v), want kind %d code %s", err, err, kind, code)
	}
}

func TestCheckinWindow(t *testing.T) {
	cases := []struct {
		name   string
		at     time.Duration // from starts_at
		status Status
		code   string // error code
	}{
		{"a second before opening", -30*time.Minute - time.Second, 0, "checkin_not_open"},
		{"exactly 30 min before", -30 * time.Minute, StatusPresent, ""},
		{"at the start", 0, StatusPresent, ""},
		{"exactly 5 min after", 5 * time.Minute, StatusPresent, ""},
		{"5 min 1 s after", 5*time.Minute + time.Second, StatusLate, ""},
		{"a second before the end", 90*time.Minute - time.Second, StatusLate, ""},
		{"exactly at ends_at", 90 * time.Minute, 0, "checkin_closed"},
		{"after the end", 2 * time.Hour, 0, "checkin_closed"},
	}
	o := newAttOrg(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Set(o.start.Add(-2 * time.Hour))
			id := o.newSession(t, o.g1, o.start, o.end)
			now := o.start.Add(c.at)
			o.clock.Set(now)
			recs, audits := o.counts(t)
			rec, created, err := o.s.Checkin(o.ctxM1, id, o.m1.ID, o.code(t, id, now))
			if c.code != "" {
				wantCode(t, err, KindConflict, c.code)
				if r, a := o.counts(t); r != recs || a != audits {
					t.Errorf("refused check-in wrote %d records, %d audit entries", r-recs, a-audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !created || rec.Status != c.status || rec.Source != "self" || rec.CheckedInAt == nil || !rec.CheckedInAt.Equal(now) {
				t.Errorf("got created=%v %+v, want %s at %s", created, rec, c.status, now)
			}
			stored, err := o.s.Attendance(id)
			if err != nil || len(stored) != 1 || stored[0].Status != c.status || stored[0].MemberID != o.m1.ID {
				t.Errorf("stored %+v, %v", stored, err)
			}
		})
	}
}

func TestCheckinCodeSteps(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-10*time.Minute + 7*time.Second)
	sec := o.secret(t, o.sessionID)
	cur := checkinCode(sec, codeStep(now))
	cases := []struct {
		name string
		step int64 // relative to now's step
		ok   bool
	}{
		{"current step", 0, true},
		{"previous step", -1, true},
		{"two steps back", -2, false},
		{"next step", 1, false},
		{"an hour back", -120, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := checkinCode(sec, codeStep(now)+c.step)
			if !c.ok && (code == cur || code == checkinCode(sec, codeStep(now)-1)) {
				t.Skip("codes of two steps collide by chance")
			}
			if got := checkCode(sec, string(code[:]), now); got != c.ok {
				t.Errorf("checkCode = %v, want %v", got, c.ok)
			}
		})
	}
	// Through Checkin: a stale code is 422 bad_code and writes nothing.
	o.clock.Set(now)
	stale := checkinCode(sec, codeStep(now)-2)
	if stale != cur && stale != checkinCode(sec, codeStep(now)-1) {
		recs, audits := o.counts(t)
		_, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, string(stale[:]))
		wantCode(t, err, KindInvalid, "bad_code")
		if r, a := o.counts(t); r != recs || a != audits {
			t.Errorf("bad code wrote %d records, %d audit entries", r-recs, a-audits)
		}
	}
	// Five malformed codes from another member (m1 has one wrong code
	// already; a sixth would be 429 too_many_codes).
	ctxM4 := WithActor(context.Background(), o.m4.ID)
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "12345\x00"} {
		_, _, err := o.s.Checkin(ctxM4, o.sessionID, o.m4.ID, bad)
		wantCode(t, err, KindInvalid, "bad_code")
	}
	// The previous step's code, at the last second of the next step.
	prev := o.code(t, o.sessionID, now)
	o.clock.Set(stepEnd(codeStep(now) + 1).Add(-time.Second))
	if _, created, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, prev); err != nil || !created {
		t.Fatalf("previous step's code: %v %v", created, err)
	}
}

func TestCheckinWho(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	code := o.code(t, o.sessionID, now)
	cases := []struct {
		name    string
		member  *Member
		session string
		kind    Kind
		code    string
	}{
		{"member of another branch", o.m3, o.sessionID, KindForbidden, "not_in_audience"},
		{"member who left", o.left, o.sessionID, KindForbidden, "not_in_audience"},
		{"member who joined later", o.late, o.sessionID, KindForbidden, "not_in_audience"},
		{"lead above the group (not in the audience)", o.topLead, o.sessionID, KindForbidden, "not_in_audience"},
		{"unknown session", o.m1, "9999", KindNotFound, "not_found"},
		{"bad session id", o.m1, "x", KindNotFound, "not_found"},
		{"unknown member", &Member{ID: "9999"}, o.sessionID, KindForbidden, "not_in_audience"},
		{"member of a subgroup", o.m4, o.sessionID, 0, ""},
		{"the lead of the group", o.lead, o.sessionID, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := WithActor(context.Background(), c.member.ID)
			rec, _, err := o.s.Checkin(ctx, c.session, c.member.ID, code)
			if c.code == "" {
				if err != nil || rec.MemberID != c.member.ID {
					t.Fatalf("%+v %v", rec, err)
				}
				return
			}
			wantCode(t, err, c.kind, c.code)
		})
	}
	// A cancelled session refuses check-ins.
	if _, err := o.s.CancelSession(admin, o.sessionID); err != nil {
		t.Fatal(err)
	}
	_, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, code)
	wantCode(t, err, KindConflict, "session_cancelled")
}

func TestCheckinRepeat(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	first, created, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, o.code(t, o.sessionID, now))
	if err != nil || !created {
		t.Fatal(created, err)
	}
	_, audits := o.counts(t)
	// Later, late, with a stale code: the first record comes back unchanged.
	o.clock.Set(o.start.Add(20 * time.Minute))
	again, created, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, "000000")
	if err != nil || created {
		t.Fatalf("repeat: created=%v err=%v", created, err)
	}
	if again.Status != first.Status || !again.CheckedInAt.Equal(*first.CheckedInAt) || again.Status != StatusPresent {
		t.Errorf("repeat changed the record: %+v vs %+v", again, first)
	}
	if _, a := o.counts(t); a != audits {
		t.Errorf("repeat wrote %d audit entries", a-audits)
	}
	// The audit entry of the first check-in names the member, with no before.
	es, _ := o.s.Audit(AuditFilter{Entity: "attendance"})
	if len(es) != 1 || es[0].ActorID != o.m1.ID || es[0].Before != nil || es[0].Action != "checkin" {
		t.Fatalf("audit: %+v", es)
	}
	var after Attendance
	if err := json.Unmarshal(es[0].After, &after); err != nil || after.Status != StatusPresent {
		t.Errorf("audit after %s: %v", es[0].After, err)
	}
}

// TestCheckinCacheStale: the cache of audience checks never lets a member
// through after a change, and lets a newcomer in at once.
func TestCheckinCacheStale(t *testing.T) {
	o := newAttOrg(t)
	now := o.start.Add(-time.Minute)
	o.clock.Set(now)
	// m2 is cached as in the audience by a failed try.
	if _, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m2.ID, "000000"); !IsKind(err, KindInvalid) {
		t.Fatal(err)
	}
	leftOn := "2023-08-01"
	if _, err := o.s.UpdateMember(admin, o.m2.ID, MemberPatch{LeftOn: &leftOn}); err != nil {
		t.Fatal(err)
	}
	code := o.code(t, o.sessionID, now)
	_, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m2.ID, code)
	wantCode(t, err, KindForbidden, "not_in_audience")
	// m3 is refused, moves into 第一支部, and is let in.
	_, _, err = o.s.Checkin(o.ctxM3, o.sessionID, o.m3.ID, code)
	wantCode(t, err, KindForbidden, "not_in_audience")
	if _, err := o.s.UpdateMember(admin, o.m3.ID, MemberPatch{GroupID: &o.g1a}); err != nil {
		t.Fatal(err)
	}
	if _, created, err := o.s.Checkin(o.ctxM3, o.sessionID, o.m3.ID, code); err != nil || !created {
		t.Fatal(created, err)
	}
	// A cancellation reaches cached entries.
	if _, err := o.s.CancelSession(admin, o.sessionID); err != nil {
		t.Fatal(err)
	}
	_, _, err = o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, code)
	wantCode(t, err, KindConflict, "session_cancelled")
}

// TestCheckinConcurrent: many members checking in at once each get exactly
// one record, and concurrent repeats of one member make one record.
func TestCheckinConcurrent(t *testing.T) {
	o := newAttOrg(t)
	var ms []Member
	for i := 0; i < 60; i++ {
		ms = append(ms, MemberInput{Name: fmt.Sprintf("c%d", i), Username: fmt.Sprintf("c%d", i), Password: "password1", GroupID: o.g1, Role: RoleMember, JoinedOn: "2020-01-01"}.mustCreate(t, o.s))
	}
	now := o.start
	o.clock.Set(now)
	code := o.code(t, o.sessionID, now)
	var wg sync.WaitGroup
	var created atomic.Int64
	for _, m := range ms {
		for r := 0; r < 3; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, c, err := o.s.Checkin(WithActor(context.Background(), m.ID), o.sessionID, m.ID, code)
				if err != nil {
					t.Error(err)
				}
				if c {
					created.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	recs, _ := o.s.Attendance(o.sessionID)
	if created.Load() != int64(len(ms)) || len(recs) != len(ms) {
		t.Errorf("created %d, records %d, want %d", created.Load(), len(recs), len(ms))
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "attendance", Limit: 1000})
	if len(es) != len(ms) {
		t.Errorf("%d audit entries, want %d", len(es), len(ms))
	}
	if n, err := o.s.VerifyAudit(); err != nil {
		t.Errorf("audit chain after %d entries: %v", n, err)
	}
}

func (in MemberInput) mustCreate(tb testing.TB, s *Store) Member {
	tb.Helper()
	m, err := s.CreateMember(admin, in)
	if err != nil {
		tb.Fatal(err)
	}
	return *m
}

func TestSetAttendance(t *testing.T) {
	o := newAttOrg(t)
	note := "病假条已交"
	empty := ""
	cases := []struct {
		name   string
		member string
		in     AttendanceInput
		at     time.Time
		kind   Kind
		code   string
		want   Status
	}{
		{"absent before the session", o.m1.ID, AttendanceInput{Status: "absent"}, o.start.Add(-time.Hour), 0, "", StatusAbsent},
		{"present long after", o.m1.ID, AttendanceInput{Status: "present", Note: &note}, o.start.AddDate(0, 1, 0), 0, "", StatusPresent},
		{"leave, note kept", o.m1.ID, AttendanceInput{Status: "leave"}, o.start, 0, "", StatusLeave},
		{"late, note cleared", o.m1.ID, AttendanceInput{Status: "late", Note: &empty}, o.start, 0, "", StatusLate},
		{"subgroup member", o.m4.ID, AttendanceInput{Status: "present"}, o.start, 0, "", StatusPresent},
		{"bad status", o.m1.ID, AttendanceInput{Status: "here"}, o.start, KindInvalid, "invalid", 0},
		{"no status", o.m1.ID, AttendanceInput{}, o.start, KindInvalid, "invalid", 0},
		{"other branch", o.m3.ID, AttendanceInput{Status: "present"}, o.start, KindInvalid, "not_in_audience", 0},
		{"left member", o.left.ID, AttendanceInput{Status: "present"}, o.start, KindInvalid, "not_in_audience", 0},
		{"unknown member", "9999", AttendanceInput{Status: "present"}, o.start, KindNotFound, "not_found", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Set(c.at)
			recs, audits := o.counts(t)
			rec, err := o.s.SetAttendance(o.ctxLead, o.sessionID, c.member, c.in)
			if c.code != "" {
				wantCode(t, err, c.kind, c.code)
				if r, a := o.counts(t); r != recs || a != audits {
					t.Errorf("refused write left %d records, %d audit entries", r-recs, a-audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != c.want || rec.Source != "lead" || rec.UpdatedBy != o.lead.ID {
				t.Errorf("got %+v", rec)
			}
		})
	}
	recs, _ := o.s.Attendance(o.sessionID)
	for _, r := range recs {
		if r.MemberID == o.m1.ID && (r.Status != StatusLate || r.Note != "") {
			t.Errorf("m1's record %+v", r)
		}
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "attendance", EntityID: o.sessionID + "/" + o.m1.ID})
	if len(es) != 4 || es[0].Before == nil || es[3].Before != nil {
		t.Fatalf("audit %+v", es)
	}
	var before, after Attendance
	json.Unmarshal(es[0].Before, &before)
	json.Unmarshal(es[0].After, &after)
	if before.Status != StatusLeave || after.Status != StatusLate || before.Note != note {
		t.Errorf("audit before %+v after %+v", before, after)
	}
	// A cancelled session takes no more records.
	o.s.CancelSession(admin, o.sessionID)
	_, err := o.s.SetAttendance(o.ctxLead, o.sessionID, o.m1.ID, AttendanceInput{Status: "present"})
	wantCode(t, err, KindConflict, "session_cancelled")
}

func TestRecordMakeup(t *testing.T) {
	o := newAttOrg(t)
	set := func(m *Member, st string) {
		t.Helper()
		if _, err := o.s.SetAttendance(o.ctxLead, o.sessionID, m.ID, AttendanceInput{Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	set(o.m1, "absent")
	set(o.m2, "leave")
	if _, err := o.s.SetAttendance(admin, o.sessionID, o.lead.ID, AttendanceInput{Status: "present"}); err != nil { // a lead never sets their own
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		at     time.Time
		member string
		in     MakeupInput
		kind   Kind
		code   string
	}{
		{"before the start", o.start.Add(-time.Second), o.m1.ID, MakeupInput{On: "2023-09-01"}, KindConflict, "not_started"},
		{"date before the start date", o.start, o.m1.ID, MakeupInput{On: "2023-08-31"}, KindInvalid, "invalid"},
		{"bad date", o.start, o.m1.ID, MakeupInput{On: "2023-9-1"}, KindInvalid, "invalid"},
		{"date after today", o.start.Add(time.Hour), o.m1.ID, MakeupInput{On: "2023-09-02"}, KindInvalid, "invalid"},
		{"no date", o.start, o.m1.ID, MakeupInput{}, KindInvalid, "invalid"},
		{"own present record", o.start, o.lead.ID, MakeupInput{On: "2023-09-01"}, KindForbidden, "own_record"},
		{"no record", o.start, o.m4.ID, MakeupInput{On: "2023-09-01"}, KindConflict, "not_leave_or_absent"},
		{"unknown session", o.start, o.m1.ID, MakeupInput{On: "2023-09-01"}, KindNotFound, "not_found"},
		{"absent, at the start, same day", o.start, o.m1.ID, MakeupInput{On: "2023-09-01", Note: "补学《讲话》"}, 0, ""},
		{"leave, a week later", o.start.AddDate(0, 0, 7), o.m2.ID, MakeupInput{On: "2023-09-08"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Set(c.at)
			sid := o.sessionID
			if c.name == "unknown session" {
				sid = "9999"
			}
			recs, audits := o.counts(t)
			rec, err := o.s.RecordMakeup(o.ctxLead, sid, c.member, c.in)
			if c.code != "" {
				wantCode(t, err, c.kind, c.code)
				if r, a := o.counts(t); r != recs || a != audits {
					t.Errorf("refused make-up wrote %d records, %d audit entries", r-recs, a-audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pol := DefaultPolicy()
			if rec.MakeupOn != c.in.On || rec.MakeupNote != c.in.Note || !pol.attendedRecord(rec) || (rec.Status != StatusAbsent && rec.Status != StatusLeave) ||
				rec.MakeupRecordedAt == nil || !rec.MakeupRecordedAt.Equal(o.s.Now()) {
				t.Errorf("got %+v", rec)
			}
		})
	}
}

func FuzzAttendanceInputValidate(f *testing.F) {
	f.Add("present", "note", true)
	f.Add("absent", "", false)
	f.Add("LATE", "\x00", true)
	f.Add("", "很长的备注", true)
	f.Fuzz(func(t *testing.T, status, note string, withNote bool) {
		in := AttendanceInput{Status: status}
		if withNote {
			in.Note = &note
		}
		err := in.Validate()
		st, ok := ParseStatus(status)
		if !ok && err == nil {
			t.Fatalf("accepted status %q", status)
		}
		if err == nil && in.status != st {
			t.Fatalf("status %q parsed as %v", status, in.status)
		}
		if err != nil && !IsKind(err, KindInvalid) {
			t.Fatalf("error of kind %v", ErrorKind(err))
		}
	})
}

func FuzzMakeupInputValidate(f *testing.F) {
	f.Add("2023-09-01", "补学")
	f.Add("2023-02-30", "")
	f.Add("", "\x01")
	f.Fuzz(func(t *testing.T, on, note string) {
		in := MakeupInput{On: on, Note: note}
		err := in.Validate()
		if err == nil && !ValidDate(on) {
			t.Fatalf("accepted date %q", on)
		}
		if err != nil && !IsKind(err, KindInvalid) {
			t.Fatalf("error of kind %v", ErrorKind(err))
		}
	})
}

// BenchmarkCheckinParallel measures self check-ins into one session, many
// members at once, through the store (durable: each answer after its
// commit). Report: ops/s = 1e9 / ns/op.
func BenchmarkCheckinParallel(b *testing.B) {
	o := newAttOrg(b)
	const members = 5000
	ins := make([]MemberInput, members)
	for i := range ins {
		ins[i] = MemberInput{Name: fmt.Sprintf("b%05d", i), Username: fmt.Sprintf("b%05d", i), Password: "password1", GroupID: o.g1, Role: RoleMember, JoinedOn: "2020-01-01"}
	}
	ms, err := o.s.CreateMembers(admin, ins)
	if err != nil {
		b.Fatal(err)
	}
	now := o.start
	o.clock.Set(now)
	// A fresh session per round of members, so every op is a first check-in.
	var sessions []string
	var code []string
	newRound := func() {
		id := o.newSession(b, o.g1, o.start, o.end)
		sessions = append(sessions, id)
		code = append(code, o.code(b, id, now))
	}
	rounds := b.N/members + 1
	for i := 0; i < rounds; i++ {
		newRound()
	}
	var next atomic.Int64
	b.SetParallelism(256)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1) - 1)
			r, m := n/members, ms[n%members]
			ctx := WithActor(context.Background(), m.ID)
			if _, created, err := o.s.Checkin(ctx, sessions[r], m.ID, code[r]); err != nil || !created {
				b.Errorf("check-in %d: %v %v", n, created, err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkins/s")
}
