// Package schedule runs studyroll's background jobs on robfig/cron in the
// server's time zone — closing ended sessions, the nightly rates snapshot,
// the quarterly and annual appraisal reports, the nightly backup — and
// generates the report files (PDF and XLSX, drawn by package forms).
//
// Every run is recorded in the store (store.JobRun) and listed by GET
// /jobs. A job never overlaps itself, a panic inside a job fails that run
// and nothing else, and a run of the reports or the backup missed while the
// server was down runs once when it starts again.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"studyroll/store"
)

// Config is what the scheduler needs; cmd/studyroll fills it from flags
// and the config file.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// DataDir holds backups/ and snapshots/.
	DataDir string
	// ReportDir holds the generated reports; default DataDir/reports.
	ReportDir string
	// Font is a TrueType font for the PDFs; nil means the embedded one.
	Font      []byte
	Schedules Schedules
	// BackupKeep is how many nightly backups are kept (default 7).
	BackupKeep int
	// SnapshotKeep is how many nightly rates snapshots are kept (default 92).
	SnapshotKeep int
	// CloseRunsKept is how many runs of the every-minute session closer the
	// jobs bucket keeps (default 1440, one day).
	CloseRunsKept int
	// Workers build member PDFs concurrently; default GOMAXPROCS.
	Workers int
	// OneOff says the process exists for one report run (studyroll
	// report): the run trades the store's caches and mapped pages for
	// memory (Generator.OneOff).
	OneOff bool
	// Rectifications lists the open rectification findings with their
	// deadlines, for the deadline reminders; nil sends none. The
	// inspections feature provides it (see docs/REMINDERS.md).
	Rectifications func() ([]store.Rectification, error)
	// Now is the clock of the jobs; default Store.Now. Cron itself fires on
	// the wall clock; tests call RunNow and CatchUp with a manual clock.
	Now func() time.Time
}

// Scheduler runs the jobs. It implements the handlers' Jobs interface.
type Scheduler struct {
	cfg   Config
	log   *slog.Logger
	gen   *Generator
	specs map[string]cron.Schedule
	cron  *cron.Cron
	// tasks are the scheduled jobs by kind; tests replace entries.
	tasks map[string]taskFunc

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// reportSlot lets one report generation run at a time: each uses every
	// core already.
	reportSlot chan struct{}

	mu      sync.Mutex
	busy    map[string]string // guard key → job id of the run holding it
	live    map[string]*liveRun
	stopped bool
}

// taskFunc is one scheduled job: at is the activation it stands for.
type taskFunc func(ctx context.Context, at time.Time, lr *liveRun) (result string, err error)

// liveRun is the progress of a running job, kept in memory: the store
// holds a run's done/total once it ends.
type liveRun struct{ done, total atomic.Int64 }

func (l *liveRun) set(done, total int) {
	l.done.Store(int64(done))
	l.total.Store(int64(total))
}

// ErrBusy is returned when a job is asked to run while a run of it is still
// going: jobs never overlap themselves.
var ErrBusy = errors.New("a run of this job is still going")

// quickKinds are written once, when they end; the others when they start
// too, so GET /jobs shows them running.
var quickKinds = map[string]bool{KindCloseSessions: true, KindRatesSnapshot: true, KindReminders: true}

// catchUpKinds run once at start when their last activation was missed.
var catchUpKinds = []string{KindQuarterlyReports, KindAnnualReports, KindBackup}

// New checks the configuration (every schedule spec) and builds a
// scheduler; Start starts it.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("schedule: no store")
	}
	specs, err := cfg.Schedules.Parse()
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = filepath.Join(cfg.DataDir, "reports")
	}
	if cfg.BackupKeep <= 0 {
		cfg.BackupKeep = 7
	}
	if cfg.SnapshotKeep <= 0 {
		cfg.SnapshotKeep = 92
	}
	if cfg.CloseRunsKept <= 0 {
		cfg.CloseRunsKept = 1440
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	s := &Scheduler{
		cfg:        cfg,
		log:        cfg.Logger,
		specs:      specs,
		gen:        &Generator{Store: cfg.Store, Dir: cfg.ReportDir, Font: cfg.Font, Workers: cfg.Workers, Now: cfg.Now, OneOff: cfg.OneOff},
		reportSlot: make(chan struct{}, 1),
		busy:       map[string]string{},
		live:       map[string]*liveRun{},
	}
	s.ctx, s.cancel = context.WithCancel(store.WithActor(context.Background(), "system"))
	s.tasks = map[string]taskFunc{
		KindCloseSessions:    s.closeSessions,
		KindRatesSnapshot:    s.ratesSnapshot,
		KindQuarterlyReports: s.quarterlyReports,
		KindAnnualReports:    s.annualReports,
		KindBackup:           s.backup,
		KindAuditVerify:      s.auditVerify,
		KindReminders:        s.reminders,
		KindWarningsDigest:   s.warningsDigest,
		KindEraseClosed:      s.eraseClosed,
	}
	return s, nil
}

