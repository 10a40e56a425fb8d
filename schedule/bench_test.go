package schedule

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// BenchmarkMemberPDF is one member's appraisal as the batch makes it: the
// form's input from the loaded period, its data hash, and the PDF.
func BenchmarkMemberPDF(b *testing.B) {
	f := newFixture(b)
	d, err := loadPeriod(f.s, q3(b), "", "")
	if err != nil {
		b.Fatal(err)
	}
	id := f.ids["王芳"]
	opt := forms.Options{Location: shanghai, GeneratedAt: f.clock.Now()}
	b.ReportAllocs()
	for b.Loop() {
		in, _, _ := d.memberAppraisal(id, "zh")
		h, err := dataHash(store.ReportMemberPDF, "zh", in)
		if err != nil {
			b.Fatal(err)
		}
		opt.DataHash = h
		if err := forms.MemberAppraisalPDF(io.Discard, in, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/pdf")
}

// synthetic builds (once per size, cached in $STUDYROLL_BENCH_DIR when set)
// an organisation of n members in 2023Q3 with weekly branch sessions: 13
// per branch of 50, so each member has about 13 required sessions.
func synthetic(b *testing.B, n int) string {
	b.Helper()
	root := os.Getenv("STUDYROLL_BENCH_DIR")
	if root == "" {
		root = b.TempDir()
	}
	dir := filepath.Join(root, "synthetic-"+strconv.Itoa(n))
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		return dir
	}
	branches := (n + 49) / 50
	if _, err := store.BuildSynthetic(dir, n, branches*13, store.SyntheticOptions{BcryptCost: bcrypt.MinCost}); err != nil {
		b.Fatal(err)
	}
	return dir
}

// batchStore opens the synthetic organisation of $STUDYROLL_BENCH_MEMBERS
// members (default 1000) with the clock after 2023Q3; closed at the end.
func batchStore(b *testing.B) *store.Store {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("STUDYROLL_BENCH_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	s, err := store.Open(synthetic(b, n), store.Options{Now: func() time.Time { return time.Date(2023, 10, 1, 2, 0, 0, 0, shanghai) }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkQuarterlyBatch generates every file of a quarter: member PDFs
// by GOMAXPROCS workers, streamed to disk, then the group summaries.
// Members: $STUDYROLL_BENCH_MEMBERS (default 1000). Run the 10,000 of the
// target with
//
//	STUDYROLL_BENCH_MEMBERS=10000 go test -run '^$' -bench QuarterlyBatch -benchtime 1x ./schedule/
func BenchmarkQuarterlyBatch(b *testing.B) {
	s := batchStore(b)
	p := q3(b)
	out := b.TempDir()
	gen := &Generator{Store: s, Dir: out}
	ctx := store.WithActor(context.Background(), "system")
	var res Result
	var err error
	for b.Loop() {
		if res, err = gen.Generate(ctx, p, "", "", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/batch")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*max(res.MemberPDFs, 1)), "ms/member")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "workers")
	b.Logf("%s", res)
}

// BenchmarkBatchSample runs the quarterly batch of a large organisation
// for 60 seconds, as studyroll report does (the store's caches dropped once
// the data is loaded), and reports how long the data took to load, the
// member files per second after it, and the process's peak RSS split into
// its own memory and the mapped store file. With
//
//	STUDYROLL_BENCH_MEMBERS=100000 STUDYROLL_BENCH_DIR=/tmp/sd go test -run '^$' -bench BatchSample -benchtime 1x ./schedule/
//
// it gave the figures of docs/BENCHMARKS.md ("The PDF batch's memory");
// prefix GOMEMLIMIT=300MiB for the capped run.
func BenchmarkBatchSample(b *testing.B) {
	s := batchStore(b)
	gen := &Generator{Store: s, Dir: b.TempDir(), OneOff: true}
	ctx, cancel := context.WithTimeout(store.WithActor(context.Background(), "system"), 60*time.Second)
	defer cancel()
	var done int
	var start, first time.Time
	for b.Loop() {
		start = time.Now()
		gen.Generate(ctx, q3(b), "", "", func(d, _ int) {
			done = d
			if d == 1 {
				first = time.Now()
			}
		})
	}
	if first.IsZero() {
		b.Fatal("no file made in 60 s")
	}
	b.ReportMetric(first.Sub(start).Seconds(), "s-load")
	b.ReportMetric(float64(done)/time.Since(first).Seconds(), "files/s")
	status, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(status), "\n") {
		for _, k := range []string{"VmHWM", "RssAnon", "RssFile"} {
			if f := strings.Fields(l); len(f) == 3 && f[0] == k+":" {
				kb, _ := strconv.Atoi(f[1])
				b.ReportMetric(float64(kb)/1024, k+"-MB")
			}
		}
	}
}
