package handlers

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// ratesAnswer is the wire shape of GET /rates (API.md).
type ratesAnswer struct {
	Period        string  `json:"period"`
	GroupID       *string `json:"group_id"`
	Participation ratioJS `json:"participation"`
	Completion    ratioJS `json:"completion"`
	Excellence    ratioJS `json:"excellence"`
	Members       []struct {
		MemberID      string   `json:"member_id"`
		Name          string   `json:"name"`
		GroupID       string   `json:"group_id"`
		Participation ratioJS  `json:"participation"`
		Completion    ratioJS  `json:"completion"`
		Excellence    ratioJS  `json:"excellence"`
		Evaluation    *float64 `json:"evaluation"`
		Score         *float64 `json:"score"`
		Grade         *string  `json:"grade"`
	} `json:"members"`
	Policy map[string]any `json:"policy"`
}

type ratioJS struct {
	Num  int      `json:"num"`
	Den  int      `json:"den"`
	Rate *float64 `json:"rate"`
}

// ratesFixture: an exam of the root on 2023-07-10, max 100 (excellent 90):
// m1 95, m2 80, m3 90; hr and lead1 without a score.
func ratesFixture(t *testing.T) *testServer {
	ts := newTestServer(t)
	e := ts.createExam("admin", ts.root, "2023-07-10", 100)
	rec := ts.do("PUT", "/api/v1/exams/"+e+"/scores", "admin", fmt.Sprintf(`{"scores":[{"member_id":"%s","score":95},{"member_id":"%s","score":80},{"member_id":"%s","score":90}]}`,
		ts.ids["m1"], ts.ids["m2"], ts.ids["m3"]))
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	return ts
}

func TestRatesAPI(t *testing.T) {
	ts := ratesFixture(t)
	g1, g2 := ts.groupNamed("第一支部"), ts.groupNamed("第二支部")
	name := map[string]string{}
	for u, id := range ts.ids {
		name[id] = u
	}
	cases := []struct {
		as, query string
		code      int
		members   []string // usernames, sorted
		exc       [2]int
	}{
		{"m1", "period=2023Q3", 200, []string{"m1"}, [2]int{1, 1}},
		{"m2", "period=2023Q3", 200, []string{"m2"}, [2]int{0, 1}},
		{"m1", "period=2023Q3&group_id=" + g1, 403, nil, [2]int{}},
		{"lead1", "period=2023Q3", 200, []string{"lead1", "m1", "m2"}, [2]int{1, 3}},
		{"lead1", "period=2023Q3&group_id=" + g1, 200, []string{"lead1", "m1", "m2"}, [2]int{1, 3}},
		{"lead1", "period=2023Q3&group_id=" + ts.root, 403, nil, [2]int{}},
		{"lead1", "period=2023Q3&group_id=" + g2, 403, nil, [2]int{}},
		// The admin has no group: in no rates.
		{"hr", "period=2023Q3", 200, []string{"hr", "lead1", "m1", "m2", "m3"}, [2]int{2, 5}},
		{"admin", "period=2023&group_id=" + g2, 200, []string{"m3"}, [2]int{1, 1}},
		{"admin", "period=2023Q2", 200, []string{"hr", "lead1", "m1", "m2", "m3"}, [2]int{0, 0}},
		{"admin", "period=2023Q3", 200, []string{"hr", "lead1", "m1", "m2", "m3"}, [2]int{2, 5}},
		{"admin", "period=2023Q3&group_id=999", 404, nil, [2]int{}},
		{"hr", "period=23Q3", 422, nil, [2]int{}},
		{"admin", "", 200, []string{"hr", "lead1", "m1", "m2", "m3"}, [2]int{2, 5}}, // the current quarter: 2023Q3
	}
	for _, c := range cases {
		t.Run(c.as+" "+c.query, func(t *testing.T) {
			rec := ts.do("GET", "/api/v1/rates?"+c.query, c.as, nil)
			if rec.Code != c.code {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, c.code)
			}
			if c.code != 200 {
				return
			}
			var a ratesAnswer
			decodeJSON(t, rec, &a)
			var got []string
			for _, m := range a.Members {
				got = append(got, name[m.MemberID])
			}
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(c.members) {
				t.Errorf("members %v, want %v", got, c.members)
			}
			if a.Excellence.Num != c.exc[0] || a.Excellence.Den != c.exc[1] {
				t.Errorf("excellence %+v, want %v", a.Excellence, c.exc)
			}
			if c.exc[1] == 0 && a.Excellence.Rate != nil {
				t.Errorf("zero denominator gave rate %v", *a.Excellence.Rate)
			}
			if a.Participation.Rate != nil || a.Policy["weights"] == nil {
				t.Errorf("participation %+v (no sessions: want null), policy %v", a.Participation, a.Policy)
			}
		})
	}
	t.Run("a member's row", func(t *testing.T) {
		var a ratesAnswer
		decodeJSON(t, ts.do("GET", "/api/v1/rates?period=2023Q3", "m1", nil), &a)
		m := a.Members[0]
		// Only excellence is known: 1/1 → score 100, but participation is
		// null, so not excellent under the default policy.
		if a.GroupID != nil || a.Period != "2023Q3" || m.Score == nil || *m.Score != 100 || m.Grade == nil || *m.Grade != "good" || m.Evaluation != nil {
			t.Errorf("answer %+v", a)
		}
		decodeJSON(t, ts.do("GET", "/api/v1/rates?period=2023Q3", "m2", nil), &a)
		if m := a.Members[0]; *m.Score != 0 || *m.Grade != "fail" {
			t.Errorf("m2 %+v", m)
		}
	})
}

