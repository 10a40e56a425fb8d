package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func ptr[T any](v T) *T { return &v }

const wecomURL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

func mustRobot(tb testing.TB, s *Store, by *Member, g string, in RobotInput) *Robot {
	tb.Helper()
	r, err := s.CreateRobot(admin, by, g, in)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// TestRobotInput: the bad inputs of POST /groups/{id}/robots are 422,
// each naming its field; good ones get the defaults.
func TestRobotInput(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "第一支部", "")
	adm := mustMember(t, s, "管理员", g, RoleAdmin, "2020-01-01")
	for _, tc := range []struct {
		name  string
		in    RobotInput
		field string // "" = accepted
	}{
		{"wecom", RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL)}, ""},
		{"政务微信 elsewhere", RobotInput{Kind: RobotWeCom, URL: ptr("http://10.1.2.3:8080/cgi-bin/webhook/send?key=k")}, ""},
		{"dingtalk signed", RobotInput{Kind: RobotDingTalk, URL: ptr("https://oapi.dingtalk.com/robot/send?access_token=t"), Secret: ptr("SECabc")}, ""},
		{"dingtalk keyword only", RobotInput{Kind: RobotDingTalk, URL: ptr("https://oapi.dingtalk.com/robot/send?access_token=t"), Signed: ptr(false)}, ""},
		{"feishu", RobotInput{Kind: RobotFeishu, URL: ptr("https://open.feishu.cn/open-apis/bot/v2/hook/abc"), Secret: ptr("s"), Events: &[]string{EventAttendance}}, ""},
		{"ftp url", RobotInput{Kind: RobotWeCom, URL: ptr("ftp://qyapi.weixin.qq.com/send?key=k")}, "url"},
		{"javascript url", RobotInput{Kind: RobotWeCom, URL: ptr("javascript:alert(1)")}, "url"},
		{"no url", RobotInput{Kind: RobotWeCom}, "url"},
		{"url with password", RobotInput{Kind: RobotWeCom, URL: ptr("https://u:p@qyapi.weixin.qq.com/x")}, "url"},
		{"dingtalk without secret", RobotInput{Kind: RobotDingTalk, URL: ptr("https://oapi.dingtalk.com/robot/send?access_token=t")}, "secret"},
		{"feishu without secret", RobotInput{Kind: RobotFeishu, URL: ptr("https://open.feishu.cn/open-apis/bot/v2/hook/abc"), Secret: ptr(" ")}, "secret"},
		{"unknown event", RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL), Events: &[]string{EventAttendance, "birthday"}}, "events"},
		{"test is not subscribable", RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL), Events: &[]string{EventTest}}, "events"},
		{"unknown kind", RobotInput{Kind: "slack", URL: ptr(wecomURL)}, "kind"},
		{"bad format", RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL), Format: ptr("html")}, "format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := s.CreateRobot(admin, adm, g, tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !r.Enabled || r.Format != FormatMarkdown || len(r.Events) == 0 {
					t.Errorf("defaults: %+v", r)
				}
				return
			}
			var e *Error
			if !errorsAs(err, &e) || e.Kind != KindInvalid || e.Fields[tc.field] == "" {
				t.Fatalf("got %v, want 422 on %s", err, tc.field)
			}
		})
	}
}

func errorsAs(err error, e **Error) bool {
	x, ok := err.(*Error)
	if ok {
		*e = x
	}
	return ok
}

// TestRobotSecrets: the secret and the key in the address never come
// back — not in the answer, the list, nor the audit log — but the sender
// gets them.
func TestRobotSecrets(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "第一支部", "")
	adm := mustMember(t, s, "管理员", g, RoleAdmin, "2020-01-01")
	const secret, token = "SECsupersecret0001", "tok-abcdef0123456789"
	r := mustRobot(t, s, adm, g, RobotInput{Kind: RobotDingTalk, URL: ptr("https://oapi.dingtalk.com/robot/send?access_token=" + token), Secret: ptr(secret)})
	r2, _ := s.UpdateRobot(admin, adm, r.ID, RobotInput{Events: &[]string{EventSessionSoon}})
	list, _ := s.GroupRobots(adm, g)
	audit, _ := s.Audit(AuditFilter{})
	for _, v := range []any{r, r2, list, audit} {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), secret) || strings.Contains(string(b), token) {
			t.Errorf("a credential shows in %s", b)
		}
	}
	if !r.HasSecret || !strings.HasSuffix(r.URL, "6789") {
		t.Errorf("masked robot %+v", r)
	}
	tgt, err := s.RobotTarget(r.ID)
	if err != nil || tgt.Secret != secret || !strings.Contains(tgt.URL, token) {
		t.Fatalf("target %+v %v", tgt, err)
	}
}

