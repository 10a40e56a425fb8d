package handlers

import (
	"strings"
	"testing"
	"time"
)

// TestMeetingsAPI: group types, session kinds, the kind rules, minutes
// with their bad inputs, corrections of shares and questions, 四落实,
// compliance and the meeting warnings, over real HTTP.
func TestMeetingsAPI(t *testing.T) {
	ts := newTestServer(t)
	id := func(u string) string { return ts.ids[u] }
	var g map[string]any

	// Groups: inferred and explicit types; PATCH changes them.
	rec := ts.do("GET", "/api/v1/groups", "m1", nil)
	if !strings.Contains(rec.Body.String(), `"type":"branch"`) || !strings.Contains(rec.Body.String(), `"type":"committee"`) {
		t.Errorf("groups typed by name: %s", rec.Body)
	}
	rec = ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": "第一小组", "parent_id": ts.g1, "type": "party_group"})
	decodeJSON(t, rec, &g)
	if rec.Code != 201 || g["type"] != "party_group" {
		t.Fatalf("party group: %d %v", rec.Code, g)
	}
	pg := g["id"].(string)
	wantStatus(t, "bad type", ts.do("POST", "/api/v1/groups", "admin", map[string]any{"name": "x", "type": "club"}), 422, "type")
	wantStatus(t, "patch type", ts.do("PATCH", "/api/v1/groups/"+ts.g2, "admin", map[string]any{"type": "other"}), 200, "")
	wantStatus(t, "patch by lead", ts.do("PATCH", "/api/v1/groups/"+ts.g2, "lead1", map[string]any{"type": "branch"}), 403, "role_forbidden")
	wantStatus(t, "patch unknown", ts.do("PATCH", "/api/v1/groups/999", "admin", map[string]any{"type": "branch"}), 404, "not_found")
	wantStatus(t, "patch back", ts.do("PATCH", "/api/v1/groups/"+ts.g2, "admin", map[string]any{"type": "branch", "name": "第二党支部"}), 200, "")

	// Sessions: kinds, and the kinds a group's type may not hold.
	day := func(d int) (string, string) {
		st := time.Date(2023, 9, d, 14, 0, 0, 0, testStart.Location())
		return st.Format(time.RFC3339), st.Add(2 * time.Hour).Format(time.RFC3339)
	}
	mk := func(group, kind string, d int) (int, map[string]any) {
		st, en := day(d)
		var out map[string]any
		as := "lead1"
		if group == ts.root {
			as = "admin"
		}
		body := map[string]any{"group_id": group, "title": "会议", "first_topic": "学习重要讲话精神", "starts_at": st, "ends_at": en}
		if kind != "" {
			body["kind"] = kind
		}
		rec := ts.do("POST", "/api/v1/sessions", as, body)
		decodeJSON(t, rec, &out)
		return rec.Code, out
	}
	for _, c := range []struct {
		group, kind string
		code        int
	}{
		{ts.g1, "party_congress", 201}, {ts.g1, "committee_meeting", 201}, {ts.g1, "group_meeting", 422},
		{pg, "group_meeting", 201}, {pg, "party_congress", 422}, {ts.root, "committee_meeting", 422},
		{ts.root, "party_lecture", 201}, {ts.g1, "tea_party", 422},
	} {
		code, out := mk(c.group, c.kind, 7)
		if c.code == 201 && (code != 201 || out["kind"] != c.kind || out["first_topic"] != "学习重要讲话精神") {
			t.Errorf("%s in %s: %d %v", c.kind, c.group, code, out)
		} else if c.code == 422 && code != 422 {
			t.Errorf("%s in %s: %d %v, want 422", c.kind, c.group, code, out)
		}
	}
	_, study := mk(ts.g1, "", 9)
	if study["kind"] != "study" {
		t.Errorf("default kind: %v", study)
	}
	_, congress := mk(ts.g1, "party_congress", 28)
	cid := congress["id"].(string)
	base := "/api/v1/sessions/" + cid

	// The sign-in sheet is titled by the kind.
	rec = ts.do("GET", base+"/signin-sheet.pdf", "lead1", nil)
	if rec.Code != 200 || !strings.Contains(pdftotext(t, rec.Body.Bytes()), "第一支部党员大会签到表") {
		t.Errorf("sign-in sheet: %d %q", rec.Code, pdftotext(t, rec.Body.Bytes()))
	}

	// Minutes: not before the session starts; host inside the audience.
	mins := map[string]any{"host_id": id("lead1"), "recorder_id": id("m1"), "first_topic": "学习《条例》", "summary": "审议发展党员事项", "decisions": "同意列为积极分子"}
	wantStatus(t, "minutes ahead", ts.do("PUT", base+"/minutes", "lead1", mins), 409, "session_not_started")
	ts.clock.Set(time.Date(2023, 9, 28, 17, 0, 0, 0, testStart.Location()))
	ts.tokens = map[string]string{} // the logins of September 1 have expired
	wantStatus(t, "host outside", ts.do("PUT", base+"/minutes", "lead1", map[string]any{"host_id": id("m3"), "recorder_id": id("m1")}), 422, "host_id")
	wantStatus(t, "recorder outside", ts.do("PUT", base+"/minutes", "lead1", map[string]any{"host_id": id("m1"), "recorder_id": id("m3")}), 422, "recorder_id")
	wantStatus(t, "hr writes", ts.do("PUT", base+"/minutes", "hr", mins), 403, "role_forbidden")
	wantStatus(t, "unknown field", ts.do("PUT", base+"/minutes", "lead1", `{"host":"1"}`), 400, "malformed")
	for _, u := range []string{"m1", "m2"} {
		ts.do("PUT", base+"/attendance/"+id(u), "lead1", map[string]any{"status": "present"})
	}
	ts.do("PUT", base+"/attendance/"+id("lead1"), "admin", map[string]any{"status": "present"})
	ts.do("POST", base+"/shares", "lead1", map[string]any{"member_id": id("m2"), "summary": "谈体会"})
	var mr map[string]any
	rec = ts.do("PUT", base+"/minutes", "lead1", mins)
	decodeJSON(t, rec, &mr)
	if rec.Code != 200 || mr["complete"] != true || mr["late"] != false || mr["expected"] != float64(3) || mr["present"] != float64(3) || mr["host_name"] != "李书记" {
		t.Errorf("minutes: %d %v", rec.Code, mr)
	}
	rec = ts.do("GET", base+"/minutes.pdf", "hr", nil)
	txt := pdftotext(t, rec.Body.Bytes())
	for _, w := range []string{"第一支部会议记录", "支部党员大会", "主持人", "记录人", "第一议题", "学习《条例》", "同意列为积极分子", "谈体会", "王芳"} {
		if !strings.Contains(txt, w) {
			t.Errorf("minutes PDF lacks %q: %q", w, txt)
		}
	}
	wantStatus(t, "minutes pdf member", ts.do("GET", base+"/minutes.pdf", "m1", nil), 403, "role_forbidden")

	// 四落实.
	var four map[string]any
	rec = ts.do("GET", base+"/four", "m1", nil)
	decodeJSON(t, rec, &four)
	ok := func(k string) any { m, _ := four[k].(map[string]any); return m["ok"] }
	if rec.Code != 200 || ok("people") != true || ok("time") != true || ok("content") != false || ok("effect") != true || four["all"] != false {
		t.Errorf("four: %d %s", rec.Code, rec.Body)
	}
	wantStatus(t, "four other branch", ts.do("GET", base+"/four", "m3", nil), 403, "forbidden")

	// Corrections: a share rewritten, then deleted; the reading turn deleted.
	var sh map[string]any
	rec = ts.do("POST", base+"/shares", "lead1", map[string]any{"member_id": id("m1"), "summary": "初稿"})
	decodeJSON(t, rec, &sh)
	shPath := base + "/shares/" + sh["id"].(string)
	rec = ts.do("PUT", shPath, "lead1", map[string]any{"member_id": id("m1"), "summary": "改正后的发言"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "改正后的发言") {
		t.Errorf("share rewrite: %d %s", rec.Code, rec.Body)
	}
	wantStatus(t, "share of another session", ts.do("DELETE", "/api/v1/sessions/"+study["id"].(string)+"/shares/"+sh["id"].(string), "lead1", nil), 404, "not_found")
	wantStatus(t, "delete share", ts.do("DELETE", shPath, "lead1", nil), 204, "")
	wantStatus(t, "delete again", ts.do("DELETE", shPath, "lead1", nil), 404, "not_found")
	var q map[string]any
	rec = ts.do("POST", base+"/questions", "lead1", map[string]any{"asker_id": id("m1"), "answerer_id": id("m2"), "question": "问", "rating": 3})
	decodeJSON(t, rec, &q)
	qPath := base + "/questions/" + q["id"].(string)
	wantStatus(t, "rewrite question", ts.do("PUT", qPath, "lead1", map[string]any{"asker_id": id("m2"), "answerer_id": id("m1"), "question": "问得好", "rating": 5}), 200, "")
	wantStatus(t, "bad rating", ts.do("PUT", qPath, "lead1", map[string]any{"asker_id": id("m2"), "answerer_id": id("m1"), "question": "问", "rating": 9}), 422, "rating")
	wantStatus(t, "delete question", ts.do("DELETE", qPath, "lead1", nil), 204, "")
	wantStatus(t, "no reading turn", ts.do("DELETE", base+"/reading", "lead1", nil), 404, "not_found")
	ts.do("POST", base+"/reading", "lead1", map[string]any{"lead_id": id("m1"), "material": "《党章》"})
	wantStatus(t, "delete reading", ts.do("DELETE", base+"/reading", "lead1", nil), 204, "")

	// Compliance and meeting warnings for the quarter.
	ts.clock.Set(time.Date(2023, 10, 9, 9, 0, 0, 0, testStart.Location()))
	ts.tokens = map[string]string{}
	var comp struct {
		Items []struct {
			GroupID                 string `json:"group_id"`
			Kind, Slot              string
			Required, Held, Missing int
		}
	}
	rec = ts.do("GET", "/api/v1/compliance?period=2023Q3&group_id="+ts.g1, "lead1", nil)
	decodeJSON(t, rec, &comp)
	held := map[string]int{}
	for _, it := range comp.Items {
		held[it.GroupID+" "+it.Kind+" "+it.Slot] = it.Held
	}
	if rec.Code != 200 || len(comp.Items) != 12 || held[ts.g1+" party_congress 2023Q3"] != 2 || held[pg+" group_meeting 2023-09"] != 1 || held[ts.g1+" committee_meeting 2023-08"] != 0 {
		t.Errorf("compliance: %d %+v", rec.Code, comp)
	}
	wantStatus(t, "compliance other branch", ts.do("GET", "/api/v1/compliance?period=2023Q3&group_id="+ts.g2, "lead1", nil), 403, "forbidden")
	wantStatus(t, "compliance member", ts.do("GET", "/api/v1/compliance?period=2023Q3", "m1", nil), 403, "role_forbidden")
	wantStatus(t, "compliance bad period", ts.do("GET", "/api/v1/compliance?period=2023Q5", "hr", nil), 422, "period")
	rec = ts.do("GET", "/api/v1/warnings?period=2023Q3&group_id="+ts.g1, "lead1", nil)
	if !strings.Contains(rec.Body.String(), `"kind":"meeting_missed"`) || !strings.Contains(rec.Body.String(), `"meeting_kind":"committee_meeting"`) {
		t.Errorf("warnings: %s", rec.Body)
	}
	rec = ts.do("GET", "/api/v1/warnings?period=2023Q3&group_id="+ts.g1+"&meetings=0", "lead1", nil)
	if strings.Contains(rec.Body.String(), "meeting_missed") {
		t.Errorf("meetings=0: %s", rec.Body)
	}
	// The rates answer carries the 四落实 rate.
	rec = ts.do("GET", "/api/v1/rates?period=2023Q3&group_id="+ts.g1, "lead1", nil)
	if !strings.Contains(rec.Body.String(), `"four":{"num":0,"den":`) {
		t.Errorf("rates: %s", rec.Body)
	}
}
