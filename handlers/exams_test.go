package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"studyroll/store"
)

// groupNamed returns the id of the fixture group with that name.
func (ts *testServer) groupNamed(name string) string {
	ts.t.Helper()
	gs, err := ts.s.Groups()
	if err != nil {
		ts.t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == name {
			return g.ID
		}
	}
	ts.t.Fatalf("no group %s", name)
	return ""
}

// createExam posts an exam as username and returns its id.
func (ts *testServer) createExam(as, group, heldOn string, maxScore float64) string {
	ts.t.Helper()
	rec := ts.do("POST", "/api/v1/exams", as, map[string]any{"group_id": group, "title": "理论考试", "held_on": heldOn, "max_score": maxScore})
	if rec.Code != http.StatusCreated {
		ts.t.Fatalf("create exam: %d %s", rec.Code, rec.Body)
	}
	var e store.Exam
	decodeJSON(ts.t, rec, &e)
	return e.ID
}

func TestExamsAPI(t *testing.T) {
	ts := newTestServer(t)
	g1, g2 := ts.groupNamed("第一支部"), ts.groupNamed("第二支部")

	t.Run("create: who may", func(t *testing.T) {
		body := func(g string) map[string]any {
			return map[string]any{"group_id": g, "title": "考试", "held_on": "2023-07-10", "max_score": 100}
		}
		for _, c := range []struct {
			as, group string
			code      int
		}{
			{"lead1", g1, 201}, {"lead1", ts.root, 403}, {"lead1", g2, 403},
			{"admin", ts.root, 201}, {"hr", g1, 403}, {"m1", g1, 403},
			{"admin", "999", 422},
		} {
			rec := ts.do("POST", "/api/v1/exams", c.as, body(c.group))
			if rec.Code != c.code {
				t.Errorf("%s on group %s: %d %s, want %d", c.as, c.group, rec.Code, rec.Body, c.code)
			}
		}
	})
	t.Run("create: default excellent score and bad bodies", func(t *testing.T) {
		rec := ts.do("POST", "/api/v1/exams", "lead1", `{"group_id":"`+g1+`","title":"测验","held_on":"2023-07-11","max_score":150}`)
		var e store.Exam
		decodeJSON(t, rec, &e)
		if rec.Code != 201 || e.ExcellentScore != 135 || e.HeldOn != "2023-07-11" {
			t.Errorf("%d %+v", rec.Code, e)
		}
		rec = ts.do("POST", "/api/v1/exams", "lead1", `{"group_id":"`+g1+`","title":"","held_on":"07/11/2023","max_score":0,"excellent_score":5}`)
		var er struct {
			Error struct{ Fields map[string]string } `json:"error"`
		}
		decodeJSON(t, rec, &er)
		if rec.Code != 422 || er.Error.Fields["title"] == "" || er.Error.Fields["held_on"] == "" || er.Error.Fields["max_score"] == "" {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
		if rec := ts.do("POST", "/api/v1/exams", "lead1", `{"group_id":`); rec.Code != 400 {
			t.Errorf("malformed: %d", rec.Code)
		}
		if rec := ts.do("POST", "/api/v1/exams", "lead1", `{"group_id":"`+g1+`","max_score":"ten"}`); rec.Code != 400 {
			t.Errorf("max_score as a string: %d", rec.Code)
		}
	})

	exam := ts.createExam("lead1", g1, "2023-07-20", 100)
	path := "/api/v1/exams/" + exam
	t.Run("scores: every bad entry listed, nothing stored", func(t *testing.T) {
		body := fmt.Sprintf(`{"scores":[{"member_id":"%s","score":88},{"member_id":"%s","score":120},{"member_id":"%s","score":70},{"member_id":"%s","score":"x"},{"member_id":"%s","score":-0.5}]}`,
			ts.ids["m1"], ts.ids["m2"], ts.ids["m3"], ts.ids["lead1"], ts.ids["m1"])
		rec := ts.do("PUT", path+"/scores", "lead1", body)
		var er struct {
			Error struct {
				Code   string
				Fields map[string]string
			} `json:"error"`
		}
		decodeJSON(t, rec, &er)
		if rec.Code != 422 || len(er.Error.Fields) != 4 {
			t.Fatalf("%d %s, want 422 naming scores[1..4]", rec.Code, rec.Body)
		}
		for _, k := range []string{"scores[1]", "scores[2]", "scores[3]", "scores[4]"} {
			if er.Error.Fields[k] == "" {
				t.Errorf("fields %v lack %s", er.Error.Fields, k)
			}
		}
		var d store.ExamDetail
		decodeJSON(t, ts.do("GET", path, "lead1", nil), &d)
		if len(d.Scores) != 0 {
			t.Errorf("scores stored by a rejected request: %+v", d.Scores)
		}
	})
	t.Run("scores: who may write", func(t *testing.T) {
		body := map[string]any{"scores": []map[string]any{{"member_id": ts.ids["m1"], "score": 95}, {"member_id": ts.ids["m2"], "score": 80}}}
		for _, c := range []struct {
			as   string
			code int
		}{{"m1", 403}, {"hr", 403}, {"lead1", 200}, {"admin", 200}} {
			if rec := ts.do("PUT", path+"/scores", c.as, body); rec.Code != c.code {
				t.Errorf("%s: %d %s, want %d", c.as, rec.Code, rec.Body, c.code)
			}
		}
		if rec := ts.do("PUT", "/api/v1/exams/9999/scores", "admin", body); rec.Code != 404 {
			t.Errorf("unknown exam: %d", rec.Code)
		}
		if rec := ts.do("PUT", path+"/scores", "admin", `{"scores":[],"extra":1}`); rec.Code != 400 {
			t.Errorf("unknown top-level field: %d", rec.Code)
		}
	})
	t.Run("read: members see only their own score", func(t *testing.T) {
		for _, c := range []struct {
			as     string
			code   int
			scores int
		}{{"m1", 200, 1}, {"m2", 200, 1}, {"m3", 403, 0}, {"lead1", 200, 2}, {"hr", 200, 2}, {"admin", 200, 2}} {
			rec := ts.do("GET", path, c.as, nil)
			if rec.Code != c.code {
				t.Errorf("%s: %d", c.as, rec.Code)
				continue
			}
			if c.code != 200 {
				continue
			}
			var d store.ExamDetail
			decodeJSON(t, rec, &d)
			if len(d.Scores) != c.scores {
				t.Errorf("%s sees %d scores, want %d", c.as, len(d.Scores), c.scores)
			}
			if c.as == "m1" && (d.Scores[0].MemberID != ts.ids["m1"] || d.Scores[0].Score != 95) {
				t.Errorf("m1 sees %+v", d.Scores)
			}
		}
	})
	t.Run("read: a lead sees their subtree's scores of an exam held above them", func(t *testing.T) {
		top := ts.createExam("admin", ts.root, "2023-07-21", 10)
		rec := ts.do("PUT", "/api/v1/exams/"+top+"/scores", "admin", fmt.Sprintf(`{"scores":[{"member_id":"%s","score":9},{"member_id":"%s","score":7}]}`, ts.ids["m1"], ts.ids["m3"]))
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var d store.ExamDetail
		decodeJSON(t, ts.do("GET", "/api/v1/exams/"+top, "lead1", nil), &d)
		if len(d.Scores) != 1 || d.Scores[0].MemberID != ts.ids["m1"] {
			t.Errorf("lead1 sees %+v, want only m1", d.Scores)
		}
		// The list: m3 sees the root's exam, not 第一支部's.
		onlyRoot := func(who string, items []store.Exam) {
			t.Helper()
			found := false
			for _, e := range items {
				found = found || e.ID == top
				if e.GroupID != ts.root {
					t.Errorf("%s lists %+v, an exam of another branch", who, e)
				}
			}
			if !found {
				t.Errorf("%s does not list the root's exam %s: %+v", who, top, items)
			}
		}
		var l struct{ Items []store.Exam }
		decodeJSON(t, ts.do("GET", "/api/v1/exams", "m3", nil), &l)
		onlyRoot("m3", l.Items)
		decodeJSON(t, ts.do("GET", "/api/v1/exams?group_id="+g2+"&period=2023Q3", "hr", nil), &l)
		onlyRoot("hr for 第二支部", l.Items)
		decodeJSON(t, ts.do("GET", "/api/v1/exams?group_id="+g1, "hr", nil), &l)
		if len(l.Items) < 4 {
			t.Errorf("hr lists for 第一支部 %d exams, want its own and the root's", len(l.Items))
		}
		if rec := ts.do("GET", "/api/v1/exams?period=2023Q7", "hr", nil); rec.Code != 422 {
			t.Errorf("bad period: %d", rec.Code)
		}
	})
	t.Run("locked period: a lead is refused, an admin flagged", func(t *testing.T) {
		if rec := ts.do("POST", "/api/v1/periods/2023Q2/lock", "hr", nil); rec.Code != 200 {
			t.Fatalf("lock: %d %s", rec.Code, rec.Body)
		}
		body := map[string]any{"group_id": g1, "title": "补录", "held_on": "2023-06-10", "max_score": 100}
		rec := ts.do("POST", "/api/v1/exams", "lead1", body)
		if rec.Code != 403 || errCode(rec) != "period_locked" {
			t.Errorf("lead: %d %s, want 403 period_locked", rec.Code, rec.Body)
		}
		if rec := ts.do("POST", "/api/v1/exams", "admin", body); rec.Code != 201 {
			t.Errorf("admin: %d %s", rec.Code, rec.Body)
		}
		l, _ := ts.s.PeriodLock("2023Q2")
		if l == nil || !l.Stale {
			t.Errorf("lock %+v, want stale", l)
		}
		entries, _ := ts.s.Audit(store.AuditFilter{Entity: "exam", Limit: 1})
		if len(entries) != 1 || entries[0].Flag != store.AuditFlagLockedPeriod {
			t.Errorf("audit %+v", entries)
		}
	})
}

func FuzzExamInput(f *testing.F) {
	f.Add(`{"group_id":"1","title":"t","held_on":"2023-07-01","max_score":100}`)
	f.Add(`{"group_id":"1","title":"t","held_on":"2023-07-01","max_score":1e308,"excellent_score":-1}`)
	f.Add(`{"title":"\u0000"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in store.ExamInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		err := in.Validate()
		if err == nil {
			if in.MaxScore <= 0 || in.MaxScore > 1e6 || !store.ValidDate(in.HeldOn) || strings.TrimSpace(in.Title) == "" {
				t.Fatalf("accepted %+v", in)
			}
			if in.ExcellentScore != nil && (*in.ExcellentScore <= 0 || *in.ExcellentScore > in.MaxScore) {
				t.Fatalf("accepted excellent %v of %v", *in.ExcellentScore, in.MaxScore)
			}
			return
		}
		if store.ErrorKind(err) != store.KindInvalid {
			t.Fatalf("validation error of kind %v", store.ErrorKind(err))
		}
	})
}
