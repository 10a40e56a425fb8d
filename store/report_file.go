package store

import (
	"context"
	"path"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ReportFile records one generated report file (an appraisal PDF, a group
// summary PDF or XLSX): where it is, when and by whom it was made, and the
// SHA-256 of the canonical JSON of the data it was built from — the hash
// printed in the file's footer. Recording a file also writes that hash to
// the audit log, so a printed form can be matched with the data behind it.
//
// The report_files bucket: key period + 0x00 + kind + 0x00 + subject id (8
// bytes), value this record as JSON; a prefix scan lists one period.
type ReportFile struct {
	Period    string `json:"period"`
	Kind      string `json:"kind"`
	SubjectID string `json:"subject_id"` // member id or group id
	// Path is the file's place under the reports folder, slash-separated
	// ("2023Q3/members/42.pdf").
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	DataHash    string    `json:"data_hash"`
	GeneratedAt time.Time `json:"generated_at"`
	GeneratedBy string    `json:"generated_by"`
	JobID       string    `json:"job_id,omitempty"`
}

// The kinds of report file.
const (
	ReportMemberPDF   = "member_pdf"    // a member's appraisal, Chinese
	ReportMemberPDFEn = "member_pdf_en" // the same in English, made on request
	ReportGroupPDF    = "group_pdf"     // a group's summary
	ReportGroupXLSX   = "group_xlsx"    // the same tables as a workbook
)

// ReportKinds lists the kinds of report file.
var ReportKinds = []string{ReportMemberPDF, ReportMemberPDFEn, ReportGroupPDF, ReportGroupXLSX}

func validReportKind(k string) bool {
	for _, x := range ReportKinds {
		if x == k {
			return true
		}
	}
	return false
}

func reportFileKey(period, kind string, subject []byte) []byte {
	k := make([]byte, 0, len(period)+len(kind)+10)
	k = append(k, period...)
	k = append(k, 0)
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, subject...)
}

// EntityID is the record's id in the audit log: "2023Q3/member_pdf/42".
func (f *ReportFile) EntityID() string { return f.Period + "/" + f.Kind + "/" + f.SubjectID }

// Stale reports whether the file may no longer match the figures: it was
// made before its period ended (records of the period could still
// change); or the period is locked and frozen and the file was made before
// the current revision's lock (files of the revision are stamped with its
// lock time and never go stale: the snapshot does not move); or the period
// is unlocked, or locked without a snapshot, and its lock turned stale after
// the file was made (an admin changed a record). lock is the period's lock,
// nil when never locked; p is the file's period.
func (f *ReportFile) Stale(p Period, lock *PeriodLock) bool {
	if f.GeneratedAt.Before(p.End) {
		return true
	}
	if lock != nil && lock.Locked && lock.SnapshotSHA256 != "" {
		return f.GeneratedAt.Before(lock.LockedAt)
	}
	if lock != nil && !lock.Locked && lock.UnlockedAt != nil && f.GeneratedAt.Before(*lock.UnlockedAt) {
		return true
	}
	return lock != nil && lock.Stale && (lock.StaleSince == nil || !lock.StaleSince.Before(f.GeneratedAt))
}

// check validates a record and returns its key.
func (f *ReportFile) check(loc *time.Location) ([]byte, error) {
	fe := FieldErrors{}
	p, err := ParsePeriod(f.Period, loc)
	if err != nil {
		fe.Add("period", "a year like 2023 or a quarter like 2023Q3")
	} else {
		f.Period = p.String()
	}
	if !validReportKind(f.Kind) {
		fe.Add("kind", "one of "+strings.Join(ReportKinds, ", "))
	}
	sub, ok := idKey(f.SubjectID)
	if !ok {
		fe.Add("subject_id", "not an id")
	}
	clean := path.Clean(f.Path)
	if f.Path == "" || clean != f.Path || path.IsAbs(f.Path) || strings.HasPrefix(clean, "..") || strings.Contains(f.Path, "\\") {
		fe.Add("path", "a clean path inside the reports folder")
	}
	if len(f.DataHash) != 64 {
		fe.Add("data_hash", "a SHA-256 in hex")
	}
	if f.Size < 0 {
		fe.Add("size", "must not be negative")
	}
	if f.GeneratedAt.IsZero() {
		fe.Add("generated_at", "required")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return reportFileKey(f.Period, f.Kind, sub), nil
}

// RecordReportFiles records generated files, replacing earlier records of
// the same period, kind and subject, in one transaction with one audit
// entry "generate" per file (its data hash in the entry's after). Every
// record is checked before anything is written. GeneratedBy defaults to
// the ctx actor.
func (s *Store) RecordReportFiles(ctx context.Context, files ...ReportFile) error {
	keys := make([][]byte, len(files))
	recs := make([]ReportFile, len(files))
	for i, f := range files {
		if f.GeneratedBy == "" {
			f.GeneratedBy = ActorFrom(ctx)
		}
		f.GeneratedAt = f.GeneratedAt.UTC()
		k, err := f.check(s.loc)
		if err != nil {
			return err
		}
		keys[i], recs[i] = k, f
	}
	if len(files) == 0 {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		for i := range recs {
			var before *ReportFile
			var old ReportFile
			if found, err := getJSON(b, keys[i], &old); err != nil {
				return err
			} else if found {
				before = &old
			}
			if err := putJSON(b, keys[i], &recs[i]); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, "generate", "report_file", recs[i].EntityID(), before, &recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReportFiles lists the recorded files of period ("" for every period), by
// period, kind and subject id.
func (s *Store) ReportFiles(period string) ([]ReportFile, error) {
	var prefix []byte
	if period != "" {
		p, err := ParsePeriod(period, s.loc)
		if err != nil {
			return nil, Invalid(map[string]string{"period": "a year like 2023 or a quarter like 2023Q3"})
		}
		prefix = append([]byte(p.String()), 0)
	}
	var out []ReportFile
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = listPrefix[ReportFile](tx.Bucket(bucketFiles), prefix)
		return err
	})
	return out, err
}

// ReportFileOf returns the record of one file; 404 when it was never made.
func (s *Store) ReportFileOf(period, kind, subjectID string) (*ReportFile, error) {
	p, err := ParsePeriod(period, s.loc)
	sub, ok := idKey(subjectID)
	if err != nil || !ok || !validReportKind(kind) {
		return nil, Errorf(KindNotFound, "not_found", "no %s report of %s for %q", kind, period, subjectID)
	}
	var f ReportFile
	err = s.view(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketFiles), reportFileKey(p.String(), kind, sub), &f)
		if err == nil && !found {
			err = Errorf(KindNotFound, "report_not_generated", "no %s report of %s has been generated for %s; HR can generate the period's reports (POST /reports)", kind, p, subjectID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// LearningReportsFor returns the learning reports that count for period p
// (its own and, for a year, its quarters'), keyed by report id: what the
// appraisal form quotes.
func (s *Store) LearningReportsFor(p Period) (map[string]LearningReport, error) {
	var out map[string]LearningReport
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = learningReportsTx(tx, p)
		return err
	})
	return out, err
}
