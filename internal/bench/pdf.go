package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/schedule"
	"studyroll/store"
)

func init() {
	parts = append(parts, part{name: "pdf", run: benchReports})
}

// benchReports is the "pdf" part of `studyroll bench`: on a synthetic
// organisation of --pdf-members members with weekly branch sessions in
// 2023Q3 (13 per member), it times member appraisals made on request (load,
// render, write, record) and then runs `studyroll report` for the whole
// quarter in a child process, whose own peak RSS is the batch's.
func benchReports(ctx context.Context, o Options, rep *Report, progress func(string, ...any)) error {
	n := o.PDFMembers
	dir := filepath.Join(o.Dir, "pdf-store")
	progress("pdf: building a synthetic organisation of %d members …", n)
	info, err := store.BuildSynthetic(dir, n, (n+49)/50*13, store.SyntheticOptions{BcryptCost: bcrypt.MinCost})
	if err != nil {
		return err
	}
	loc := store.DefaultLocation()
	p, _ := store.ParsePeriod(info.Period, loc)
	after := p.End.Add(2 * time.Hour)
	s, err := store.Open(dir, store.Options{Location: loc, Now: func() time.Time { return after }})
	if err != nil {
		return err
	}
	gen := &schedule.Generator{Store: s, Dir: filepath.Join(o.Dir, "pdf-out")}
	actx := store.WithActor(ctx, "system")
	// Record the Chinese files first so English ones can be made on request.
	const sample = 40
	ids := info.MemberIDs
	if len(ids) > sample {
		ids = ids[:sample]
	}
	var single []time.Duration
	for _, id := range ids {
		t0 := time.Now()
		if _, err := gen.Regenerate(actx, p, store.ReportMemberPDF, id); err != nil {
			s.Close()
			return err
		}
		single = append(single, time.Since(t0))
	}
	s.Close()
	rep.Extra["pdf_member_ms"], rep.Extra["pdf_member_max_ms"] = medMax(single)

	self := o.Exe
	if self == "" {
		if self, err = os.Executable(); err != nil {
			return err
		}
	}
	progress("pdf: studyroll report for %d members of %s (child process) …", n, p)
	out := filepath.Join(o.Dir, "pdf-batch")
	cmd := exec.CommandContext(ctx, self, "report", "--data", dir, "--period", p.String(), "--out", out)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("studyroll report: %w\n%s", err, buf.String())
	}
	rep.Extra["pdf_batch_members"] = n
	rep.Extra["pdf_batch_s"] = float64(time.Since(t0).Milliseconds()/100) / 10
	if m := regexp.MustCompile(`peak RSS (\d+) MB`).FindStringSubmatch(buf.String()); m != nil {
		mb, _ := strconv.Atoi(m[1])
		rep.Extra["pdf_batch_peak_rss_mb"] = mb
	}
	if m := regexp.MustCompile(`(?m)^\d{4}(Q\d)?: .*$`).FindString(buf.String()); m != "" {
		rep.Notes["pdf batch"] = m
	}
	return nil
}