// TestRobotScope: a lead manages the robots of their subtree only; a
// member never.
func TestRobotScope(t *testing.T) {
	s, _ := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	a := mustGroup(t, s, "第一支部", root)
	b := mustGroup(t, s, "第二支部", root)
	leadA := mustMember(t, s, "甲", a, RoleLead, "2020-01-01")
	mem := mustMember(t, s, "乙", a, RoleMember, "2020-01-01")
	in := RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL)}
	if _, err := s.CreateRobot(admin, leadA, a, in); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		by *Member
		g  string
	}{{leadA, b}, {leadA, root}, {mem, a}} {
		if _, err := s.CreateRobot(admin, c.by, c.g, in); !IsKind(err, KindForbidden) {
			t.Errorf("%s on %s: %v, want 403", c.by.Name, c.g, err)
		}
	}
	rb := mustRobot(t, s, &Member{Role: RoleAdmin}, b, in)
	if _, err := s.TestRobot(admin, leadA, rb.ID); !IsKind(err, KindForbidden) {
		t.Errorf("test another group's robot: %v", err)
	}
	if err := s.DeleteRobot(admin, leadA, rb.ID); !IsKind(err, KindForbidden) {
		t.Errorf("delete another group's robot: %v", err)
	}
}

func queued(t *testing.T, s *Store) []Message {
	t.Helper()
	ms, err := s.Outbox(OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestSessionReminders: the day-before reminder from 18:00 the day before,
// the 30-minute one from 30 minutes before; each once, however often the
// scan runs; a moved session is reminded again; a cancelled one is not.
func TestSessionReminders(t *testing.T) {
	s, clock := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	g := mustGroup(t, s, "第一支部", root)
	sub := mustGroup(t, s, "第一党小组", g)
	adm := mustMember(t, s, "管理员", root, RoleAdmin, "2020-01-01")
	lead := mustMember(t, s, "张伟", g, RoleLead, "2020-01-01")
	rg := mustRobot(t, s, adm, g, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL)})
	rs := mustRobot(t, s, adm, sub, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL + "2")})
	mustRobot(t, s, adm, root, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL + "3")})                                  // above: not reached
	mustRobot(t, s, adm, g, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL + "4"), Events: &[]string{EventAttendance}}) // not subscribed
	mustRobot(t, s, adm, g, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL + "5"), Enabled: ptr(false)})                // switched off
	// testStart is Friday 2023-09-01 09:00; the session is Saturday 09:00.
	sess, err := s.CreateSession(admin, SessionInput{GroupID: g, Title: "学习党的二十大精神", StartsAt: "2023-09-02T09:00:00+08:00",
		EndsAt: "2023-09-02T11:00:00+08:00", Place: "三楼会议室", LeadID: lead.ID})
	if err != nil {
		t.Fatal(err)
	}
	scan := func(at string) int {
		t.Helper()
		now, _ := time.Parse(time.RFC3339, at)
		clock.Set(now)
		n, err := s.QueueSessionReminders(now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, step := range []struct {
		at   string
		want int
	}{
		{"2023-09-01T17:59:00+08:00", 0},
		{"2023-09-01T18:00:00+08:00", 2}, // tomorrow: the group's robot and its subgroup's
		{"2023-09-01T18:01:00+08:00", 0},
		{"2023-09-01T23:59:00+08:00", 0},
		{"2023-09-02T08:29:00+08:00", 0},
		{"2023-09-02T08:30:00+08:00", 2}, // 30 minutes before
		{"2023-09-02T08:45:00+08:00", 0},
		{"2023-09-02T09:00:00+08:00", 0},
	} {
		if got := scan(step.at); got != step.want {
			t.Errorf("scan at %s queued %d, want %d", step.at, got, step.want)
		}
	}
	ms := queued(t, s)
	if len(ms) != 4 {
		t.Fatalf("%d messages", len(ms))
	}
	robots := map[string]int{}
	for _, m := range ms {
		robots[m.RobotID]++
		sn := m.Notice.Session
		if sn == nil || sn.Title != "学习党的二十大精神" || sn.Place != "三楼会议室" || sn.Lead != "张伟" || m.Notice.Group != "第一支部" {
			t.Errorf("notice %+v %+v", m.Notice, sn)
		}
	}
	if robots[rg.ID] != 2 || robots[rs.ID] != 2 {
		t.Errorf("by robot %v", robots)
	}

	t.Run("a session created for today gets no day-before reminder", func(t *testing.T) {
		clock.Set(time.Date(2023, 9, 4, 8, 0, 0, 0, DefaultLocation()))
		s.CreateSession(admin, SessionInput{GroupID: g, Title: "今天", StartsAt: "2023-09-04T19:00:00+08:00", EndsAt: "2023-09-04T20:00:00+08:00"})
		if n := scan("2023-09-04T18:00:00+08:00"); n != 0 {
			t.Errorf("queued %d", n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		clock.Set(time.Date(2023, 9, 5, 8, 0, 0, 0, DefaultLocation()))
		c, _ := s.CreateSession(admin, SessionInput{GroupID: g, Title: "取消", StartsAt: "2023-09-06T09:00:00+08:00", EndsAt: "2023-09-06T10:00:00+08:00"})
		if _, err := s.CancelSession(admin, c.ID); err != nil {
			t.Fatal(err)
		}
		if n := scan("2023-09-05T18:00:00+08:00"); n != 0 {
			t.Errorf("queued %d", n)
		}
	})
	_ = sess
}

// TestAttendanceMessage: closing a session queues, in the same
// transaction, one message with the counts; names only when the group
// enables them.
func TestAttendanceMessage(t *testing.T) {
	for _, names := range []bool{false, true} {
		s, clock := mustOpen(t)
		g := mustGroup(t, s, "第一支部", "")
		adm := mustMember(t, s, "管理员", g, RoleAdmin, "2020-01-01")
		a := mustMember(t, s, "张三", g, RoleMember, "2020-01-01")
		mustMember(t, s, "李四", g, RoleMember, "2020-01-01")
		mustRobot(t, s, adm, g, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL)})
		if names {
			if _, err := s.SetReminderSettings(admin, adm, g, ReminderSettingsInput{NameAbsentees: true}); err != nil {
				t.Fatal(err)
			}
		}
		sess, _ := s.CreateSession(admin, SessionInput{GroupID: g, Title: "集中学习", StartsAt: "2023-09-01T09:00:00+08:00", EndsAt: "2023-09-01T10:00:00+08:00"})
		if _, err := s.SetAttendance(admin, sess.ID, a.ID, AttendanceInput{Status: "present"}); err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2023, 9, 1, 11, 0, 0, 0, DefaultLocation()))
		if n, _, err := s.CloseSessions(clock.Now()); err != nil || n != 1 {
			t.Fatalf("closed %d, %v", n, err)
		}
		s.CloseSessions(clock.Now()) // again: nothing new
		ms := queued(t, s)
		if len(ms) != 1 || ms[0].Event != EventAttendance || ms[0].Notice.Attendance == nil {
			t.Fatalf("%+v", ms)
		}
		an := ms[0].Notice.Attendance
		if an.Audience != 3 || an.Present != 1 || an.Absent != 2 {
			t.Errorf("counts %+v", an)
		}
		if got := strings.Join(an.Absentees, ","); names != (got != "") || (names && !strings.Contains(got, "李四")) {
			t.Errorf("names=%v: absentees %q", names, got)
		}
	}
}

