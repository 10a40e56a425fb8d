package handlers

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"studyroll/store"
)

// inspOrg is an organisation built through the API for inspection tests:
// 8 units (党总支) holding 37 branches of 2 members each.
type inspOrg struct {
	*testServer
	units    []string
	branches []string            // in tree order
	members  map[string][]string // branch → its two member ids
	unitOf   map[string]string   // branch → unit
}

func newInspOrg(t *testing.T) *inspOrg {
	ts := newTestServer(t)
	ts.addInspector()
	o := &inspOrg{testServer: ts, members: map[string][]string{}, unitOf: map[string]string{}}
	perUnit := []int{5, 5, 5, 5, 5, 4, 4, 4} // 37 branches
	for u, n := range perUnit {
		var g store.Group
		decodeJSON(t, ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": fmt.Sprintf("第%d处党总支", u+1), "parent_id": ts.root}), &g)
		o.units = append(o.units, g.ID)
		for b := 0; b < n; b++ {
			var br store.Group
			decodeJSON(t, ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": fmt.Sprintf("第%d处第%d党支部", u+1, b+1), "parent_id": g.ID}), &br)
			o.branches = append(o.branches, br.ID)
			o.unitOf[br.ID] = g.ID
			for k := 0; k < 2; k++ {
				var m store.Member
				rec := ts.do("POST", "/api/v1/members", "admin", map[string]any{"name": fmt.Sprintf("党员%d-%d-%d", u+1, b+1, k+1),
					"username": fmt.Sprintf("p%d_%d_%d", u+1, b+1, k+1), "password": testPassword, "group_id": br.ID, "role": "member", "joined_on": "2020-01-01"})
				decodeJSON(t, rec, &m)
				o.members[br.ID] = append(o.members[br.ID], m.ID)
			}
		}
	}
	return o
}

func (o *inspOrg) mustDo(method, path, as string, body any, want int) *httptest.ResponseRecorder {
	o.t.Helper()
	rec := o.do(method, path, as, body)
	if rec.Code != want {
		o.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, as, rec.Code, rec.Body, want)
	}
	return rec
}

func (o *inspOrg) upload(path, as, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+o.token(as))
	rec := httptest.NewRecorder()
	o.e.ServeHTTP(rec, req)
	return rec
}

