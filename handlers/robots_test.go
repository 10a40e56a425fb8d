package handlers

import (
	"strings"
	"testing"
)

// TestRobotsAPI walks the reminders routes as API.md writes them: create
// (201, secret never shown again), the bad inputs (422 naming the field),
// scope (a lead of another group 403), test (202 through the outbox) and
// GET /outbox?state= for admins.
func TestRobotsAPI(t *testing.T) {
	ts := newTestServer(t)
	const secret = "SEC4f1e2d3c4b5a69788796a5b4c3d2e1f0"
	const token = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	body := map[string]any{"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=" + token, "secret": secret,
		"events": []string{"session_tomorrow", "session_soon", "attendance"}}
	rec := ts.do("POST", "/api/v1/groups/"+ts.g1+"/robots", "lead1", body)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var r struct {
		ID, Kind, URL string
		HasSecret     bool `json:"has_secret"`
		Events        []string
	}
	decodeJSON(t, rec, &r)
	if r.Kind != "dingtalk" || !r.HasSecret || len(r.Events) != 3 {
		t.Errorf("robot %s", rec.Body)
	}
	for _, path := range []string{"/api/v1/groups/" + ts.g1 + "/robots", "/api/v1/robots/" + r.ID} {
		rec := ts.do("GET", path, "lead1", nil)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), secret) || strings.Contains(rec.Body.String(), token) {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	if strings.Contains(ts.do("GET", "/api/v1/audit", "admin", nil).Body.String(), secret) {
		t.Error("the audit log shows the secret")
	}

	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			body  string
			field string
		}{
			{`{"kind":"wecom","url":"ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}`, "url"},
			{`{"kind":"wecom","url":"qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}`, "url"},
			{`{"kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=t"}`, "secret"},
			{`{"kind":"feishu","url":"https://open.feishu.cn/open-apis/bot/v2/hook/x","secret":""}`, "secret"},
			{`{"kind":"wecom","url":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k","events":["nonsense"]}`, "events"},
			{`{"kind":"telegram","url":"https://api.telegram.org/bot"}`, "kind"},
		} {
			rec := ts.do("POST", "/api/v1/groups/"+ts.g1+"/robots", "admin", c.body)
			if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want 422 on %s", c.body, rec.Code, rec.Body, c.field)
			}
		}
	})
	t.Run("scope", func(t *testing.T) {
		good := `{"kind":"wecom","url":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}`
		if rec := ts.do("POST", "/api/v1/groups/"+ts.g2+"/robots", "lead1", good); rec.Code != 403 {
			t.Errorf("a lead on another group's robots: %d", rec.Code)
		}
		if rec := ts.do("POST", "/api/v1/groups/"+ts.root+"/robots", "lead1", good); rec.Code != 403 {
			t.Errorf("a lead on the group above: %d", rec.Code)
		}
		if rec := ts.do("POST", "/api/v1/groups/999/robots", "admin", good); rec.Code != 404 {
			t.Errorf("unknown group: %d", rec.Code)
		}
	})
	t.Run("test goes through the outbox", func(t *testing.T) {
		rec := ts.do("POST", "/api/v1/robots/"+r.ID+"/test", "lead1", nil)
		if rec.Code != 202 {
			t.Fatalf("test: %d %s", rec.Code, rec.Body)
		}
		var out struct {
			Items []struct {
				ID, State, Event string
				RobotID          string  `json:"robot_id"`
				Tries            int     `json:"tries"`
				LastError        *string `json:"last_error"`
				SentAt           *string `json:"sent_at"`
			}
		}
		rec = ts.do("GET", "/api/v1/outbox?state=queued", "admin", nil)
		decodeJSON(t, rec, &out)
		if len(out.Items) != 1 || out.Items[0].RobotID != r.ID || out.Items[0].Event != "test" || out.Items[0].State != "queued" ||
			out.Items[0].Tries != 0 || out.Items[0].LastError == nil || out.Items[0].SentAt != nil {
			t.Fatalf("outbox %s", rec.Body)
		}
		if rec := ts.do("GET", "/api/v1/outbox?state=sent", "admin", nil); !strings.Contains(rec.Body.String(), `"items":[]`) {
			t.Errorf("sent: %s", rec.Body)
		}
		if rec := ts.do("GET", "/api/v1/outbox?state=lost", "admin", nil); rec.Code != 422 {
			t.Errorf("bad state: %d", rec.Code)
		}
	})
	t.Run("update and delete", func(t *testing.T) {
		if rec := ts.do("PATCH", "/api/v1/robots/"+r.ID, "lead1", `{"events":["attendance"],"format":"text"}`); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"format":"text"`) {
			t.Errorf("patch: %d %s", rec.Code, rec.Body)
		}
		if rec := ts.do("PUT", "/api/v1/groups/"+ts.g1+"/reminders", "lead1", `{"name_absentees":true}`); rec.Code != 200 {
			t.Errorf("settings: %d %s", rec.Code, rec.Body)
		}
		if rec := ts.do("DELETE", "/api/v1/robots/"+r.ID, "lead1", nil); rec.Code != 204 {
			t.Errorf("delete: %d %s", rec.Code, rec.Body)
		}
		if rec := ts.do("GET", "/api/v1/outbox?state=failed", "admin", nil); !strings.Contains(rec.Body.String(), "removed") {
			t.Errorf("the deleted robot's message: %s", rec.Body)
		}
	})
}
