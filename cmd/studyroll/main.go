// Command studyroll is the whole service in one binary: serve, demo, import,
// report, backup and bench. This package only wires the others together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	// The time zone database is embedded, so --tz works on machines
	// without tzdata (minimal containers).
	_ "time/tzdata"
)

const usage = `studyroll — group study attendance and the three 100% rates

Usage:
  studyroll serve  [--addr 127.0.0.1:8080] [--data ./data] [--tz Asia/Shanghai] [--demo] [--config FILE]
  studyroll demo   [--data ./data]            fill a fresh store with a demo organisation
  studyroll import --data ./data roster.csv   import a roster (all or nothing)
  studyroll report --data ./data --period 2023Q3 [--group ID|PATH] [--out DIR]
  studyroll groups --data ./data              list the groups: id, type and path (for report --group)
  studyroll backup --data ./data --out FILE   consistent copy, safe while serving
  studyroll compact --data ./data --out FILE  compacted copy of a stopped store (files never shrink)
  studyroll export --data ./data --period 2023Q3 [--out FILE]   signed summary of a locked period
  studyroll bench  [--scale N] [--json]       measure check-in, rates and PDFs (N × 10,000 members)
  studyroll audit verify --data ./data [--audit-key FILE]   check the audit chain (exit 1 names the first bad entry)
  studyroll security-profile --data ./data [standard|level3]   show or switch (audited)
  studyroll prune-audit --data ./data --before DATE   drop audit entries older than the retention
  studyroll admin reset-password --data ./data USERNAME   new password for an account (stopped store)
  studyroll field-key rotate --data ./data   seal reasons, notes and comments again with a new key (stopped store)

Run "studyroll COMMAND -h" for the flags of one command.
`

type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

var commands = map[string]command{
	"serve":   runServe,
	"demo":    runDemo,
	"import":  runImport,
	"backup":  runBackup,
	"report":  runReport,
	"bench":   runBench,
	"compact": runCompact,
	"audit":   runAudit,
	"export":  runExport,

	"security-profile": runSecurityProfile,
	"prune-audit":      runPruneAudit,
	"field-key":        runFieldKey,
	"admin":            runAdmin,
	"groups":           runGroups,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// tuneRuntime sets the garbage collector for a server whose bursts are
// short: GOGC 400 unless GOGC is set, so the heap may grow between
// collections, and, unless GOMEMLIMIT is set, a soft memory limit that
// follows the live heap (memLimitFor): 160 MiB while the heap is small, as
// for the 10,000-member organisation (the process stays under its 200 MB
// RSS goal; at 64 clients GOGC 400 with that limit took the check-in burst
// from ~18k to ~23k/s and its p99 from ~11.5 to ~7.5 ms), and above the
// live heap with room to spare once a big store's rates index and caches
// outgrow it — a fixed 160 MiB limit under a larger live heap makes the
// collector run without pause (docs/BENCHMARKS.md).
func tuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memLimitFor(0))
		adaptOnce.Do(func() { go adaptMemoryLimit(time.Second) })
	}
}

var adaptOnce sync.Once

// memLimitFor is the soft memory limit for a live heap of live bytes:
// 160 MiB, or the live heap plus half of it (at least 96 MiB more) when
// that is higher.
func memLimitFor(live uint64) int64 {
	const floor, minRoom = 160 << 20, 96 << 20
	return int64(max(floor, live+max(minRoom, live/2)))
}

// adaptMemoryLimit sets the limit from the live heap every period.
func adaptMemoryLimit(period time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := int64(0)
	for range time.Tick(period) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if l := memLimitFor(sample[0].Value.Uint64()); l != last {
			debug.SetMemoryLimit(l)
			last = l
		}
	}
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "studyroll: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "studyroll %s: %s\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "studyroll %s: %s\n", args[0], err)
		return 1
	}
	return 0
}

// usageError is a mistake on the command line (exit code 2).
type usageError string

func (e usageError) Error() string { return string(e) }

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("studyroll "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(err.Error())
	}
	return nil
}
