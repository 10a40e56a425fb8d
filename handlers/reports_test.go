package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"studyroll/schedule"
	"studyroll/store"
)

// reportsServer is the test server with a scheduler (not started: no cron)
// and a reports folder, and some attendance in 2023Q3: session s1 of 第一
// 支部 on 15 August, 张三 (m1) present, 王芳 (m2) absent, 李书记 present.
type reportsServer struct {
	*testServer
	sched     *schedule.Scheduler
	reportDir string
	groups    map[string]string // name → id
	session   string
}

func newReportsServer(tb testing.TB) *reportsServer {
	tb.Helper()
	ts := newTestServer(tb)
	dir := tb.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched, err := schedule.New(schedule.Config{Store: ts.s, Logger: logger, DataDir: dir, Now: ts.clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sched.Stop(context.Background()) })
	rs := &reportsServer{testServer: ts, sched: sched, reportDir: filepath.Join(dir, "reports"), groups: map[string]string{}}
	ts.e = checkedNew(tb, Config{Store: ts.s, Logger: logger, Jobs: sched, ReportDir: rs.reportDir})
	gs, _ := ts.s.Groups()
	for _, g := range gs {
		rs.groups[g.Name] = g.ID
	}
	ctx := store.WithActor(context.Background(), ts.ids["admin"])
	start := time.Date(2023, 8, 15, 9, 0, 0, 0, store.DefaultLocation())
	sess, err := ts.s.CreateSession(ctx, store.SessionInput{GroupID: rs.groups["第一支部"], Title: "集中学习党章",
		StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(2 * time.Hour).Format(time.RFC3339), Place: "二楼会议室"})
	if err != nil {
		tb.Fatal(err)
	}
	rs.session = sess.ID
	for user, st := range map[string]string{"m1": "present", "m2": "absent", "lead1": "present"} {
		if _, err := ts.s.SetAttendance(ctx, sess.ID, ts.ids[user], store.AttendanceInput{Status: st}); err != nil {
			tb.Fatal(err)
		}
	}
	return rs
}

// generate runs POST /reports as hr and waits for the job.
func (rs *reportsServer) generate(tb testing.TB, body string) string {
	tb.Helper()
	rec := rs.do("POST", "/api/v1/reports", "hr", body)
	if rec.Code != http.StatusAccepted {
		tb.Fatalf("POST /reports: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		JobID string `json:"job_id"`
	}
	decodeJSON(tb, rec, &out)
	rs.sched.Wait()
	return out.JobID
}

type listedReport struct {
	Period      string    `json:"period"`
	Kind        string    `json:"kind"`
	SubjectID   string    `json:"subject_id"`
	URL         string    `json:"url"`
	GeneratedAt time.Time `json:"generated_at"`
	Stale       bool      `json:"stale"`
}

func (rs *reportsServer) list(tb testing.TB, as, query string) []listedReport {
	tb.Helper()
	rec := rs.do("GET", "/api/v1/reports"+query, as, nil)
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET /reports as %s: %d %s", as, rec.Code, rec.Body)
	}
	var out struct{ Items []listedReport }
	decodeJSON(tb, rec, &out)
	return out.Items
}

func pdftotext(tb testing.TB, pdf []byte) string {
	tb.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		tb.Skip("pdftotext not installed (poppler-utils)")
	}
	cmd := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

