package schedule

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// Generator writes the report files of a period into Dir:
//
//	Dir/{period}/members/{member_id}.pdf      appraisal (个人学习考核表), Chinese
//	Dir/{period}/members/{member_id}.en.pdf   the same in English, on request
//	Dir/{period}/groups/{group_id}.pdf        group summary (汇总表)
//	Dir/{period}/groups/{group_id}.xlsx       the same tables as a workbook
//
// Each file is written to a temporary name and renamed into place, so a
// reader never sees half a file, and is recorded in the store with the
// SHA-256 of the data it was built from (the hash also printed in its
// footer and written to the audit log).
type Generator struct {
	Store *store.Store
	Dir   string
	// Font is a TrueType font for the PDFs; nil means the embedded one.
	Font []byte
	// Workers build member PDFs concurrently; default GOMAXPROCS.
	Workers int
	// Now stamps the files; default Store.Now.
	Now func() time.Time
	// OneOff says the process exists for this run (studyroll report) and
	// serves no requests, so the run trades the store's warm state for
	// memory: once its data is loaded it drops the store's rates and
	// 四落实 caches (Store.DropCaches — at 100,000 members the collector
	// scanned them on every cycle: 97 instead of 125 files/s), releases
	// the pages of the store file it has read (Store.ReleaseMapped; they
	// count in the RSS, ~200 MB at 100,000 members) then and every
	// releaseEvery files, and caps the heap (capHeap).
	OneOff bool
}

// capHeap sets a soft memory limit of twice the live heap (the period's
// data, just loaded) plus 160 MiB for what the run adds to it (documents in
// flight, each summary's own rows), unless GOMEMLIMIT is set, and returns
// what puts the previous limit back. While member forms are made the heap
// stays under it (the collector's default target is twice the live heap);
// when the summaries of the whole organisation add their rows on top, the
// collector works harder for those few files instead of the heap growing
// by twice what they hold. At 100,000 members the data is ~136 MB live
// after loading and ~211 MB while forms are made; 64 MiB of room instead
// of 160 held the heap at ~340 MB but cut the rate from ~120 to 83 files/s.
func capHeap() (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return func() {}
	}
	prev := debug.SetMemoryLimit(int64(2*s[0].Value.Uint64() + 160<<20))
	return func() { debug.SetMemoryLimit(prev) }
}

// releaseEvery is how many files a one-off run makes between releases of
// the store file's pages it has read (each member's attendance is read
// when their form is made).
const releaseEvery = 1000

// Result counts what a run generated.
type Result struct {
	Period                           string
	Members                          int // members in the period's rates
	MemberPDFs, GroupPDFs, GroupXLSX int
}

func (r Result) String() string {
	if r.Members == 0 {
		return fmt.Sprintf("%s: nobody is in the rates of this period; no files", r.Period)
	}
	return fmt.Sprintf("%s: %d member PDFs, %d group PDFs, %d group XLSX", r.Period, r.MemberPDFs, r.GroupPDFs, r.GroupXLSX)
}

// recordBatch is how many generated files are recorded per transaction.
const recordBatch = 256

// bigSummary is the member count above which a group summary is built
// alone (see Generate).
const bigSummary = 1000

var subjectRe = regexp.MustCompile(`^[1-9][0-9]{0,19}$`)

// RelPath is where a report file lives under the reports folder, slash
// separated. subjectID must be a decimal id, so the path never leaves the
// period's folder.
func RelPath(kind string, p store.Period, subjectID string) (string, error) {
	if !subjectRe.MatchString(subjectID) {
		return "", fmt.Errorf("report subject %q is not an id", subjectID)
	}
	switch kind {
	case store.ReportMemberPDF:
		return p.String() + "/members/" + subjectID + ".pdf", nil
	case store.ReportMemberPDFEn:
		return p.String() + "/members/" + subjectID + ".en.pdf", nil
	case store.ReportGroupPDF:
		return p.String() + "/groups/" + subjectID + ".pdf", nil
	case store.ReportGroupXLSX:
		return p.String() + "/groups/" + subjectID + ".xlsx", nil
	}
	return "", fmt.Errorf("unknown report kind %q", kind)
}