// Generator is the report generator the scheduler uses.
func (s *Scheduler) Generator() *Generator { return s.gen }

func (s *Scheduler) now() time.Time { return s.cfg.Now().In(s.cfg.Store.Location()) }

// Start marks runs left running by a previous process as interrupted,
// starts cron in the server's time zone, closes due sessions and runs the
// missed jobs (in the background).
func (s *Scheduler) Start() error {
	if n, err := s.cfg.Store.InterruptJobs(s.ctx); err != nil {
		return fmt.Errorf("schedule: %w", err)
	} else if n > 0 {
		s.log.Warn("jobs interrupted by the previous shutdown", "runs", n)
	}
	// fire recovers the jobs' panics itself; cron.Recover is the last line
	// for a panic in the bookkeeping around them.
	s.cron = cron.New(cron.WithLocation(s.cfg.Store.Location()), cron.WithParser(specParser),
		cron.WithChain(cron.Recover(cronLogger{s.log})))
	for _, kind := range sortedKinds(s.specs) {
		kind := kind
		s.cron.Schedule(s.specs[kind], cron.FuncJob(func() { s.fire(kind) }))
	}
	s.cron.Start()
	if !s.track() {
		return nil
	}
	go func() {
		defer s.wg.Done()
		if _, ok := s.specs[KindCloseSessions]; ok {
			s.logRun(s.RunNow(s.ctx, KindCloseSessions, "start"))
		}
		s.CatchUp(s.ctx)
	}()
	return nil
}

func sortedKinds(m map[string]cron.Schedule) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Next lists the next activation of each enabled job after t, in the
// server's time zone.
func (s *Scheduler) Next(t time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for k, sch := range s.specs {
		out[k] = sch.Next(t.In(s.cfg.Store.Location()))
	}
	return out
}

// Stop stops cron, cancels running jobs (a report run ends as
// interrupted) and waits for them until ctx is done.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	if s.cron != nil {
		s.cron.Stop()
	}
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("schedule: jobs still running at shutdown: %w", ctx.Err())
	}
}

// Wait waits for the runs going in the background (reports started by
// StartReports, the start-up run) to end; cron keeps firing.
func (s *Scheduler) Wait() { s.wg.Wait() }

// track counts a background goroutine unless the scheduler stopped.
func (s *Scheduler) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.wg.Add(1)
	return true
}

// fire is what cron calls at an activation.
func (s *Scheduler) fire(kind string) {
	if !s.track() {
		return
	}
	defer s.wg.Done()
	s.logRun(s.run(s.ctx, kind, "schedule", s.activation(kind)))
}

func (s *Scheduler) logRun(run *store.JobRun, err error) {
	switch {
	case errors.Is(err, ErrBusy):
		// logged where detected
	case err != nil:
		s.log.Error("job", "err", err)
	}
}

// activation is the latest activation of kind's schedule at or before now
// (now itself when the job is not scheduled).
func (s *Scheduler) activation(kind string) time.Time {
	now := s.now()
	if sch, ok := s.specs[kind]; ok {
		if at, ok := prevActivation(sch, now); ok {
			return at
		}
	}
	return now
}

// RunNow runs a scheduled job now, in the calling goroutine, as if its
// latest activation had fired; trigger says why ("schedule", "catch_up",
// "start", "manual"). It returns ErrBusy when a run of the job is going.
func (s *Scheduler) RunNow(ctx context.Context, kind, trigger string) (*store.JobRun, error) {
	return s.run(ctx, kind, trigger, s.activation(kind))
}

func (s *Scheduler) run(ctx context.Context, kind, trigger string, at time.Time) (*store.JobRun, error) {
	fn, ok := s.tasks[kind]
	if !ok {
		return nil, fmt.Errorf("schedule: unknown job %q", kind)
	}
	if !s.acquire(kind, "") {
		s.log.Warn("job skipped: the previous run is still going", "kind", kind)
		return nil, ErrBusy
	}
	spec := jobSpec{kind: kind, key: kind, trigger: trigger, at: &at, quick: quickKinds[kind],
		fn: func(ctx context.Context, lr *liveRun) (string, error) { return fn(ctx, at, lr) }}
	switch kind {
	case KindQuarterlyReports:
		spec.period = previousQuarter(at, s.cfg.Store.Location()).String()
	case KindAnnualReports:
		spec.period = previousYear(at, s.cfg.Store.Location()).String()
	}
	var run *store.JobRun
	if !spec.quick {
		var err error
		if run, err = s.cfg.Store.StartJob(ctx, store.JobRun{Kind: kind, Trigger: trigger, ScheduledFor: &at}); err != nil {
			s.release(kind)
			return nil, err
		}
		s.hold(kind, run.ID)
	}
	return s.execute(ctx, spec, run)
}