func TestWarningsAPI(t *testing.T) {
	ts := ratesFixture(t)
	g2 := ts.groupNamed("第二支部")
	name := map[string]string{}
	for u, id := range ts.ids {
		name[id] = u
	}
	cases := []struct {
		as, query string
		code      int
		who       []string // members with a below_target warning
	}{
		{"m1", "period=2023Q3", 403, nil},
		{"lead1", "period=2023Q3", 200, []string{"lead1", "m2"}},
		{"lead1", "period=2023Q3&group_id=" + g2, 403, nil},
		{"hr", "period=2023Q3", 200, []string{"hr", "lead1", "m2"}},
		{"admin", "period=2023Q3&group_id=" + g2, 200, nil},
		{"admin", "period=2023Q2", 200, nil},
		{"admin", "period=nope", 422, nil},
	}
	for _, c := range cases {
		t.Run(c.as+" "+c.query, func(t *testing.T) {
			rec := ts.do("GET", "/api/v1/warnings?"+c.query, c.as, nil)
			if rec.Code != c.code {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, c.code)
			}
			if c.code != 200 {
				return
			}
			var a struct {
				Items []struct {
					MemberID string `json:"member_id"`
					Name     string `json:"name"`
					GroupID  string `json:"group_id"`
					Kind     string `json:"kind"`
					Detail   string `json:"detail"`
				}
			}
			decodeJSON(t, rec, &a)
			var got []string
			for _, w := range a.Items {
				if w.MemberID == "" && (w.Kind == "meeting_missed" || w.Kind == "inactive_group") {
					continue // group warnings: TestMeetingWarningsByDefault
				}
				if w.Kind != "below_target" || w.Detail == "" || w.GroupID == "" || w.Name == "" {
					t.Errorf("warning %+v", w)
				}
				got = append(got, name[w.MemberID])
			}
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(c.who) {
				t.Errorf("warned %v, want %v", got, c.who)
			}
		})
	}
}

// TestMeetingWarningsByDefault: GET /warnings as the API gives it (no
// ?meetings=) carries the 三会一课 warnings in an organisation that has only
// ever held study sessions: the meetings two branches missed, the branch
// with no session in 30 days, and the member absent without leave for six
// months in a row. ?meetings=0 leaves them out.
func TestMeetingWarningsByDefault(t *testing.T) {
	ts := ratesFixture(t)
	g1, g2 := ts.groupNamed("第一支部"), ts.groupNamed("第二支部")
	loc := testStart.Location()
	for m := time.April; m <= time.September; m++ {
		sid := attSession(t, ts, g2, time.Date(2023, m, 20, 9, 0, 0, 0, loc))
		if rec := ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+ts.ids["m3"], "admin", map[string]string{"status": "absent"}); rec.Code != 200 {
			t.Fatalf("absent: %d %s", rec.Code, rec.Body)
		}
	}
	ts.clock.Set(time.Date(2023, 10, 9, 9, 0, 0, 0, loc))
	ts.tokens = map[string]string{}
	type warning struct {
		MemberID    string `json:"member_id"`
		GroupID     string `json:"group_id"`
		Kind        string `json:"kind"`
		MeetingKind string `json:"meeting_kind"`
		Slot        string `json:"slot"`
	}
	get := func(query string) map[string]bool {
		t.Helper()
		rec := ts.do("GET", "/api/v1/warnings?"+query, "admin", nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
		}
		var a struct{ Items []warning }
		decodeJSON(t, rec, &a)
		seen := map[string]bool{}
		for _, w := range a.Items {
			seen[w.Kind+" "+w.GroupID+w.MemberID+" "+w.MeetingKind+" "+w.Slot] = true
		}
		return seen
	}
	got := get("period=2023Q3")
	for _, want := range []string{
		"meeting_missed " + g1 + " party_congress 2023Q3",
		"meeting_missed " + g2 + " committee_meeting 2023-09",
		"inactive_group " + g1 + "  ",
		"member_no_org_life " + g2 + ts.ids["m3"] + "  ",
	} {
		if !got[want] {
			t.Errorf("no %q in %v", want, got)
		}
	}
	if got["inactive_group "+g2+"  "] {
		t.Errorf("第二支部 met on 20 September: not inactive")
	}
	for k := range get("period=2023Q3&meetings=0") {
		if !strings.HasPrefix(k, "below_target") && !strings.HasPrefix(k, "cannot_reach") && !strings.HasPrefix(k, "consecutive_absence") {
			t.Errorf("meetings=0 still gives %s", k)
		}
	}
	wantStatus(t, "meetings=2", ts.do("GET", "/api/v1/warnings?period=2023Q3&meetings=2", "admin", nil), 422, "")
}