func TestReportsJobAndDownloads(t *testing.T) {
	rs := newReportsServer(t)
	id := rs.generate(t, `{"period": "2023Q3"}`)

	t.Run("Job", func(t *testing.T) {
		rec := rs.do("GET", "/api/v1/jobs/"+id, "hr", nil)
		var run store.JobRun
		decodeJSON(t, rec, &run)
		// 6 accounts with a group (hr, lead1, m1, m2, m3 … the admin has none: 5)
		// → 5 member PDFs; 3 groups × (PDF + XLSX)
		if rec.Code != 200 || run.Status != store.JobSucceeded || run.Done != 11 || run.Total != 11 || run.Kind != "reports" || run.EndedAt == nil {
			t.Fatalf("GET /jobs/%s: %d %s", id, rec.Code, rec.Body)
		}
		rec = rs.do("GET", "/api/v1/jobs", "admin", nil)
		var runs struct{ Items []store.JobRun }
		decodeJSON(t, rec, &runs)
		if len(runs.Items) == 0 || runs.Items[0].ID != id {
			t.Fatalf("GET /jobs: %s", rec.Body)
		}
		if rec := rs.do("GET", "/api/v1/jobs/424242", "hr", nil); rec.Code != 404 {
			t.Fatalf("unknown job: %d", rec.Code)
		}
		if rec := rs.do("GET", "/api/v1/jobs?limit=0", "hr", nil); rec.Code != 422 {
			t.Fatalf("limit=0: %d", rec.Code)
		}
	})

	t.Run("ListByRole", func(t *testing.T) {
		all := rs.list(t, "hr", "?period=2023Q3")
		if len(all) != 11 {
			t.Fatalf("hr sees %d files: %+v", len(all), all)
		}
		for _, it := range all {
			if !it.Stale { // made before the quarter ended
				t.Errorf("%+v: not stale", it)
			}
		}
		mine := rs.list(t, "m1", "?period=2023q3")
		if len(mine) != 1 || mine[0].SubjectID != rs.ids["m1"] || mine[0].Kind != store.ReportMemberPDF ||
			mine[0].URL != "/api/v1/reports/2023Q3/members/"+rs.ids["m1"]+".pdf" {
			t.Fatalf("m1 sees %+v", mine)
		}
		lead := rs.list(t, "lead1", "")
		kinds := map[string]int{}
		for _, it := range lead {
			kinds[it.Kind]++
			if it.Kind != store.ReportMemberPDF && it.SubjectID != rs.groups["第一支部"] {
				t.Errorf("lead1 sees a group file outside 第一支部: %+v", it)
			}
		}
		if kinds[store.ReportMemberPDF] != 3 || kinds[store.ReportGroupPDF] != 1 || kinds[store.ReportGroupXLSX] != 1 {
			t.Fatalf("lead1 sees %v", kinds)
		}
		if rec := rs.do("GET", "/api/v1/reports?period=2023Q5", "hr", nil); rec.Code != 422 {
			t.Fatalf("bad period: %d", rec.Code)
		}
		if got := rs.list(t, "hr", "?period=2022"); len(got) != 0 {
			t.Fatalf("2022: %+v", got)
		}
	})

	t.Run("MemberDownloads", func(t *testing.T) {
		own := "/api/v1/reports/2023Q3/members/" + rs.ids["m1"] + ".pdf"
		rec := rs.do("GET", own, "m1", nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" {
			t.Fatalf("own appraisal: %d %s", rec.Code, rec.Header())
		}
		text := pdftotext(t, rec.Body.Bytes())
		for _, want := range []string{"张三", "第一支部", "100.0%", "集中学习党章", "本人签字"} {
			if !strings.Contains(text, want) {
				t.Errorf("appraisal lacks %q: %s", want, text)
			}
		}
		other := "/api/v1/reports/2023Q3/members/" + rs.ids["m2"] + ".pdf"
		for _, c := range []struct {
			as, path string
			want     int
		}{
			{"m1", other, 403},    // a member: only their own
			{"lead1", other, 200}, // a lead: their subtree
			{"lead1", "/api/v1/reports/2023Q3/members/" + rs.ids["m3"] + ".pdf", 403}, // not their subtree
			{"hr", other, 200},
			{"admin", other, 200},
			{"hr", "/api/v1/reports/2023Q3/members/424242.pdf", 404},               // no such member
			{"hr", "/api/v1/reports/2023Q2/members/" + rs.ids["m1"] + ".pdf", 404}, // never generated
			{"m1", own + "?lang=fr", 422},
		} {
			if rec := rs.do("GET", c.path, c.as, nil); rec.Code != c.want {
				t.Errorf("%s GET %s: %d %s, want %d", c.as, c.path, rec.Code, rec.Body, c.want)
			}
		}
		wang := pdftotext(t, rs.do("GET", other, "lead1", nil).Body.Bytes())
		if !strings.Contains(wang, "王芳") || !strings.Contains(wang, "0.0%") || !strings.Contains(wang, "较差") {
			t.Errorf("王芳's appraisal: %s", wang)
		}
		en := rs.do("GET", own+"?lang=en", "m1", nil)
		if en.Code != 200 || !strings.Contains(pdftotext(t, en.Body.Bytes()), "Page1of") {
			t.Fatalf("English: %d", en.Code)
		}
		// the English file is now listed for m1 too
		if got := rs.list(t, "m1", "?period=2023Q3"); len(got) != 2 {
			t.Fatalf("after ?lang=en m1 sees %+v", got)
		}
	})

	t.Run("MissingFileIsMadeAgain", func(t *testing.T) {
		path := filepath.Join(rs.reportDir, "2023Q3", "members", rs.ids["m2"]+".pdf")
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		rec := rs.do("GET", "/api/v1/reports/2023Q3/members/"+rs.ids["m2"]+".pdf", "hr", nil)
		if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
			t.Fatalf("missing file: %d %s", rec.Code, rec.Body)
		}
	})

	t.Run("GroupDownloadsAndXLSXMatchRates", func(t *testing.T) {
		g1 := rs.groups["第一支部"]
		for _, c := range []struct {
			as, file string
			want     int
		}{
			{"lead1", g1 + ".pdf", 200},
			{"lead1", g1 + ".xlsx", 200},
			{"lead1", rs.root + ".pdf", 403},
			{"hr", rs.root + ".xlsx", 200},
			{"m1", g1 + ".pdf", 403},
			{"hr", "424242.pdf", 404},
			{"hr", g1 + ".csv", 404},
		} {
			if rec := rs.do("GET", "/api/v1/reports/2023Q3/groups/"+c.file, c.as, nil); rec.Code != c.want {
				t.Errorf("%s GET groups/%s: %d %s, want %d", c.as, c.file, rec.Code, rec.Body, c.want)
			}
		}
		pdf := pdftotext(t, rs.do("GET", "/api/v1/reports/2023Q3/groups/"+rs.root+".pdf", "hr", nil).Body.Bytes())
		for _, want := range []string{"机关党委", "第一支部", "第二支部", "张三", "王芳", "赵六", "合计"} {
			if !strings.Contains(pdf, want) {
				t.Errorf("group PDF lacks %q", want)
			}
		}
		rec := rs.do("GET", "/api/v1/reports/2023Q3/groups/"+g1+".xlsx", "hr", nil)
		if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
			t.Fatalf("xlsx content type %q", ct)
		}
		x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("成员", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rr := rs.do("GET", "/api/v1/rates?period=2023Q3&group_id="+g1, "hr", nil)
		var rates struct {
			Members []struct {
				Name                                  string
				Participation, Completion, Excellence struct{ Rate *float64 }
			}
		}
		decodeJSON(t, rr, &rates)
		if len(rates.Members) != 3 || len(rows) < 4 {
			t.Fatalf("rates %s; xlsx rows %v", rr.Body, rows)
		}
		for _, m := range rates.Members {
			found := false
			for _, row := range rows[1:] {
				if len(row) < 6 || row[1] != m.Name {
					continue
				}
				found = true
				for i, r := range []*float64{m.Participation.Rate, m.Completion.Rate, m.Excellence.Rate} {
					if r == nil {
						if row[3+i] != "" {
							t.Errorf("%s col %d = %q, want empty", m.Name, 3+i, row[3+i])
						}
						continue
					}
					v, err := strconv.ParseFloat(row[3+i], 64)
					if err != nil || math.Abs(v-*r) > 1e-9 {
						t.Errorf("%s col %d = %q, GET /rates %v", m.Name, 3+i, row[3+i], *r)
					}
				}
			}
			if !found {
				t.Errorf("%s not in the XLSX", m.Name)
			}
		}
	})

	t.Run("FreshAfterTheQuarter", func(t *testing.T) {
		rs.clock.Set(time.Date(2023, 10, 2, 9, 0, 0, 0, store.DefaultLocation()))
		rs.tokens = map[string]string{} // the logins of September have expired
		rs.generate(t, `{"period": "2023Q3", "group_id": "`+rs.groups["第二支部"]+`"}`)
		fresh, stale := 0, 0
		for _, it := range rs.list(t, "hr", "?period=2023Q3") {
			if it.Stale {
				stale++
			} else {
				fresh++
			}
			if it.SubjectID == rs.ids["m3"] && it.Kind == store.ReportMemberPDF && it.Stale {
				t.Errorf("regenerated after the quarter but stale: %+v", it)
			}
		}
		// 第二支部: 赵六's appraisal and the branch's PDF and XLSX
		if fresh != 3 || stale != 9 {
			t.Errorf("fresh %d, stale %d; want 3 and 9", fresh, stale)
		}
	})
}

