package store

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestActivities(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	lead := WithActor(admin, f.c.ID)
	q2 := rtCreate(t, s, f.g, rtDay("2023-06-05"), f.a.ID)
	edge := rtCreate(t, s, f.g, time.Date(2023, 6, 30, 23, 59, 0, 0, DefaultLocation()), f.b.ID) // still Q2 in Shanghai
	q3a := rtCreate(t, s, f.g, rtDay("2023-07-03"), f.b.ID)
	q3b := rtCreate(t, s, f.g, rtDay("2023-07-10"), f.a.ID)
	q3c := rtCreate(t, s, f.g, rtDay("2023-07-17"), f.c.ID)
	q3d := rtCreate(t, s, f.g, rtDay("2023-07-24"), f.a.ID)
	q3e := rtCreate(t, s, f.g, rtDay("2023-07-31"), "")
	rtEdit(t, s, q3e.ID, func(ss *Session) { ss.LeadID, ss.LeadSource = "", "" }) // led by nobody
	_ = edge                                                                      // led by b, counts in Q2

	share := func(sess *Session, m *Member) {
		t.Helper()
		if _, err := s.RecordShare(lead, f.c, sess.ID, ShareInput{MemberID: m.ID, Summary: "发言"}); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(sess *Session, asker, answerer *Member) {
		t.Helper()
		if _, err := s.RecordQuestion(lead, f.c, sess.ID, QuestionInput{AskerID: asker.ID, AnswererID: answerer.ID, Question: "问", Rating: 4}); err != nil {
			t.Fatal(err)
		}
	}
	share(q2, f.a)
	share(q3a, f.a)
	share(q3a, f.b)
	share(q3b, f.a)
	share(q3d, f.a) // then cancelled: does not count
	ask(q3a, f.a, f.b)
	ask(q3c, f.b, f.a)
	ask(q3d, f.b, f.a)
	// c was assigned q3c, but the turn says d led it.
	if _, _, err := s.RecordReading(lead, f.c, q3c.ID, ReadingInput{LeadID: f.d.ID, Material: "《党章》"}); err != nil {
		t.Fatal(err)
	}
	rtEdit(t, s, q3d.ID, func(ss *Session) { ss.Cancelled = true })

	report := func(m *Member, period string, grade int) {
		t.Helper()
		r := mtMust3(s.WriteReport(WithActor(admin, m.ID), m, ReportInput{Period: period, Text: "述学 " + period}))
		if grade > 0 {
			if _, err := s.EvaluateReport(lead, f.c, r.ID, EvaluationInput{Grade: grade, Comment: "评 " + period}); err != nil {
				t.Fatal(err)
			}
		}
	}
	report(f.a, "2023Q3", 4)
	report(f.a, "2023Q2", 2)
	report(f.a, "2023", 5)
	report(f.b, "2023Q3", 0)

	type want struct {
		led, shares, asked, answered int
		reportPeriod                 string
		grade                        int
		evaluation                   float64 // 0 = nil
		reports                      int
	}
	cases := []struct {
		period string
		want   map[string]want
	}{
		{"2023Q3", map[string]want{
			f.a.ID: {led: 1, shares: 2, asked: 1, answered: 1, reportPeriod: "2023Q3", grade: 4, evaluation: 4, reports: 1},
			f.b.ID: {led: 2, shares: 1, asked: 1, answered: 1, reportPeriod: "2023Q3", reports: 1}, // q3a and the fixture's session
			f.d.ID: {led: 1},
		}},
		{"2023Q2", map[string]want{
			f.a.ID: {led: 1, shares: 1, reportPeriod: "2023Q2", grade: 2, evaluation: 2, reports: 1},
			f.b.ID: {led: 1},
		}},
		{"2023", map[string]want{
			f.a.ID: {led: 2, shares: 3, asked: 1, answered: 1, reportPeriod: "2023", grade: 5, evaluation: 11.0 / 3, reports: 3},
			f.b.ID: {led: 3, shares: 1, asked: 1, answered: 1, reportPeriod: "2023Q3", reports: 1},
			f.d.ID: {led: 1},
		}},
		{"2023Q4", map[string]want{}},
	}
	for _, c := range cases {
		p, _ := ParsePeriod(c.period, s.Location())
		acts, err := s.Activities(p)
		if err != nil {
			t.Fatal(err)
		}
		// The rates read only the period's sessions, through the index.
		s.view(func(tx *bolt.Tx) error {
			ix, err := s.ratesIndex(tx)
			if err != nil {
				t.Fatal(err)
			}
			viaIndex, err := activitiesTx(tx, p, ix.heldIn(p))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(acts)
			b, _ := json.Marshal(viaIndex)
			if string(a) != string(b) {
				t.Errorf("%s: through the index\n%s\nreading every session\n%s", c.period, b, a)
			}
			return nil
		})
		if len(acts) != len(c.want) {
			data, _ := json.Marshal(acts)
			t.Errorf("%s: %d members, want %d: %s", c.period, len(acts), len(c.want), data)
		}
		for id, w := range c.want {
			a := acts[id]
			if a == nil {
				t.Errorf("%s: member %s missing", c.period, id)
				continue
			}
			got := want{led: a.TimesLed, shares: a.Shares, asked: a.QuestionsAsked, answered: a.QuestionsAnswered,
				grade: a.ReportGrade, reports: len(a.Reports)}
			if a.Evaluation != nil {
				got.evaluation = *a.Evaluation
			}
			for _, r := range a.Reports {
				if r.ID == a.ReportID {
					got.reportPeriod = r.Period
				}
			}
			if math.Abs(got.evaluation-w.evaluation) < 1e-9 {
				got.evaluation = w.evaluation
			}
			if got != w {
				t.Errorf("%s member %s:\n got %+v\nwant %+v", c.period, f.names([]string{id}), got, w)
			}
			if a.MemberID != id {
				t.Errorf("member id %q", a.MemberID)
			}
		}
	}
	// The year lists its reports in period order, with the comments.
	p, _ := ParsePeriod("2023", s.Location())
	acts, _ := s.Activities(p)
	rs := acts[f.a.ID].Reports
	if len(rs) != 3 || rs[0].Period != "2023" || rs[1].Period != "2023Q2" || rs[2].Period != "2023Q3" || rs[1].Comment != "评 2023Q2" {
		t.Errorf("year reports %+v", rs)
	}
	if acts[f.a.ID].ReportComment != "评 2023" {
		t.Errorf("report comment %q", acts[f.a.ID].ReportComment)
	}
	// Unevaluated: evaluation null on the wire.
	data, _ := json.Marshal(acts[f.b.ID])
	if want := `"evaluation":null`; !strings.Contains(string(data), want) {
		t.Errorf("b's activity %s lacks %s", data, want)
	}
}
