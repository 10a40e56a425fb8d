package handlers

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"studyroll/store"
)

// TestCompression: JSON answers of 1 KiB or more are gzipped for clients
// that accept it and decode to the same document; small answers, clients
// that do not accept gzip and PDF downloads are sent as they are.
func TestCompression(t *testing.T) {
	ts := newTestServer(t)
	ctx := store.WithActor(context.Background(), "system")
	for i := 0; i < 30; i++ {
		if _, err := ts.s.CreateMember(ctx, store.MemberInput{Name: fmt.Sprintf("成员%02d", i), Username: fmt.Sprintf("c%02d", i),
			Password: testPassword, GroupID: ts.g1, Role: store.RoleMember, JoinedOn: "2023-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string, gz bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+ts.token("hr"))
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		return rec
	}
	plain := get("/api/v1/members", false)
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d %q", plain.Code, plain.Header().Get("Content-Encoding"))
	}
	if plain.Body.Len() < 1024 {
		t.Fatalf("fixture answer only %d bytes", plain.Body.Len())
	}
	zipped := get("/api/v1/members", true)
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("members with Accept-Encoding gzip: Content-Encoding %q", zipped.Header().Get("Content-Encoding"))
	}
	if zipped.Body.Len() >= plain.Body.Len() {
		t.Errorf("gzipped %d bytes, plain %d", zipped.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if json.Unmarshal(data, &a) != nil || json.Unmarshal(plain.Body.Bytes(), &b) != nil {
		t.Fatal("answers are not JSON")
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("gzipped answer decodes to another document")
	}
	small := get("/api/v1/me", true)
	if small.Code == 200 && small.Body.Len() < 1024 && small.Header().Get("Content-Encoding") != "" {
		t.Errorf("a %d-byte answer was compressed", small.Body.Len())
	}
	for _, p := range []string{"/api/v1/reports/2023Q3/members/x.pdf", "/api/v1/backup", "/api/v1/sessions/1/signin-sheet.pdf"} {
		req := httptest.NewRequest("GET", p, nil)
		if skip := skipCompression(ts.e.NewContext(req, httptest.NewRecorder())); !skip {
			t.Errorf("%s would be compressed", p)
		}
	}
}
