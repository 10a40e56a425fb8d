package handlers

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to every route that takes one,
// as an admin, through the real router and a fresh real store: whatever the
// body, the answer is never a 500, and an error is always the JSON error
// shape.
func FuzzRequestBodies(f *testing.F) {
	seeds := []string{
		`{"name":"支部","parent_id":"1"}`,
		`{"name":"张三","username":"zs","password":"password1","group_id":"2","role":"member","joined_on":"2023-01-01"}`,
		`{"group_id":"1","title":"学习","starts_at":"2023-09-01T09:00:00+08:00","ends_at":"2023-09-01T10:00:00+08:00"}`,
		`{"group_id":"1","period":"2023Q3","title":"计划","items":[{"title":"a","due_on":"2023-09-01"}]}`,
		`{"scores":[{"member_id":"3","score":95}]}`, `{"status":"late","note":"<b>"}`, `{"code":"123456"}`,
		`{"period":"2023Q3","text":"述学"}`, `{"grade":5}`, `{"order":["3","4"]}`, `{"on":"2023-09-02","note":"x"}`,
		`{"approved":true}`, `{"lead_id":"3","material":"m"}`, `{"asker_id":"3","answerer_id":"4","question":"q","rating":3}`,
		`{"host_id":"3","recorder_id":"4","first_topic":"第一议题","summary":"s","decisions":"d"}`,
		`{"group_id":"2","title":"会","kind":"party_congress","first_topic":"t","starts_at":"2023-09-01T09:00:00+08:00","ends_at":"2023-09-01T10:00:00+08:00"}`,
		`{"type":"party_group"}`, `{"member_id":"3","summary":"改"}`,
		``, `null`, `[]`, `{"name":`, `{"name":"\u0000"}`, `{"left_on":"2023-02-30"}`, strings.Repeat(`{"a":`, 100),
	}
	for i, s := range seeds {
		f.Add(i, s)
	}
	var routes []Route
	for _, r := range Routes() {
		if r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH" {
			if r.Path != "/logout" && r.Path != "/login" && !strings.Contains(r.Path, "import") {
				routes = append(routes, r)
			}
		}
	}
	f.Fuzz(func(t *testing.T, pick int, body string) {
		// A fresh store for every input, so a failure replays on its own.
		ts := newTestServer(t)
		if pick < 0 {
			pick = -pick
		}
		r := routes[pick%len(routes)]
		path := "/api/v1" + r.Path
		for _, p := range []string{":id", ":member_id", ":item_id", ":share_id", ":question_id"} {
			path = strings.ReplaceAll(path, p, "3")
		}
		path = strings.ReplaceAll(path, ":period", "2023Q3")
		rec := ts.do(r.Method, path, "admin", body)
		if rec.Code >= 500 && rec.Code != 503 {
			t.Fatalf("%s %s with %q: %d %s", r.Method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e struct {
				Error *struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == nil || e.Error.Code == "" {
				t.Fatalf("%s %s: error answer not in the JSON shape: %s", r.Method, path, rec.Body)
			}
		}
	})
}