func multipartFile(name string, data []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

type summary struct {
	Organisations, Branches, People, Problems, Rectified, Overdue int
}

// TestInspectionFigures builds an inspection through the API alone — the
// press's shape: 8 organisations, 37 branches, 61 people, 38 problems — and
// checks the figures, 知晓率, the report PDF and the ledger XLSX.
func TestInspectionFigures(t *testing.T) {
	o := newInspOrg(t)
	csv := "question,answer,tags\n" +
		"第一议题制度的要求是什么,及时跟进学习,制度;第一议题\n" +
		"三会一课指什么,支部党员大会、支部委员会、党小组会和党课,三会一课\n" +
		"主题党日多久一次,每月,组织生活\n"
	rec := o.upload("/api/v1/questions/import", "insp", "text/csv; charset=utf-8", []byte(csv))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"created":3`) {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	var ins struct {
		ID      string
		Summary summary
	}
	decodeJSON(t, o.mustDo("POST", "/api/v1/inspections", "insp", map[string]any{"title": "2023年第三季度党建督查",
		"starts_on": "2023-09-01", "ends_on": "2023-09-15", "inspector_ids": []string{}, "target_group_ids": o.units,
		"methods": []string{"spot_check", "site_visit", "interview", "questionnaire", "records_review"}}, 201), &ins)
	if ins.Summary != (summary{Organisations: 8}) {
		t.Errorf("fresh inspection: %+v, want 8 organisations and nothing else", ins.Summary)
	}
	base := "/api/v1/inspections/" + ins.ID

	// One member of each branch drawn and asked 2 questions: 37 people, 37 branches.
	drawn := map[string]string{}
	correct, partial, asked := 0, 0, 0
	for i, b := range o.branches {
		var d store.Draw
		decodeJSON(t, o.mustDo("POST", base+"/draws", "insp", map[string]any{"group_id": b, "members": 1, "questions": 2, "seed": i}, 201), &d)
		if len(d.Pairs) != 2 || d.Seed != int64(i) {
			t.Fatalf("draw: %+v", d)
		}
		drawn[b] = d.Pairs[0].MemberID
		var answers []store.AnswerInput
		for j, p := range d.Pairs {
			res := []string{"correct", "partial", "wrong", "no_answer"}[(i+j)%4]
			answers = append(answers, store.AnswerInput{MemberID: p.MemberID, QuestionID: p.QuestionID, Result: res})
			asked++
			switch res {
			case "correct":
				correct++
			case "partial":
				partial++
			}
		}
		o.mustDo("PUT", fmt.Sprintf("%s/draws/%s/answers", base, d.ID), "insp", map[string]any{"answers": answers}, 200)
	}
	// The other member of 24 branches interviewed: 61 people in all.
	var talked []string
	for _, b := range o.branches[:24] {
		for _, m := range o.members[b] {
			if m != drawn[b] {
				talked = append(talked, m)
			}
		}
	}
	o.mustDo("POST", base+"/interviews", "insp", map[string]any{"member_ids": talked[:12], "notes": "座谈了解学习制度落实情况"}, 201)
	o.mustDo("POST", base+"/interviews", "insp", map[string]any{"member_ids": append(talked[12:], drawn[o.branches[0]]), "notes": "第二场座谈"}, 201)

	// 38 findings: one per branch, one more on each of the first unit's
	// branches (5) … minus 4: 34 on branches, 4 on units.
	var findings []string
	cats := store.DefaultFindingCategories
	for i := 0; i < 38; i++ {
		g, resp := "", ""
		if i < 34 {
			b := o.branches[i%len(o.branches)]
			g, resp = b, o.members[b][0]
		} else {
			u := o.units[i-34]
			b := o.branches[0]
			for _, x := range o.branches {
				if o.unitOf[x] == u {
					b = x
					break
				}
			}
			g, resp = u, o.members[b][1]
		}
		var f store.Finding
		decodeJSON(t, o.mustDo("POST", base+"/findings", "insp", map[string]any{"group_id": g, "category": cats[i%len(cats)],
			"description": fmt.Sprintf("问题%d：学习记录不完整", i+1), "severity": []string{"minor", "serious", "grave"}[i%3],
			"responsible_id": resp, "measures": "补齐记录，健全制度", "deadline": []string{"2023-09-10", "2023-10-31"}[i%2]}, 201), &f)
		if f.State != "open" {
			t.Fatalf("new finding state %q", f.State)
		}
		findings = append(findings, f.ID)
	}
	// 10 rectified: the responsible member submits, the inspector closes.
	for _, id := range findings[:10] {
		f, _ := o.s.Finding(id)
		user := strings.TrimPrefix(memberUsername(t, o.testServer, f.ResponsibleID), "")
		o.mustDo("POST", "/api/v1/findings/"+id+"/progress", user, map[string]any{"state": "in_progress", "note": "已开始整改"}, 200)
		o.mustDo("POST", "/api/v1/findings/"+id+"/progress", user, map[string]any{"state": "submitted", "note": "已补齐学习记录"}, 200)
		o.mustDo("POST", "/api/v1/findings/"+id+"/close", "insp", map[string]any{"note": "经核查已整改到位"}, 200)
	}
	// Overdue after 2023-09-10: the even-numbered findings not closed
	// (deadline 2023-09-10): 19 even of 38, 5 of them among the 10 closed.
	o.clock.Set(time.Date(2023, 9, 20, 9, 0, 0, 0, store.DefaultLocation()))
	o.tokens = map[string]string{} // logins expired
	want := summary{Organisations: 8, Branches: 37, People: 61, Problems: 38, Rectified: 10, Overdue: 14}
	var got struct {
		Summary   summary
		Awareness struct {
			Asked, Correct, Partial int
			Rate                    float64
		}
		AwarenessByTarget []struct {
			GroupID string `json:"group_id"`
		} `json:"awareness_by_target"`
	}
	decodeJSON(t, o.mustDo("GET", base, "insp", nil, 200), &got)
	if got.Summary != want {
		t.Errorf("summary %+v, want %+v", got.Summary, want)
	}
	if got.Awareness.Asked != asked || got.Awareness.Correct != correct || got.Awareness.Partial != partial {
		t.Errorf("awareness %+v, want asked %d correct %d partial %d", got.Awareness, asked, correct, partial)
	}
	if wantRate := (float64(correct) + float64(partial)/2) / float64(asked); got.Awareness.Rate != wantRate {
		t.Errorf("知晓率 %v, want %v", got.Awareness.Rate, wantRate)
	}
	if len(got.AwarenessByTarget) != 8 {
		t.Errorf("知晓率 for %d targets, want 8", len(got.AwarenessByTarget))
	}
	var lst struct{ Items []struct{ Summary summary } }
	decodeJSON(t, o.mustDo("GET", "/api/v1/inspections", "hr", nil, 200), &lst)
	if len(lst.Items) != 1 || lst.Items[0].Summary != want {
		t.Errorf("list: %+v", lst.Items)
	}
	var overdue struct{ Items []store.Finding }
	decodeJSON(t, o.mustDo("GET", "/api/v1/findings?state=overdue&inspection_id="+ins.ID, "hr", nil, 200), &overdue)
	if len(overdue.Items) != 14 {
		t.Errorf("GET /findings?state=overdue: %d, want 14", len(overdue.Items))
	}

	t.Run("ReportPDF", func(t *testing.T) {
		rec := o.mustDo("GET", base+"/report.pdf", "insp", nil, 200)
		text := pdftotext(t, rec.Body.Bytes())
		for _, s := range []string{"督查情况报告", "8个机关党组织", "37个机关基层党支部", "61名党员", "问题38个", "已整改销号10个", "逾期未整改14个", "知晓率", "第1处党总支", "学习制度落实"} {
			if !strings.Contains(text, s) {
				t.Errorf("report PDF lacks %q:\n%s", s, text)
			}
		}
	})
	t.Run("LedgerXLSX", func(t *testing.T) {
		rec := o.mustDo("GET", base+"/ledger.xlsx", "insp", nil, 200)
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetList()[0])
		if len(rows) != 2+38 {
			t.Fatalf("%d rows, want title + header + 38 findings", len(rows))
		}
		if got := strings.Join(rows[1], ","); got != "序号,单位,问题,类别,整改措施,责任人,时限,状态,销号日期" {
			t.Errorf("header %q", got)
		}
		closed := 0
		for _, r := range rows[2:] {
			if len(r) >= 9 && r[7] == "已销号" && r[8] == "2023-09-01" {
				closed++
			}
		}
		if closed != 10 {
			t.Errorf("%d rows closed on 2023-09-01, want 10", closed)
		}
	})
}

func memberUsername(t *testing.T, ts *testServer, id string) string {
	m, err := ts.s.Member(id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Username
}
