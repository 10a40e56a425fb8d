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
		decodeJSON(t, ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": fmt.Sprintf("第%d处党总支", u+1), "parent_id": ts.root, "type": "committee"}), &g)
		o.units = append(o.units, g.ID)
		for b := 0; b < n; b++ {
			var br store.Group
			decodeJSON(t, ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": fmt.Sprintf("第%d处第%d党支部", u+1, b+1), "parent_id": g.ID, "type": "branch"}), &br)
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

// TestInspectionBadInput: each refusal the rules name, with nothing stored.
func TestInspectionBadInput(t *testing.T) {
	o := newInspOrg(t)
	o.upload("/api/v1/questions/import", "insp", "text/csv", []byte("question,answer\n问一,答一\n问二,答二\n"))
	var ins struct{ ID string }
	decodeJSON(t, o.mustDo("POST", "/api/v1/inspections", "insp", map[string]any{"title": "专项督查", "starts_on": "2023-09-01",
		"ends_on": "2023-09-30", "target_group_ids": o.units[:2], "methods": []string{"spot_check"}}, 201), &ins)
	base := "/api/v1/inspections/" + ins.ID
	b := o.branches[0]

	t.Run("DrawLargerThanGroup", func(t *testing.T) {
		rec := o.mustDo("POST", base+"/draws", "insp", map[string]any{"group_id": b, "members": 3, "questions": 1}, 422)
		if body := rec.Body.String(); !strings.Contains(body, "3 asked") || !strings.Contains(body, "has 2 active members") {
			t.Errorf("422 does not name the sizes: %s", body)
		}
		rec = o.mustDo("POST", base+"/draws", "insp", map[string]any{"group_id": b, "members": 1, "questions": 5}, 422)
		if body := rec.Body.String(); !strings.Contains(body, "5 asked") || !strings.Contains(body, "has 2 active questions") {
			t.Errorf("422 does not name the bank's size: %s", body)
		}
	})
	t.Run("SameSeedSameDraw", func(t *testing.T) {
		var d1, d2, d3 store.Draw
		decodeJSON(t, o.mustDo("POST", base+"/draws", "insp", map[string]any{"group_id": o.units[0], "members": 4, "questions": 2, "seed": 20230901}, 201), &d1)
		decodeJSON(t, o.mustDo("POST", base+"/draws", "insp", map[string]any{"group_id": o.units[0], "members": 4, "questions": 2, "seed": 20230901}, 201), &d2)
		decodeJSON(t, o.mustDo("POST", base+"/draws", "insp", map[string]any{"group_id": o.units[0], "members": 4, "questions": 2}, 201), &d3)
		if fmt.Sprint(d1.Pairs) != fmt.Sprint(d2.Pairs) || d1.Seed != 20230901 {
			t.Errorf("same seed, different draws:\n%v\n%v", d1.Pairs, d2.Pairs)
		}
		if d3.Seed == 0 || len(d3.Pairs) != 8 {
			t.Errorf("a draw without a seed stores the seed it drew: %+v", d3)
		}
		rec := o.mustDo("PUT", fmt.Sprintf("%s/draws/%s/answers", base, d1.ID), "insp", map[string]any{"answers": []map[string]string{
			{"member_id": d1.Pairs[0].MemberID, "question_id": d1.Pairs[0].QuestionID, "result": "maybe"},
			{"member_id": "999", "question_id": d1.Pairs[0].QuestionID, "result": "correct"}}}, 422)
		if !strings.Contains(rec.Body.String(), "answers[0].result") || !strings.Contains(rec.Body.String(), "answers[1]") {
			t.Errorf("bad answers not each named: %s", rec.Body)
		}
	})
	t.Run("FindingOutsideTargets", func(t *testing.T) {
		outside := o.branches[len(o.branches)-1] // under unit 8, not targeted
		rec := o.mustDo("POST", base+"/findings", "insp", map[string]any{"group_id": outside, "category": "其他", "description": "x",
			"severity": "minor", "responsible_id": o.members[outside][0], "measures": "y", "deadline": "2023-10-01"}, 422)
		if !strings.Contains(rec.Body.String(), "group_id") {
			t.Errorf("422 does not name group_id: %s", rec.Body)
		}
		o.mustDo("POST", base+"/findings", "insp", map[string]any{"group_id": b, "category": "不存在的类别", "description": "x",
			"severity": "minor", "responsible_id": o.members[b][0], "deadline": "2023-10-01"}, 422)
	})
	var f store.Finding
	decodeJSON(t, o.mustDo("POST", base+"/findings", "insp", map[string]any{"group_id": b, "category": "考勤登记", "description": "签到表缺失",
		"severity": "serious", "responsible_id": o.members[b][0], "measures": "补签", "deadline": "2023-09-20"}, 201), &f)
	owner := memberUsername(t, o.testServer, f.ResponsibleID)
	fpath := "/api/v1/findings/" + f.ID
	t.Run("CloseNeverSubmitted", func(t *testing.T) {
		if rec := o.mustDo("POST", fpath+"/close", "insp", map[string]any{"note": "核验"}, 409); errCode(rec) != "not_submitted" {
			t.Errorf("code %s", errCode(rec))
		}
		o.mustDo("POST", fpath+"/progress", memberUsername(t, o.testServer, o.members[b][1]), map[string]any{"state": "in_progress"}, 403)
		o.mustDo("POST", fpath+"/progress", "m1", map[string]any{"state": "in_progress"}, 403)
		o.mustDo("POST", fpath+"/close", owner, map[string]any{"note": "自己销号"}, 403)
	})
	t.Run("Evidence", func(t *testing.T) {
		ct, body := multipartFile("记录.txt", []byte("just text, not an image"))
		if rec := o.upload(fpath+"/evidence", owner, ct, body); rec.Code != 415 {
			t.Errorf("text evidence: %d %s, want 415", rec.Code, rec.Body)
		}
		fake := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), store.MaxEvidenceBytes)...)
		ct, body = multipartFile("big.pdf", fake)
		if rec := o.upload(fpath+"/evidence", owner, ct, body); rec.Code != 413 {
			t.Errorf("11 MB evidence: %d %s, want 413", rec.Code, rec.Body.String()[:min(200, rec.Body.Len())])
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
		ct, body = multipartFile("照片.jpg", png) // the name says JPEG, the content PNG
		rec := o.upload(fpath+"/evidence", owner, ct, body)
		if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"content_type":"image/png"`) {
			t.Fatalf("PNG evidence: %d %s", rec.Code, rec.Body)
		}
		got, _ := o.s.Finding(f.ID)
		if len(got.Evidence) != 1 {
			t.Errorf("%d evidence files stored, want only the PNG", len(got.Evidence))
		}
		dl := o.mustDo("GET", fmt.Sprintf("%s/evidence/%s", fpath, got.Evidence[0].ID), "lead1", nil, 403)
		_ = dl
		dl = o.mustDo("GET", fmt.Sprintf("%s/evidence/%s", fpath, got.Evidence[0].ID), "hr", nil, 200)
		if !bytes.Equal(dl.Body.Bytes(), png) || dl.Header().Get("Content-Type") != "image/png" {
			t.Errorf("download: %s %d bytes", dl.Header().Get("Content-Type"), dl.Body.Len())
		}
	})
	t.Run("SubmitReturnClose", func(t *testing.T) {
		o.mustDo("POST", fpath+"/progress", owner, map[string]any{"state": "submitted", "note": "已补签"}, 200)
		o.mustDo("POST", fpath+"/return", "insp", map[string]any{"note": ""}, 422)
		o.mustDo("POST", fpath+"/return", "insp", map[string]any{"note": "缺少负责人签字"}, 200)
		o.mustDo("POST", fpath+"/progress", owner, map[string]any{"state": "submitted", "note": "已补负责人签字"}, 200)
		var closed store.Finding
		decodeJSON(t, o.mustDo("POST", fpath+"/close", "insp", map[string]any{"note": "核验属实"}, 200), &closed)
		if closed.State != "closed" || closed.ClosedOn != "2023-09-01" || closed.VerifyNote != "核验属实" || len(closed.History) != 5 {
			t.Errorf("closed finding %+v", closed)
		}
		o.mustDo("POST", fpath+"/close", "insp", map[string]any{"note": "再次"}, 409)
		es, _ := o.s.Audit(store.AuditFilter{Entity: "finding", EntityID: f.ID})
		states := 0
		for _, e := range es {
			if e.Action == "state" {
				states++
			}
		}
		if states != 4 {
			t.Errorf("%d state changes audited, want 4", states)
		}
	})
	t.Run("OnlyTheTeamWrites", func(t *testing.T) {
		ctx := store.WithActor(t.Context(), "system")
		if _, err := o.s.CreateMember(ctx, store.MemberInput{Name: "另一督查员", Username: "insp2", Password: testPassword, Role: store.RoleInspector, JoinedOn: "2023-01-01"}); err != nil {
			t.Fatal(err)
		}
		o.mustDo("POST", base+"/draws", "insp2", map[string]any{"group_id": b, "members": 1, "questions": 1}, 403)
		o.mustDo("GET", base, "insp2", nil, 200)
	})
}

// TestQuestionnaire: once per member, audience only, anonymous answers with
// no member link in the store or the audit log, results with percentages.
func TestQuestionnaire(t *testing.T) {
	o := newInspOrg(t)
	b := o.branches[0]
	var q store.Questionnaire
	decodeJSON(t, o.mustDo("POST", "/api/v1/questionnaires", "insp", map[string]any{"title": "学习情况调研", "anonymous": true,
		"audience_group_ids": []string{o.units[0]}, "questions": []map[string]any{
			{"kind": "single", "text": "每月集中学习几次", "options": []string{"1次", "2次", "3次以上"}},
			{"kind": "multi", "text": "常用学习方式", "options": []string{"集中学习", "自学", "学习强国"}},
			{"kind": "text", "text": "意见建议"}}}, 201), &q)
	path := "/api/v1/questionnaires/" + q.ID
	u1, u2 := memberUsername(t, o.testServer, o.members[b][0]), memberUsername(t, o.testServer, o.members[b][1])
	o.mustDo("POST", path+"/answers", u1, map[string]any{"answers": []map[string]any{{"choice": 1}, {"choices": []any{0, "学习强国"}}, {"text": "希望多开展专题辅导"}}}, 201)
	if rec := o.mustDo("POST", path+"/answers", u1, map[string]any{"answers": []map[string]any{{"choice": 0}}}, 409); errCode(rec) != "already_answered" {
		t.Errorf("second answer code %s", errCode(rec))
	}
	o.mustDo("POST", path+"/answers", u2, map[string]any{"answers": []map[string]any{{"choice": 1}, {"choices": []int{1}}}}, 201)
	o.mustDo("POST", path+"/answers", "m3", map[string]any{"answers": []map[string]any{{"choice": 0}}}, 403) // not in the audience
	o.mustDo("POST", path+"/answers", memberUsername(t, o.testServer, o.members[o.branches[1]][0]), map[string]any{"answers": []map[string]any{{"choice": 7}}}, 422)

	var r store.QuestionnaireResults
	decodeJSON(t, o.mustDo("GET", path+"/results", "insp", nil, 200), &r)
	if r.Respondents != 2 || r.Audience != 10 {
		t.Errorf("respondents %d audience %d, want 2 and 10", r.Respondents, r.Audience)
	}
	if c := r.Questions[0].Counts[1]; c.Count != 2 || c.Percent == nil || *c.Percent != 1 {
		t.Errorf("single choice counts %+v", r.Questions[0].Counts)
	}
	if c := r.Questions[1].Counts; c[0].Count != 1 || c[1].Count != 1 || c[2].Count != 1 || *c[0].Percent != 0.5 {
		t.Errorf("multi choice counts %+v", c)
	}
	if len(r.Questions[2].Texts) != 1 {
		t.Errorf("texts %v", r.Questions[2].Texts)
	}
	// No link from an answer to its member: not in the audit log.
	es, _ := o.s.Audit(store.AuditFilter{Entity: "questionnaire", EntityID: q.ID})
	for _, e := range es {
		if e.Action == "answer" && (strings.Contains(string(e.After), "专题辅导") || strings.Contains(string(e.After), "member")) {
			t.Errorf("audit of an anonymous answer carries the answer: %s", e.After)
		}
	}
	rec := o.mustDo("GET", path+"/results.xlsx", "insp", nil, 200)
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 2+3+3+1 || !strings.Contains(strings.Join(rows[3], ","), "2,100.0%") {
		t.Errorf("results XLSX rows %v", rows)
	}
	o.mustDo("GET", path+"/results", u1, nil, 403)
}

// TestQuestionImport: CSV in GBK and XLSX; every bad line named, nothing
// imported; edit and retire.
func TestQuestionImport(t *testing.T) {
	o := newInspOrg(t)
	gbk := []byte{0xce, 0xca, 0xcc, 0xe2} // "问题" in GBK
	csv := append(append([]byte(nil), gbk...), []byte(",answer\n")...)
	csv = append(csv, []byte{0xb5, 0xda, 0xd2, 0xbb, 0xd2, 0xe9, 0xcc, 0xe2}...) // 第一议题
	csv = append(csv, []byte(",x\n")...)
	rec := o.upload("/api/v1/questions/import", "insp", "text/csv", csv)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"created":1`) {
		t.Fatalf("GBK import: %d %s", rec.Code, rec.Body)
	}
	qs, _ := o.s.BankQuestions(false)
	if len(qs) != 1 || qs[0].Question != "第一议题" {
		t.Errorf("GBK question read as %+v", qs)
	}
	rec = o.upload("/api/v1/questions/import", "insp", "text/csv", []byte("question,answer,tags,item_id\n好问题,好答案,a;b,\n,没有问题,,\n重复,a,,\n重复,b,,\n坏内容,a,,abc\n"))
	if rec.Code != 422 {
		t.Fatalf("bad lines: %d %s", rec.Code, rec.Body)
	}
	for _, l := range []string{"line 3", "line 5", "line 6"} {
		if !strings.Contains(rec.Body.String(), l) {
			t.Errorf("%s not named: %s", l, rec.Body)
		}
	}
	if qs, _ := o.s.BankQuestions(true); len(qs) != 1 {
		t.Errorf("a rejected import stored %d questions", len(qs)-1)
	}
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"问题", "参考答案", "标签"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"三会一课指什么", "支部党员大会等", "组织生活"})
	var buf bytes.Buffer
	x.Write(&buf)
	rec = o.upload("/api/v1/questions/import", "insp", store.ContentTypeXLSX, buf.Bytes())
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"created":1`) {
		t.Fatalf("XLSX import: %d %s", rec.Code, rec.Body)
	}
	o.mustDo("PATCH", "/api/v1/questions/"+qs[0].ID, "insp", map[string]any{"answer": "及时跟进学习习近平总书记重要讲话", "retired": true}, 200)
	var active struct{ Items []store.BankQuestion }
	decodeJSON(t, o.mustDo("GET", "/api/v1/questions", "insp", nil, 200), &active)
	if len(active.Items) != 1 || active.Items[0].Question != "三会一课指什么" {
		t.Errorf("after retiring: %+v", active.Items)
	}
	if rec := o.upload("/api/v1/questions/import", "insp", "application/pdf", []byte("%PDF")); rec.Code != 415 {
		t.Errorf("a PDF import: %d", rec.Code)
	}
}
