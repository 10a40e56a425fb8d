package store

import (
	"context"
	"testing"
	"time"
)

// scopeOrg is the organisation the scope rules are tested on:
//
//	root 机关党委 ─┬─ A 第一支部 ── A1 第一党小组
//	              └─ B 第二支部
type scopeOrg struct {
	s                                  *Store
	t                                  *Tree
	root, A, A1, B                     string
	admin, hr, insp, sec, audr         *Member
	leadRoot, leadA, leadA1, leadB     *Member
	memA, memA1, memB, leadNone, memNo *Member
}

func newScopeOrg(tb testing.TB) *scopeOrg {
	tb.Helper()
	s, _ := mustOpen(tb)
	o := &scopeOrg{s: s}
	o.root = mustGroup(tb, s, "机关党委", "")
	o.A = mustGroup(tb, s, "第一支部", o.root)
	o.A1 = mustGroup(tb, s, "第一党小组", o.A)
	o.B = mustGroup(tb, s, "第二支部", o.root)
	mk := func(name, g string, r Role) *Member { return mustMember(tb, s, name, g, r, "2020-01-01") }
	o.admin = mk("管理员", "", RoleAdmin)
	o.hr = mk("人事", o.root, RoleHR)
	o.insp = mk("督查", o.root, RoleInspector)
	o.sec = mk("安全管理员", "", RoleSecAdmin)
	o.audr = mk("审计员", "", RoleAuditor)
	o.leadRoot = mk("党委书记", o.root, RoleLead)
	o.leadA = mk("一支书", o.A, RoleLead)
	o.leadA1 = mk("小组长", o.A1, RoleLead)
	o.leadB = mk("二支书", o.B, RoleLead)
	o.memA = mk("张三", o.A, RoleMember)
	o.memA1 = mk("李四", o.A1, RoleMember)
	o.memB = mk("王五", o.B, RoleMember)
	// Accounts without a group (not creatable through the API, but the
	// rules must hold for them too).
	o.leadNone = &Member{ID: "9001", Name: "无组书记", Role: RoleLead}
	o.memNo = &Member{ID: "9002", Name: "无组党员", Role: RoleMember}
	t, err := s.Tree()
	if err != nil {
		tb.Fatal(err)
	}
	o.t = t
	return o
}