// TestRectificationReminders: 3 days before the deadline (until it), and
// overdue from the day after; once each; closed findings never.
func TestRectificationReminders(t *testing.T) {
	s, _ := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	g := mustGroup(t, s, "第一支部", root)
	adm := mustMember(t, s, "管理员", root, RoleAdmin, "2020-01-01")
	mustRobot(t, s, adm, root, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL)})
	fs := []Rectification{
		{FindingID: "1", GroupID: g, Description: "学习记录不全", Deadline: "2023-09-10", Responsible: "张三"},
		{FindingID: "2", GroupID: g, Description: "已整改", Deadline: "2023-09-10", Closed: true},
	}
	day := func(d string) int {
		now, _ := time.ParseInLocation("2006-01-02 15:04", d, DefaultLocation())
		n, err := s.QueueRectificationReminders(now, fs)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		d    string
		want int
	}{{"2023-09-06 09:00", 0}, {"2023-09-07 09:00", 1}, {"2023-09-08 09:00", 0}, {"2023-09-10 23:00", 0}, {"2023-09-11 09:00", 1}, {"2023-09-12 09:00", 0}} {
		if got := day(c.d); got != c.want {
			t.Errorf("%s: %d, want %d", c.d, got, c.want)
		}
	}
	ms := queued(t, s)
	if len(ms) != 2 || ms[1].Notice.Finding.DaysLeft != 3 || ms[0].Notice.Finding.DaysLeft != -1 || ms[0].Event != EventRectificationOverdue {
		t.Fatalf("%+v", ms)
	}
}

