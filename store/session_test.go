package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSessionInputValidate(t *testing.T) {
	ok := SessionInput{GroupID: "1", Title: "学习会", StartsAt: "2023-09-01T10:00:00+08:00", EndsAt: "2023-09-01T11:30:00+08:00"}
	with := func(f func(*SessionInput)) SessionInput { in := ok; f(&in); return in }
	cases := []struct {
		name  string
		in    SessionInput
		field string
	}{
		{"OK", ok, ""},
		{"OK with items, place, lead", with(func(in *SessionInput) { in.ItemIDs = []string{"1", "2"}; in.Place = "三楼会议室"; in.LeadID = "3" }), ""},
		{"OK UTC", with(func(in *SessionInput) { in.StartsAt = "2023-09-01T02:00:00Z"; in.EndsAt = "2023-09-01T03:00:00Z" }), ""},
		{"no group", with(func(in *SessionInput) { in.GroupID = "" }), "group_id"},
		{"no title", with(func(in *SessionInput) { in.Title = "" }), "title"},
		{"no start", with(func(in *SessionInput) { in.StartsAt = "" }), "starts_at"},
		{"date only", with(func(in *SessionInput) { in.StartsAt = "2023-09-01" }), "starts_at"},
		{"no zone", with(func(in *SessionInput) { in.EndsAt = "2023-09-01T11:30:00" }), "ends_at"},
		{"ends at start", with(func(in *SessionInput) { in.EndsAt = in.StartsAt }), "ends_at"},
		{"ends before start", with(func(in *SessionInput) { in.EndsAt = "2023-09-01T09:59:59+08:00" }), "ends_at"},
		{"long place", with(func(in *SessionInput) { in.Place = strings.Repeat("x", maxPlaceLen+1) }), "place"},
		{"bad item id", with(func(in *SessionInput) { in.ItemIDs = []string{"abc"} }), "item_ids"},
		{"item twice", with(func(in *SessionInput) { in.ItemIDs = []string{"1", "1"} }), "item_ids"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			err := in.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Kind != KindInvalid || e.Fields[c.field] == "" {
				t.Fatalf("got %v, want a reason for %s", err, c.field)
			}
		})
	}
}

func FuzzSessionInputValidate(f *testing.F) {
	f.Add("1", "学习会", "2023-09-01T10:00:00+08:00", "2023-09-01T11:30:00+08:00", "", "1")
	f.Add("", "", "2023-09-01", "x", "\x00", "0")
	f.Add("2", "t", "2023-09-01T10:00:00Z", "2023-09-01T10:00:00Z", "p", "18446744073709551616")
	f.Fuzz(func(t *testing.T, group, title, starts, ends, place, item string) {
		in := SessionInput{GroupID: group, Title: title, StartsAt: starts, EndsAt: ends, Place: place, ItemIDs: []string{item}}
		err := in.Validate()
		if err != nil {
			if !IsKind(err, KindInvalid) {
				t.Fatalf("error of kind %v", ErrorKind(err))
			}
			return
		}
		if !in.endsAt.After(in.startsAt) || in.Title == "" || in.GroupID == "" {
			t.Fatalf("accepted %+v", in)
		}
		if _, ok := idKey(item); !ok {
			t.Fatalf("accepted item id %q", item)
		}
	})
}

