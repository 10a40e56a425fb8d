package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Learning reports (述学) and their evaluation (评学). Bucket
// learning_reports maps the report id (8 bytes) to JSON LearningReport. A
// member has at most one report per period ("2023" and "2023Q3" are
// different periods); the write looks it up by scanning the bucket, which
// holds a few reports per member and year.

// LearningReport is a member's report of their own learning for a period,
// with the lead's grade once evaluated.
type LearningReport struct {
	ID          string     `json:"id"`
	MemberID    string     `json:"member_id"`
	Period      string     `json:"period"`
	Text        string     `json:"text"`
	Grade       *int       `json:"grade"` // 1–5; nil until evaluated
	Comment     string     `json:"comment"`
	EvaluatedAt *time.Time `json:"evaluated_at"`
	EvaluatedBy string     `json:"evaluated_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// History keeps the texts a re-submission replaced, oldest first (at
	// most maxReportHistory; older ones are dropped).
	History []ReportVersion `json:"history,omitempty"`
}

// ReportVersion is an earlier text of a learning report and when it was
// saved.
type ReportVersion struct {
	Text    string    `json:"text"`
	SavedAt time.Time `json:"saved_at"`
}

// maxReportHistory caps a report's kept earlier texts.
const maxReportHistory = 20

// Evaluated reports whether a lead has graded the report.
func (r *LearningReport) Evaluated() bool { return r.Grade != nil }

// SimilarReport names another member's report of the same period whose text
// is nearly the same.
type SimilarReport struct {
	ReportID   string  `json:"report_id"`
	MemberID   string  `json:"member_id"`
	Name       string  `json:"name"`
	Similarity float64 `json:"similarity"`
}

// ReportItem is a report as listed: with its author's name and, for the
// evaluators (leads, hr, admins), the near copies found in its period.
type ReportItem struct {
	LearningReport
	Name      string          `json:"name"`
	SimilarTo []SimilarReport `json:"similar_to"`
}

// maxReportText is the longest report accepted, in characters.
const maxReportText = 20000

// ReportInput is the body of POST /learning-reports.
type ReportInput struct {
	Period string `json:"period"`
	Text   string `json:"text"`
}

// Validate checks the input without touching the store; it puts the period
// in its canonical form ("2023q3" → "2023Q3").
func (in *ReportInput) Validate() error {
	fe := FieldErrors{}
	in.Period = strings.TrimSpace(in.Period)
	in.Text = strings.TrimSpace(in.Text)
	if in.Period == "" {
		fe.Add("period", "required: a year like 2023 or a quarter like 2023Q3")
	} else if p, err := ParsePeriod(in.Period, time.UTC); err != nil {
		fe.Add("period", "a year like 2023 or a quarter like 2023Q3")
	} else {
		in.Period = p.String()
	}
	vetMinutesText(fe, "text", in.Text, maxReportText, true)
	return fe.Err()
}

// EvaluationInput is the body of PUT /learning-reports/{id}/evaluation.
type EvaluationInput struct {
	Grade   int    `json:"grade"`
	Comment string `json:"comment,omitempty"`
}

// Validate checks the input without touching the store.
func (in *EvaluationInput) Validate() error {
	fe := FieldErrors{}
	in.Comment = strings.TrimSpace(in.Comment)
	if in.Grade < 1 || in.Grade > 5 {
		fe.Add("grade", "a whole number from 1 to 5")
	}
	vetMinutesText(fe, "comment", in.Comment, maxMinutes, false)
	return fe.Err()
}

// WriteReport writes by's own report for the period: the first call creates
// it (created true), later calls replace its text until a lead has
// evaluated it (then 409 already_evaluated). A period that has not begun is
// refused.
func (s *Store) WriteReport(ctx context.Context, by *Member, in ReportInput) (r *LearningReport, created bool, err error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	p, _ := ParsePeriod(in.Period, s.loc)
	now := s.now()
	if p.Start.After(now) {
		return nil, false, Invalid(map[string]string{"period": "has not begun yet"})
	}
	if err := s.takeReportWrite(by.ID); err != nil {
		return nil, false, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		if _, err := getMember(tx, by.ID); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, reportDatedAt(p))
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketReports)
		old, key, err := findReport(tx, by.ID, in.Period)
		if err != nil {
			return err
		}
		if old != nil {
			if old.Evaluated() {
				return Conflict("already_evaluated", "your report for %s has been evaluated and can no longer be changed", in.Period)
			}
			before := *old
			r = old
			if r.Text != in.Text {
				r.History = append(r.History, ReportVersion{Text: r.Text, SavedAt: r.UpdatedAt})
				if n := len(r.History); n > maxReportHistory {
					r.History = r.History[n-maxReportHistory:]
				}
			}
			r.Text, r.UpdatedAt = in.Text, now.UTC()
			stored := sealedReport(tx, *r)
			if err := putJSON(b, key, stored); err != nil {
				return err
			}
			after := *stored
			after.History = nil // each earlier text was audited when it was written
			return s.audit(ctx, tx, "update", "learning_report", r.ID, textHashed(*sealedReport(tx, before)), &after)
		}
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		r = &LearningReport{ID: id, MemberID: by.ID, Period: in.Period, Text: in.Text, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
		created = true
		if err := putJSON(b, key, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "learning_report", id, nil, r)
	})
	if err != nil {
		return nil, false, err
	}
	return r, created, nil
}

// reportDatedAt is the instant a report's period locks are judged at: a
// quarter's first instant (the quarter's and the year's locks apply); for a
// year report, the year's last instant, so that locking an early quarter
// does not freeze the annual report (the year's and Q4's locks apply).
func reportDatedAt(p Period) time.Time {
	if p.Quarter == 0 {
		return p.End.Add(-time.Nanosecond)
	}
	return p.Start
}

// findReport finds the member's report for the period (nil when none).
func findReport(tx *bolt.Tx, memberID, period string) (*LearningReport, []byte, error) {
	var found *LearningReport
	var key []byte
	err := forEachReport(tx, func(k []byte, r *LearningReport) bool {
		if r.MemberID == memberID && r.Period == period {
			found, key = r, copyBytes(k)
			return false
		}
		return true
	})
	return found, key, err
}

// forEachReport decodes reports in id order until fn returns false.
func forEachReport(tx *bolt.Tx, fn func(k []byte, r *LearningReport) bool) error {
	c := tx.Bucket(bucketReports).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var r LearningReport
		if err := decodeReport(tx, v, &r); err != nil {
			return err
		}
		if !fn(k, &r) {
			return nil
		}
	}
	return nil
}

// EvaluateReport grades a report (评学). by must be an admin or a lead over
// the author's group, and nobody grades their own report (403). A report may
// be evaluated again; each evaluation is audited.
func (s *Store) EvaluateReport(ctx context.Context, by *Member, id string, in EvaluationInput) (*LearningReport, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var r LearningReport
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReports)
		got, err := getByID[LearningReport](b, "learning report", id)
		if err != nil {
			return err
		}
		r = *got
		if err := openReport(tx, &r); err != nil {
			return err
		}
		key := keyOrZero(id)
		if by.ID == r.MemberID {
			return Forbidden("nobody may grade their own learning report")
		}
		author, err := getMember(tx, r.MemberID)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		if !ManagesGroup(t, by, author.GroupID) || (by.Role != RoleAdmin && author.GroupID == "") {
			return Forbidden("only a lead over the author's group, or an admin, may grade this report")
		}
		p, err := ParsePeriod(r.Period, s.loc)
		if err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, reportDatedAt(p))
		if err != nil {
			return err
		}
		before := r
		now := s.now().UTC()
		g := in.Grade
		r.Grade, r.Comment, r.EvaluatedAt, r.EvaluatedBy = &g, in.Comment, &now, ActorFrom(ctx)
		stored := sealedReport(tx, r)
		if err := putJSON(b, key, stored); err != nil {
			return err
		}
		return s.audit(ctx, tx, "evaluate", "learning_report", r.ID, textHashed(*sealedReport(tx, before)), textHashed(*stored))
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ReportFilter selects learning reports; zero fields do not filter.
type ReportFilter struct {
	Period  string // "2023" or "2023Q3": reports of exactly that period
	GroupID string // authors in this group's subtree
}

// Reports lists the learning reports by may see: a member their own, a lead
// those of their group's subtree, hr and admins all. For leads, hr and
// admins each report carries its near copies (similar_to): reports of other
// members in the same period, of any group, with similarity ≥
// SimilarityThreshold. Items come by period, then author name, then id.
func (s *Store) Reports(by *Member, f ReportFilter) ([]ReportItem, error) {
	fe := FieldErrors{}
	if f.Period != "" {
		if p, err := ParsePeriod(f.Period, s.loc); err != nil {
			fe.Add("period", "a year like 2023 or a quarter like 2023Q3")
		} else {
			f.Period = p.String()
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out []ReportItem
	err := s.view(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		if f.GroupID != "" {
			if _, ok := t.Group(f.GroupID); !ok {
				return NotFound("group", f.GroupID)
			}
		}
		scope, err := reportScope(t, by, f.GroupID)
		if err != nil {
			return err
		}
		ms, err := loadMembers(tx)
		if err != nil {
			return err
		}
		byID := make(map[string]*Member, len(ms))
		for i := range ms {
			byID[ms[i].ID] = &ms[i]
		}
		// Every report of the periods shown, for the similarity check.
		perPeriod := map[string][]LearningReport{}
		err = forEachReport(tx, func(_ []byte, r *LearningReport) bool {
			if f.Period == "" || r.Period == f.Period {
				perPeriod[r.Period] = append(perPeriod[r.Period], *r)
			}
			return true
		})
		if err != nil {
			return err
		}
		evaluator := by.Role == RoleLead || by.Role == RoleHR || by.Role == RoleAdmin
		for _, rs := range perPeriod {
			var hits map[int][]similarHit
			var shown []int
			for i := range rs {
				if scope(byID[rs[i].MemberID]) {
					shown = append(shown, i)
				}
			}
			if len(shown) == 0 {
				continue
			}
			if evaluator {
				texts := make([]string, len(rs))
				owners := make([]string, len(rs))
				for i := range rs {
					texts[i], owners[i] = rs[i].Text, rs[i].MemberID
				}
				hits = nearCopies(texts, owners, SimilarityThreshold)
			}
			for _, i := range shown {
				it := ReportItem{LearningReport: rs[i], Name: memberName(byID, rs[i].MemberID), SimilarTo: []SimilarReport{}}
				for _, h := range hits[i] {
					o := rs[h.Other]
					it.SimilarTo = append(it.SimilarTo, SimilarReport{ReportID: o.ID, MemberID: o.MemberID, Name: memberName(byID, o.MemberID), Similarity: h.Similarity})
				}
				out = append(out, it)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return idLess(a.ID, b.ID)
	})
	return out, err
}

func memberName(byID map[string]*Member, id string) string {
	if m := byID[id]; m != nil {
		return m.Name
	}
	return ""
}

// textHashed is a report as the audit log keeps a text it already holds:
// the text replaced by "sha256:" and its hash. A report's text is audited
// once, when it is written (the new text, and the hash of the old), so
// editing a report never grows the log by more than the report itself.
func textHashed(r LearningReport) *LearningReport {
	r.History = nil
	sum := sha256.Sum256([]byte(r.Text))
	r.Text = "sha256:" + hex.EncodeToString(sum[:])
	return &r
}
