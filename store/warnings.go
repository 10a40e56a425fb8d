package store

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Warning kinds.
const (
	// WarnBelowTarget: a rate of the period is below its 100% target.
	WarnBelowTarget = "below_target"
	// WarnCannotReach: a required session is already over with no
	// attendance credit and no make-up, so 100% participation is out of
	// reach this period unless a make-up is recorded.
	WarnCannotReach = "cannot_reach"
	// WarnConsecutiveAbsence: absent without make-up from two or more of
	// the member's required sessions in a row.
	WarnConsecutiveAbsence = "consecutive_absence"
)

// Warning is one thing a lead should follow up for one member.
type Warning struct {
	MemberID string `json:"member_id"`
	Name     string `json:"name"`
	GroupID  string `json:"group_id"`
	Kind     string `json:"kind"`
	Detail   string `json:"detail"`
	// Below lists the rates under 100% (below_target), by name.
	Below map[string]Ratio `json:"below,omitempty"`
	// Count is the sessions missed (cannot_reach) or in the run of
	// absences (consecutive_absence); From and To are their first and
	// last dates (To only for a run).
	Count int    `json:"count,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	// GroupName names the group of a group's warning (meeting_missed,
	// inactive_group), which has no member; MeetingKind and Slot say which
	// meeting was missed when (compliance.go).
	GroupName   string `json:"group_name,omitempty"`
	MeetingKind string `json:"meeting_kind,omitempty"`
	Slot        string `json:"slot,omitempty"`
}

// Warnings lists, for every member the rates of groupID's subtree ("" for
// everyone) cover in p, the warnings that apply, members in the rates'
// order and, per member, below_target, cannot_reach, consecutive_absence;
// then, when p holds today, rectification_due and rectification_overdue
// for the findings members of the subtree answer for (inspection_finding.go).
// "Already over" is judged by the store's clock. A locked period's
// warnings are those frozen in its snapshot.
func (s *Store) Warnings(p Period, groupID string, pol Policy) ([]Warning, error) {
	out := []Warning{}
	err := s.view(func(tx *bolt.Tx) error {
		ps, err := s.frozenTx(tx, p)
		if err != nil {
			return err
		}
		if ps != nil {
			if err := checkGroup(tx, ps, groupID); err != nil {
				return err
			}
			out, err = ps.WarningsOf(groupID)
			return err
		}
		res, err := s.computeRates(tx, ratesQuery{p: p, pol: pol, group: groupID, warnings: true, now: s.now()})
		if err != nil {
			return err
		}
		out = warningsOf(res)
		rw, err := s.rectificationWarnings(tx, p, groupID)
		out = append(out, rw...)
		return err
	})
	return out, err
}

// warningsOf lists the warnings of computed rates (asked with warnings).
func warningsOf(res *ratesResult) []Warning {
	out := []Warning{}
	for i, mr := range res.report.Members {
		r := res.rows[i]
		w := func(kind, detail string, fill func(*Warning)) {
			wn := Warning{MemberID: mr.MemberID, Name: mr.Name, GroupID: mr.GroupID, Kind: kind, Detail: detail}
			fill(&wn)
			out = append(out, wn)
		}
		var below []string
		belowRates := map[string]Ratio{}
		for _, x := range []struct {
			name string
			r    Ratio
		}{{"participation", mr.Participation}, {"completion", mr.Completion}, {"excellence", mr.Excellence}} {
			if x.r.Den > 0 && x.r.Num < x.r.Den {
				below = append(below, fmt.Sprintf("%s %d/%d", x.name, x.r.Num, x.r.Den))
				belowRates[x.name] = x.r
			}
		}
		if len(below) > 0 {
			w(WarnBelowTarget, "below 100%: "+strings.Join(below, ", "), func(wn *Warning) { wn.Below = belowRates })
		}
		if r.missed > 0 {
			w(WarnCannotReach, fmt.Sprintf("missed %d required session(s) without make-up since %s: 100%% participation needs a make-up", r.missed, dayString(r.firstMissed)),
				func(wn *Warning) { wn.Count, wn.From = r.missed, dayString(r.firstMissed) })
		}
		if r.bestRun >= 2 {
			w(WarnConsecutiveAbsence, fmt.Sprintf("absent without make-up from %d sessions in a row (%s to %s)", r.bestRun, dayString(r.bestRunStart), dayString(r.bestRunEnd)),
				func(wn *Warning) {
					wn.Count, wn.From, wn.To = r.bestRun, dayString(r.bestRunStart), dayString(r.bestRunEnd)
				})
		}
	}
	return out
}

// dayString turns a day number back into YYYY-MM-DD.
func dayString(d int32) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format(DateLayout)
}
