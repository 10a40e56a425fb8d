package handlers

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"studyroll/store"
)

// TestMyDataZip: GET /me/data.zip gives the caller their own profile,
// attendance, leave, scores, learning reports and rates — nobody else's —
// and the download is audited.
func TestMyDataZip(t *testing.T) {
	ts := newTestServer(t)
	sid := attSession(t, ts, ts.g1, attStart.Add(24*time.Hour))
	if rec := ts.do("POST", "/api/v1/sessions/"+sid+"/leave", "m1", map[string]string{"reason": "门诊复查"}); rec.Code != 201 {
		t.Fatalf("leave: %d %s", rec.Code, rec.Body)
	}
	ts.clock.Advance(48 * time.Hour)
	ts.tokens = map[string]string{} // the 12-hour tokens ran out
	if rec := ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+ts.ids["m2"], "lead1", map[string]string{"status": "present"}); rec.Code != 200 {
		t.Fatalf("attendance: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+ts.ids["m1"], "lead1", map[string]string{"status": "absent", "note": "未到"}); rec.Code != 200 {
		t.Fatalf("attendance: %d %s", rec.Code, rec.Body)
	}
	exam := ts.createExam("lead1", ts.g1, "2023-09-02", 100)
	ts.do("PUT", "/api/v1/exams/"+exam+"/scores", "lead1", map[string]any{"scores": []map[string]any{{"member_id": ts.ids["m1"], "score": 88}, {"member_id": ts.ids["m2"], "score": 61}}})
	ts.do("POST", "/api/v1/learning-reports", "m1", map[string]any{"period": "2023Q3", "text": "学习体会：理论联系实际。"})

	rec := ts.do("GET", "/api/v1/me/data.zip", "m1", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("data.zip: %d %s", rec.Code, rec.Header())
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		files[f.Name] = string(b)
	}
	for _, name := range []string{"README.txt", "profile.json", "attendance.json", "leave_requests.json", "scores.json", "learning_reports.json", "rates.json"} {
		if _, ok := files[name]; !ok {
			t.Errorf("%s missing (have %v)", name, keys(files))
		}
	}
	var prof struct{ Member store.Member }
	json.Unmarshal([]byte(files["profile.json"]), &prof)
	if prof.Member.ID != ts.ids["m1"] {
		t.Errorf("profile of %q", prof.Member.ID)
	}
	var att []store.PersonalSession
	json.Unmarshal([]byte(files["attendance.json"]), &att)
	if len(att) != 1 || att[0].Record.MemberID != ts.ids["m1"] || att[0].Title == "" {
		t.Errorf("attendance %+v", att)
	}
	var scores []store.PersonalScore
	json.Unmarshal([]byte(files["scores.json"]), &scores)
	if len(scores) != 1 || scores[0].Score != 88 {
		t.Errorf("scores %+v", scores)
	}
	if !strings.Contains(files["leave_requests.json"], "门诊复查") || !strings.Contains(files["learning_reports.json"], "理论联系实际") {
		t.Error("leave reason or learning report missing")
	}
	var rates []store.RatesReport
	if err := json.Unmarshal([]byte(files["rates.json"]), &rates); err != nil || len(rates) == 0 {
		t.Errorf("rates: %v %d", err, len(rates))
	}
	for name, body := range files {
		if strings.Contains(body, `"`+ts.ids["m2"]+`"`) && name != "rates.json" {
			t.Errorf("%s names another member", name)
		}
		if strings.Contains(body, "61") && name == "scores.json" {
			t.Errorf("another member's score in %s", name)
		}
	}
	es, _ := ts.s.Audit(store.AuditFilter{Entity: "security"})
	found := false
	for _, e := range es {
		found = found || (e.Action == "personal_data_export" && e.EntityID == ts.ids["m1"])
	}
	if !found {
		t.Error("the download was not audited")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
