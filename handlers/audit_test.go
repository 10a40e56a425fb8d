package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"studyroll/internal/testorg"
	"studyroll/store"
)

// TestAuditVerifyAndPages: GET /audit/verify answers the chain's state
// (and names an edited entry); GET /audit pages back with limit and before.
func TestAuditVerifyAndPages(t *testing.T) {
	ts := newTestServer(t)
	var v struct {
		OK        bool    `json:"ok"`
		Entries   int     `json:"entries"`
		Head      string  `json:"head"`
		CheckedAt string  `json:"checked_at"`
		FirstBad  *uint64 `json:"first_bad"`
	}
	decodeJSON(t, ts.do("GET", "/api/v1/audit/verify", "hr", nil), &v)
	if !v.OK || v.Entries < 5 || len(v.Head) != 64 || v.CheckedAt == "" || v.FirstBad != nil {
		t.Fatalf("intact: %+v", v)
	}
	var page struct {
		Items []struct {
			Seq uint64 `json:"seq"`
		}
		NextBefore uint64 `json:"next_before"`
	}
	decodeJSON(t, ts.do("GET", "/api/v1/audit?limit=2", "hr", nil), &page)
	if len(page.Items) != 2 || page.NextBefore != page.Items[1].Seq {
		t.Fatalf("first page %+v", page)
	}
	top := page.Items[0].Seq
	decodeJSON(t, ts.do("GET", fmt.Sprintf("/api/v1/audit?limit=2&before=%d", page.NextBefore), "hr", nil), &page)
	if len(page.Items) != 2 || page.Items[0].Seq != top-2 {
		t.Fatalf("second page %+v (top %d)", page, top)
	}
	if rec := ts.do("GET", "/api/v1/audit?limit=0", "hr", nil); rec.Code != 422 && rec.Code != 400 {
		t.Errorf("limit=0: %d", rec.Code)
	}
	ts.reopen(func(dir string) {
		testorg.EditAuditEntry(t, dir, 3, func(v []byte) []byte {
			for i := range v {
				if v[i] == 'a' && i > 20 {
					v[i] = 'b' // one letter of the entry changed
					break
				}
			}
			return v
		})
	})
	decodeJSON(t, ts.do("GET", "/api/v1/audit/verify", "admin", nil), &v)
	if v.OK || v.FirstBad == nil || *v.FirstBad != 3 {
		t.Errorf("edited entry 3: %+v", v)
	}
}

// TestAuditBrokenWarning: once the daily check (RecordAuditCheck, as the
// audit_verify job calls it) finds the chain broken, GET /warnings shows
// admins an audit_chain_broken warning naming the first bad entry, for any
// period; hr and leads do not get it; a passing check clears it.
func TestAuditBrokenWarning(t *testing.T) {
	ts := newTestServer(t)
	sys := store.WithActor(context.Background(), "system")
	type warning struct {
		Kind   string `json:"kind"`
		Count  int    `json:"count"`
		From   string `json:"from"`
		Detail string `json:"detail"`
	}
	audited := func(as string) *warning {
		t.Helper()
		var out struct{ Items []warning }
		rec := ts.do("GET", "/api/v1/warnings?period=2023Q3", as, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", as, rec.Code, rec.Body)
		}
		decodeJSON(t, rec, &out)
		for i, w := range out.Items {
			if w.Kind == "audit_chain_broken" {
				if i != 0 {
					t.Errorf("%s: the audit warning is item %d, want first", as, i)
				}
				return &out.Items[i]
			}
		}
		return nil
	}
	if err := ts.s.RecordAuditCheck(sys, ts.s.CheckAudit()); err != nil {
		t.Fatal(err)
	}
	if w := audited("admin"); w != nil {
		t.Fatalf("intact chain: %+v", w)
	}
	var orig []byte
	ts.reopen(func(dir string) {
		testorg.EditAuditEntry(t, dir, 3, func(v []byte) []byte {
			orig = append([]byte(nil), v...)
			return []byte(strings.Replace(string(v), `"actor_id":"`, `"actor_id":"9`, 1))
		})
	})
	if err := ts.s.RecordAuditCheck(sys, ts.s.CheckAudit()); err != nil {
		t.Fatal(err)
	}
	w := audited("admin")
	if w == nil || w.Count != 3 || w.From != "2023-09-01" || !strings.Contains(w.Detail, "audit entry 3") {
		t.Fatalf("broken chain, admin: %+v", w)
	}
	for _, as := range []string{"hr", "lead1"} {
		if w := audited(as); w != nil {
			t.Errorf("%s sees the admin's audit warning", as)
		}
	}
	ts.reopen(func(dir string) {
		testorg.EditAuditEntry(t, dir, 3, func([]byte) []byte { return orig })
	})
	if err := ts.s.RecordAuditCheck(sys, ts.s.CheckAudit()); err != nil {
		t.Fatal(err)
	}
	if w := audited("admin"); w != nil {
		t.Errorf("repaired chain: %+v", w)
	}
}

// countingWriter counts the writes of an answer.
type countingWriter struct {
	*httptest.ResponseRecorder
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.ResponseRecorder.Write(p)
}

// TestAuditStreamed: GET /audit writes its page entry by entry (one write
// per entry, not one body built in memory), with the same contract as
// before: items newest first, next_before on a full page, an empty page as
// {"items": []}.
func TestAuditStreamed(t *testing.T) {
	ts := newTestServer(t)
	get := func(q string) (*countingWriter, map[string]json.RawMessage) {
		t.Helper()
		req := httptest.NewRequest("GET", "/api/v1/audit"+q, nil)
		req.Header.Set("Authorization", "Bearer "+ts.token("hr"))
		w := &countingWriter{ResponseRecorder: httptest.NewRecorder()}
		ts.e.ServeHTTP(w, req)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", q, w.Code, w.Body)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v in %s", q, err, w.Body)
		}
		return w, out
	}
	ts.token("hr") // logging in writes an entry: before the log is read
	all, err := ts.s.Audit(store.AuditFilter{Limit: 1 << 20})
	if err != nil || len(all) < 6 {
		t.Fatalf("fixture: %d entries %v", len(all), err)
	}
	w, out := get("?limit=5")
	var items []store.AuditEntry
	json.Unmarshal(out["items"], &items)
	if len(items) != 5 || items[0].Seq != all[0].Seq || items[4].Seq != all[4].Seq || string(out["next_before"]) != fmt.Sprint(all[4].Seq) {
		t.Errorf("page: %d items, next_before %s", len(items), out["next_before"])
	}
	if w.writes < 5 {
		t.Errorf("%d writes for 5 entries: the page was built whole", w.writes)
	}
	_, out = get(fmt.Sprintf("?limit=%d", len(all)+5))
	json.Unmarshal(out["items"], &items)
	if len(items) != len(all) || out["next_before"] != nil {
		t.Errorf("whole log: %d items of %d, next_before %s", len(items), len(all), out["next_before"])
	}
	_, out = get("?entity=nothing-such")
	if string(out["items"]) != "[]" {
		t.Errorf("empty page: %s", out["items"])
	}
}
