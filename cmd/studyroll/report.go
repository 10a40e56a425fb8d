package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"time"

	"studyroll/schedule"
	"studyroll/store"
)

// runReport generates a period's reports now, the same files the scheduled
// and the POST /reports jobs make: every member appraisal of the subtree,
// and the summary PDF and XLSX of each of its groups. The run is recorded
// as a job (trigger "cli") and every file, with its data hash, in the
// store and the audit log.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	var sf storeFlags
	sf.register(fs)
	period := fs.String("period", "", "period: a year like 2023 or a quarter like 2023Q3 (required)")
	groupRef := fs.String("group", "", "group id or path like 机关党委/第一党支部 (studyroll groups lists them): only this group's subtree (default: everyone)")
	out := fs.String("out", "", "folder for the files (default: DATA/reports, where the server serves them from)")
	fontPath := fs.String("font", "", "TrueType font for the PDFs (default: the embedded one)")
	configPath := fs.String("config", "", "config file whose policy to use (as for serve)")
	workers := fs.Int("workers", 0, "PDFs built at once (default: GOMAXPROCS)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *period == "" {
		return usageError("--period is required, like --period 2023Q3")
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	loc, err := sf.location()
	if err != nil {
		return err
	}
	p, err := store.ParsePeriod(*period, loc)
	if err != nil {
		return usageError(err.Error())
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	font, err := schedule.LoadFont(*fontPath)
	if err != nil {
		return err
	}
	s, err := store.Open(sf.data, store.Options{Location: loc, LockTimeout: 500 * time.Millisecond, AuditKeyFile: sf.auditKey, FieldKeyFile: sf.fieldKey})
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("%w\n(while the server runs, generate reports through it: POST /api/v1/reports {\"period\": %q})", err, p.String())
		}
		return err
	}
	defer s.Close()
	groupID, err := resolveGroup(s, *groupRef)
	if err != nil {
		return err
	}
	s.SetMeetingRules(cfg.Meetings)
	if err := s.SetPolicy(cfg.Policy); err != nil {
		return err
	}
	if err := s.TakeMissingSnapshots(store.WithActor(ctx, "system")); err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(sf.data, "reports")
	}
	// The run is the server's report job, run here: schedule.RunReports
	// records its start and outcome as POST /reports does.
	sch, err := schedule.New(schedule.Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DataDir: sf.data, ReportDir: dir, Font: font, Workers: *workers, Schedules: cfg.Schedules, OneOff: true})
	if err != nil {
		return err
	}
	bar := newProgress(stdout)
	start := time.Now()
	run, err := sch.RunReports(store.WithActor(ctx, "system"), p, groupID, "cli", bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%s in %s → %s\n", run.Result, elapsed.Round(10*time.Millisecond), dir)
	if rss := peakRSS(); rss > 0 {
		w := *workers
		if w <= 0 {
			w = runtime.GOMAXPROCS(0)
		}
		fmt.Fprintf(stdout, "peak RSS %d MB, %d workers, GOMAXPROCS %d\n", rss>>20, w, runtime.GOMAXPROCS(0))
	}
	return nil
}
