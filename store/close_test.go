package store

import (
	"testing"
	"time"
)

func TestCloseSessions(t *testing.T) {
	o := newAttOrg(t)
	cancelled := o.newSession(t, o.g1, o.start, o.end)
	if _, err := o.s.CancelSession(admin, cancelled); err != nil {
		t.Fatal(err)
	}
	later := o.newSession(t, o.g2, o.start.Add(3*time.Hour), o.end.Add(3*time.Hour))
	o.clock.Set(o.start)
	if _, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, o.code(t, o.sessionID, o.start)); err != nil {
		t.Fatal(err)
	}
	if _, err := o.s.SetAttendance(o.ctxLead, o.sessionID, o.m2.ID, AttendanceInput{Status: "leave"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name           string
		at             time.Time
		closed, marked int
	}{
		{"during the session", o.start.Add(time.Minute), 0, 0},
		{"at the end", o.end, 0, 0},
		{"a second before end + 10 min", o.end.Add(10*time.Minute - time.Second), 0, 0},
		{"at end + 10 min", o.end.Add(10 * time.Minute), 1, 2}, // lead and m4; m1 present, m2 on leave
		{"again: nothing", o.end.Add(11 * time.Minute), 0, 0},
		{"the later session", o.end.Add(4 * time.Hour), 1, 1}, // m3
		{"and again", o.end.Add(5 * time.Hour), 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Set(c.at)
			closed, marked, err := o.s.CloseSessions(c.at)
			if err != nil {
				t.Fatal(err)
			}
			if closed != c.closed || marked != c.marked {
				t.Errorf("closed %d marked %d, want %d %d", closed, marked, c.closed, c.marked)
			}
		})
	}
	recs, _ := o.s.Attendance(o.sessionID)
	want := map[string]Status{o.m1.ID: StatusPresent, o.m2.ID: StatusLeave, o.lead.ID: StatusAbsent, o.m4.ID: StatusAbsent}
	if len(recs) != len(want) {
		t.Errorf("%d records, want %d", len(recs), len(want))
	}
	for _, r := range recs {
		if want[r.MemberID] != r.Status {
			t.Errorf("%s: %s, want %s", r.MemberID, r.Status, want[r.MemberID])
		}
		if r.Status == StatusAbsent && (r.Source != "close" || r.UpdatedBy != "system") {
			t.Errorf("closing record %+v", r)
		}
	}
	for _, id := range []string{o.sessionID, later} {
		if s, _ := o.s.Session(id); s.ClosedAt == nil {
			t.Errorf("session %s not closed", id)
		}
	}
	if s, _ := o.s.Session(cancelled); s.ClosedAt != nil {
		t.Error("cancelled session closed")
	}
	if recs, _ := o.s.Attendance(cancelled); len(recs) != 0 {
		t.Errorf("cancelled session got records %+v", recs)
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "session", EntityID: o.sessionID})
	if len(es) == 0 || es[0].Action != "close" || es[0].ActorID != "system" {
		t.Errorf("close audit %+v", es)
	}
	// A lead may still change a closed session's records.
	if _, err := o.s.SetAttendance(o.ctxLead, o.sessionID, o.m4.ID, AttendanceInput{Status: "present"}); err != nil {
		t.Error(err)
	}
}

func TestCloseSessionsLockedPeriod(t *testing.T) {
	o := newAttOrg(t)
	o.clock.Set(time.Date(2023, 10, 2, 9, 0, 0, 0, DefaultLocation()))
	if _, err := o.s.LockPeriod(admin, "2023Q3"); err != nil {
		t.Fatal(err)
	}
	closed, marked, err := o.s.CloseSessions(o.clock.Now())
	if err != nil || closed != 0 || marked != 0 {
		t.Fatalf("closed %d marked %d err %v", closed, marked, err)
	}
	if recs, _ := o.s.Attendance(o.sessionID); len(recs) != 0 {
		t.Errorf("records written in a locked period: %+v", recs)
	}
}
