package store

import bolt "go.etcd.io/bbolt"

// Activity is what one member did in a period beyond attendance: the counts
// the appraisal and its PDF need.
type Activity struct {
	MemberID          string   `json:"member_id"`
	TimesLed          int      `json:"times_led"`
	Shares            int      `json:"shares"`
	QuestionsAsked    int      `json:"questions_asked"`
	QuestionsAnswered int      `json:"questions_answered"`
	ReportID          string   `json:"report_id,omitempty"`
	ReportGrade       int      `json:"report_grade,omitempty"` // 1–5, 0 = not evaluated
	ReportComment     string   `json:"report_comment,omitempty"`
	Evaluation        *float64 `json:"evaluation"` // average grade 1–5 of evaluated reports in the period, nil when none
}

// Activities returns the activity of every member with any in period p,
// keyed by member id; members absent from the map did nothing.
func (s *Store) Activities(p Period) (map[string]*Activity, error) {
	var out map[string]*Activity
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = activitiesTx(tx, p)
		return err
	})
	return out, err
}

// activitiesTx is Activities inside a transaction, for the rates.
// STUB: the minutes/learning-report feature replaces this body.
func activitiesTx(tx *bolt.Tx, p Period) (map[string]*Activity, error) {
	return map[string]*Activity{}, nil
}
