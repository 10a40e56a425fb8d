package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Ratio is one rate: whole counts and their quotient, nil when nothing was
// required (a zero denominator is "none required", never 100%).
type Ratio struct {
	Num  int      `json:"num"`
	Den  int      `json:"den"`
	Rate *float64 `json:"rate"`
}

func ratio(num, den int) Ratio {
	r := Ratio{Num: num, Den: den}
	if den > 0 {
		v := float64(num) / float64(den)
		r.Rate = &v
	}
	return r
}

// Full reports whether the rate is exactly 100% (not null).
func (r Ratio) Full() bool { return r.Den > 0 && r.Num == r.Den }

// MemberRate is one member's three rates, evaluation and appraisal in a
// period: a row of GET /rates.
type MemberRate struct {
	MemberID      string   `json:"member_id"`
	Name          string   `json:"name"`
	GroupID       string   `json:"group_id"`
	Participation Ratio    `json:"participation"`
	Completion    Ratio    `json:"completion"`
	Excellence    Ratio    `json:"excellence"`
	Evaluation    *float64 `json:"evaluation"` // average grade 1–5 of evaluated reports, nil when none
	Score         *float64 `json:"score"`      // 0–100 unrounded, nil when no part is known
	// Grade is excellent, good, pass or fail; "" (null on the wire) when
	// there is no score.
	Grade string `json:"grade"`
	// GradeLabel is how the policy in force prints the grade for this
	// period (好 / 较好 … quarterly, 优秀 / 合格 … annual); null with Grade.
	GradeLabel string `json:"grade_label"`

	// Attendance breaks the participation down for the appraisal form;
	// it is not part of the API answer.
	Attendance AttendanceTally `json:"-"`
}

// MarshalJSON writes an empty grade as null.
func (m MemberRate) MarshalJSON() ([]byte, error) {
	type plain MemberRate
	return json.Marshal(struct {
		plain
		Grade      *string `json:"grade"`
		GradeLabel *string `json:"grade_label"`
	}{plain(m), nullable(m.Grade), nullable(m.GradeLabel)})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// AttendanceTally counts a member's required sessions in a period by what
// happened at them (一、学习出勤 of the appraisal form).
type AttendanceTally struct {
	Required int `json:"required"` // required sessions
	Attended int `json:"attended"` // counted as attended, make-up included
	Present  int `json:"present"`
	Late     int `json:"late"`
	Leave    int `json:"leave"`
	Absent   int `json:"absent"`
	None     int `json:"none"`    // no record
	Makeup   int `json:"makeup"`  // records with a make-up
	Excused  int `json:"excused"` // left out of the denominator (policy LeaveExcused)
}

// RatesReport is the answer of GET /rates: the sums over the members
// listed, each member's row, and the policy used.
type RatesReport struct {
	Period string `json:"period"`
	// GroupID is the subtree reported; "" (null on the wire) for the whole
	// organisation or a single member.
	GroupID       string       `json:"group_id"`
	Participation Ratio        `json:"participation"`
	Completion    Ratio        `json:"completion"`
	Excellence    Ratio        `json:"excellence"`
	Members       []MemberRate `json:"members"`
	Policy        Policy       `json:"policy"`
	// Provisional: the period has not ended, the figures are to date
	// (AsOf); Locked: they come from the period's frozen snapshot of
	// Revision, taken at AsOf.
	Provisional bool      `json:"provisional"`
	AsOf        time.Time `json:"as_of"`
	Locked      bool      `json:"locked"`
	Revision    int       `json:"revision"`
}

// MarshalJSON writes an empty group_id as null.
func (r RatesReport) MarshalJSON() ([]byte, error) {
	type plain RatesReport
	if r.Members == nil {
		r.Members = []MemberRate{}
	}
	return json.Marshal(struct {
		plain
		GroupID *string `json:"group_id"`
	}{plain(r), nullable(r.GroupID)})
}

// Rates computes the three rates, evaluation, score and grade of every
// account in groupID's subtree ("" for the whole organisation) active at
// any time in p, and the group's rates as sums of their numerators over
// sums of their denominators. Accounts without a group are in no rates.
// See docs/RATES.md for every rule.
//
// The rates of a locked period come from its snapshot, whatever pol says:
// they are the figures frozen at the lock.
func (s *Store) Rates(p Period, groupID string, pol Policy) (*RatesReport, error) {
	var r *RatesReport
	err := s.view(func(tx *bolt.Tx) error {
		ps, err := s.frozenTx(tx, p)
		if err != nil {
			return err
		}
		if ps != nil {
			if err := checkGroup(tx, ps, groupID); err != nil {
				return err
			}
			r, err = ps.Rates(groupID)
			return err
		}
		res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, group: groupID, now: s.now()})
		if err != nil {
			return err
		}
		r = res.report
		return nil
	})
	return r, err
}

// MemberRates is Rates for one member: a report whose only row, and sums,
// are theirs. A member inactive throughout p gets no row (members: []); an
// account without a group is in no rates (404 not_in_rates).
func (s *Store) MemberRates(p Period, memberID string, pol Policy) (*RatesReport, error) {
	var r *RatesReport
	err := s.view(func(tx *bolt.Tx) error {
		ps, err := s.frozenTx(tx, p)
		if err != nil {
			return err
		}
		if ps != nil {
			m, err := getMember(tx, memberID)
			if err != nil {
				return err
			}
			if m.GroupID == "" {
				return Errorf(KindNotFound, "not_in_rates", "account %s has no group and is in no rates", memberID)
			}
			r = ps.MemberRates(memberID)
			return nil
		}
		res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, member: memberID, now: s.now()})
		if err != nil {
			return err
		}
		r = res.report
		return nil
	})
	return r, err
}

// ratesQuery says what computeRates covers: a group's subtree (or "" for
// everyone), or one member.
type ratesQuery struct {
	p        Period
	pol      Policy
	group    string
	member   string
	warnings bool
	now      time.Time
}

// ratesResult is the report plus, when asked, what the warnings need.
type ratesResult struct {
	report *RatesReport
	rows   []*memberAcc // in report member order
}

// checkGroup answers 404 for a group neither the snapshot nor the store
// knows.
func checkGroup(tx *bolt.Tx, ps *PeriodSnapshot, groupID string) error {
	if groupID == "" {
		return nil
	}
	if _, ok := ps.Tree().Group(groupID); ok {
		return nil
	}
	if k, ok := idKey(groupID); ok && tx.Bucket(bucketGroups).Get(k) != nil {
		return nil
	}
	return NotFound("group", groupID)
}
