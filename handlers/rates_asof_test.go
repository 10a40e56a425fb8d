package handlers

import (
	"testing"
	"time"
)

// TestRatesAsOfEndedPeriod: the rates of an ended period that is not
// locked — never locked, or unlocked again — say when they were computed
// (as_of = now), never the zero time, for every kind of answer: the
// organisation's, a group's, a member's own row and a member's empty
// answer for a period before they joined.
func TestRatesAsOfEndedPeriod(t *testing.T) {
	ts := ratesFixture(t)
	ts.clock.Set(time.Date(2023, 10, 9, 11, 30, 0, 0, ts.s.Location()))
	ts.tokens = map[string]string{}
	check := func(when string) {
		t.Helper()
		for _, c := range []struct{ as, query string }{
			{"hr", "period=2023Q3"},
			{"hr", "period=2023Q3&group_id=" + ts.g1},
			{"lead1", "period=2023Q3"},
			{"m1", "period=2023Q3"},
			{"m1", "period=2022"}, // before m1 joined: no rows
		} {
			var a struct {
				AsOf        time.Time `json:"as_of"`
				Provisional bool      `json:"provisional"`
				Locked      bool      `json:"locked"`
				Revision    int       `json:"revision"`
			}
			ts.must("GET", "/api/v1/rates?"+c.query, c.as, nil, 200, &a)
			if !a.AsOf.Equal(ts.clock.Now()) || a.Provisional || a.Locked || a.Revision != 0 {
				t.Errorf("%s, %s %s: as_of %v provisional %v locked %v revision %d, want as_of = now %v, not provisional, not locked",
					when, c.as, c.query, a.AsOf, a.Provisional, a.Locked, a.Revision, ts.clock.Now())
			}
		}
	}
	check("never locked")
	ts.must("POST", "/api/v1/periods/2023Q3/lock", "hr", nil, 200, nil)
	ts.clock.Advance(time.Hour)
	ts.must("POST", "/api/v1/periods/2023Q3/unlock", "admin", map[string]string{"reason": "补录"}, 200, nil)
	check("unlocked")
}
