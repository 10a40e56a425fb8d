package handlers

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func (ts *testServer) postCSV(body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/members/import", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+ts.token("admin"))
	rec := httptest.NewRecorder()
	ts.e.ServeHTTP(rec, req)
	return rec
}

func TestImportMembers(t *testing.T) {
	t.Run("OK with BOM, Chinese names and group paths", func(t *testing.T) {
		ts := newTestServer(t)
		csv := "\ufeffname,username,group,role,joined_on,password\r\n" +
			"欧阳娜娜,oyn,第一支部,member,2023-03-01,secret123\r\n" +
			"司马光,smg,机关党委/第二支部,lead,2023/9/1,secret123\r\n" +
			"张三丰,m1,第二支部,,,\r\n" // existing username: updated, moved
		rec := ts.postCSV(csv)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"created":2`) || !strings.Contains(rec.Body.String(), `"updated":1`) {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		m, err := ts.s.MemberByUsername("smg")
		if err != nil || m.Name != "司马光" || m.JoinedOn != "2023-09-01" || m.Role != "lead" {
			t.Errorf("imported %+v %v", m, err)
		}
		m1, _ := ts.s.MemberByUsername("m1")
		if m1.Name != "张三丰" {
			t.Errorf("updated member %+v", m1)
		}
		if rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "oyn", "password": "secret123"}); rec.Code != 200 {
			t.Errorf("imported account cannot log in: %d", rec.Code)
		}
	})
	t.Run("ErrEveryBadLineNothingImported", func(t *testing.T) {
		ts := newTestServer(t)
		before, _ := ts.s.Members()
		csv := "name,username,group,role,joined_on,password\n" +
			"好人,good1,第一支部,member,2023-01-01,secret123\n" + // line 2 fine
			",nobody,第一支部,member,2023-01-01,secret123\n" + // line 3 no name
			"坏组,bad2,不存在支部,member,2023-01-01,secret123\n" + // line 4 unknown group
			"角色,bad3,第一支部,king,2023-01-01,secret123\n" + // line 5 bad role
			"日期,bad4,第一支部,member,2023-13-01,secret123\n" + // line 6 bad date
			"密码,bad5,第一支部,member,2023-01-01,short\n" + // line 7 short password
			"重复,good1,第一支部,member,2023-01-01,secret123\n" // line 8 duplicate in file
		rec := ts.postCSV(csv)
		if rec.Code != 422 {
			t.Fatalf("got %d %s", rec.Code, rec.Body)
		}
		var e struct {
			Error struct{ Fields map[string]string }
		}
		decodeJSON(t, rec, &e)
		for _, line := range []string{"line 3", "line 4", "line 5", "line 6", "line 7", "line 8"} {
			if e.Error.Fields[line] == "" {
				t.Errorf("%s not reported: %v", line, e.Error.Fields)
			}
		}
		if e.Error.Fields["line 2"] != "" {
			t.Errorf("good line 2 reported: %v", e.Error.Fields)
		}
		after, _ := ts.s.Members()
		if len(after) != len(before) {
			t.Errorf("%d members after a rejected import, want %d", len(after), len(before))
		}
	})
	t.Run("ErrUnknownGroupReported", func(t *testing.T) {
		ts := newTestServer(t)
		rec := ts.postCSV("name,username,group,role,joined_on,password\n坏组,bad2,不存在支部,member,2023-01-01,secret123\n")
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "line 2") {
			t.Errorf("got %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("ErrNotCSV", func(t *testing.T) {
		ts := newTestServer(t)
		rec := ts.do("POST", "/api/v1/members/import", "admin", `{"a":1}`)
		if rec.Code != 400 {
			t.Errorf("got %d", rec.Code)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		ts := newTestServer(t)
		rec := ts.postCSV("name,username,group\n" + strings.Repeat("x,y,z\n", 2<<20))
		if rec.Code != 413 {
			t.Errorf("11 MiB CSV: got %d, want 413", rec.Code)
		}
		// The same without a Content-Length (a chunked upload).
		req := httptest.NewRequest("POST", "/api/v1/members/import", io.MultiReader(strings.NewReader("name,username,group\n"), strings.NewReader(strings.Repeat("x,y,z\n", 2<<20))))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+ts.token("admin"))
		rec = httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		if rec.Code != 413 {
			t.Errorf("11 MiB CSV without Content-Length: got %d %s, want 413", rec.Code, rec.Body.String()[:min(200, rec.Body.Len())])
		}
	})
}

func TestMembersScope(t *testing.T) {
	ts := newTestServer(t)
	var out struct{ Items []map[string]any }
	rec := ts.do("GET", "/api/v1/members", "lead1", nil)
	decodeJSON(t, rec, &out)
	if len(out.Items) != 3 { // lead1, m1, m2 in 第一支部
		t.Errorf("lead sees %d members, want 3: %s", len(out.Items), rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/members?group_id="+ts.root, "lead1", nil); rec.Code != 403 {
		t.Errorf("lead listing the root: %d, want 403", rec.Code)
	}
	if rec := ts.do("GET", "/api/v1/members/"+ts.ids["m3"], "m1", nil); rec.Code != 403 {
		t.Errorf("member reading another: %d, want 403", rec.Code)
	}
	if rec := ts.do("GET", "/api/v1/members/"+ts.ids["m1"], "m1", nil); rec.Code != 200 {
		t.Errorf("member reading self: %d", rec.Code)
	}
	rec = ts.do("PATCH", "/api/v1/members/"+ts.ids["m2"], "admin", map[string]any{"left_on": "2023-08-01", "password": "newpassword"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"left_on":"2023-08-01"`) {
		t.Fatalf("patch: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/login", "", map[string]string{"username": "m2", "password": "newpassword"}); rec.Code != 401 {
		t.Errorf("a member who left can still log in: %d", rec.Code)
	}
}
