package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRequestLeave(t *testing.T) {
	o := newAttOrg(t)
	cases := []struct {
		name    string
		at      time.Time
		member  *Member
		session string
		reason  string
		kind    Kind
		code    string
	}{
		{"OK", o.start.Add(-time.Hour), o.m1, o.sessionID, "出差", 0, ""},
		{"second request", o.start.Add(-time.Hour), o.m1, o.sessionID, "还是出差", KindConflict, "leave_exists"},
		{"a second before the start", o.start.Add(-time.Second), o.m2, o.sessionID, "病假", 0, ""},
		{"at the start", o.start, o.m4, o.sessionID, "病假", KindConflict, "too_late"},
		{"other branch", o.start.Add(-time.Hour), o.m3, o.sessionID, "x", KindForbidden, "not_in_audience"},
		{"left member", o.start.Add(-time.Hour), o.left, o.sessionID, "x", KindForbidden, "not_in_audience"},
		{"no reason", o.start.Add(-time.Hour), o.m4, o.sessionID, " ", KindInvalid, "invalid"},
		{"long reason", o.start.Add(-time.Hour), o.m4, o.sessionID, strings.Repeat("长", maxNoteLen+1), KindInvalid, "invalid"},
		{"unknown session", o.start.Add(-time.Hour), o.m4, "999", "x", KindNotFound, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.clock.Set(c.at)
			_, audits := o.counts(t)
			req, err := o.s.RequestLeave(WithActor(context.Background(), c.member.ID), c.session, c.member.ID, LeaveInput{Reason: c.reason})
			if c.code != "" {
				wantCode(t, err, c.kind, c.code)
				if _, a := o.counts(t); a != audits {
					t.Error("refused request wrote an audit entry")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Status != LeavePending || req.MemberID != c.member.ID || req.Reason != c.reason {
				t.Errorf("request %+v", req)
			}
		})
	}
	reqs, _ := o.s.LeaveRequests(o.sessionID)
	if len(reqs) != 2 {
		t.Errorf("%d requests, want 2", len(reqs))
	}
	o.s.CancelSession(admin, o.sessionID)
	o.clock.Set(o.start.Add(-time.Hour))
	_, err := o.s.RequestLeave(WithActor(context.Background(), o.m4.ID), o.sessionID, o.m4.ID, LeaveInput{Reason: "x"})
	wantCode(t, err, KindConflict, "session_cancelled")
}

func TestDecideLeave(t *testing.T) {
	o := newAttOrg(t)
	o.clock.Set(o.start.Add(-time.Hour))
	for _, m := range []*Member{o.m1, o.m2} {
		if _, err := o.s.RequestLeave(WithActor(context.Background(), m.ID), o.sessionID, m.ID, LeaveInput{Reason: "出差"}); err != nil {
			t.Fatal(err)
		}
	}
	yes, no := true, false
	record := func(m *Member) *Attendance {
		recs, _ := o.s.Attendance(o.sessionID)
		for _, r := range recs {
			if r.MemberID == m.ID {
				return &r
			}
		}
		return nil
	}
	// m1 checked in early, then is approved: the leave record replaces it.
	o.clock.Set(o.start.Add(-10 * time.Minute))
	if _, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, o.code(t, o.sessionID, o.clock.Now())); err != nil {
		t.Fatal(err)
	}
	o.clock.Set(o.start.Add(2 * time.Hour)) // deciding late is fine
	cases := []struct {
		name       string
		member     *Member
		approved   *bool
		wantStatus string
		wantRecord Status // StatusNone: no record
		kind       Kind
		code       string
	}{
		{"approve", o.m1, &yes, LeaveApproved, StatusLeave, 0, ""},
		{"approve again: no change", o.m1, &yes, LeaveApproved, StatusLeave, 0, ""},
		{"reject", o.m2, &no, LeaveRejected, StatusNone, 0, ""},
		{"reject after approval removes the leave record", o.m1, &no, LeaveRejected, StatusNone, 0, ""},
		{"approve after rejection", o.m2, &yes, LeaveApproved, StatusLeave, 0, ""},
		{"make-up on the leave", o.m2, nil, "", StatusLeave, 0, ""},
		{"reject a leave with a make-up: 409, the make-up stays", o.m2, &no, "", StatusLeave, KindConflict, "has_makeup"},
		{"no decision", o.m2, nil, "", StatusLeave, KindInvalid, "invalid"},
		{"no request", o.m4, &yes, "", StatusNone, KindNotFound, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "make-up on the leave" {
				if _, err := o.s.RecordMakeup(o.ctxLead, o.sessionID, c.member.ID, MakeupInput{On: o.s.Today()}); err != nil {
					t.Fatal(err)
				}
				return
			}
			_, audits := o.counts(t)
			req, err := o.s.DecideLeave(o.ctxLead, o.sessionID, c.member.ID, LeaveDecision{Approved: c.approved})
			if c.code != "" {
				wantCode(t, err, c.kind, c.code)
				if _, a := o.counts(t); a != audits {
					t.Error("refused decision wrote an audit entry")
				}
			} else if err != nil {
				t.Fatal(err)
			} else if req.Status != c.wantStatus {
				t.Errorf("request status %s, want %s", req.Status, c.wantStatus)
			}
			rec := record(c.member)
			switch {
			case c.wantRecord == StatusNone && rec != nil:
				t.Errorf("record %+v, want none", rec)
			case c.wantRecord != StatusNone && (rec == nil || rec.Status != c.wantRecord || rec.Source != "leave" || rec.Note != "出差"):
				t.Errorf("record %+v, want %s from leave", rec, c.wantRecord)
			case c.code == "has_makeup" && rec.MakeupOn == "":
				t.Errorf("record %+v lost its make-up", rec)
			}
			if strings.HasSuffix(c.name, "no change") {
				if _, a := o.counts(t); a != audits {
					t.Error("same decision wrote an audit entry")
				}
			}
		})
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "attendance", EntityID: o.sessionID + "/" + o.m1.ID})
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "delete,leave,checkin" {
		t.Errorf("m1's attendance audit (newest first): %s", got)
	}
}

func FuzzLeaveInputValidate(f *testing.F) {
	f.Add("出差")
	f.Add("")
	f.Add("\x7f")
	f.Fuzz(func(t *testing.T, reason string) {
		in := LeaveInput{Reason: reason}
		if err := in.Validate(); err != nil && !IsKind(err, KindInvalid) {
			t.Fatalf("error of kind %v", ErrorKind(err))
		} else if err == nil && strings.TrimSpace(reason) == "" {
			t.Fatalf("accepted reason %q", reason)
		}
	})
}
