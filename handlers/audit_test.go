package handlers

import (
	"fmt"
	"testing"

	"studyroll/internal/testorg"
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
