package store

import (
	"encoding/json"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Activity is what one member did in a period beyond attendance: the counts
// the appraisal and its PDF need (四、领学与交流; 五、述学与评学).
type Activity struct {
	MemberID          string `json:"member_id"`
	TimesLed          int    `json:"times_led"`          // sessions whose reading they led
	Shares            int    `json:"shares"`             // shares recorded for them
	QuestionsAsked    int    `json:"questions_asked"`    // questions they asked
	QuestionsAnswered int    `json:"questions_answered"` // questions they answered
	// ReportID, ReportGrade and ReportComment describe the period's own
	// report; for a year without a year report, the latest quarter's.
	ReportID      string `json:"report_id,omitempty"`
	ReportGrade   int    `json:"report_grade,omitempty"` // 1–5, 0 = not evaluated
	ReportComment string `json:"report_comment,omitempty"`
	// Reports lists every report that counts for the period: for a quarter
	// its report; for a year the year's report and the quarters' reports,
	// in period order ("2023", "2023Q1" … "2023Q4").
	Reports []ActivityReport `json:"reports,omitempty"`
	// Evaluation is the average grade 1–5 of the evaluated reports in
	// Reports, nil when none is evaluated.
	Evaluation *float64 `json:"evaluation"`
}

// ActivityReport is one learning report counted in an Activity.
type ActivityReport struct {
	ID      string `json:"id"`
	Period  string `json:"period"`
	Grade   int    `json:"grade,omitempty"` // 0 = not evaluated
	Comment string `json:"comment,omitempty"`
}

// Activities returns the activity of every member with any in period p,
// keyed by member id; members absent from the map did nothing.
func (s *Store) Activities(p Period) (map[string]*Activity, error) {
	var out map[string]*Activity
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = activitiesTx(tx, p, nil)
		return err
	})
	return out, err
}

// activitiesTx is Activities inside a transaction: the one query the rates
// and the PDF reports use. held, when not nil, is the keys of the sessions
// not cancelled that start in p (the rates index knows them, so a store of
// many years is not read whole); nil finds them by reading every session.
// The rules:
//
//   - Sessions count when they are not cancelled and start inside p (the
//     same sessions the rates count, scheduled ones included).
//   - Times led: one per counted session, for its actual lead — the lead_id
//     of its reading turn when one was recorded, else the session's lead_id
//     (the assigned or hand-set lead). Sessions with neither count for
//     nobody.
//   - Shares, questions asked and questions answered: those recorded at the
//     counted sessions.
//   - Reports: for a quarter, the member's report of that quarter; for a
//     year, the year's report and the four quarters' reports. Evaluation is
//     the average grade of the evaluated ones.
func activitiesTx(tx *bolt.Tx, p Period, held [][]byte) (map[string]*Activity, error) {
	out := map[string]*Activity{}
	get := func(id string) *Activity {
		a := out[id]
		if a == nil {
			a = &Activity{MemberID: id}
			out[id] = a
		}
		return a
	}
	keys := held
	visit := func(k, v []byte) error {
		var h sessionHead
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		if h.Cancelled || !p.Contains(h.StartsAt) {
			return nil
		}
		ss := h.session()
		if lead := actualLead(tx, &ss); lead != "" {
			get(lead).TimesLed++
		}
		if held == nil {
			keys = append(keys, copyBytes(k))
		}
		return nil
	}
	var err error
	if held == nil {
		if err = tx.Bucket(bucketSessions).ForEach(visit); err != nil {
			return nil, err
		}
	} else {
		sb := tx.Bucket(bucketSessions)
		for _, k := range held {
			if v := sb.Get(k); v != nil {
				if err := visit(k, v); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, k := range keys {
		err := eachPrefix(tx.Bucket(bucketShares), k, func(_, v []byte) error {
			var sh Share
			if err := json.Unmarshal(v, &sh); err != nil {
				return err
			}
			get(sh.MemberID).Shares++
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = eachPrefix(tx.Bucket(bucketQuestions), k, func(_, v []byte) error {
			var q Question
			if err := json.Unmarshal(v, &q); err != nil {
				return err
			}
			get(q.AskerID).QuestionsAsked++
			get(q.AnswererID).QuestionsAnswered++
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	periods := map[string]bool{p.String(): true}
	if p.Quarter == 0 {
		for q := 1; q <= 4; q++ {
			periods[strconv.Itoa(p.Year)+"Q"+strconv.Itoa(q)] = true
		}
	}
	own := p.String()
	err = forEachReport(tx, func(_ []byte, r *LearningReport) bool {
		if !periods[r.Period] {
			return true
		}
		a := get(r.MemberID)
		ar := ActivityReport{ID: r.ID, Period: r.Period, Comment: r.Comment}
		if r.Grade != nil {
			ar.Grade = *r.Grade
		}
		// Keep Reports in period order: "2023" sorts before "2023Q1".
		i := len(a.Reports)
		for i > 0 && a.Reports[i-1].Period > r.Period {
			i--
		}
		a.Reports = append(a.Reports, ActivityReport{})
		copy(a.Reports[i+1:], a.Reports[i:])
		a.Reports[i] = ar
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, a := range out {
		if len(a.Reports) == 0 {
			continue
		}
		main := a.Reports[len(a.Reports)-1] // the latest quarter
		if a.Reports[0].Period == own {
			main = a.Reports[0]
		}
		a.ReportID, a.ReportGrade, a.ReportComment = main.ID, main.Grade, main.Comment
		sum, n := 0, 0
		for _, r := range a.Reports {
			if r.Grade > 0 {
				sum += r.Grade
				n++
			}
		}
		if n > 0 {
			avg := float64(sum) / float64(n)
			a.Evaluation = &avg
		}
	}
	return out, nil
}
