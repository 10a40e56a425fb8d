package handlers

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDownloadNames: every report download carries a readable RFC 6266
// filename* (2023年第三季度-学习考核表-张三.pdf) beside an ASCII fallback.
func TestDownloadNames(t *testing.T) {
	rs := newReportsServer(t)
	rs.generate(t, `{"period": "2023Q3"}`)
	cases := []struct{ path, as, want string }{
		{"/api/v1/reports/2023Q3/members/" + rs.ids["m1"] + ".pdf", "m1", "2023年第三季度-学习考核表-张三.pdf"},
		{"/api/v1/reports/2023Q3/members/" + rs.ids["m1"] + ".pdf?lang=en", "m1", "2023年第三季度-学习考核表-张三-en.pdf"},
		{"/api/v1/reports/2023Q3/groups/" + rs.g1 + ".pdf", "hr", "2023年第三季度-学习情况汇总表-第一支部.pdf"},
		{"/api/v1/reports/2023Q3/groups/" + rs.g1 + ".xlsx", "hr", "2023年第三季度-学习情况汇总表-第一支部.xlsx"},
		{"/api/v1/sessions/" + rs.session + "/signin-sheet.pdf", "lead1", "2023年8月15日-签到表-第一支部.pdf"},
	}
	for _, c := range cases {
		rec := rs.do("GET", c.path, c.as, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
		}
		cd := rec.Header().Get("Content-Disposition")
		i := strings.Index(cd, "filename*=UTF-8''")
		if i < 0 || !strings.Contains(cd, `filename="`) {
			t.Fatalf("%s: Content-Disposition %q", c.path, cd)
		}
		got, err := url.PathUnescape(cd[i+len("filename*=UTF-8''"):])
		if err != nil || got != c.want {
			t.Errorf("%s: filename* %q (%v), want %q", c.path, got, err, c.want)
		}
	}
}

// TestReportZip: GET /reports/{period}.zip?group_id= bundles the period's
// files of the group's subtree with readable names, group files first, then
// members in the one order; a lead gets only their subtree.
func TestReportZip(t *testing.T) {
	rs := newReportsServer(t)
	if rec := rs.do("GET", "/api/v1/reports/2023Q3.zip?group_id="+rs.g1, "hr", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("before generation: %d %s", rec.Code, rec.Body)
	}
	rs.generate(t, `{"period": "2023Q3"}`)
	rec := rs.do("GET", "/api/v1/reports/2023Q3.zip?group_id="+rs.g1, "lead1", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d %s", rec.Code, rec.Body)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''"+rfc5987("2023年第三季度-考核材料-第一支部.zip")) {
		t.Errorf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		if !bytes.HasPrefix(b.Bytes(), []byte("%PDF")) && !bytes.HasPrefix(b.Bytes(), []byte("PK")) {
			t.Errorf("%s is not a PDF or XLSX", f.Name)
		}
	}
	// 李书记 (lǐ), 王芳 (wáng), 张三 (zhāng): pinyin order
	want := []string{
		"汇总表/第一支部-" + rs.g1 + ".pdf", "汇总表/第一支部-" + rs.g1 + ".xlsx",
		"学习考核表/第一支部-李书记-" + rs.ids["lead1"] + ".pdf",
		"学习考核表/第一支部-王芳-" + rs.ids["m2"] + ".pdf",
		"学习考核表/第一支部-张三-" + rs.ids["m1"] + ".pdf",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("zip holds\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if rec := rs.do("GET", "/api/v1/reports/2023Q3.zip?group_id="+rs.g2, "lead1", nil); rec.Code != http.StatusForbidden {
		t.Errorf("lead outside their subtree: %d", rec.Code)
	}
	if rec := rs.do("GET", "/api/v1/reports/2023Q3.zip", "hr", nil); rec.Code != http.StatusOK {
		t.Errorf("hr, whole organisation: %d", rec.Code)
	}
	if rec := rs.do("GET", "/api/v1/reports/2023Q9.zip", "hr", nil); rec.Code != http.StatusNotFound {
		t.Errorf("bad period: %d", rec.Code)
	}
}

// TestGroupPositionRoutes: POST /groups and PATCH /groups/{id} take
// position; GET /groups and GET /members answer in the one order.
func TestGroupPositionRoutes(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": "第零支部", "parent_id": ts.root, "position": 1})
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /groups: %d %s", rec.Code, rec.Body)
	}
	rec = ts.do("PATCH", "/api/v1/groups/"+ts.g2, "admin", map[string]any{"position": 2})
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH /groups: %d %s", rec.Code, rec.Body)
	}
	var gs struct {
		Items []struct {
			Name     string
			Position int
		}
	}
	decodeJSON(t, ts.do("GET", "/api/v1/groups", "m1", nil), &gs)
	var got []string
	for _, g := range gs.Items {
		got = append(got, g.Name)
	}
	if strings.Join(got, ",") != "机关党委,第零支部,第二支部,第一支部" {
		t.Errorf("GET /groups: %v", got)
	}
	if rec := ts.do("PATCH", "/api/v1/groups/"+ts.g2, "lead1", map[string]any{"position": 1}); rec.Code != http.StatusForbidden {
		t.Errorf("lead patching a group: %d", rec.Code)
	}
	var ms struct{ Items []struct{ Name string } }
	decodeJSON(t, ts.do("GET", "/api/v1/members", "hr", nil), &ms)
	got = nil
	for _, m := range ms.Items {
		got = append(got, m.Name)
	}
	// hr is on the root; 赵六 (第二支部) now before 第一支部's 李, 王, 张; admin has no group
	if strings.Join(got, ",") != "周组织,赵六,李书记,王芳,张三,Administrator" && strings.Join(got[:5], ",") != "周组织,赵六,李书记,王芳,张三" {
		t.Errorf("GET /members: %v", got)
	}
}

// TestSigninSheetLeadMarks: members a lead marked present show 负责人登记
// in 签到时间 (not a blank that looks like no record); 缺席 shows in 备注;
// rows follow the one order (李, 王, 张 by pinyin).
func TestSigninSheetLeadMarks(t *testing.T) {
	rs := newReportsServer(t)
	rec := rs.do("GET", "/api/v1/sessions/"+rs.session+"/signin-sheet.pdf", "admin", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("sheet: %d %s", rec.Code, rec.Body)
	}
	txt := pdftotext(t, rec.Body.Bytes())
	for _, want := range []string{"1李书记负责人登记", "2王芳缺席", "3张三负责人登记"} {
		if !strings.Contains(txt, want) {
			t.Errorf("sheet lacks %q:\n%s", want, txt)
		}
	}
}
