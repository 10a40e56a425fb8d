package schedule

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"studyroll/store"
)

// closeSessions closes the sessions that ended (store.CloseSessions).
func (s *Scheduler) closeSessions(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	closed, marked, err := s.cfg.Store.CloseSessions(s.cfg.Now())
	lr.set(closed, closed)
	if closed == 0 && err == nil {
		return "nothing to close", nil
	}
	return fmt.Sprintf("closed %d sessions, %d members marked absent", closed, marked), err
}

// auditVerify checks the whole audit chain with its key. A broken chain
// fails the run — the admin warning: GET /jobs shows the failed run with
// the first bad entry, and the server logs it at error level.
func (s *Scheduler) auditVerify(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	r := s.cfg.Store.CheckAudit()
	lr.set(1, 1)
	// A failed check stands as the admin's audit_chain_broken warning
	// (GET /warnings) until a later check passes.
	if err := s.cfg.Store.RecordAuditCheck(store.WithActor(ctx, "system"), r); err != nil {
		return "", err
	}
	if !r.OK {
		s.log.Error("AUDIT CHAIN BROKEN: the store file was changed outside studyroll", "problem", r.Problem, "good_entries", r.Entries)
		return "", fmt.Errorf("audit chain broken after %d good entries: %s", r.Entries, r.Problem)
	}
	return fmt.Sprintf("audit chain intact: %d entries, head %s", r.Entries, r.Head), nil
}

// eraseClosed erases the personal fields of the accounts closed longer
// than the retention (store.EraseClosedAccounts; each one audited).
func (s *Scheduler) eraseClosed(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	done, err := s.cfg.Store.EraseClosedAccounts(store.WithActor(ctx, "system"))
	lr.set(1, 1)
	if err != nil {
		return "", err
	}
	if len(done) == 0 {
		return "no closed account is past the retention", nil
	}
	names := make([]string, len(done))
	for i, e := range done {
		names[i] = e.Pseudonym
	}
	return fmt.Sprintf("%d closed accounts erased: %s", len(done), strings.Join(names, ", ")), nil
}

// reminders queues the session reminders due now and, when the
// inspections feature hands over its findings, the rectification ones.
func (s *Scheduler) reminders(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	now := s.cfg.Now()
	n, err := s.cfg.Store.QueueSessionReminders(now)
	if err != nil {
		return "", err
	}
	if s.cfg.Rectifications != nil {
		fs, err := s.cfg.Rectifications()
		if err != nil {
			return "", err
		}
		k, err := s.cfg.Store.QueueRectificationReminders(now, fs)
		if err != nil {
			return "", err
		}
		n += k
	}
	lr.set(n, n)
	if n == 0 {
		return "no reminders due", nil
	}
	return fmt.Sprintf("queued %d reminders", n), nil
}

// warningsDigest queues the week's warnings digest for each group with a
// robot that takes it.
func (s *Scheduler) warningsDigest(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	n, err := s.cfg.Store.QueueWarningsDigest(s.cfg.Now())
	lr.set(n, n)
	return fmt.Sprintf("queued %d digests", n), err
}

// reportPeriod is the period a report run covers, "" for other jobs.
func reportPeriod(spec jobSpec) string {
	switch spec.kind {
	case KindReports, KindQuarterlyReports, KindAnnualReports:
		return spec.period
	}
	return ""
}

// previousQuarter is the quarter before the one holding at.
func previousQuarter(at time.Time, loc *time.Location) store.Period {
	q := store.PeriodOf(at, loc)
	return store.PeriodOf(q.Start.AddDate(0, 0, -1), loc)
}

// previousYear is the year before the one holding at.
func previousYear(at time.Time, loc *time.Location) store.Period {
	p, _ := store.ParsePeriod(strconv.Itoa(at.In(loc).Year()-1), loc)
	return p
}

func (s *Scheduler) quarterlyReports(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	return s.generate(ctx, previousQuarter(at, s.cfg.Store.Location()), "", "", lr.set)
}

func (s *Scheduler) annualReports(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	return s.generate(ctx, previousYear(at, s.cfg.Store.Location()), "", "", lr.set)
}

// generate waits for the report slot (one generation at a time) and runs
// the generator, reporting progress to progress.
func (s *Scheduler) generate(ctx context.Context, p store.Period, groupID, jobID string, progress func(done, total int)) (string, error) {
	select {
	case s.reportSlot <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.reportSlot }()
	res, err := s.gen.Generate(ctx, p, groupID, jobID, progress)
	return res.String(), err
}

