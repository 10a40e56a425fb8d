package schedule

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"studyroll/internal/testorg"
	"studyroll/store"
)

func TestSchedulesParse(t *testing.T) {
	cases := []struct {
		name string
		s    Schedules
		bad  []string // fields named in the error
	}{
		{"defaults", DefaultSchedules(), nil},
		{"empty means default", Schedules{}, nil},
		{"off and descriptors", Schedules{CloseSessions: "off", Backup: "@daily", RatesSnapshot: "OFF"}, nil},
		{"too few fields", Schedules{Backup: "0 3 * *"}, []string{"schedules.backup"}},
		{"minute out of range", Schedules{RatesSnapshot: "61 1 * * *"}, []string{"schedules.rates_snapshot"}},
		{"garbage", Schedules{QuarterlyReports: "at two"}, []string{"schedules.quarterly_reports"}},
		{"seconds field", Schedules{CloseSessions: "0 * * * * *"}, []string{"schedules.close_sessions"}},
		{"every ignores the zone", Schedules{CloseSessions: "@every 1m"}, []string{"schedules.close_sessions"}},
		{"time zone prefix", Schedules{Backup: "CRON_TZ=UTC 0 3 * * *"}, []string{"schedules.backup"}},
		{"never fires", Schedules{AnnualReports: "0 2 30 2 *"}, []string{"schedules.annual_reports"}},
		{"two bad", Schedules{Backup: "x", AnnualReports: "y"}, []string{"schedules.backup", "schedules.annual_reports"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.s.Validate()
			if len(c.bad) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, f := range c.bad {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
		})
	}
	if _, err := New(Config{Store: newFixture(t).s, Schedules: Schedules{Backup: "bad"}}); err == nil {
		t.Fatal("New accepted a bad schedule")
	}
}

// The default schedules fire in the server's time zone (Asia/Shanghai), not
// UTC: the quarterly reports at 02:00 on 1 Jan/Apr/Jul/Oct, the annual ones
// at 02:00 on 1 January.
func TestDefaultActivations(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	at := func(s string) time.Time {
		tt, _ := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		return tt
	}
	next := s.Next(at("2023-09-30 23:00"))
	want := map[string]time.Time{
		KindCloseSessions:    at("2023-09-30 23:01"),
		KindRatesSnapshot:    at("2023-10-01 01:30"),
		KindQuarterlyReports: at("2023-10-01 02:00"),
		KindAnnualReports:    at("2024-01-01 02:00"),
		KindBackup:           at("2023-10-01 03:00"),
		KindAuditVerify:      at("2023-10-01 03:30"),
	}
	for k, w := range want {
		if !next[k].Equal(w) {
			t.Errorf("%s next = %v, want %v", k, next[k], w)
		}
	}
	sch := s.specs[KindQuarterlyReports]
	for _, c := range []struct{ now, want string }{
		{"2023-10-03 10:00", "2023-10-01 02:00"},
		{"2023-10-01 01:59", "2023-07-01 02:00"},
		{"2023-10-01 02:00", "2023-10-01 02:00"},
		{"2024-03-31 23:59", "2024-01-01 02:00"},
	} {
		got, ok := prevActivation(sch, at(c.now))
		if !ok || !got.Equal(at(c.want)) {
			t.Errorf("prevActivation(%s) = %v, want %s", c.now, got, c.want)
		}
	}
	if p := previousQuarter(at("2023-10-01 02:00"), shanghai); p.String() != "2023Q3" {
		t.Errorf("previousQuarter = %s", p)
	}
	if p := previousQuarter(at("2024-01-01 02:00"), shanghai); p.String() != "2023Q4" {
		t.Errorf("previousQuarter(Jan) = %s", p)
	}
	if p := previousYear(at("2024-01-01 02:00"), shanghai); p.String() != "2023" {
		t.Errorf("previousYear = %s", p)
	}
}

func TestCloseSessionsRunIsRecorded(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{CloseRunsKept: 2})
	ctx := store.WithActor(context.Background(), "system")
	run, err := s.RunNow(ctx, KindCloseSessions, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	// s3 had no records: 赵六 becomes absent; all three sessions close.
	if run.Status != store.JobSucceeded || run.Done != 3 || !strings.Contains(run.Result, "closed 3 sessions") || run.EndedAt == nil {
		t.Fatalf("run = %+v", run)
	}
	for range 3 {
		f.clock.Advance(time.Minute)
		if _, err := s.RunNow(ctx, KindCloseSessions, "schedule"); err != nil {
			t.Fatal(err)
		}
	}
	runs, _ := s.Jobs(10)
	if len(runs) != 2 || runs[0].Result != "nothing to close" || !runs[0].StartedAt.After(runs[1].StartedAt) {
		t.Fatalf("runs (newest first, 2 kept) = %+v", runs)
	}
}

func TestPanickingJobIsRecordedAndTheNextRunWorks(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	ctx := store.WithActor(context.Background(), "system")
	calls := 0
	s.tasks[KindBackup] = func(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return "ok", nil
	}
	run, err := s.RunNow(ctx, KindBackup, "schedule")
	if err == nil || run == nil || run.Status != store.JobFailed || !strings.Contains(run.Error, "panic") {
		t.Fatalf("panicking run = %+v, %v", run, err)
	}
	run, err = s.RunNow(ctx, KindBackup, "schedule")
	if err != nil || run.Status != store.JobSucceeded {
		t.Fatalf("next run = %+v, %v", run, err)
	}
	// also through cron's entry point, as a scheduled activation
	calls = 0
	s.fire(KindBackup)
	runs, _ := s.cfg.Store.Jobs(store.JobFilter{Kind: KindBackup})
	if len(runs) != 3 || runs[0].Status != store.JobFailed {
		t.Fatalf("runs = %+v", runs)
	}
}

func TestJobsNeverOverlapThemselves(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	ctx := store.WithActor(context.Background(), "system")
	started, release := make(chan struct{}), make(chan struct{})
	s.tasks[KindRatesSnapshot] = func(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
		close(started)
		<-release
		return "slow", nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.RunNow(ctx, KindRatesSnapshot, "schedule")
		done <- err
	}()
	<-started
	if _, err := s.RunNow(ctx, KindRatesSnapshot, "schedule"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second run while the first goes: %v, want ErrBusy", err)
	}
	// another kind is not held up
	if _, err := s.RunNow(ctx, KindCloseSessions, "schedule"); err != nil {
		t.Fatalf("other kind: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.tasks[KindRatesSnapshot] = s.ratesSnapshot
	if _, err := s.RunNow(ctx, KindRatesSnapshot, "schedule"); err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
}

func TestCatchUp(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	ctx := store.WithActor(context.Background(), "system")
	// A fresh store has missed nothing.
	f.clock.Set(time.Date(2023, 10, 3, 10, 0, 0, 0, shanghai))
	if ran := s.CatchUp(ctx); len(ran) != 0 {
		t.Fatalf("fresh store caught up %v", ran)
	}
	// The server ran on 20 September (a backup then), and was down from
	// 30 September to 3 October: the Q3 reports (1 October 02:00) and the
	// backup (3 October 03:00) were missed; the annual reports (1 January
	// 2023) were due before the server ever ran.
	end := time.Date(2023, 9, 20, 3, 0, 5, 0, shanghai)
	due := time.Date(2023, 9, 20, 3, 0, 0, 0, shanghai)
	if _, err := f.s.RecordJob(ctx, store.JobRun{Kind: KindBackup, Trigger: "schedule", ScheduledFor: &due, StartedAt: due, EndedAt: &end, Status: store.JobSucceeded}, 0); err != nil {
		t.Fatal(err)
	}
	ran := s.CatchUp(ctx)
	sort.Strings(ran)
	if strings.Join(ran, ",") != "backup,quarterly_reports" {
		t.Fatalf("caught up %v", ran)
	}
	rep, _ := f.s.LastJob(KindQuarterlyReports, store.JobSucceeded)
	if rep == nil || rep.Trigger != "catch_up" || !rep.ScheduledFor.Equal(time.Date(2023, 10, 1, 2, 0, 0, 0, shanghai)) || rep.Done != 11 || rep.Total != 11 {
		t.Fatalf("reports run = %+v", rep)
	}
	if _, err := f.s.ReportFileOf("2023Q3", store.ReportMemberPDF, f.ids["张三"]); err != nil {
		t.Fatalf("no Q3 report: %v", err)
	}
	// Once is enough: a second start runs nothing.
	if ran := s.CatchUp(ctx); len(ran) != 0 {
		t.Fatalf("second catch-up ran %v", ran)
	}
}

func TestBackupKeepsTheNewest(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{BackupKeep: 2})
	ctx := store.WithActor(context.Background(), "system")
	for range 4 {
		f.clock.Advance(24 * time.Hour)
		if run, err := s.RunNow(ctx, KindBackup, "schedule"); err != nil || run.Status != store.JobSucceeded {
			t.Fatalf("backup: %+v %v", run, err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(f.dir, "backups"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "studyroll-20231004-020000.db" || names[1] != "studyroll-20231005-020000.db" {
		t.Fatalf("backups = %v", names)
	}
	// a backup is a store that opens
	cp := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(f.dir, "backups", names[1]))
	os.WriteFile(filepath.Join(cp, store.FileName), data, 0o600)
	bs, err := store.Open(cp, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if n, _ := bs.CountMembers(); n != 6 {
		t.Fatalf("backup holds %d members", n)
	}
}

func TestRatesSnapshot(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{SnapshotKeep: 1})
	ctx := store.WithActor(context.Background(), "system")
	if _, err := s.RunNow(ctx, KindRatesSnapshot, "schedule"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	run, err := s.RunNow(ctx, KindRatesSnapshot, "schedule")
	if err != nil || !strings.Contains(run.Result, "1 old removed") {
		t.Fatalf("snapshot = %+v, %v", run, err)
	}
	// at 2 October 01:30 the day that ended is 1 October: Q4 and 2023
	fh, err := os.Open(filepath.Join(f.dir, "snapshots", "rates-2023-10-01.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, _ := gzip.NewReader(fh)
	var snap struct {
		Day   string `json:"day"`
		Rates []struct {
			Period  string            `json:"period"`
			Members []json.RawMessage `json:"members"`
		} `json:"rates"`
	}
	if err := json.NewDecoder(zr).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	if snap.Day != "2023-10-01" || len(snap.Rates) != 2 || snap.Rates[0].Period != "2023Q4" || snap.Rates[1].Period != "2023" || len(snap.Rates[1].Members) != 5 {
		t.Fatalf("snapshot = %+v", snap)
	}
}

func TestStartReportsProgressAndInterrupt(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	hr, _ := f.s.MemberByUsername("hr")
	ctx := store.WithActor(context.Background(), hr.ID)
	id, err := s.StartReports(ctx, q3(t), "")
	if err != nil {
		t.Fatal(err)
	}
	s.wg.Wait()
	run, err := s.Job(id)
	if err != nil || run.Status != store.JobSucceeded || run.Done != 11 || run.Total != 11 || run.StartedBy != hr.ID || run.Period != "2023Q3" {
		t.Fatalf("run = %+v, %v", run, err)
	}
	// files are recorded as made by the hr account
	rec, _ := f.s.ReportFileOf("2023Q3", store.ReportGroupPDF, f.root)
	if rec.GeneratedBy != hr.ID || rec.JobID != id {
		t.Fatalf("record = %+v", rec)
	}
	// live progress overlays a running record
	running, _ := f.s.StartJob(ctx, store.JobRun{Kind: KindReports})
	lr := &liveRun{}
	lr.set(4, 10)
	s.live[running.ID] = lr
	got, _ := s.Job(running.ID)
	if got.Done != 4 || got.Total != 10 {
		t.Fatalf("live = %+v", got)
	}
	if _, err := s.StartReports(ctx, q3(t), "999"); !store.IsKind(err, store.KindInvalid) {
		t.Fatalf("unknown group: %v", err)
	}
	// a stopped scheduler refuses new runs
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartReports(ctx, q3(t), ""); !store.IsKind(err, store.KindUnavailable) {
		t.Fatalf("after stop: %v", err)
	}
}

func TestStartMarksInterruptedRunsAndClosesSessions(t *testing.T) {
	f := newFixture(t)
	ctx := store.WithActor(context.Background(), "system")
	// A run left "running" by a process that stopped on 30 September.
	f.clock.Set(time.Date(2023, 9, 30, 20, 0, 0, 0, shanghai))
	left, _ := f.s.StartJob(ctx, store.JobRun{Kind: KindReports, Period: "2023Q3"})
	f.clock.Set(time.Date(2023, 10, 1, 8, 0, 0, 0, shanghai))
	// Schedules that cron (on the wall clock) will not fire during the test.
	s := f.scheduler(Config{Schedules: Schedules{CloseSessions: "0 0 1 1 *", RatesSnapshot: "off", Backup: "off"}})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	// Start's own goroutine (close sessions, catch-up) ends on its own.
	s.wg.Wait()
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Job(left.ID)
	if got.Status != store.JobInterrupted {
		t.Fatalf("left-over run = %+v", got)
	}
	runs, _ := f.s.Jobs(store.JobFilter{Kind: KindCloseSessions})
	if len(runs) != 1 || runs[0].Trigger != "start" {
		t.Fatalf("close runs = %+v", runs)
	}
	// the reports of Q3 were missed (the server "ran" before 1 October)
	if r, _ := f.s.LastJob(KindQuarterlyReports, store.JobSucceeded); r == nil {
		t.Fatal("missed quarterly reports not caught up")
	}
}

// TestAuditVerifyJob: the daily check passes an intact chain and fails,
// naming the entry, once an audit entry was edited in the store file; the
// failure stands as the admin's audit_chain_broken warning until a later
// check passes.
func TestAuditVerifyJob(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	ctx := context.Background()
	ctx = store.WithActor(ctx, "system")
	run, err := s.RunNow(ctx, KindAuditVerify, "schedule")
	if err != nil || run.Status != store.JobSucceeded || !strings.Contains(run.Result, "intact") {
		t.Fatalf("intact chain: %+v %v", run, err)
	}
	if w, _ := f.s.AuditWarning(); w != nil {
		t.Fatalf("a warning before any failed check: %+v", w)
	}
	var orig []byte
	f.reopen(func(dir string) {
		testorg.EditAuditEntry(t, dir, 5, func(v []byte) []byte {
			orig = append([]byte(nil), v...)
			return bytes.Replace(v, []byte(`"actor_id":"`), []byte(`"actor_id":"9`), 1)
		})
	})
	s = f.scheduler(Config{})
	run, err = s.RunNow(ctx, KindAuditVerify, "schedule") // err: the run failed
	if run == nil || err == nil || run.Status != store.JobFailed || !strings.Contains(run.Error, "audit entry 5:") {
		t.Fatalf("edited chain: %+v %v", run, err)
	}
	// The failed check stands as the admin's warning (GET /warnings)...
	w, err := f.s.AuditWarning()
	if err != nil || w == nil || w.Kind != store.WarningAuditChain || w.Count != 5 || !strings.Contains(w.Detail, "audit entry 5:") {
		t.Fatalf("warning after a failed check: %+v %v", w, err)
	}
	// ...until a check passes again (here: the entry put back).
	f.reopen(func(dir string) {
		testorg.EditAuditEntry(t, dir, 5, func([]byte) []byte { return orig })
	})
	s = f.scheduler(Config{})
	if run, err = s.RunNow(ctx, KindAuditVerify, "schedule"); err != nil || run.Status != store.JobSucceeded {
		t.Fatalf("repaired chain: %+v %v", run, err)
	}
	if w, _ := f.s.AuditWarning(); w != nil {
		t.Errorf("warning still standing after a passing check: %+v", w)
	}
}

// TestReportJobsCap: however many periods and groups are asked for, at
// most maxReportJobs report runs run or wait at once; more are 429
// too_many_jobs.
func TestReportJobsCap(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	hr, _ := f.s.MemberByUsername("hr")
	ctx := store.WithActor(context.Background(), hr.ID)
	s.reportSlot <- struct{}{} // a generation is running: the others wait
	periods := []string{"2023Q1", "2023Q2", "2023Q3", "2022", "2022Q4"}
	for i, ps := range periods {
		p, _ := store.ParsePeriod(ps, f.s.Location())
		_, err := s.StartReports(ctx, p, "")
		if i < maxReportJobs && err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if i >= maxReportJobs {
			var e *store.Error
			if !errors.As(err, &e) || e.Code != "too_many_jobs" {
				t.Fatalf("run %d: %v, want too_many_jobs", i+1, err)
			}
		}
	}
	if err := s.Stop(context.Background()); err != nil { // the waiting runs give up
		t.Fatal(err)
	}
}

// TestEraseClosedJob: the daily erasure job (04:00 by default) erases an
// account closed longer than the retention, at the injected clock, and
// says which pseudonyms it gave.
func TestEraseClosedJob(t *testing.T) {
	f := newFixture(t)
	s := f.scheduler(Config{})
	day := time.Date(2028, 9, 1, 3, 0, 0, 0, shanghai)
	if next := s.Next(day)[KindEraseClosed]; !next.Equal(day.Add(time.Hour)) {
		t.Errorf("next erasure %v, want 04:00", next)
	}
	var id string
	for _, v := range f.ids {
		if m, err := f.s.Member(v); err == nil && m.Role == store.RoleMember {
			id = v
			break
		}
	}
	left := "2023-09-01"
	if _, err := f.s.UpdateMember(store.WithActor(context.Background(), f.admin.ID), id, store.MemberPatch{LeftOn: &left}); err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(context.Background(), "system")
	f.clock.Set(time.Date(2028, 8, 31, 4, 0, 0, 0, shanghai))
	run, err := s.RunNow(ctx, KindEraseClosed, "schedule")
	if err != nil || run.Status != store.JobSucceeded || !strings.Contains(run.Result, "no closed account") {
		t.Fatalf("before the retention: %+v %v", run, err)
	}
	f.clock.Set(time.Date(2028, 9, 1, 4, 0, 0, 0, shanghai))
	run, err = s.RunNow(ctx, KindEraseClosed, "schedule")
	if err != nil || run.Status != store.JobSucceeded || !strings.Contains(run.Result, store.Pseudonym(id)) {
		t.Fatalf("after the retention: %+v %v", run, err)
	}
	if m, _ := f.s.Member(id); m.Name != store.Pseudonym(id) {
		t.Errorf("member %+v", m)
	}
}
