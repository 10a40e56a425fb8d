package handlers

import "testing"

func TestZZProbe(t *testing.T) {
	ts := newTestServer(t)
	for _, q := range []string{"2022", "2023Q2", "2023Q1", "2023", "2023Q3"} {
		for _, as := range []string{"admin", "m1"} {
			var a map[string]any
			decodeJSON(t, ts.do("GET", "/api/v1/rates?period="+q, as, nil), &a)
			t.Logf("%s %s as_of=%v prov=%v", q, as, a["as_of"], a["provisional"])
		}
	}
	ts.do("POST", "/api/v1/periods/2023Q2/lock", "hr", nil)
	ts.do("POST", "/api/v1/periods/2023Q2/unlock", "admin", map[string]string{"reason": "x"})
	for _, as := range []string{"admin", "m1"} {
		var a map[string]any
		decodeJSON(t, ts.do("GET", "/api/v1/rates?period=2023Q2", as, nil), &a)
		t.Logf("unlocked %s as_of=%v prov=%v", as, a["as_of"], a["provisional"])
	}
	rec := ts.do("GET", "/api/v1/me/rates", "m1", nil)
	t.Logf("%d %s", rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
}