// jobSpec describes one run to execute.
type jobSpec struct {
	kind, key, trigger string
	at                 *time.Time
	period, group      string
	quick              bool
	// quiet: no reports-ready event (RunReports).
	quiet bool
	fn    func(ctx context.Context, lr *liveRun) (string, error)
}

// acquire takes the guard key; false when a run holds it.
func (s *Scheduler) acquire(key, jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.busy[key]; ok {
		return false
	}
	s.busy[key] = jobID
	return true
}

func (s *Scheduler) hold(key, jobID string) {
	s.mu.Lock()
	s.busy[key] = jobID
	s.mu.Unlock()
}

func (s *Scheduler) release(key string) {
	s.mu.Lock()
	delete(s.busy, key)
	s.mu.Unlock()
}

// execute runs spec (whose guard is held, and whose run record exists
// unless it is quick), records the outcome and releases the guard. A panic
// fails the run, is logged with its stack, and goes no further.
func (s *Scheduler) execute(ctx context.Context, spec jobSpec, run *store.JobRun) (*store.JobRun, error) {
	defer s.release(spec.key)
	lr := &liveRun{}
	if run != nil {
		s.mu.Lock()
		s.live[run.ID] = lr
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.live, run.ID)
			s.mu.Unlock()
		}()
	}
	start := s.cfg.Now()
	result, err := s.protect(ctx, spec, lr)
	out := store.JobOutcome{Status: store.JobSucceeded, Done: int(lr.done.Load()), Total: int(lr.total.Load()), Result: result}
	if err != nil {
		out.Status, out.Error = store.JobFailed, err.Error()
		if ctx.Err() != nil {
			out.Status = store.JobInterrupted
		}
		s.log.Error("job failed", "kind", spec.kind, "trigger", spec.trigger, "err", err)
	} else {
		s.log.Info("job done", "kind", spec.kind, "trigger", spec.trigger, "result", result)
	}
	// The record is written even when ctx was cancelled (shutdown).
	wctx := context.WithoutCancel(ctx)
	var rec *store.JobRun
	var rerr error
	if spec.quick {
		end := s.cfg.Now()
		rec, rerr = s.cfg.Store.RecordJob(wctx, store.JobRun{Kind: spec.kind, Trigger: spec.trigger, Period: spec.period,
			GroupID: spec.group, ScheduledFor: spec.at, StartedAt: start.UTC(), EndedAt: &end, Status: out.Status,
			Done: out.Done, Total: out.Total, Result: out.Result, Error: out.Error}, s.keep(spec.kind))
	} else {
		if out.Status == store.JobSucceeded && !spec.quiet {
			if p := reportPeriod(spec); p != "" {
				out.Events = []store.Event{s.cfg.Store.ReportsReadyEvent(run.ID, p, spec.group, result)}
			}
		}
		rec, rerr = s.cfg.Store.FinishJob(wctx, run.ID, out)
	}
	if rerr != nil {
		s.log.Error("job: recording the run failed", "kind", spec.kind, "err", rerr)
		if err == nil {
			err = rerr
		}
	}
	return rec, err
}

func (s *Scheduler) keep(kind string) int {
	if kind == KindCloseSessions || kind == KindReminders {
		return s.cfg.CloseRunsKept
	}
	return 0
}

// protect runs spec.fn, turning a panic into an error.
func (s *Scheduler) protect(ctx context.Context, spec jobSpec, lr *liveRun) (result string, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("job panicked", "kind", spec.kind, "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return spec.fn(ctx, lr)
}

// CatchUp runs, once, each catch-up job (the quarterly and annual
// reports, the backup) whose latest activation has no successful run
// since: the server was down when it was due. A fresh store (no job ever
// recorded before that activation) has missed nothing. It returns the
// kinds it ran.
func (s *Scheduler) CatchUp(ctx context.Context) []string {
	first, any, err := s.cfg.Store.FirstJobAt()
	if err != nil {
		s.log.Error("catch-up", "err", err)
		return nil
	}
	var ran []string
	for _, kind := range catchUpKinds {
		sch, ok := s.specs[kind]
		if !ok {
			continue
		}
		prev, ok := prevActivation(sch, s.now())
		if !ok {
			continue
		}
		last, err := s.cfg.Store.LastJob(kind, store.JobSucceeded)
		if err != nil {
			s.log.Error("catch-up", "kind", kind, "err", err)
			continue
		}
		if last == nil {
			if !any || !first.Before(prev) {
				continue // the server was not running yet at that activation
			}
		} else {
			lastAt := last.StartedAt
			if last.ScheduledFor != nil {
				lastAt = *last.ScheduledFor
			}
			if !lastAt.Before(prev) {
				continue
			}
		}
		if ctx.Err() != nil {
			break
		}
		s.log.Info("running a missed job", "kind", kind, "due", prev)
		if _, err := s.run(ctx, kind, "catch_up", prev); err == nil || !errors.Is(err, ErrBusy) {
			ran = append(ran, kind)
		}
	}
	return ran
}

// cronLogger lets cron log through slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