// TestReportPathTricks: no request reaches a file outside the reports
// folder, however the path is spelled.
func TestReportPathTricks(t *testing.T) {
	rs := newReportsServer(t)
	rs.generate(t, `{"period": "2023Q3"}`)
	secret := []byte("%PDF SECRET outside the reports folder")
	os.WriteFile(filepath.Join(filepath.Dir(rs.reportDir), "secret.pdf"), secret, 0o600)
	os.WriteFile(filepath.Join(rs.reportDir, "2023Q3", "secret.pdf"), secret, 0o600)
	m1 := rs.ids["m1"]
	if rec := rs.do("GET", "/api/v1/reports/2023Q3/members/"+m1+".pdf", "admin", nil); rec.Code != 200 {
		t.Fatalf("the plain path: %d", rec.Code)
	}
	for _, p := range []string{
		"/api/v1/reports/2023Q3/members/..%2f..%2fsecret.pdf",
		"/api/v1/reports/2023Q3/members/%2e%2e%2fsecret.pdf",
		"/api/v1/reports/2023Q3/members/%2e%2e%2f%2e%2e%2fsecret.pdf",
		"/api/v1/reports/2023Q3/members/..%5csecret.pdf",
		"/api/v1/reports/2023Q3/members/%2fetc%2fpasswd",
		"/api/v1/reports/2023Q3/members/" + m1 + ".pdf%00.txt",
		"/api/v1/reports/2023Q3/members/0" + m1 + ".pdf",
		"/api/v1/reports/2023Q3/members/" + m1 + ".PDF",
		"/api/v1/reports/2023Q3/members/" + m1 + ".en.pdf",
		"/api/v1/reports/2023Q3/members/secret.pdf",
		"/api/v1/reports/2023Q3/groups/..%2fsecret.pdf",
		"/api/v1/reports/2023Q3/groups/%2e%2e%2f%2e%2e%2fsecret.pdf",
		"/api/v1/reports/..%2f..%2f/members/" + m1 + ".pdf",
		"/api/v1/reports/%2e%2e/members/" + m1 + ".pdf",
		"/api/v1/reports/2023Q3%2f..%2f../members/" + m1 + ".pdf",
		"/api/v1/reports/2023Q3/../secret.pdf",
		"/api/v1/reports/2023Q3/members/../../secret.pdf",
		"/api/v1/reports/2023Q3/members/" + strings.Repeat("9", 30) + ".pdf",
	} {
		req := httptest.NewRequest("GET", "http://x"+p, nil)
		req.Header.Set("Authorization", "Bearer "+rs.token("admin"))
		rec := httptest.NewRecorder()
		rs.e.ServeHTTP(rec, req)
		t.Logf("GET %s → %d %s", p, rec.Code, errCode(rec))
		if rec.Code != 404 && rec.Code != 400 {
			t.Errorf("GET %s: %d, want 404 or 400", p, rec.Code)
		}
		if bytes.Contains(rec.Body.Bytes(), []byte("SECRET")) {
			t.Errorf("GET %s sent the secret", p)
		}
		if rec.Code == 404 && !json.Valid(rec.Body.Bytes()) {
			t.Errorf("GET %s: not a JSON error: %s", p, rec.Body)
		}
	}
}

