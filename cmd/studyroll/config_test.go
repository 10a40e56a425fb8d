package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/schedule"
	"studyroll/store"
)

func TestConfigParse(t *testing.T) {
	cases := []struct {
		name string
		json string
		bad  []string // words the error must hold; nil = valid
		test func(t *testing.T, c *config)
	}{
		{"empty object", `{}`, nil, func(t *testing.T, c *config) {
			if c.Schedules != schedule.DefaultSchedules() || c.BackupKeep != 7 || c.Policy.Weights.Participation != 40 {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{"everything", `{"policy": {"weights": {"participation": 50, "completion": 30, "excellence": 20, "evaluation": 0},
			"labels": {"annual": {"excellent": "优秀", "good": "称职", "pass": "基本称职", "fail": "不称职"}}},
			"schedules": {"backup": "30 4 * * *", "close_sessions": "off"},
			"backup": {"keep": 30}, "snapshots": {"keep": 10}}`, nil, func(t *testing.T, c *config) {
			if c.Policy.Weights.Participation != 50 || c.Policy.Labels.Annual["good"] != "称职" || c.Policy.Labels.Quarterly["excellent"] != "好" {
				t.Errorf("policy: %+v", c.Policy)
			}
			if c.Schedules.Backup != "30 4 * * *" || c.Schedules.CloseSessions != "off" || c.Schedules.RatesSnapshot != "30 1 * * *" {
				t.Errorf("schedules: %+v", c.Schedules)
			}
			if c.BackupKeep != 30 || c.SnapshotKeep != 10 {
				t.Errorf("keep: %+v", c)
			}
		}},
		{"privacy", `{"privacy": {"erase_after_years": 3, "notice": " 本单位个人信息告知 "}}`, nil, func(t *testing.T, c *config) {
			if c.Privacy.EraseAfterYears != 3 || c.Privacy.Notice != "本单位个人信息告知" {
				t.Errorf("privacy %+v", c.Privacy)
			}
		}},
		{"privacy defaults", `{}`, nil, func(t *testing.T, c *config) {
			if c.Privacy.EraseAfterYears != 5 || c.Privacy.Notice != store.DefaultPrivacyNotice {
				t.Errorf("privacy %+v", c.Privacy)
			}
		}},
		{"privacy retention 0", `{"privacy": {"erase_after_years": 0}}`, []string{"privacy.erase_after_years"}, nil},
		{"privacy empty notice", `{"privacy": {"notice": "  "}}`, []string{"privacy.notice"}, nil},
		{"privacy unknown key", `{"privacy": {"erase_after": 5}}`, []string{"erase_after"}, nil},
		{"attendance rules", `{"attendance": {"opens_before": "1h", "grace": "10m"}}`, nil, func(t *testing.T, c *config) {
			want := store.AttendanceRules{OpensBefore: time.Hour, Grace: 10 * time.Minute, CloseAfter: 10 * time.Minute}
			if c.Attendance != want {
				t.Errorf("attendance %+v, want %+v", c.Attendance, want)
			}
		}},
		{"meeting rules", `{"meetings": {"frequencies": {"branch": {"theme_day": "off", "life_meeting": "quarterly"}, "committee": {"party_lecture": "yearly"}}, "minutes_due_days": 5}}`, nil, func(t *testing.T, c *config) {
			m := c.Meetings
			if m.Frequency("branch", "theme_day") != "" || m.Frequency("branch", "life_meeting") != store.FrequencyQuarterly ||
				m.Frequency("branch", "party_congress") != store.FrequencyQuarterly || m.Frequency("committee", "party_lecture") != store.FrequencyYearly ||
				m.Frequency("party_group", "group_meeting") != store.FrequencyMonthly || m.MinutesDueDays != 5 || len(m.FirstTopicRequired) != 1 {
				t.Errorf("meetings %+v", m)
			}
		}},
		{"meeting defaults", `{}`, nil, func(t *testing.T, c *config) {
			m := c.Meetings
			if m.Frequency("branch", "committee_meeting") != store.FrequencyMonthly || m.Frequency("branch", "life_meeting") != store.FrequencyYearly || m.MinutesDueDays != 3 {
				t.Errorf("meetings %+v", m)
			}
		}},
		{"bad meeting rules", `{"meetings": {"frequencies": {"branch": {"group_meeting": "monthly", "tea": "weekly", "theme_day": "weekly"}, "club": {}}, "minutes_due_days": 0, "first_topic_required": ["unit"]}}`,
			[]string{"meetings.frequencies.branch.group_meeting", "meetings.frequencies.branch.tea", "meetings.frequencies.branch.theme_day", "meetings.frequencies.club", "meetings.minutes_due_days", "meetings.first_topic_required"}, nil},
		{"meeting rules typo", `{"meetings": {"frequency": {}}}`, []string{"frequency"}, nil},
		{"holidays", `{"meetings": {"holidays": ["2026-10-01", "2026-10-02"], "workdays": ["2026-09-27"]}}`, nil, func(t *testing.T, c *config) {
			m := c.Meetings
			if len(m.Holidays) != 2 || len(m.Workdays) != 1 || m.MinutesDueDays != 3 || m.Frequency("branch", "committee_meeting") != store.FrequencyMonthly {
				t.Errorf("meetings %+v", m)
			}
		}},
		{"bad holidays", `{"meetings": {"holidays": ["2026-10-32", "2026-10-05"], "workdays": ["2026-09-28", "10/11", "2026-10-10"]}}`,
			[]string{`meetings.holidays: "2026-10-32"`, `meetings.workdays: 2026-09-28 is a Monday`, `meetings.workdays: "10/11"`}, nil},
		{"workday also a holiday", `{"meetings": {"holidays": ["2026-10-04"], "workdays": ["2026-10-04"]}}`, []string{"meetings.workdays: 2026-10-04 is also a holiday"}, nil},
		{"bad attendance rules", `{"attendance": {"grace": "soon", "close_after": "-5m"}}`, []string{"attendance.grace", "attendance.close_after"}, nil},
		{"reminder rules", `{"reminders": {"day_before_at": "17:30", "soon_before": "1h", "deadline_days": 5},
			"schedules": {"warnings_digest": "0 9 * * 5", "reminders": "*/5 * * * *"}}`, nil, func(t *testing.T, c *config) {
			want := store.ReminderRules{DayBeforeAt: 17*time.Hour + 30*time.Minute, SoonBefore: time.Hour, DeadlineDays: 5}
			if c.Reminders != want || c.Schedules.WarningsDigest != "0 9 * * 5" || c.Schedules.Reminders != "*/5 * * * *" {
				t.Errorf("reminders %+v, schedules %+v", c.Reminders, c.Schedules)
			}
		}},
		{"reminder defaults", `{}`, nil, func(t *testing.T, c *config) {
			if c.Reminders != store.DefaultReminderRules || c.Schedules.Reminders != "* * * * *" || c.Schedules.WarningsDigest != "0 8 * * 1" {
				t.Errorf("reminders %+v, schedules %+v", c.Reminders, c.Schedules)
			}
		}},
		{"bad reminder rules", `{"reminders": {"day_before_at": "25:00", "soon_before": "10s", "deadline_days": 90}}`,
			[]string{"reminders.day_before_at", "reminders.soon_before", "reminders.deadline_days"}, nil},
		{"not JSON", `{"schedules": `, []string{"not a valid config"}, nil},
		{"trailing", `{} {}`, []string{"trailing"}, nil},
		{"unknown key", `{"schedule": {}}`, []string{"schedule"}, nil},
		{"finding categories", `{"finding_categories": ["学习", "考勤"]}`, nil, func(t *testing.T, c *config) {
			if len(c.FindingCategories) != 2 || c.FindingCategories[1] != "考勤" {
				t.Errorf("finding_categories: %v", c.FindingCategories)
			}
		}},
		{"bad finding categories", `{"finding_categories": ["学习", "学习"]}`, []string{"finding_categories"}, nil},
		{"unknown schedule", `{"schedules": {"nightly": "0 1 * * *"}}`, []string{"nightly"}, nil},
		{"bad schedule", `{"schedules": {"backup": "0 25 * * *"}}`, []string{"schedules.backup"}, nil},
		{"bad policy", `{"policy": {"weights": {"participation": -1}}}`, []string{"weights.participation"}, nil},
		{"policy typo", `{"policy": {"weigths": {}}}`, []string{"weigths"}, nil},
		{"policy not an object", `{"policy": 3}`, []string{"policy"}, nil},
		{"bad keep", `{"backup": {"keep": -2}}`, []string{"backup.keep"}, nil},
		{"several problems at once", `{"policy": {"bands": {"pass": 90, "good": 80, "excellent": 95}}, "schedules": {"backup": "x"}, "snapshots": {"keep": 100000}}`,
			[]string{"bands", "schedules.backup", "snapshots.keep"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := defaultConfig()
			err := cfg.parse([]byte(c.json))
			if c.bad == nil {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if c.test != nil {
					c.test(t, cfg)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.bad {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing config file was accepted")
	}
}

func FuzzConfig(f *testing.F) {
	for _, s := range []string{`{}`, `{"policy": {"weights": {"participation": 1}}}`, `{"schedules": {"backup": "@daily"}}`,
		`{"backup": {"keep": 3}}`, `{"policy": null}`, `[]`, `{"schedules": {"close_sessions": "*/5 * * * *"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := defaultConfig()
		if cfg.parse(data) != nil {
			return
		}
		if err := cfg.Policy.Validate(); err != nil {
			t.Fatalf("accepted an invalid policy: %v", err)
		}
		if err := cfg.Schedules.Validate(); err != nil {
			t.Fatalf("accepted invalid schedules: %v", err)
		}
		if cfg.BackupKeep < 1 || cfg.SnapshotKeep < 1 {
			t.Fatalf("keep counts %d %d", cfg.BackupKeep, cfg.SnapshotKeep)
		}
	})
}

// TestServeRefusesABadConfig: the problems are reported at start, before
// anything listens.
func TestServeRefusesABadConfig(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.json")
	os.WriteFile(cfgPath, []byte(`{"schedules": {"quarterly_reports": "0 2 1 13 *"}}`), 0o600)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--config", cfgPath}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "schedules.quarterly_reports") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	code = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--font", cfgPath}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "--font") {
		t.Fatalf("bad font: exit %d, stderr %q", code, errb.String())
	}
}

func TestReportCommand(t *testing.T) {
	data := t.TempDir()
	s, err := store.Open(data, store.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(context.Background(), "system")
	g, _ := s.CreateGroup(ctx, store.GroupInput{Name: "第一支部"})
	for i, name := range []string{"张三", "王芳"} {
		if _, err := s.CreateMember(ctx, store.MemberInput{Name: name, Username: "u" + string(rune('a'+i)), Password: "password1", GroupID: g.ID, Role: store.RoleMember, JoinedOn: "2023-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2023, 8, 1, 9, 0, 0, 0, store.DefaultLocation())
	if _, err := s.CreateSession(ctx, store.SessionInput{GroupID: g.ID, Title: "集中学习", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"report", "--data", data, "--period", "2023Q3"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// not a terminal: plain progress lines, then the summary
	if !strings.Contains(out.String(), "progress: 4/4 files (100%)") || !strings.Contains(out.String(), "2 member PDFs, 1 group PDFs, 1 group XLSX") ||
		strings.Contains(out.String(), "\r") {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, f := range []string{"2023Q3/members/1.pdf", "2023Q3/members/2.pdf", "2023Q3/groups/1.pdf", "2023Q3/groups/1.xlsx"} {
		if _, err := os.Stat(filepath.Join(data, "reports", f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	other := t.TempDir()
	out.Reset()
	if code := run(context.Background(), []string{"report", "--data", data, "--period", "2023q3", "--group", "1", "--out", other}, &out, &errb); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(other, "2023Q3", "groups", "1.xlsx")); err != nil {
		t.Fatal("--out folder not used")
	}
	// the runs are recorded as jobs
	s, _ = store.Open(data, store.Options{})
	runs, _ := s.Jobs(store.JobFilter{Kind: schedule.KindReports})
	s.Close()
	if len(runs) != 2 || runs[0].Trigger != "cli" || runs[0].Status != store.JobSucceeded || runs[0].Total != 4 {
		t.Fatalf("runs = %+v", runs)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", "--data", data}, 2, "--period"},
		{[]string{"report", "--data", data, "--period", "2023Q9"}, 2, "period"},
		{[]string{"report", "--data", data, "--period", "2023Q3", "--group", "77"}, 1, "group"},
		{[]string{"report", "--data", data, "--period", "2023Q3", "extra"}, 2, "extra"},
	} {
		errb.Reset()
		if code := run(context.Background(), c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errb.String())
		}
	}
}

func TestProgressOutput(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b)
	for i := 0; i <= 200; i++ {
		p.update(i, 200)
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 11 || lines[10] != "progress: 200/200 files (100%)" {
		t.Fatalf("plain progress:\n%s", b.String())
	}
	b.Reset()
	p = &progress{w: &b, terminal: true, last: -1, start: time.Now()}
	p.update(5, 10)
	p.update(10, 10)
	p.finish()
	if !strings.Contains(b.String(), "\r[###############...............]  50% 5/10") || !strings.HasSuffix(b.String(), "\n") {
		t.Fatalf("bar: %q", b.String())
	}
}
