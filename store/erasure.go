package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Erasure of closed accounts (个人信息保护法 art. 47: personal information
// is deleted once it is no longer needed). An account closed — its left_on
// has come — is erased when the retention (PrivacyPolicy.EraseAfterYears,
// default 5) has passed since the later of its left_on and the end of the
// last locked period it was on the roster in. Erasing:
//
//   - the member's name becomes the pseudonym 已注销成员-<id>, the
//     username erased-<id>, the title empty, erased_on today; the password,
//     login sessions, second factor and privacy acceptance are deleted;
//   - the member's leave reasons, attendance and make-up notes, learning
//     report texts and evaluation comments are emptied;
//   - every locked period's snapshot is rewritten the same way, its figures
//     kept under the pseudonym (the lock's SHA-256 updated);
//   - one audit entry per account (action erase, entity member) records the
//     pseudonym and what was emptied, never the erased values.
//
// Older audit entries keep what they recorded until prune-audit removes
// them after the audit retention (the chain pins them).

// PseudonymPrefix starts the name of an erased account.
const PseudonymPrefix = "已注销成员-"

// Pseudonym is the name an erased account gets.
func Pseudonym(id string) string { return PseudonymPrefix + id }

// ErasedUsername is the username an erased account gets.
func ErasedUsername(id string) string { return "erased-" + id }

// ErasedAccount is one account erased by EraseClosedAccounts.
type ErasedAccount struct {
	MemberID  string `json:"member_id"`
	Pseudonym string `json:"pseudonym"`
	LeftOn    string `json:"left_on"`
	// DueOn is the day the retention ended.
	DueOn     string `json:"due_on"`
	Texts     int    `json:"texts"`     // reasons, notes, report texts and comments emptied
	Snapshots int    `json:"snapshots"` // locked-period snapshots rewritten
}

// EraseClosedAccounts erases every closed account whose retention has
// passed at the store's clock, each in its own audited transaction.
func (s *Store) EraseClosedAccounts(ctx context.Context) ([]ErasedAccount, error) {
	years := s.PrivacyPolicy().EraseAfterYears
	today := s.Today()
	var due []ErasedAccount
	err := s.view(func(tx *bolt.Tx) error {
		ms, err := loadMembers(tx)
		if err != nil {
			return err
		}
		ends, err := lockedPeriodEnds(tx, s.loc)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.ErasedOn != "" || m.LeftOn == "" || m.LeftOn > today {
				continue
			}
			from := m.LeftOn
			for _, pe := range ends {
				// on the roster in the period: joined before its end, left after its start
				if m.JoinedOn <= pe.last && m.LeftOn > pe.first && pe.last > from {
					from = pe.last
				}
			}
			d, err := time.Parse(DateLayout, from)
			if err != nil {
				continue
			}
			dueOn := d.AddDate(years, 0, 0).Format(DateLayout)
			if dueOn <= today {
				due = append(due, ErasedAccount{MemberID: m.ID, Pseudonym: Pseudonym(m.ID), LeftOn: m.LeftOn, DueOn: dueOn})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range due {
		if err := s.update(func(tx *bolt.Tx) error { return s.eraseTx(ctx, tx, &due[i]) }); err != nil {
			return due[:i], fmt.Errorf("erase member %s: %w", due[i].MemberID, err)
		}
	}
	return due, nil
}

type periodSpan struct{ first, last string } // dates, inclusive

// lockedPeriodEnds lists the first and last day of every locked period.
func lockedPeriodEnds(tx *bolt.Tx, loc *time.Location) ([]periodSpan, error) {
	var out []periodSpan
	err := tx.Bucket(bucketLocks).ForEach(func(k, v []byte) error {
		var l PeriodLock
		if err := json.Unmarshal(v, &l); err != nil {
			return err
		}
		if !l.Locked {
			return nil
		}
		p, err := ParsePeriod(l.Period, loc)
		if err != nil {
			return nil
		}
		out = append(out, periodSpan{p.Start.In(loc).Format(DateLayout), p.End.Add(-time.Nanosecond).In(loc).Format(DateLayout)})
		return nil
	})
	return out, err
}

// eraseTx erases one account in tx (see EraseClosedAccounts).
func (s *Store) eraseTx(ctx context.Context, tx *bolt.Tx, e *ErasedAccount) error {
	id := e.MemberID
	key := keyOrZero(id)
	mb := tx.Bucket(bucketMembers)
	m, err := getByID[Member](mb, "member", id)
	if err != nil {
		return err
	}
	if m.ErasedOn != "" {
		return nil // erased meanwhile
	}
	un := tx.Bucket(bucketUsernames)
	for _, k := range []string{CanonicalUsername(m.Username), strings.ToLower(strings.TrimSpace(m.Username))} {
		if k != "" {
			if err := un.Delete([]byte(k)); err != nil {
				return err
			}
		}
	}
	m.Name, m.Username, m.Title, m.ErasedOn = e.Pseudonym, ErasedUsername(id), "", s.Today()
	if err := putJSON(mb, key, m); err != nil {
		return err
	}
	if err := un.Put([]byte(CanonicalUsername(m.Username)), key); err != nil {
		return err
	}
	if err := tx.Bucket(bucketCredentials).Delete(key); err != nil {
		return err
	}
	if err := deleteTokensOf(tx, id); err != nil {
		return err
	}
	for _, k := range [][]byte{secondFactorKey(id), passwordKey(id)} {
		if err := tx.Bucket(bucketSecurity).Delete(k); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketPrivacy).Delete(key); err != nil {
		return err
	}
	// The member's records: keyed session + member (leave, attendance), or
	// JSON with member_id (reports).
	lb := tx.Bucket(bucketLeave)
	if err := rewriteEach(lb, func(v []byte) ([]byte, error) {
		var r LeaveRequest
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, err
		}
		if r.MemberID != id || r.Reason == "" {
			return nil, nil
		}
		r.Reason = ""
		e.Texts++
		return json.Marshal(&r)
	}); err != nil {
		return err
	}
	ab := tx.Bucket(bucketAttendance)
	var fixes [][2][]byte
	if err := ab.ForEach(func(k, v []byte) error {
		if len(k) != 16 || string(k[8:]) != string(key) {
			return nil
		}
		a, err := decodeAttendance(k, v)
		if err != nil {
			return err
		}
		if a.Note == "" && a.MakeupNote == "" {
			return nil
		}
		for _, t := range []string{a.Note, a.MakeupNote} {
			if t != "" {
				e.Texts++
			}
		}
		a.Note, a.MakeupNote = "", ""
		fixes = append(fixes, [2][]byte{copyBytes(k), encodeAttendance(a)})
		return nil
	}); err != nil {
		return err
	}
	for _, kv := range fixes {
		if err := ab.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := rewriteEach(tx.Bucket(bucketReports), func(v []byte) ([]byte, error) {
		var r LearningReport
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, err
		}
		if r.MemberID != id || (r.Text == "" && r.Comment == "") {
			return nil, nil
		}
		for _, t := range []string{r.Text, r.Comment} {
			if t != "" {
				e.Texts++
			}
		}
		r.Text, r.Comment = "", ""
		return json.Marshal(&r)
	}); err != nil {
		return err
	}
	e.Snapshots, err = s.rewriteSnapshots(tx, func(ps *PeriodSnapshot, recs *SnapshotRecords) bool {
		return pseudonymise(ps, recs, id, e.Pseudonym, m.Username)
	})
	if err != nil {
		return err
	}
	return s.audit(ctx, tx, "erase", "member", id, nil, e)
}

// pseudonymise replaces member id's personal fields in a snapshot; it
// reports whether the member is in it.
func pseudonymise(ps *PeriodSnapshot, recs *SnapshotRecords, id, pseudonym, username string) bool {
	found := false
	for i := range ps.Members {
		if ps.Members[i].ID == id {
			ps.Members[i].Name, ps.Members[i].Username, ps.Members[i].Title = pseudonym, username, ""
			found = true
		}
	}
	if !found {
		return false
	}
	for i := range ps.Rows {
		if ps.Rows[i].Rate.MemberID == id {
			ps.Rows[i].Rate.Name = pseudonym
		}
	}
	for i := range ps.Warnings {
		if ps.Warnings[i].MemberID == id {
			ps.Warnings[i].Name = pseudonym
		}
	}
	for g, list := range recs.Sessions {
		for i := range list {
			for j := range list[i].Attendance {
				if a := &list[i].Attendance[j]; a.MemberID == id {
					a.Note, a.MakeupNote = "", ""
				}
			}
		}
		recs.Sessions[g] = list
	}
	for i := range recs.Exams {
		for j := range recs.Exams[i].Scores {
			if sc := &recs.Exams[i].Scores[j]; sc.MemberID == id {
				sc.Name = pseudonym
			}
		}
	}
	if a, ok := recs.Activities[id]; ok {
		c := *a
		c.ReportComment = ""
		c.Reports = append([]ActivityReport(nil), c.Reports...)
		for j := range c.Reports {
			c.Reports[j].Comment = ""
		}
		recs.Activities[id] = &c
	}
	for rid, r := range recs.Reports {
		if r.MemberID == id {
			r.Text, r.Comment = "", ""
			recs.Reports[rid] = r
		}
	}
	return true
}
