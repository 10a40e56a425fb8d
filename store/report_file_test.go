package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleFile(period, kind, subject string, at time.Time) ReportFile {
	return ReportFile{Period: period, Kind: kind, SubjectID: subject,
		Path: period + "/members/" + subject + ".pdf", Size: 100,
		DataHash: strings.Repeat("ab", 32), GeneratedAt: at}
}

func TestRecordReportFiles(t *testing.T) {
	s, clock := mustOpen(t)
	ctx := WithActor(t.Context(), "system")
	at := clock.Now()
	files := []ReportFile{
		sampleFile("2023Q2", ReportMemberPDF, "10", at),
		sampleFile("2023Q2", ReportMemberPDF, "9", at),
		sampleFile("2023Q2", ReportGroupPDF, "2", at),
		sampleFile("2023q3", ReportMemberPDF, "9", at),
	}
	if err := s.RecordReportFiles(ctx, files...); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReportFiles("2023Q2")
	if err != nil || len(got) != 3 {
		t.Fatalf("ReportFiles = %+v, %v", got, err)
	}
	// by kind, then numeric subject id
	if got[0].Kind != ReportGroupPDF || got[1].SubjectID != "9" || got[2].SubjectID != "10" {
		t.Fatalf("order: %+v", got)
	}
	all, _ := s.ReportFiles("")
	if len(all) != 4 || all[3].Period != "2023Q3" {
		t.Fatalf("all = %+v", all)
	}
	f, err := s.ReportFileOf("2023Q2", ReportMemberPDF, "9")
	if err != nil || f.GeneratedBy != "system" {
		t.Fatalf("ReportFileOf = %+v, %v", f, err)
	}
	for _, q := range [][3]string{{"2023Q2", ReportMemberPDF, "11"}, {"2023Q9", ReportMemberPDF, "9"}, {"2023Q2", "x", "9"}, {"2023Q2", ReportMemberPDF, "../9"}} {
		if _, err := s.ReportFileOf(q[0], q[1], q[2]); !IsKind(err, KindNotFound) {
			t.Errorf("ReportFileOf%v = %v, want 404", q, err)
		}
	}
	// the data hash is in the audit log
	es, _ := s.Audit(AuditFilter{Entity: "report_file", EntityID: "2023Q2/member_pdf/9"})
	if len(es) != 1 {
		t.Fatalf("audit: %+v", es)
	}
	var after ReportFile
	json.Unmarshal(es[0].After, &after)
	if after.DataHash != files[1].DataHash || es[0].Action != "generate" {
		t.Fatalf("audit after = %+v", after)
	}
	// a new version replaces the record and keeps the old one in before
	clock.Advance(time.Hour)
	nf := sampleFile("2023Q2", ReportMemberPDF, "9", clock.Now())
	nf.DataHash = strings.Repeat("cd", 32)
	if err := s.RecordReportFiles(ctx, nf); err != nil {
		t.Fatal(err)
	}
	es, _ = s.Audit(AuditFilter{Entity: "report_file", EntityID: "2023Q2/member_pdf/9"})
	if len(es) != 2 || len(es[0].Before) == 0 {
		t.Fatalf("audit after replace: %+v", es)
	}
}

func TestRecordReportFilesAllOrNothing(t *testing.T) {
	s, clock := mustOpen(t)
	ctx := WithActor(t.Context(), "system")
	at := clock.Now()
	good := sampleFile("2023Q2", ReportMemberPDF, "9", at)
	for name, mut := range map[string]func(f *ReportFile){
		"period":   func(f *ReportFile) { f.Period = "23Q2" },
		"kind":     func(f *ReportFile) { f.Kind = "member" },
		"subject":  func(f *ReportFile) { f.SubjectID = "x" },
		"path":     func(f *ReportFile) { f.Path = "../etc/passwd" },
		"abs":      func(f *ReportFile) { f.Path = "/etc/passwd" },
		"unclean":  func(f *ReportFile) { f.Path = "2023Q2/./a.pdf" },
		"hash":     func(f *ReportFile) { f.DataHash = "abc" },
		"when":     func(f *ReportFile) { f.GeneratedAt = time.Time{} },
		"negative": func(f *ReportFile) { f.Size = -1 },
	} {
		bad := good
		mut(&bad)
		if err := s.RecordReportFiles(ctx, good, bad); !IsKind(err, KindInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if fs, _ := s.ReportFiles(""); len(fs) != 0 {
		t.Fatalf("half-written: %+v", fs)
	}
}

func TestReportFileStale(t *testing.T) {
	p, _ := ParsePeriod("2023Q2", DefaultLocation())
	after := p.End.Add(time.Hour)
	later := after.Add(time.Hour)
	earlier := after.Add(-time.Minute)
	cases := []struct {
		name string
		at   time.Time
		lock *PeriodLock
		want bool
	}{
		{"made during the period", p.End.Add(-time.Second), nil, true},
		{"made after, open", after, nil, false},
		{"locked, fresh", after, &PeriodLock{Period: "2023Q2"}, false},
		{"lock stale since later", after, &PeriodLock{Stale: true, StaleSince: &later}, true},
		{"lock stale since before it was made", after, &PeriodLock{Stale: true, StaleSince: &earlier}, false},
	}
	for _, c := range cases {
		f := ReportFile{GeneratedAt: c.at}
		if got := f.Stale(p, c.lock); got != c.want {
			t.Errorf("%s: Stale = %v, want %v", c.name, got, c.want)
		}
	}
}
