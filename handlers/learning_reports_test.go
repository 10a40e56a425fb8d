package handlers

import (
	"strings"
	"testing"
)

const lrText = `本季度，我认真学习了党的二十大报告和习近平新时代中国特色社会主义思想，按照支部学习计划，
参加集中学习六次，自学相关章节。通过学习，我深刻认识到坚持和加强党的全面领导的重要意义，
进一步增强了“四个意识”、坚定了“四个自信”、做到了“两个维护”。在工作中，我注重把学习成果
转化为推动工作的实际行动。下一步，我将持续加强理论武装，做到学思用贯通、知信行统一。`

type lrItem struct {
	ID        string `json:"id"`
	MemberID  string `json:"member_id"`
	Name      string `json:"name"`
	Period    string `json:"period"`
	Text      string `json:"text"`
	Grade     *int   `json:"grade"`
	Comment   string `json:"comment"`
	SimilarTo []struct {
		ReportID   string  `json:"report_id"`
		MemberID   string  `json:"member_id"`
		Name       string  `json:"name"`
		Similarity float64 `json:"similarity"`
	} `json:"similar_to"`
}

func TestLearningReportsAPI(t *testing.T) {
	ts := newTestServer(t)
	g2 := ts.g2
	id := func(u string) string { return ts.ids[u] }
	post := func(as, period, text string) (int, lrItem) {
		t.Helper()
		rec := ts.do("POST", "/api/v1/learning-reports", as, map[string]any{"period": period, "text": text})
		var it lrItem
		if rec.Code < 300 {
			decodeJSON(t, rec, &it)
		}
		return rec.Code, it
	}
	code, r1 := post("m1", "2023q3", "初稿")
	if code != 201 || r1.Period != "2023Q3" || r1.MemberID != id("m1") || r1.Grade != nil {
		t.Fatalf("first post: %d %+v", code, r1)
	}
	if code, again := post("m1", "2023Q3", lrText); code != 200 || again.ID != r1.ID || again.Text != strings.TrimSpace(lrText) {
		t.Errorf("edit: %d %+v", code, again)
	}
	_, r2 := post("m2", "2023Q3", strings.Replace(lrText, "本季度", "这个季度", 1)) // a near copy
	_, r3 := post("m3", "2023Q3", lrText)                                    // a copy from another branch
	_, rl := post("lead1", "2023Q3", "书记本人的述学：抓好支部学习。")

	list := func(as, query string) []lrItem {
		t.Helper()
		rec := ts.do("GET", "/api/v1/learning-reports"+query, as, nil)
		if rec.Code != 200 {
			t.Fatalf("GET as %s %s: %d %s", as, query, rec.Code, rec.Body)
		}
		var out struct{ Items []lrItem }
		decodeJSON(t, rec, &out)
		return out.Items
	}
	mine := list("m1", "")
	if len(mine) != 1 || mine[0].ID != r1.ID || len(mine[0].SimilarTo) != 0 || mine[0].Name != "张三" {
		t.Errorf("member's own list %+v", mine)
	}
	lead := list("lead1", "?period=2023Q3")
	if len(lead) != 3 {
		t.Fatalf("lead sees %d reports, want m1, m2 and their own", len(lead))
	}
	for _, it := range lead {
		switch it.ID {
		case r1.ID:
			if len(it.SimilarTo) != 2 || it.SimilarTo[0].ReportID != r3.ID || it.SimilarTo[0].Similarity != 1 || it.SimilarTo[1].ReportID != r2.ID {
				t.Errorf("m1's report near copies %+v", it.SimilarTo)
			}
		case rl.ID:
			if len(it.SimilarTo) != 0 {
				t.Errorf("lead's own report flagged: %+v", it.SimilarTo)
			}
		}
	}
	if all := list("hr", "?period=2023Q3"); len(all) != 4 {
		t.Errorf("hr sees %d, want 4", len(all))
	}
	if b2 := list("admin", "?group_id="+g2); len(b2) != 1 || b2[0].ID != r3.ID {
		t.Errorf("admin, second branch: %+v", b2)
	}
	if none := list("m1", "?period=2023Q2"); len(none) != 0 {
		t.Errorf("another period: %+v", none)
	}
	wantStatus(t, "lead, other branch", ts.do("GET", "/api/v1/learning-reports?group_id="+g2, "lead1", nil), 403, "forbidden")
	wantStatus(t, "bad period", ts.do("GET", "/api/v1/learning-reports?period=Q3", "hr", nil), 422, "period")
	wantStatus(t, "unknown group", ts.do("GET", "/api/v1/learning-reports?group_id=999", "hr", nil), 404, "not_found")
	wantStatus(t, "no login", ts.do("GET", "/api/v1/learning-reports", "", nil), 401, "")

	eval := "/api/v1/learning-reports/" + r1.ID + "/evaluation"
	rec := ts.do("PUT", eval, "lead1", map[string]any{"grade": 4, "comment": "联系实际较好"})
	var ev lrItem
	decodeJSON(t, rec, &ev)
	if rec.Code != 200 || ev.Grade == nil || *ev.Grade != 4 || ev.Comment != "联系实际较好" {
		t.Errorf("evaluation: %d %+v", rec.Code, ev)
	}
	for _, c := range []struct {
		what, as, method, path string
		body                   any
		status                 int
		code                   string
	}{
		{"edit after evaluation", "m1", "POST", "/api/v1/learning-reports", map[string]any{"period": "2023Q3", "text": "再改"}, 409, "already_evaluated"},
		{"own report", "lead1", "PUT", "/api/v1/learning-reports/" + rl.ID + "/evaluation", map[string]any{"grade": 5}, 403, "forbidden"},
		{"other branch's report", "lead1", "PUT", "/api/v1/learning-reports/" + r3.ID + "/evaluation", map[string]any{"grade": 5}, 403, "forbidden"},
		{"member grades", "m2", "PUT", eval, map[string]any{"grade": 5}, 403, "role_forbidden"},
		{"hr grades", "hr", "PUT", eval, map[string]any{"grade": 5}, 403, "role_forbidden"},
		{"no login", "", "PUT", eval, map[string]any{"grade": 5}, 401, ""},
		{"grade 9", "lead1", "PUT", eval, map[string]any{"grade": 9}, 422, "grade"},
		{"grade missing", "lead1", "PUT", eval, map[string]any{"comment": "x"}, 422, "grade"},
		{"grade as text", "lead1", "PUT", eval, `{"grade":"5"}`, 400, "malformed"},
		{"unknown report", "admin", "PUT", "/api/v1/learning-reports/999/evaluation", map[string]any{"grade": 5}, 404, "not_found"},
		{"no text", "m2", "POST", "/api/v1/learning-reports", map[string]any{"period": "2023Q3"}, 422, "text"},
		{"bad period", "m2", "POST", "/api/v1/learning-reports", map[string]any{"period": "2023-3", "text": "x"}, 422, "period"},
		{"future period", "m2", "POST", "/api/v1/learning-reports", map[string]any{"period": "2024", "text": "x"}, 422, "period"},
		{"unknown field", "m2", "POST", "/api/v1/learning-reports", `{"period":"2023Q3","text":"x","grade":5}`, 400, "malformed"},
		{"no login", "", "POST", "/api/v1/learning-reports", map[string]any{"period": "2023Q3", "text": "x"}, 401, ""},
	} {
		wantStatus(t, c.what, ts.do(c.method, c.path, c.as, c.body), c.status, c.code)
	}
	// The admin grades the lead's report.
	wantStatus(t, "admin grades the lead", ts.do("PUT", "/api/v1/learning-reports/"+rl.ID+"/evaluation", "admin", map[string]any{"grade": 3}), 200, "")
}

// FuzzReportBody posts arbitrary bodies to POST /learning-reports: every
// answer is 200/201 or a JSON error with 400, 409, 422 or — one member
// writes every input, so after 20 saves in a day — 429 too_many_edits.
func FuzzReportBody(f *testing.F) {
	ts := newTestServer(f)
	f.Add(`{"period":"2023Q3","text":"本季度学习体会"}`)
	f.Add(`{"period":"2023q1","text":"  "}`)
	f.Add(`{"period":"2024","text":"x"}`)
	f.Add(`{"period":2023,"text":["x"]}`)
	f.Add(`{"period":"2023Q3","text":"\ud800"}`)
	ts.token("m1")
	f.Fuzz(func(t *testing.T, body string) {
		ts := *ts // report to this input's t, not to f
		ts.t = t
		rec := ts.do("POST", "/api/v1/learning-reports", "m1", body)
		switch rec.Code {
		case 200, 201:
		case 400, 409, 422:
			if errCode(rec) == "" {
				t.Fatalf("%d without an error code: %s", rec.Code, rec.Body)
			}
		case 429:
			if errCode(rec) != "too_many_edits" {
				t.Fatalf("429 %s", rec.Body)
			}
		default:
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
	})
}