// TestScopeManagesGroup: admin every group; a lead their subtree; nobody
// else any.
func TestScopeManagesGroup(t *testing.T) {
	o := newScopeOrg(t)
	cases := []struct {
		name string
		by   *Member
		g    string
		want bool
	}{
		{"admin, any group", o.admin, o.B, true},
		{"root lead, a branch", o.leadRoot, o.A, true},
		{"branch lead, own group", o.leadA, o.A, true},
		{"branch lead, its subgroup", o.leadA, o.A1, true},
		{"branch lead, sibling branch", o.leadA, o.B, false},
		{"branch lead, the root above", o.leadA, o.root, false},
		{"subgroup lead, its branch above", o.leadA1, o.A, false},
		{"lead without a group", o.leadNone, o.A, false},
		{"hr reads but does not manage", o.hr, o.A, false},
		{"inspector is read-only", o.insp, o.A, false},
		{"security admin", o.sec, o.A, false},
		{"auditor", o.audr, o.A, false},
		{"member, own group", o.memA, o.A, false},
		{"nobody", nil, o.A, false},
		{"a lead, no group named", o.leadRoot, "", false},
	}
	for _, c := range cases {
		if got := ManagesGroup(o.t, c.by, c.g); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScopeReadsGroup: hr, admin, inspector everything; a lead their
// subtree and its ancestors; a member their group and its ancestors.
func TestScopeReadsGroup(t *testing.T) {
	o := newScopeOrg(t)
	cases := []struct {
		name string
		by   *Member
		g    string
		want bool
	}{
		{"hr, any", o.hr, o.B, true},
		{"inspector, any", o.insp, o.A1, true},
		{"admin, any", o.admin, o.A1, true},
		{"branch lead, own subtree", o.leadA, o.A1, true},
		{"branch lead, the root (organisation-wide)", o.leadA, o.root, true},
		{"branch lead, sibling branch", o.leadA, o.B, false},
		{"member, own group", o.memA, o.A, true},
		{"member, the root", o.memA, o.root, true},
		{"member, a subgroup below", o.memA, o.A1, false},
		{"member, another branch", o.memA, o.B, false},
		{"member without a group", o.memNo, o.root, false},
		{"security admin", o.sec, o.A, false},
		{"auditor", o.audr, o.A, false},
	}
	for _, c := range cases {
		if got := ReadsGroup(o.t, c.by, c.g); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScopeSeesMember: org-wide readers and the security admin everyone; a
// lead self and subtree; a member self.
func TestScopeSeesMember(t *testing.T) {
	o := newScopeOrg(t)
	cases := []struct {
		name  string
		by, m *Member
		want  bool
	}{
		{"hr, anyone", o.hr, o.memB, true},
		{"inspector, anyone", o.insp, o.memA1, true},
		{"security admin, anyone (accounts)", o.sec, o.memA, true},
		{"auditor, another", o.audr, o.memA, false},
		{"branch lead, own member", o.leadA, o.memA, true},
		{"branch lead, subgroup member", o.leadA, o.memA1, true},
		{"branch lead, other branch", o.leadA, o.memB, false},
		{"branch lead, the root lead", o.leadA, o.leadRoot, false},
		{"lead, self", o.leadA1, o.leadA1, true},
		{"member, self", o.memA, o.memA, true},
		{"member, a colleague", o.memA, o.memA1, false},
	}
	for _, c := range cases {
		if got := SeesMember(o.t, c.by, c.m); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScopeSeesAuthor: learning reports as SeesMember, but the security
// admin manages accounts, not reports.
func TestScopeSeesAuthor(t *testing.T) {
	o := newScopeOrg(t)
	cases := []struct {
		name  string
		by, m *Member
		want  bool
	}{
		{"hr, anyone", o.hr, o.memB, true},
		{"security admin, a member's reports", o.sec, o.memA, false},
		{"security admin, own", o.sec, o.sec, true},
		{"lead, subtree", o.leadA, o.memA1, true},
		{"lead, another branch", o.leadA, o.memB, false},
		{"member, self", o.memB, o.memB, true},
		{"member, other", o.memB, o.memA, false},
	}
	for _, c := range cases {
		if got := SeesAuthor(o.t, c.by, c.m); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScopeScoresMember: a manager of the exam's group any member; a lead
// below it only their own subtree; nobody else.
func TestScopeScoresMember(t *testing.T) {
	o := newScopeOrg(t)
	cases := []struct {
		name      string
		by        *Member
		examGroup string
		m         *Member
		want      bool
	}{
		{"admin", o.admin, o.root, o.memB, true},
		{"root lead, root exam", o.leadRoot, o.root, o.memB, true},
		{"branch lead, own exam", o.leadA, o.A, o.memA1, true},
		{"branch lead, org-wide exam, own member", o.leadA, o.root, o.memA, true},
		{"branch lead, org-wide exam, other branch", o.leadA, o.root, o.memB, false},
		{"branch lead, other branch's exam", o.leadA, o.B, o.memB, false},
		{"subgroup lead, branch exam, branch member", o.leadA1, o.A, o.memA, false},
		{"hr", o.hr, o.A, o.memA, false},
		{"inspector", o.insp, o.A, o.memA, false},
		{"member", o.memA, o.A, o.memA, false},
		{"unknown member", o.leadA, o.root, nil, false},
	}
	for _, c := range cases {
		if got := ScoresMember(o.t, c.by, c.examGroup, c.m); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScopeSeesReportFile: appraisal files by role.
func TestScopeSeesReportFile(t *testing.T) {
	o := newScopeOrg(t)
	mf := func(m *Member) *ReportFile { return &ReportFile{Kind: ReportMemberPDF, SubjectID: m.ID} }
	gf := func(g string) *ReportFile { return &ReportFile{Kind: ReportGroupPDF, SubjectID: g} }
	cases := []struct {
		name     string
		by       *Member
		f        *ReportFile
		subjectG string
		want     bool
	}{
		{"hr, any member file", o.hr, mf(o.memB), o.B, true},
		{"inspector, any group file", o.insp, gf(o.B), "", true},
		{"lead, own file", o.leadA, mf(o.leadA), o.A, true},
		{"lead, subtree member", o.leadA, mf(o.memA1), o.A1, true},
		{"lead, other branch's member", o.leadA, mf(o.memB), o.B, false},
		{"lead, own group's file", o.leadA, gf(o.A), "", true},
		{"lead, the root's file", o.leadA, gf(o.root), "", false},
		{"member, own file", o.memA, mf(o.memA), o.A, true},
		{"member, colleague's file", o.memA, mf(o.memA1), o.A1, false},
		{"member, group file", o.memA, gf(o.A), "", false},
		{"security admin, member file", o.sec, mf(o.memA), o.A, false},
	}
	for _, c := range cases {
		if got := SeesReportFile(o.t, c.by, c.f, c.subjectG); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestScopeRectifyAndInspect: a finding moves by its responsible member or
// a manager of its group; an inspection is written by hr, admin or its own
// team only (other inspectors read).
func TestScopeRectifyAndInspect(t *testing.T) {
	o := newScopeOrg(t)
	f := &Finding{ID: "1", GroupID: o.A1, ResponsibleID: o.memA1.ID}
	for _, c := range []struct {
		name string
		by   *Member
		want bool
	}{
		{"responsible member", o.memA1, true},
		{"lead over the group", o.leadA, true},
		{"admin", o.admin, true},
		{"lead of another branch", o.leadB, false},
		{"colleague", o.memA, false},
		{"inspector", o.insp, false},
		{"hr", o.hr, false},
	} {
		if got := mayRectify(o.t, c.by, f); got != c.want {
			t.Errorf("rectify, %s: %v, want %v", c.name, got, c.want)
		}
	}
	in := &Inspection{ID: "1", InspectorIDs: []string{o.insp.ID}}
	other := &Member{ID: "999", Role: RoleInspector}
	for _, c := range []struct {
		name string
		by   *Member
		want bool
	}{
		{"hr", o.hr, true},
		{"admin", o.admin, true},
		{"inspector on the team", o.insp, true},
		{"inspector not on the team", other, false},
		{"lead", o.leadRoot, false},
		{"member", o.memA, false},
	} {
		if err := in.writableBy(c.by); (err == nil) != c.want {
			t.Errorf("inspection, %s: %v, want allowed %v", c.name, err, c.want)
		}
	}
}

// TestScopeOwnRecord: the actor never changes their own record.
func TestScopeOwnRecord(t *testing.T) {
	for _, c := range []struct {
		name    string
		ctx     context.Context
		subject string
		want    bool
	}{
		{"lead on a member", WithActor(bg, "5"), "6", true},
		{"lead on self", WithActor(bg, "5"), "5", false},
		{"system", bg, "5", true},
	} {
		err := ownRecord(c.ctx, c.subject)
		if (err == nil) != c.want || err != nil && err.(*Error).Code != "own_record" {
			t.Errorf("%s: %v, want allowed %v", c.name, err, c.want)
		}
	}
}

// TestScopeWritesRefused calls every write guarded by ManagesGroup or
// ScoresMember as a lead outside the record's subtree (the second branch's
// lead on the first branch's records), an hr account and an inspector:
// each is 403, and nothing is written (the audit log, which every write
// extends in its own transaction, does not grow). The branch's own lead
// then succeeds at the same call, so the refusal is the scope's.
func TestScopeWritesRefused(t *testing.T) {
	o := newScopeOrg(t)
	s := o.s
	sys := bg
	start := testStart.Add(time.Hour)
	newSessAt := func(start time.Time) *Session {
		sess, err := s.CreateSession(sys, SessionInput{GroupID: o.A, Title: "集中学习",
			StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)})
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	newSess := func() *Session { return newSessAt(start) }
	leave := newSess()
	if _, err := s.RequestLeave(WithActor(bg, o.memA.ID), leave.ID, o.memA.ID, LeaveInput{Reason: "出差"}); err != nil {
		t.Fatal(err)
	}
	exam, err := s.CreateExam(sys, ExamInput{GroupID: o.A, Title: "测试", HeldOn: "2023-08-30", MaxScore: 100})
	if err != nil {
		t.Fatal(err)
	}
	rootExam, err := s.CreateExam(sys, ExamInput{GroupID: o.root, Title: "全委测试", HeldOn: "2023-08-30", MaxScore: 100})
	if err != nil {
		t.Fatal(err)
	}
	past := newSessAt(testStart.Add(-3 * time.Hour))
	past2 := newSessAt(testStart.Add(-2 * time.Hour))
	if _, err := s.SetAttendance(sys, past2.ID, o.memA1.ID, AttendanceInput{Status: "absent"}); err != nil {
		t.Fatal(err)
	}
	past3 := newSessAt(testStart.Add(-1 * time.Hour))
	if _, err := s.SetAttendance(sys, past3.ID, o.memA.ID, AttendanceInput{Status: "absent"}); err != nil {
		t.Fatal(err)
	}
	toCancel := newSess()
	approve := true
	writes := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"CreatePlan", func(ctx context.Context) error {
			_, err := s.CreatePlan(ctx, PlanInput{GroupID: o.A, Period: "2023Q3", Title: "计划", Items: []PlanItemInput{{Title: "学习"}}})
			return err
		}},
		{"CreateSession", func(ctx context.Context) error {
			_, err := s.CreateSession(ctx, SessionInput{GroupID: o.A, Title: "学习", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)})
			return err
		}},
		{"SetAttendance", func(ctx context.Context) error {
			_, err := s.SetAttendance(ctx, past.ID, o.memA.ID, AttendanceInput{Status: "present"})
			return err
		}},
		{"ClearAttendance", func(ctx context.Context) error {
			return s.ClearAttendance(ctx, past3.ID, o.memA.ID)
		}},
		{"RecordSheet", func(ctx context.Context) error {
			_, err := s.RecordSheet(ctx, past.ID, []SheetEntry{{MemberID: o.memA1.ID, Status: "present"}})
			return err
		}},
		{"RecordMakeup", func(ctx context.Context) error {
			_, err := s.RecordMakeup(ctx, past2.ID, o.memA1.ID, MakeupInput{On: s.Today(), Note: "补学"})
			return err
		}},
		{"DecideLeave", func(ctx context.Context) error {
			_, err := s.DecideLeave(ctx, leave.ID, o.memA.ID, LeaveDecision{Approved: &approve})
			return err
		}},
		{"CreateExam", func(ctx context.Context) error {
			_, err := s.CreateExam(ctx, ExamInput{GroupID: o.A, Title: "补考", HeldOn: "2023-08-31", MaxScore: 100})
			return err
		}},
		{"PutScores", func(ctx context.Context) error {
			_, err := s.PutScores(ctx, exam.ID, ScoresInput{Scores: []ScoreEntry{{MemberID: o.memA.ID, Score: 90}}})
			return err
		}},
		{"PutScores, org-wide exam", func(ctx context.Context) error {
			_, err := s.PutScores(ctx, rootExam.ID, ScoresInput{Scores: []ScoreEntry{{MemberID: o.memA1.ID, Score: 80}}})
			return err
		}},
		{"SetRotation", func(ctx context.Context) error {
			_, err := s.SetRotation(ctx, o.A1, RotationInput{Order: []string{o.leadA1.ID, o.memA1.ID}})
			return err
		}},
		{"CancelSession", func(ctx context.Context) error {
			_, err := s.CancelSession(ctx, toCancel.ID)
			return err
		}},
	}
	outsiders := []*Member{o.leadB, o.hr, o.insp, o.leadA1}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			for _, by := range outsiders {
				if w.name == "PutScores, org-wide exam" && by == o.leadA1 {
					continue // A1's own member: in scope
				}
				if w.name == "SetRotation" && by == o.leadA1 {
					continue // A1 is the lead's own group
				}
				before := auditLen(t, s)
				err := w.do(WithActor(bg, by.ID))
				if ErrorKind(err) != KindForbidden {
					t.Errorf("%s (%s): %v, want 403", by.Name, by.Role, err)
				}
				if after := auditLen(t, s); after != before {
					t.Errorf("%s (%s): refused write left %d audit entries", by.Name, by.Role, after-before)
				}
			}
			if err := w.do(WithActor(bg, o.leadA.ID)); err != nil {
				t.Errorf("the branch's own lead: %v", err)
			}
		})
	}
}

// auditLen counts the audit entries: every store write adds one in its own
// transaction (TestEveryWriteAudited).
func auditLen(tb testing.TB, s *Store) int {
	tb.Helper()
	es, err := s.Audit(AuditFilter{Limit: 1 << 30})
	if err != nil {
		tb.Fatal(err)
	}
	return len(es)
}
