package handlers

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"studyroll/store"
)

// TestImportRosterUploads: the web app sends the file's raw bytes; the
// server reads a GBK CSV (Excel's default on Chinese Windows) without a
// charset, and an XLSX roster, with no garbled name; another media type is
// refused.
func TestImportRosterUploads(t *testing.T) {
	post := func(ts *testServer, ct string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/members/import", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+ts.token("admin"))
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		return rec
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("name,username,group,password\n欧阳娜娜,oyn,第一支部,secret123\n"))
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t)
	if rec := post(ts, "text/csv", gbk); rec.Code != 200 {
		t.Fatalf("GBK CSV: %d %s", rec.Code, rec.Body)
	}
	if m, err := ts.s.MemberByUsername("oyn"); err != nil || m.Name != "欧阳娜娜" {
		t.Errorf("GBK CSV imported %+v %v", m, err)
	}

	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"name", "username", "group", "password", "position"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"司马光", "smg", "第二支部", "secret123", 1})
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if rec := post(ts, store.ContentTypeXLSX, buf.Bytes()); rec.Code != 200 {
		t.Fatalf("XLSX: %d %s", rec.Code, rec.Body)
	}
	if m, err := ts.s.MemberByUsername("smg"); err != nil || m.Name != "司马光" || m.Position != 1 {
		t.Errorf("XLSX imported %+v %v", m, err)
	}
	if rec := post(ts, "application/pdf", []byte("%PDF")); rec.Code != 400 {
		t.Errorf("a PDF roster: %d %s", rec.Code, rec.Body)
	}
}
