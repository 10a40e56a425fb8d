package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"runtime/pprof"

	"studyroll/internal/bench"
)

// runBench parses the flags of `studyroll bench` and runs internal/bench.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	o := bench.Defaults()
	fs.IntVar(&o.Members, "members", o.Members, "members checking in")
	fs.IntVar(&o.Sessions, "sessions", o.Sessions, "sessions each member checks into (requests = members × sessions)")
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent HTTP clients")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON")
	fs.StringVar(&o.Parts, "parts", o.Parts, "parts to run: checkin, ceiling, rates, checkin-store (the burst on the rates store), pdf")
	fs.StringVar(&o.Dir, "dir", "", "work folder (default: a new temp folder, removed afterwards)")
	fs.IntVar(&o.RateMembers, "rate-members", o.RateMembers, "members for the rates part")
	fs.IntVar(&o.RateRecords, "rate-records", o.RateRecords, "attendance records for the rates part")
	fs.IntVar(&o.RateYears, "rate-years", o.RateYears, "years of history the rates store holds, ending with the quarter measured (1: every record in that quarter)")
	fs.IntVar(&o.PDFMembers, "pdf-members", o.PDFMembers, "members for the PDF batch part")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile to this file once the rates part's warm requests are done")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole bench to this file")
	scale := fs.Int("scale", 0, "shorthand: N × 10,000 members for every part and N × 1,000,000 attendance records for rates (flags given explicitly win)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.RateYears < 1 {
		return usageError("--rate-years must be 1 or more")
	}
	if *scale < 0 {
		return usageError("--scale must be a positive number")
	}
	if *scale > 0 {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		o.ApplyScale(*scale, given)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	tuneRuntime() // as serve does
	err := bench.Run(ctx, o, stdout, stderr)
	var ue bench.ErrUsage
	if errors.As(err, &ue) {
		return usageError(ue)
	}
	return err
}
