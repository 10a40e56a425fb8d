package store

import (
	"testing"
	"time"
)

// TestClearAttendance: a lead takes a record back to no record (未签到);
// a make-up or an approved leave keeps it; the member may not clear their
// own; nothing there is no change.
func TestClearAttendance(t *testing.T) {
	o := newAttOrg(t)
	o.clock.Set(o.start.Add(time.Hour))
	set := func(member, status string) {
		t.Helper()
		if _, err := o.s.SetAttendance(o.ctxLead, o.sessionID, member, AttendanceInput{Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	set(o.m1.ID, "late")
	set(o.m2.ID, "absent")
	if _, err := o.s.RecordMakeup(o.ctxLead, o.sessionID, o.m2.ID, MakeupInput{On: o.start.Format("2006-01-02"), Note: "自学"}); err != nil {
		t.Fatal(err)
	}
	// m4 asks for leave before the start; the lead approves it.
	o.clock.Set(o.start.Add(-2 * time.Hour))
	if _, err := o.s.RequestLeave(WithActor(t.Context(), o.m4.ID), o.sessionID, o.m4.ID, LeaveInput{Reason: "出差"}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := o.s.DecideLeave(o.ctxLead, o.sessionID, o.m4.ID, LeaveDecision{Approved: &yes}); err != nil {
		t.Fatal(err)
	}
	o.clock.Set(o.start.Add(time.Hour))
	cases := []struct {
		name   string
		member string
		kind   Kind
		code   string
		audits int // entries written
	}{
		{"own record", o.lead.ID, KindForbidden, "own_record", 0},
		{"carries a make-up", o.m2.ID, KindConflict, "has_makeup", 0},
		{"written by an approved leave", o.m4.ID, KindConflict, "leave_approved", 0},
		{"other branch", o.m3.ID, KindInvalid, "not_in_audience", 0},
		{"late back to none", o.m1.ID, 0, "", 1},
		{"none stays none", o.m1.ID, 0, "", 0},
	}
	ctxOwn := WithActor(t.Context(), o.lead.ID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, audits := o.counts(t)
			ctx := o.ctxLead
			if c.member == o.lead.ID {
				ctx = ctxOwn
			}
			err := o.s.ClearAttendance(ctx, o.sessionID, c.member)
			if c.code != "" {
				wantCode(t, err, c.kind, c.code)
			} else if err != nil {
				t.Fatal(err)
			}
			if _, a := o.counts(t); a-audits != c.audits {
				t.Errorf("%d audit entries written, want %d", a-audits, c.audits)
			}
		})
	}
	recs, _ := o.s.Attendance(o.sessionID)
	got := map[string]Status{}
	for _, r := range recs {
		got[r.MemberID] = r.Status
	}
	if _, ok := got[o.m1.ID]; ok {
		t.Errorf("m1 still has a record: %v", got[o.m1.ID])
	}
	if got[o.m2.ID] != StatusAbsent || got[o.m4.ID] != StatusLeave {
		t.Errorf("kept records: %v", got)
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "attendance", EntityID: o.sessionID + "/" + o.m1.ID}) // newest first
	if last := es[0]; last.Action != "clear" || last.Before == nil || last.After != nil {
		t.Errorf("last audit entry %+v", last)
	}
	// A cancelled session takes no more changes.
	if _, err := o.s.CancelSession(o.ctxLead, o.sessionID); err != nil {
		t.Fatal("cancel:", err)
	}
	wantCode(t, o.s.ClearAttendance(o.ctxLead, o.sessionID, o.m2.ID), KindConflict, "session_cancelled")
}
