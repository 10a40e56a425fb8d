package store

import (
	"fmt"
	"testing"
)

// TestAuditEachStreams: AuditEach hands each chunk to its caller before it
// reads the next (the first entry reaches fn before entry chunk+1 is read),
// and yields exactly what a slice of the same filter holds, limit, before,
// entity and keep included.
func TestAuditEachStreams(t *testing.T) {
	s, _ := mustOpen(t)
	for i := 0; i < 40; i++ {
		mustGroup(t, s, fmt.Sprintf("支部%d", i), "")
	}
	defer func(n int) { auditChunk = n }(auditChunk)
	auditChunk = 7
	var events []string
	read := 0
	err := s.AuditEach(AuditFilter{Limit: 30}, func(e *AuditEntry) bool {
		read++
		events = append(events, "read")
		return true
	}, func(e *AuditEntry) error {
		events = append(events, "fn")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if read != 30 || len(events) != 60 {
		t.Fatalf("read %d entries, %d events", read, len(events))
	}
	for i := 0; i < 7; i++ {
		if events[i] != "read" || events[7+i] != "fn" {
			t.Fatalf("events %v: want 7 reads, then those 7 handed on, before the next chunk", events[:16])
		}
	}
	all, err := s.Audit(AuditFilter{Limit: 1 << 20})
	if err != nil || len(all) < 40 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	odd := func(e *AuditEntry) bool { return e.Seq%2 == 1 }
	cases := []struct {
		name string
		f    AuditFilter
		keep func(*AuditEntry) bool
		want func(e AuditEntry) bool
		max  int
	}{
		{"limit", AuditFilter{Limit: 10}, nil, func(AuditEntry) bool { return true }, 10},
		{"before", AuditFilter{Limit: 5, Before: all[3].Seq}, nil, func(e AuditEntry) bool { return e.Seq < all[3].Seq }, 5},
		{"entity", AuditFilter{Limit: 100, Entity: "group"}, nil, func(e AuditEntry) bool { return e.Entity == "group" }, 100},
		{"keep skips without counting", AuditFilter{Limit: 9}, odd, func(e AuditEntry) bool { return e.Seq%2 == 1 }, 9},
		{"before the oldest", AuditFilter{Limit: 5, Before: 1}, nil, func(AuditEntry) bool { return false }, 5},
	}
	for _, c := range cases {
		var got []uint64
		if err := s.AuditEach(c.f, c.keep, func(e *AuditEntry) error { got = append(got, e.Seq); return nil }); err != nil {
			t.Fatal(err)
		}
		var want []uint64
		for _, e := range all {
			if c.want(e) && len(want) < c.max {
				want = append(want, e.Seq)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", c.name, got, want)
		}
	}
}