// maxReportJobs bounds the report runs running or waiting at once.
const maxReportJobs = 4

// StartReports starts generating the reports of period p for groupID's
// subtree ("" for everyone) in the background and returns the job id at
// once; GET /jobs/{id} follows its progress. While a run for the same
// period and group is going, its id is returned instead of a new run.
// The run acts as the ctx actor. At most maxReportJobs report runs may be
// running or waiting at once (429 too_many_jobs).
func (s *Scheduler) StartReports(ctx context.Context, p store.Period, groupID string) (string, error) {
	actor := store.WithActor(s.ctx, store.ActorFrom(ctx))
	spec, run, err := s.beginReports(actor, p, groupID, "api", nil)
	if err != nil || spec == nil {
		return run.ID, err
	}
	go func() {
		defer s.wg.Done()
		s.logRun(s.execute(actor, *spec, run))
	}()
	return run.ID, nil
}

// RunReports generates the reports of period p for groupID's subtree now,
// in the calling goroutine, as the ctx actor: the run StartReports starts,
// recorded with trigger ("cli" for `studyroll report`), its progress also
// given to progress (nil for none). It returns the run as recorded, and
// ErrBusy while a run for the same period and group is going. Unlike the
// server's runs it tells no robot: the command runs while the server is
// stopped, its operator at the console.
func (s *Scheduler) RunReports(ctx context.Context, p store.Period, groupID, trigger string, progress func(done, total int)) (*store.JobRun, error) {
	spec, run, err := s.beginReports(ctx, p, groupID, trigger, progress)
	if err != nil {
		return nil, err
	}
	if spec == nil {
		return nil, ErrBusy
	}
	defer s.wg.Done()
	spec.quiet = true
	return s.execute(ctx, *spec, run)
}

// beginReports starts a report run of p for groupID: it checks the group,
// takes the run's guard (at most maxReportJobs report runs at once) and
// records the start as the actor of actx. Its spec is then for execute,
// and s.wg counts it until the caller is done with it. A nil spec means a
// run for the same period and group is going: run holds its id.
func (s *Scheduler) beginReports(actx context.Context, p store.Period, groupID, trigger string, progress func(done, total int)) (*jobSpec, *store.JobRun, error) {
	none := &store.JobRun{}
	if groupID != "" {
		if _, err := s.cfg.Store.Group(groupID); err != nil {
			if store.IsKind(err, store.KindNotFound) {
				return nil, none, store.Invalid(map[string]string{"group_id": "no such group"})
			}
			return nil, none, err
		}
	}
	key := KindReports + ":" + p.String() + ":" + groupID
	s.mu.Lock()
	if id, ok := s.busy[key]; ok {
		s.mu.Unlock()
		if id == "" {
			return nil, none, store.Conflict("reports_starting", "a run for %s is starting; retry in a moment", p)
		}
		return nil, &store.JobRun{ID: id}, nil
	}
	if s.stopped {
		s.mu.Unlock()
		return nil, none, store.Errorf(store.KindUnavailable, "shutting_down", "the server is shutting down")
	}
	// One generation runs at a time (reportSlot); at most maxReportJobs
	// report runs may be running or waiting for it, whatever their periods
	// and groups.
	queued := 0
	for k := range s.busy {
		if strings.HasPrefix(k, KindReports+":") {
			queued++
		}
	}
	if queued >= maxReportJobs {
		s.mu.Unlock()
		return nil, none, store.Errorf(store.KindTooMany, "too_many_jobs", "%d report runs are already running or waiting: retry when one has finished", queued)
	}
	s.busy[key] = ""
	s.wg.Add(1)
	s.mu.Unlock()
	run, err := s.cfg.Store.StartJob(actx, store.JobRun{Kind: KindReports, Trigger: trigger, Period: p.String(), GroupID: groupID})
	if err != nil {
		s.release(key)
		s.wg.Done()
		return nil, none, err
	}
	s.hold(key, run.ID)
	spec := &jobSpec{kind: KindReports, key: key, trigger: trigger, period: p.String(), group: groupID,
		fn: func(ctx context.Context, lr *liveRun) (string, error) {
			report := lr.set
			if progress != nil {
				report = func(done, total int) {
					lr.set(done, total)
					progress(done, total)
				}
			}
			return s.generate(ctx, p, groupID, run.ID, report)
		}}
	return spec, run, nil
}

// Job returns a run with its live progress while it runs.
func (s *Scheduler) Job(id string) (*store.JobRun, error) {
	r, err := s.cfg.Store.Job(id)
	if err != nil {
		return nil, err
	}
	s.overlay(r)
	return r, nil
}