func TestCreateSession(t *testing.T) {
	o := newAttOrg(t)
	p1, _ := o.s.CreatePlan(admin, PlanInput{GroupID: o.g1, Period: "2023Q3", Title: "支部计划", Items: []PlanItemInput{{Title: "a"}}})
	pRoot, _ := o.s.CreatePlan(admin, PlanInput{GroupID: o.root, Period: "2023Q3", Title: "全委计划", Items: []PlanItemInput{{Title: "b"}}})
	p2, _ := o.s.CreatePlan(admin, PlanInput{GroupID: o.g2, Period: "2023Q3", Title: "二支部计划", Items: []PlanItemInput{{Title: "c"}}})
	base := SessionInput{GroupID: o.g1, Title: "学习会", StartsAt: "2023-09-01T10:00:00+08:00", EndsAt: "2023-09-01T11:30:00+08:00"}
	with := func(f func(*SessionInput)) SessionInput { in := base; f(&in); return in }
	cases := []struct {
		name     string
		in       SessionInput
		field    string
		wantLead string
	}{
		{"OK, items of own and root plans", with(func(in *SessionInput) { in.ItemIDs = []string{p1.Items[0].ID, pRoot.Items[0].ID} }), "", ""},
		{"OK, manual lead from the audience", with(func(in *SessionInput) { in.LeadID = o.m1.ID }), "", o.m1.ID},
		{"OK, manual lead from a subgroup", with(func(in *SessionInput) { in.LeadID = o.m4.ID }), "", o.m4.ID},
		{"OK, a lead over the group", with(func(in *SessionInput) { in.LeadID = o.topLead.ID }), "", o.topLead.ID},
		{"item of another branch's plan", with(func(in *SessionInput) { in.ItemIDs = []string{p2.Items[0].ID} }), "item_ids", ""},
		{"branch item in an organ-wide session", with(func(in *SessionInput) { in.GroupID = o.root; in.ItemIDs = []string{p1.Items[0].ID} }), "item_ids", ""},
		{"unknown item", with(func(in *SessionInput) { in.ItemIDs = []string{"999"} }), "item_ids", ""},
		{"unknown group", with(func(in *SessionInput) { in.GroupID = "999" }), "group_id", ""},
		{"lead from another branch", with(func(in *SessionInput) { in.LeadID = o.m3.ID }), "lead_id", ""},
		{"lead who left", with(func(in *SessionInput) { in.LeadID = o.left.ID }), "lead_id", ""},
		{"lead not yet joined", with(func(in *SessionInput) { in.LeadID = o.late.ID }), "lead_id", ""},
		{"unknown lead", with(func(in *SessionInput) { in.LeadID = "999" }), "lead_id", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, audits := o.counts(t)
			ctx := o.ctxLead
			if c.in.GroupID == o.root {
				ctx = bg // the branch lead does not manage the root (scope.go)
			}
			sess, err := o.s.CreateSession(ctx, c.in)
			if c.field != "" {
				e, ok := err.(*Error)
				if !ok || e.Kind != KindInvalid || e.Fields[c.field] == "" {
					t.Fatalf("got %v, want a reason for %s", err, c.field)
				}
				if _, a := o.counts(t); a != audits {
					t.Error("refused session wrote an audit entry")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantLead != "" && (sess.LeadID != c.wantLead || sess.LeadSource != "manual") {
				t.Errorf("lead %q (%s), want %s", sess.LeadID, sess.LeadSource, c.wantLead)
			}
			if !sess.StartsAt.Equal(time.Date(2023, 9, 1, 10, 0, 0, 0, DefaultLocation())) || sess.CreatedBy != o.lead.ID {
				t.Errorf("session %+v", sess)
			}
			got, err := o.s.Session(sess.ID)
			if err != nil || got.Title != sess.Title || len(got.ItemIDs) != len(c.in.ItemIDs) {
				t.Errorf("Session: %+v %v", got, err)
			}
			// The secret is stored, and appears neither in the answer nor
			// in the audit log.
			secret := o.secret(t, sess.ID)
			data, _ := json.Marshal(sess)
			es, _ := o.s.Audit(AuditFilter{Entity: "session", EntityID: sess.ID})
			for _, blob := range [][]byte{data, es[0].After} {
				if strings.Contains(strings.ToLower(string(blob)), "secret") || strings.Contains(string(blob), string(secret)) {
					t.Errorf("secret leaks: %s", blob)
				}
			}
		})
	}
}

func TestSessionsAndCancel(t *testing.T) {
	o := newAttOrg(t)
	day := func(d int, h int) time.Time { return time.Date(2023, 9, d, h, 0, 0, 0, DefaultLocation()) }
	// o.sessionID: g1, 2023-09-01 10:00.
	late := o.newSession(t, o.g2, day(5, 9), day(5, 10))
	early := o.newSession(t, o.root, day(1, 8), day(1, 9))
	sub := o.newSession(t, o.g1a, day(3, 14), day(3, 15))
	if _, err := o.s.CancelSession(o.ctxLead, sub); err != nil {
		t.Fatal(err)
	}
	ids := func(ss []Session) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		name string
		f    SessionFilter
		want []string
	}{
		{"all but cancelled, by start", SessionFilter{}, []string{early, o.sessionID, late}},
		{"with cancelled", SessionFilter{IncludeCancelled: true}, []string{early, o.sessionID, sub, late}},
		{"from", SessionFilter{From: day(1, 10)}, []string{o.sessionID, late}},
		{"to is exclusive", SessionFilter{To: day(1, 10)}, []string{early}},
		{"groups", SessionFilter{GroupIDs: []string{o.g1, o.g2}}, []string{o.sessionID, late}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ss, err := o.s.Sessions(c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(ss); got != strings.Join(c.want, ",") {
				t.Errorf("got %s, want %v", got, c.want)
			}
		})
	}
	// Cancelling twice is a conflict; the first cancel is audited.
	_, err := o.s.CancelSession(o.ctxLead, sub)
	wantCode(t, err, KindConflict, "already_cancelled")
	got, _ := o.s.Session(sub)
	if !got.Cancelled || got.CancelledAt == nil {
		t.Errorf("cancelled session %+v", got)
	}
	es, _ := o.s.Audit(AuditFilter{Entity: "session", EntityID: sub})
	if len(es) != 2 || es[0].Action != "cancel" || es[0].Before == nil {
		t.Errorf("audit %+v", es)
	}
	if _, err := o.s.CancelSession(o.ctxLead, "999"); !IsKind(err, KindNotFound) {
		t.Errorf("cancel unknown: %v", err)
	}
	if _, err := o.s.SessionCode(sub); !IsKind(err, KindConflict) {
		t.Errorf("code of a cancelled session: %v", err)
	}
}