func TestStartReportsRequests(t *testing.T) {
	rs := newReportsServer(t)
	for _, c := range []struct {
		as, body string
		want     int
		field    string
	}{
		{"hr", `{"period": "2023Q3"`, 400, ""},
		{"hr", `{"period": "2023Q3", "extra": 1}`, 400, ""},
		{"hr", `{"period": 2023}`, 400, ""},
		{"hr", `{}`, 422, "period"},
		{"hr", `{"period": "2023Q5"}`, 422, "period"},
		{"hr", `{"period": "2024"}`, 422, "period"}, // has not started (the clock is 2023-09-01)
		{"hr", `{"period": "2023Q3", "group_id": "x"}`, 422, "group_id"},
		{"hr", `{"period": "2023Q3", "group_id": "424242"}`, 422, "group_id"},
		{"lead1", `{"period": "2023Q3"}`, 403, ""},
		{"m1", `{"period": "2023Q3"}`, 403, ""},
	} {
		rec := rs.do("POST", "/api/v1/reports", c.as, c.body)
		if rec.Code != c.want {
			t.Errorf("%s POST %s: %d %s, want %d", c.as, c.body, rec.Code, rec.Body, c.want)
			continue
		}
		if c.field != "" && !strings.Contains(rec.Body.String(), `"`+c.field+`"`) {
			t.Errorf("%s: error does not name %s: %s", c.body, c.field, rec.Body)
		}
	}
	rs.sched.Wait()
	if runs, _ := rs.s.Jobs(store.JobFilter{}); len(runs) != 0 {
		t.Fatalf("rejected requests started runs: %+v", runs)
	}
}