// TestReportsReadyMessage: a successful report run tells the top group's
// robot, in the transaction that records its end; a failed one does not.
func TestReportsReadyMessage(t *testing.T) {
	s, _ := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	adm := mustMember(t, s, "人事", root, RoleAdmin, "2020-01-01")
	mustRobot(t, s, adm, root, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL), Events: &[]string{EventReportsReady}})
	for _, status := range []string{JobFailed, JobSucceeded} {
		run, _ := s.StartJob(admin, JobRun{Kind: "quarterly_reports", Trigger: "schedule"})
		ev := s.ReportsReadyEvent(run.ID, "2023Q3", "", "42 files")
		if _, err := s.FinishJob(admin, run.ID, JobOutcome{Status: status, Events: []Event{ev}}); err != nil {
			t.Fatal(err)
		}
	}
	ms := queued(t, s)
	if len(ms) != 1 || ms[0].Notice.Reports.Period != "2023Q3" || ms[0].Notice.Group != "机关党委" {
		t.Fatalf("%+v", ms)
	}
}

// TestMigration5 opens a version-4 store (without the reminder buckets)
// and checks that it is migrated with its records intact.
func TestMigration5(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := s.CreateGroup(admin, GroupInput{Name: "第一支部"})
	s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRobots, bucketReminderSettings, bucketOutbox, bucketOutboxKeys, bucketOutboxDue} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, itob(4))
	})
	s.Close()
	// Opening runs initialize first; check the migration itself too.
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v != SchemaVersion() || v < 5 {
		t.Errorf("version %d", v)
	}
	if gg, err := s.Group(g.ID); err != nil || gg.Name != "第一支部" {
		t.Errorf("group after migration: %+v %v", gg, err)
	}
	if ms, err := s.Outbox(OutboxFilter{}); err != nil || len(ms) != 0 {
		t.Errorf("outbox %v %v", ms, err)
	}
	s.db.Update(func(tx *bolt.Tx) error {
		tx.DeleteBucket(bucketOutbox)
		if err := migrateReminderBuckets(tx); err != nil {
			t.Error(err)
		}
		if tx.Bucket(bucketOutbox) == nil {
			t.Error("migration 5 did not create the outbox")
		}
		return nil
	})
}

// TestRectificationHook: the inspections' findings reach the reminders
// through OpenRectifications: due 3 days before the deadline, overdue
// after it, each once, with the responsible member's name; a closed
// finding never.
func TestRectificationHook(t *testing.T) {
	s, clock, branch, member, _, hr, insp := inspFixture(t)
	ctx := WithActor(context.Background(), hr.ID)
	adm := &Member{Role: RoleAdmin}
	mustRobot(t, s, adm, branch, RobotInput{Kind: RobotWeCom, URL: ptr(wecomURL)})
	f, err := s.CreateFinding(ctx, insp.ID, FindingInput{GroupID: branch, Category: "考勤登记", Description: "缺签到记录", ResponsibleID: member.ID, Deadline: "2023-09-10"})
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := s.CreateFinding(ctx, insp.ID, FindingInput{GroupID: branch, Category: "其他", Description: "已整改", ResponsibleID: member.ID, Deadline: "2023-09-08"})
	if _, err := s.ProgressFinding(WithActor(context.Background(), member.ID), closed.ID, FindingSubmitted, "已补齐"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CloseFinding(ctx, closed.ID, "核实已整改"); err != nil {
		t.Fatal(err)
	}
	scan := func(day string) int {
		t.Helper()
		d, _ := time.ParseInLocation(DateLayout, day, s.Location())
		clock.Set(d.Add(9 * time.Hour))
		rs, err := s.OpenRectifications(clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.QueueRectificationReminders(clock.Now(), rs)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		day  string
		want int
	}{{"2023-09-06", 0}, {"2023-09-07", 1}, {"2023-09-09", 0}, {"2023-09-11", 1}, {"2023-09-12", 0}} {
		if got := scan(c.day); got != c.want {
			t.Errorf("%s: queued %d, want %d", c.day, got, c.want)
		}
	}
	ms := queued(t, s)
	if len(ms) != 2 || ms[1].Notice.Finding.ID != f.ID || ms[1].Notice.Finding.Responsible != "张三" || ms[0].Event != EventRectificationOverdue {
		t.Fatalf("%+v", ms)
	}
}