func TestAudienceAndDetail(t *testing.T) {
	o := newAttOrg(t)
	sess, _ := o.s.Session(o.sessionID)
	aud, err := o.s.Audience(sess)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range aud {
		names = append(names, m.Name)
	}
	// Active on 2023-09-01 in 第一支部 or below: not "left" (left that
	// day), not "late" (joined the next day), not m3 (第二支部), not top.
	if got := strings.Join(names, ","); got != "lead,m1,m2,m4" {
		t.Errorf("audience %s", got)
	}
	rootSess := o.newSession(t, o.root, o.start, o.end)
	rs, _ := o.s.Session(rootSess)
	if aud, _ := o.s.Audience(rs); len(aud) != 6 {
		t.Errorf("organ-wide audience: %d members, want 6", len(aud))
	}

	o.clock.Set(o.start.Add(-time.Hour))
	if _, err := o.s.RequestLeave(WithActor(admin, o.m2.ID), o.sessionID, o.m2.ID, LeaveInput{Reason: "出差"}); err != nil {
		t.Fatal(err)
	}
	o.clock.Set(o.start)
	if _, _, err := o.s.Checkin(o.ctxM1, o.sessionID, o.m1.ID, o.code(t, o.sessionID, o.start)); err != nil {
		t.Fatal(err)
	}
	o.s.SetAttendance(o.ctxLead, o.sessionID, o.m4.ID, AttendanceInput{Status: "late"})
	d, err := o.s.SessionDetail(o.sessionID)
	if err != nil {
		t.Fatal(err)
	}
	want := AttendanceCounts{Expected: 4, Present: 1, Late: 1, None: 2}
	if d.Counts != want || len(d.Attendance) != 2 || len(d.Audience) != 4 || len(d.LeaveRequests) != 1 {
		t.Fatalf("detail counts %+v, %d records, %d audience, %d leave", d.Counts, len(d.Attendance), len(d.Audience), len(d.LeaveRequests))
	}
	if d.LeadName != "top" || d.LeaveRequests[0].Name != "m2" || d.LeaveRequests[0].Status != LeavePending {
		t.Errorf("detail %+v", d)
	}
	for _, a := range d.Attendance {
		if a.Name == "" {
			t.Errorf("record without a name: %+v", a)
		}
	}
	d.OnlyMember(o.m1.ID)
	if len(d.Audience) != 1 || len(d.Attendance) != 1 || len(d.LeaveRequests) != 0 || d.Attendance[0].MemberID != o.m1.ID {
		t.Errorf("member's view %+v", d)
	}
	if _, err := o.s.SessionDetail("999"); !IsKind(err, KindNotFound) {
		t.Errorf("detail of unknown: %v", err)
	}
}