func TestReportsWithoutJobs(t *testing.T) {
	ts := newTestServer(t)
	if rec := ts.do("POST", "/api/v1/reports", "hr", `{"period": "2023Q3"}`); rec.Code != 503 {
		t.Fatalf("POST /reports without jobs: %d %s", rec.Code, rec.Body)
	}
	rec := ts.do("GET", "/api/v1/jobs", "hr", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"items":[]`) {
		t.Fatalf("GET /jobs: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/reports/2023Q3/members/"+ts.ids["m1"]+".pdf", "m1", nil); rec.Code != 404 || errCode(rec) != "report_not_generated" {
		t.Fatalf("never generated: %d %s", rec.Code, rec.Body)
	}
}

func TestSigninSheet(t *testing.T) {
	rs := newReportsServer(t)
	path := "/api/v1/sessions/" + rs.session + "/signin-sheet.pdf"
	rec := rs.do("GET", path, "lead1", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("sign-in sheet: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	body := rec.Body.Bytes()
	if !bytes.Contains(body, []byte("/Subtype /Image")) {
		t.Error("no QR image in the sheet")
	}
	text := pdftotext(t, body)
	for _, want := range []string{"第一支部", "集中学习党章", "二楼会议室", "张三", "王芳", "李书记", "签到", "缺席", "主持人"} {
		if !strings.Contains(text, want) {
			t.Errorf("sheet lacks %q: %s", want, text)
		}
	}
	if strings.Contains(text, "赵六") {
		t.Error("a member of another branch is on the sheet")
	}
	for _, c := range []struct {
		as, path string
		want     int
	}{
		{"admin", path, 200},
		{"admin", path + "?lang=en", 200},
		{"lead1", path + "?lang=xx", 422},
		{"m1", path, 403},
		{"hr", path, 403},
		{"admin", "/api/v1/sessions/424242/signin-sheet.pdf", 404},
	} {
		if rec := rs.do("GET", c.path, c.as, nil); rec.Code != c.want {
			t.Errorf("%s GET %s: %d %s, want %d", c.as, c.path, rec.Code, rec.Body, c.want)
		}
	}
	// a session of the root group: lead1 leads only 第一支部
	ctx := store.WithActor(context.Background(), rs.ids["admin"])
	start := time.Date(2023, 9, 10, 9, 0, 0, 0, store.DefaultLocation())
	root, err := rs.s.CreateSession(ctx, store.SessionInput{GroupID: rs.root, Title: "全体学习", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	if rec := rs.do("GET", "/api/v1/sessions/"+root.ID+"/signin-sheet.pdf", "lead1", nil); rec.Code != 403 {
		t.Errorf("lead1 on a root session: %d", rec.Code)
	}
}

func FuzzReportsRequest(f *testing.F) {
	for _, s := range []string{`{"period":"2023Q3"}`, `{"period":"2023","group_id":"4"}`, `{"period":"2023q9"}`,
		`{"period":"","group_id":"0"}`, `{"group_id":"18446744073709551616"}`, `[]`, `null`, `{"period":"２０２３"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r reportsRequest
		if json.Unmarshal(data, &r) != nil {
			return
		}
		if r.Validate() != nil {
			return
		}
		if _, err := store.ParsePeriod(r.Period, store.DefaultLocation()); err != nil {
			t.Fatalf("valid request with a bad period %q", r.Period)
		}
		if r.GroupID != "" {
			if n, err := strconv.ParseUint(r.GroupID, 10, 64); err != nil || n == 0 {
				t.Fatalf("valid request with a bad group id %q", r.GroupID)
			}
		}
	})
}
