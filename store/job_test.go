package store

import (
	"strings"
	"testing"
	"time"
)

func TestJobLifecycle(t *testing.T) {
	s, clock := mustOpen(t)
	ctx := WithActor(t.Context(), "system")
	at := testStart.Add(-time.Hour)
	run, err := s.StartJob(ctx, JobRun{Kind: "reports", Trigger: "api", Period: "2023Q2", ScheduledFor: &at})
	if err != nil {
		t.Fatal(err)
	}
	if run.ID == "" || run.Status != JobRunning || run.EndedAt != nil || !run.StartedAt.Equal(testStart) {
		t.Fatalf("started run = %+v", run)
	}
	clock.Advance(time.Minute)
	done, err := s.FinishJob(ctx, run.ID, JobOutcome{Status: JobSucceeded, Done: 3, Total: 3, Result: "3 files"})
	if err != nil {
		t.Fatal(err)
	}
	if done.EndedAt == nil || !done.EndedAt.Equal(testStart.Add(time.Minute)) || done.Done != 3 || done.Result != "3 files" {
		t.Fatalf("finished run = %+v", done)
	}
	if _, err := s.FinishJob(ctx, run.ID, JobOutcome{Status: JobFailed}); !IsKind(err, KindConflict) {
		t.Fatalf("second finish: %v, want conflict", err)
	}
	if _, err := s.FinishJob(ctx, "999", JobOutcome{Status: JobFailed}); !IsKind(err, KindNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	got, err := s.Job(run.ID)
	if err != nil || got.Status != JobSucceeded {
		t.Fatalf("Job = %+v, %v", got, err)
	}
	last, err := s.LastJob("reports", JobSucceeded)
	if err != nil || last == nil || last.ID != run.ID || last.ScheduledFor == nil || !last.ScheduledFor.Equal(at) {
		t.Fatalf("LastJob = %+v, %v", last, err)
	}
	if l, _ := s.LastJob("backup", JobSucceeded); l != nil {
		t.Fatalf("LastJob(backup) = %+v", l)
	}
	// both writes are in the audit log
	es, _ := s.Audit(AuditFilter{Entity: "job", EntityID: run.ID})
	if len(es) != 2 || es[0].Action != "finish" || es[1].Action != "start" {
		t.Fatalf("audit = %+v", es)
	}
}

func TestJobValidation(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := WithActor(t.Context(), "system")
	for _, in := range []JobRun{{Kind: ""}, {Kind: "reports", Period: "2023Q5"}, {Kind: strings.Repeat("k", 65)}} {
		if _, err := s.StartJob(ctx, in); !IsKind(err, KindInvalid) {
			t.Errorf("StartJob(%+v) = %v, want invalid", in, err)
		}
	}
	end := testStart
	if _, err := s.RecordJob(ctx, JobRun{Kind: "x", StartedAt: testStart.Add(time.Second), EndedAt: &end, Status: JobSucceeded}, 0); !IsKind(err, KindInvalid) {
		t.Errorf("RecordJob ending before start: %v", err)
	}
	if _, err := s.RecordJob(ctx, JobRun{Kind: "x", StartedAt: testStart, EndedAt: &end, Status: JobRunning}, 0); !IsKind(err, KindInvalid) {
		t.Errorf("RecordJob running: %v", err)
	}
	rs, _ := s.Jobs(JobFilter{})
	if len(rs) != 0 {
		t.Fatalf("rejected runs were stored: %+v", rs)
	}
}

func TestRecordJobPrunesOldRunsOfItsKind(t *testing.T) {
	s, clock := mustOpen(t)
	ctx := WithActor(t.Context(), "system")
	other, _ := s.StartJob(ctx, JobRun{Kind: "backup"})
	for i := 0; i < 7; i++ {
		start := clock.Now()
		end := start.Add(time.Second)
		if _, err := s.RecordJob(ctx, JobRun{Kind: "close_sessions", Trigger: "schedule", StartedAt: start, EndedAt: &end, Status: JobSucceeded, Result: "nothing to close"}, 3); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	rs, _ := s.Jobs(JobFilter{Kind: "close_sessions"})
	if len(rs) != 3 {
		t.Fatalf("kept %d close runs, want 3", len(rs))
	}
	if !rs[0].StartedAt.After(rs[1].StartedAt) {
		t.Fatalf("not newest first: %+v", rs)
	}
	if _, err := s.Job(other.ID); err != nil {
		t.Fatalf("a run of another kind was pruned: %v", err)
	}
	at, ok, err := s.FirstJobAt()
	if err != nil || !ok || !at.Equal(testStart) {
		t.Fatalf("FirstJobAt = %v %v %v", at, ok, err)
	}
	if n, err := s.VerifyAudit(); err != nil || n == 0 {
		t.Fatalf("audit chain: %d %v", n, err)
	}
}

func TestInterruptJobs(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := WithActor(t.Context(), "system")
	a, _ := s.StartJob(ctx, JobRun{Kind: "reports"})
	b, _ := s.StartJob(ctx, JobRun{Kind: "backup"})
	s.FinishJob(ctx, b.ID, JobOutcome{Status: JobSucceeded})
	n, err := s.InterruptJobs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("InterruptJobs = %d, %v", n, err)
	}
	got, _ := s.Job(a.ID)
	if got.Status != JobInterrupted || got.EndedAt == nil || got.Error == "" {
		t.Fatalf("interrupted run = %+v", got)
	}
	if n, _ := s.InterruptJobs(ctx); n != 0 {
		t.Fatalf("second InterruptJobs = %d", n)
	}
}
