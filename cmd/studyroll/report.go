package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
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
	group := fs.String("group", "", "group id: only this group's subtree (default: everyone)")
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
	gen := &schedule.Generator{Store: s, Dir: dir, Font: font, Workers: *workers}
	actx := store.WithActor(ctx, "system")
	run, err := s.StartJob(actx, store.JobRun{Kind: schedule.KindReports, Trigger: "cli", Period: p.String(), GroupID: *group})
	if err != nil {
		return err
	}
	bar := newProgress(stdout)
	start := time.Now()
	var done, total int
	res, genErr := gen.Generate(ctx, p, *group, run.ID, func(d, t int) {
		done, total = d, t
		bar.update(d, t)
	})
	bar.finish()
	outcome := store.JobOutcome{Status: store.JobSucceeded, Done: done, Total: total, Result: res.String()}
	if genErr != nil {
		outcome.Status, outcome.Error = store.JobFailed, genErr.Error()
		if ctx.Err() != nil {
			outcome.Status = store.JobInterrupted
		}
	}
	if _, err := s.FinishJob(context.WithoutCancel(actx), run.ID, outcome); err != nil && genErr == nil {
		genErr = err
	}
	if genErr != nil {
		return genErr
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%s in %s → %s\n", res, elapsed.Round(10*time.Millisecond), dir)
	if rss := peakRSS(); rss > 0 {
		w := *workers
		if w <= 0 {
			w = runtime.GOMAXPROCS(0)
		}
		fmt.Fprintf(stdout, "peak RSS %d MB, %d workers, GOMAXPROCS %d\n", rss>>20, w, runtime.GOMAXPROCS(0))
	}
	return nil
}

// peakRSS reads the process's peak resident set size (VmHWM) on Linux; 0
// elsewhere.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// progress draws a bar on a terminal and plain lines (every 10%)
// elsewhere, so logs and CI output stay readable.
type progress struct {
	w        io.Writer
	terminal bool
	last     int // last percentage or tenth printed
	drawn    bool
	start    time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, last: -1, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

const barWidth = 30

func (p *progress) update(done, total int) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if p.terminal {
		if pct == p.last && done != total {
			return
		}
		p.last = pct
		n := done * barWidth / total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d files %s", strings.Repeat("#", n), strings.Repeat(".", barWidth-n), pct, done, total,
			time.Since(p.start).Round(time.Second))
		p.drawn = true
		return
	}
	tenth := pct / 10
	if tenth == p.last && done != total {
		return
	}
	if done == total && p.last == 10 {
		return
	}
	p.last = tenth
	fmt.Fprintf(p.w, "progress: %d/%d files (%d%%)\n", done, total, pct)
}

func (p *progress) finish() {
	if p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
}