// Jobs lists the newest runs first, with live progress.
func (s *Scheduler) Jobs(limit int) ([]store.JobRun, error) {
	rs, err := s.cfg.Store.Jobs(store.JobFilter{Limit: limit})
	for i := range rs {
		s.overlay(&rs[i])
	}
	return rs, err
}

func (s *Scheduler) overlay(r *store.JobRun) {
	if r.Status != store.JobRunning {
		return
	}
	s.mu.Lock()
	lr := s.live[r.ID]
	s.mu.Unlock()
	if lr != nil {
		r.Done, r.Total = int(lr.done.Load()), int(lr.total.Load())
	}
}

// ReportFile returns the path of an up-to-date report file, made again when
// missing on disk (see Generator.File).
func (s *Scheduler) ReportFile(ctx context.Context, p store.Period, kind, subjectID string) (string, error) {
	path, _, err := s.gen.File(ctx, p, kind, subjectID)
	return path, err
}

// Snapshots are gzipped JSON files DATA/snapshots/rates-YYYY-MM-DD.json.gz.
var snapshotRe = regexp.MustCompile(`^rates-\d{4}-\d{2}-\d{2}\.json\.gz$`)

// RatesSnapshot is the content of a nightly snapshot: the organisation's
// rates (every member's row) for the quarter and the year holding Day.
type RatesSnapshot struct {
	Day     string               `json:"day"` // the day that ended
	TakenAt time.Time            `json:"taken_at"`
	Rates   []*store.RatesReport `json:"rates"`
}

// ratesSnapshot writes the rates of the day that just ended: its quarter
// and its year, for the whole organisation.
func (s *Scheduler) ratesSnapshot(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	loc := s.cfg.Store.Location()
	day := at.In(loc).AddDate(0, 0, -1)
	q := store.PeriodOf(day, loc)
	y, _ := store.ParsePeriod(strconv.Itoa(q.Year), loc)
	pol := s.cfg.Store.Policy()
	snap := RatesSnapshot{Day: day.Format(store.DateLayout), TakenAt: s.cfg.Now().UTC()}
	for _, p := range []store.Period{q, y} {
		r, err := s.cfg.Store.Rates(p, "", pol)
		if err != nil {
			return "", err
		}
		snap.Rates = append(snap.Rates, r)
	}
	dir := filepath.Join(s.cfg.DataDir, "snapshots")
	name := "rates-" + snap.Day + ".json.gz"
	err := writeAtomic(dir, name, func(f *os.File) error {
		zw := gzip.NewWriter(f)
		if err := json.NewEncoder(zw).Encode(&snap); err != nil {
			return err
		}
		return zw.Close()
	})
	if err != nil {
		return "", err
	}
	removed, err := prune(dir, snapshotRe, s.cfg.SnapshotKeep)
	lr.set(1, 1)
	return fmt.Sprintf("rates of %s and %s for %d members → snapshots/%s (%d old removed)", q, y, len(snap.Rates[0].Members), name, removed), err
}

// Backups are DATA/backups/studyroll-YYYYMMDD-HHMMSS.db.
var backupRe = regexp.MustCompile(`^studyroll-\d{8}-\d{6}\.db$`)

// backup writes a consistent copy of the store (one read transaction)
// into DATA/backups through a temporary file and a rename, then keeps the
// newest BackupKeep copies.
func (s *Scheduler) backup(ctx context.Context, at time.Time, lr *liveRun) (string, error) {
	dir := filepath.Join(s.cfg.DataDir, "backups")
	name := "studyroll-" + s.now().Format("20060102-150405") + ".db"
	var n int64
	err := writeAtomic(dir, name, func(f *os.File) error {
		var err error
		n, err = s.cfg.Store.WriteTo(f)
		return err
	})
	if err != nil {
		return "", err
	}
	removed, err := prune(dir, backupRe, s.cfg.BackupKeep)
	lr.set(1, 1)
	return fmt.Sprintf("backups/%s (%d bytes); %d old backups removed; restoring it needs audit.key and field.key, which are not in it", name, n, removed), err
}

// writeAtomic writes dir/name through a synced temporary file and a
// rename, so a crash never leaves a truncated file under that name.
func writeAtomic(dir, name string, write func(f *os.File) error) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// prune removes the oldest files of dir matching re (names sort by time)
// beyond the newest keep, returning how many it removed.
func prune(dir string, re *regexp.Regexp, keep int) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && re.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	n := 0
	for len(names)-n > keep {
		if err := os.Remove(filepath.Join(dir, names[n])); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
