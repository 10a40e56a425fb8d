package handlers

import (
	"strings"
	"testing"
	"time"
)

// TestOrgWideSessionScope: at an organisation-wide session, a branch lead
// sees only their own subtree's attendance, notes and leave reasons; a
// member sees only their own shares and the ratings of the questions they
// answered; hr sees everything.
func TestOrgWideSessionScope(t *testing.T) {
	ts := newTestServer(t)
	sid := attSession(t, ts, ts.root, attStart)
	if rec := ts.do("POST", "/api/v1/sessions/"+sid+"/leave", "m3", map[string]string{"reason": "住院治疗"}); rec.Code != 201 {
		t.Fatalf("m3 leave: %d %s", rec.Code, rec.Body)
	}
	ts.clock.Set(attStart.Add(time.Minute))
	if rec := ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+ts.ids["m2"], "admin", map[string]string{"status": "absent", "note": "第一支部的备注"}); rec.Code != 200 {
		t.Fatalf("m2: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("PUT", "/api/v1/sessions/"+sid+"/attendance/"+ts.ids["m3"], "admin", map[string]string{"status": "absent", "note": "第二支部的备注"}); rec.Code != 200 {
		t.Fatalf("m3: %d %s", rec.Code, rec.Body)
	}
	for _, sh := range []struct{ who, text string }{{"m1", "张三的体会"}, {"m3", "赵六的体会"}} {
		if rec := ts.do("POST", "/api/v1/sessions/"+sid+"/shares", "admin", map[string]string{"member_id": ts.ids[sh.who], "summary": sh.text}); rec.Code != 201 {
			t.Fatalf("share: %d %s", rec.Code, rec.Body)
		}
	}
	if rec := ts.do("POST", "/api/v1/sessions/"+sid+"/questions", "admin", map[string]any{"asker_id": ts.ids["m1"], "answerer_id": ts.ids["m3"], "question": "赵六答的问题", "rating": 2}); rec.Code != 201 {
		t.Fatalf("question: %d %s", rec.Code, rec.Body)
	}
	cases := []struct {
		as        string
		see, hide []string
	}{
		{"lead1", []string{"第一支部的备注", "张三的体会"}, []string{"住院治疗", "第二支部的备注", "赵六的体会", "赵六答的问题", `"member_id":"` + ts.ids["m3"] + `"`}},
		{"m1", []string{"张三的体会"}, []string{"住院治疗", "第一支部的备注", "赵六的体会", "赵六答的问题"}},
		{"m3", []string{"住院治疗", "赵六的体会", "赵六答的问题"}, []string{"张三的体会", "第一支部的备注"}},
		{"hr", []string{"住院治疗", "第一支部的备注", "第二支部的备注", "张三的体会", "赵六的体会", "赵六答的问题"}, nil},
	}
	for _, c := range cases {
		t.Run(c.as, func(t *testing.T) {
			rec := ts.do("GET", "/api/v1/sessions/"+sid, c.as, nil)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			for _, s := range c.see {
				if !strings.Contains(body, s) {
					t.Errorf("does not see %s", s)
				}
			}
			for _, s := range c.hide {
				if strings.Contains(body, s) {
					t.Errorf("sees %s", s)
				}
			}
		})
	}
}