func (g *Generator) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return g.Store.Now()
}

func (g *Generator) workers() int {
	if g.Workers > 0 {
		return g.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (g *Generator) options(d *periodData, lang, hash string, at time.Time) forms.Options {
	opt := forms.Options{Font: g.Font, Lang: lang, GeneratedAt: at, DataHash: hash, Location: g.Store.Location(),
		AuditHead: d.auditHead}
	if d.frozen != nil {
		opt.Revision, opt.RevisionReason = d.frozen.Revision, d.frozen.Reason
	}
	switch {
	case d.rates != nil && d.rates.Provisional:
		opt.Provisional, opt.AsOf = true, d.rates.AsOf // the 暂定 mark, figures to date
	case d.frozen == nil && d.now.Before(d.p.End):
		opt.Provisional, opt.AsOf = true, d.now // the period has not ended
	}
	return opt
}

// stamp is the generation time of a run's files: now, or for a locked
// period the time its revision was frozen, so its files come out the same
// byte for byte whenever they are made.
func (g *Generator) stamp(d *periodData) time.Time {
	if d.frozen != nil {
		return d.frozen.TakenAt
	}
	return g.now()
}

// writeFile renders into Dir/rel through a temporary file and a rename.
func (g *Generator) writeFile(rel string, render func(w io.Writer) error) (int64, error) {
	path := filepath.Join(g.Dir, filepath.FromSlash(rel))
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = render(bw)
	if err == nil {
		err = bw.Flush()
	}
	var size int64
	if err == nil {
		var fi os.FileInfo
		if fi, err = tmp.Stat(); err == nil {
			size = fi.Size()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", rel, err)
	}
	return size, os.Rename(tmp.Name(), path)
}

// memberFile renders one member's appraisal.
func (g *Generator) memberFile(d *periodData, memberID, lang, jobID string, at time.Time) (store.ReportFile, error) {
	in, ok, err := d.memberAppraisal(memberID, lang)
	if err != nil {
		return store.ReportFile{}, err
	}
	if !ok {
		return store.ReportFile{}, store.Errorf(store.KindNotFound, "not_in_rates", "member %s is in no rates of %s", memberID, d.p)
	}
	kind := store.ReportMemberPDF
	if lang == "en" {
		kind = store.ReportMemberPDFEn
	}
	return g.render(d, kind, memberID, lang, jobID, at, in, func(w io.Writer, opt forms.Options) error {
		return forms.MemberAppraisalPDF(w, in, opt)
	})
}

// groupFile renders one group's summary as PDF or XLSX.
func (g *Generator) groupFile(d *periodData, groupID, kind, jobID string, at time.Time) (store.ReportFile, error) {
	in, ok, err := d.groupSummary(groupID)
	if err != nil {
		return store.ReportFile{}, err
	}
	if !ok {
		return store.ReportFile{}, store.Errorf(store.KindNotFound, "not_in_rates", "nobody in group %s is in the rates of %s", groupID, d.p)
	}
	in.ReportedAt = at
	return g.render(d, kind, groupID, "zh", jobID, at, in, func(w io.Writer, opt forms.Options) error {
		if kind == store.ReportGroupXLSX {
			return forms.GroupSummaryXLSX(w, in, opt)
		}
		return forms.GroupSummaryPDF(w, in, opt)
	})
}

func (g *Generator) render(d *periodData, kind, subject, lang, jobID string, at time.Time, data any, fn func(io.Writer, forms.Options) error) (store.ReportFile, error) {
	p := d.p
	rel, err := RelPath(kind, p, subject)
	if err != nil {
		return store.ReportFile{}, err
	}
	// ReportedAt is a generation time, not data: keep it out of the hash.
	if gs, ok := data.(forms.GroupSummary); ok {
		gs.ReportedAt = time.Time{}
		data = gs
	}
	hash, err := dataHash(kind, lang, data)
	if err != nil {
		return store.ReportFile{}, err
	}
	opt := g.options(d, lang, hash, at)
	size, err := g.writeFile(rel, func(w io.Writer) error { return fn(w, opt) })
	if err != nil {
		return store.ReportFile{}, err
	}
	return store.ReportFile{Period: p.String(), Kind: kind, SubjectID: subject, Path: rel, Size: size,
		DataHash: hash, GeneratedAt: at, JobID: jobID}, nil
}

// reportGroups lists the groups of the run that get a summary: every
// group of the subtree (of every root when groupID is "").
func reportGroups(t *store.Tree, groupID string) []string {
	if groupID != "" {
		return t.Subtree(groupID)
	}
	var out []string
	for _, r := range t.Roots() {
		out = append(out, t.Subtree(r)...)
	}
	return out
}

// Generate writes every member appraisal of groupID's subtree ("" for the
// whole organisation) for period p, then the summary PDF and XLSX of every
// group of the subtree that has members in the rates. Member PDFs are
// built by a pool of Workers and streamed to disk; records are written in
// batches. progress, when set, is called from one goroutine after each
// file with the files done and the total. A run of the whole organisation
// marks a stale lock of the period fresh again.
func (g *Generator) Generate(ctx context.Context, p store.Period, groupID, jobID string, progress func(done, total int)) (Result, error) {
	res := Result{Period: p.String()}
	if groupID != "" {
		if _, err := g.Store.Group(groupID); err != nil {
			return res, err
		}
	}
	d, err := loadPeriod(g.Store, p, groupID, "")
	if err != nil {
		return res, err
	}
	if g.OneOff {
		g.Store.DropCaches()
		_ = g.Store.ReleaseMapped() // advice to the kernel: a failure changes nothing
		defer capHeap()()
	}
	res.Members = len(d.rates.Members)
	at := g.stamp(d)
	type task struct {
		kind, subject string
		big           bool // a summary of many members: one at a time
	}
	tasks := make([]task, 0, len(d.rates.Members)+8)
	for _, r := range d.rates.Members {
		tasks = append(tasks, task{kind: store.ReportMemberPDF, subject: r.MemberID})
	}
	for _, gid := range reportGroups(d.tree, groupID) {
		if n := len(d.rowsIn(d.tree.Subtree(gid))); n > 0 {
			big := n > bigSummary
			tasks = append(tasks, task{store.ReportGroupPDF, gid, big}, task{store.ReportGroupXLSX, gid, big})
		}
	}
	total := len(tasks)
	if progress != nil {
		progress(0, total)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		f   store.ReportFile
		err error
	}
	feed := make(chan task)
	results := make(chan result, 2*g.workers())
	// The summaries of thousands of members take a hundred MB or more each
	// while they are built: never two at once.
	bigSlot := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for range g.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range feed {
				var r result
				func() {
					defer func() {
						if v := recover(); v != nil {
							r.err = fmt.Errorf("%s %s: panic: %v", t.kind, t.subject, v)
						}
					}()
					if t.big {
						bigSlot <- struct{}{}
						defer func() { <-bigSlot }()
					}
					if t.kind == store.ReportMemberPDF {
						r.f, r.err = g.memberFile(d, t.subject, "zh", jobID, at)
					} else {
						r.f, r.err = g.groupFile(d, t.subject, t.kind, jobID, at)
					}
				}()
				results <- r
			}
		}()
	}
	go func() {
		defer close(feed)
		for _, t := range tasks {
			select {
			case feed <- t:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var firstErr error
	batch := make([]store.ReportFile, 0, recordBatch)
	flush := func() {
		if len(batch) == 0 || firstErr != nil {
			return
		}
		if err := g.Store.RecordReportFiles(ctx, batch...); err != nil {
			firstErr = err
			cancel()
		}
		batch = batch[:0]
	}
	done := 0
	for r := range results {
		if r.err != nil {
			if firstErr == nil {
				firstErr = r.err
				cancel()
			}
			continue
		}
		switch r.f.Kind {
		case store.ReportMemberPDF:
			res.MemberPDFs++
		case store.ReportGroupPDF:
			res.GroupPDFs++
		case store.ReportGroupXLSX:
			res.GroupXLSX++
		}
		batch = append(batch, r.f)
		if len(batch) >= recordBatch {
			flush()
		}
		done++
		if g.OneOff && done%releaseEvery == 0 {
			_ = g.Store.ReleaseMapped()
		}
		if progress != nil {
			progress(done, total)
		}
	}
	flush()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return res, firstErr
	}
	if groupID == "" {
		if err := g.Store.MarkPeriodFresh(ctx, p.String()); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Regenerate makes one report file again from the current data and
// records it: a member's appraisal (kind member_pdf or member_pdf_en) or a
// group's summary (group_pdf or group_xlsx).
func (g *Generator) Regenerate(ctx context.Context, p store.Period, kind, subjectID string) (*store.ReportFile, error) {
	if !subjectRe.MatchString(subjectID) {
		return nil, store.NotFound("report subject", subjectID)
	}
	var f store.ReportFile
	switch kind {
	case store.ReportMemberPDF, store.ReportMemberPDFEn:
		d, err := loadPeriod(g.Store, p, "", subjectID)
		if err != nil {
			return nil, err
		}
		lang := "zh"
		if kind == store.ReportMemberPDFEn {
			lang = "en"
		}
		if f, err = g.memberFile(d, subjectID, lang, "", g.stamp(d)); err != nil {
			return nil, err
		}
	case store.ReportGroupPDF, store.ReportGroupXLSX:
		if _, err := g.Store.Group(subjectID); err != nil {
			return nil, err
		}
		d, err := loadPeriod(g.Store, p, subjectID, "")
		if err != nil {
			return nil, err
		}
		if f, err = g.groupFile(d, subjectID, kind, "", g.stamp(d)); err != nil {
			return nil, err
		}
	default:
		return nil, store.Invalid(map[string]string{"kind": "unknown report kind"})
	}
	if err := g.Store.RecordReportFiles(ctx, f); err != nil {
		return nil, err
	}
	return &f, nil
}

// File returns the path of an up-to-date copy of a report file, making it
// when needed: a recorded file missing on disk is made again; the English
// appraisal is made on request once the Chinese one exists, and again when
// the Chinese one is newer. A file never generated is 404
// report_not_generated.
func (g *Generator) File(ctx context.Context, p store.Period, kind, subjectID string) (string, *store.ReportFile, error) {
	base := kind
	if kind == store.ReportMemberPDFEn {
		base = store.ReportMemberPDF
	}
	rec, err := g.Store.ReportFileOf(p.String(), base, subjectID)
	if err != nil {
		return "", nil, err
	}
	if kind == store.ReportMemberPDFEn {
		en, err := g.Store.ReportFileOf(p.String(), kind, subjectID)
		switch {
		case err == nil && !en.GeneratedAt.Before(rec.GeneratedAt):
			rec = en
		case err == nil || store.IsKind(err, store.KindNotFound):
			rec = nil
		default:
			return "", nil, err
		}
	}
	if rec != nil {
		rel, err := RelPath(kind, p, subjectID)
		if err != nil {
			return "", nil, err
		}
		path := filepath.Join(g.Dir, filepath.FromSlash(rel))
		if _, err := os.Stat(path); err == nil {
			return path, rec, nil
		}
	}
	rec, err = g.Regenerate(ctx, p, kind, subjectID)
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(g.Dir, filepath.FromSlash(rec.Path)), rec, nil
}