func TestPeriodsAPI(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		as, period string
		code       int
		errCode    string
	}{
		{"lead1", "2023Q2", 403, ""},
		{"m1", "2023Q2", 403, ""},
		{"hr", "2023Q3", 409, "period_open"}, // the clock says 2023-09-01
		{"hr", "2023Q9", 422, "invalid"},
		{"hr", "2023Q2", 200, ""},
		{"admin", "2022", 200, ""},
		{"admin", "2023q2", 200, ""}, // again: the same lock
	}
	for _, c := range cases {
		rec := ts.do("POST", "/api/v1/periods/"+c.period+"/lock", c.as, nil)
		if rec.Code != c.code || (c.errCode != "" && errCode(rec) != c.errCode) {
			t.Errorf("%s locks %s: %d %s, want %d %s", c.as, c.period, rec.Code, rec.Body, c.code, c.errCode)
		}
		if rec.Code == http.StatusOK {
			var l map[string]any
			decodeJSON(t, rec, &l)
			if l["locked_at"] == nil || l["locked_by"] == nil || l["period"] == nil {
				t.Errorf("lock answer %v", l)
			}
			if c.period == "2023q2" && (l["period"] != "2023Q2" || l["locked_by"] != ts.ids["hr"]) {
				t.Errorf("relock changed the lock: %v", l)
			}
		}
	}
	var l struct{ Items []map[string]any }
	rec := ts.do("GET", "/api/v1/periods", "m1", nil)
	decodeJSON(t, rec, &l)
	if rec.Code != 200 || len(l.Items) != 2 || l.Items[0]["period"] != "2022" || l.Items[1]["period"] != "2023Q2" {
		t.Errorf("GET /periods: %d %s", rec.Code, rec.Body)
	}
	for _, it := range l.Items {
		if it["locked"] != true || it["revision"] != 1.0 || len(fmt.Sprint(it["snapshot_sha256"])) != 64 {
			t.Errorf("GET /periods item %v", it)
		}
	}

	// Unlock: admin only, a reason required; the next lock is revision 2.
	unlock := "/api/v1/periods/2023Q2/unlock"
	for _, c := range []struct {
		as   string
		body any
		code int
		err  string
	}{
		{"hr", map[string]string{"reason": "x"}, 403, "role_forbidden"},
		{"admin", map[string]string{}, 422, "invalid"},
		{"admin", map[string]string{"reason": "   "}, 422, "invalid"},
		{"admin", map[string]string{"reason": "补录考试成绩"}, 200, ""},
		{"admin", map[string]string{"reason": "again"}, 409, "not_locked"},
	} {
		before := auditCount(t, ts)
		rec := ts.do("POST", unlock, c.as, c.body)
		if rec.Code != c.code || (c.err != "" && errCode(rec) != c.err) {
			t.Errorf("%s unlocks with %v: %d %s", c.as, c.body, rec.Code, rec.Body)
		}
		if c.code >= 400 && auditCount(t, ts) != before {
			t.Error("a refused unlock wrote an audit entry")
		}
	}
	var l2 map[string]any
	decodeJSON(t, ts.do("POST", "/api/v1/periods/2023Q2/lock", "hr", nil), &l2)
	if l2["revision"] != 2.0 || l2["reason"] != "补录考试成绩" || l2["locked"] != true {
		t.Errorf("relock after unlock: %v", l2)
	}
	var rates map[string]any
	decodeJSON(t, ts.do("GET", "/api/v1/rates?period=2023Q2", "hr", nil), &rates)
	if rates["locked"] != true || rates["revision"] != 2.0 || rates["provisional"] != false || rates["as_of"] == nil {
		t.Errorf("rates of the relocked period: locked %v revision %v provisional %v as_of %v", rates["locked"], rates["revision"], rates["provisional"], rates["as_of"])
	}
}
