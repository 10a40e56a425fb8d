package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReportWriteLimits: a report over 20,000 characters is refused, and
// a member saves at most 20 times in 24 hours (429 too_many_edits); others
// are not affected, and a day later saving works again.
func TestReportWriteLimits(t *testing.T) {
	f := newMTFixture(t)
	s := f.s
	ctx := WithActor(admin, f.a.ID)
	_, _, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: strings.Repeat("学", maxReportText+1)})
	wantCode(t, err, KindInvalid, "invalid")
	for i := 0; i < reportWritesPerDay; i++ {
		if _, _, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: fmt.Sprintf("第%d稿", i)}); err != nil {
			t.Fatalf("save %d: %v", i+1, err)
		}
	}
	_, _, err = s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: "再改一次"})
	wantCode(t, err, KindTooMany, "too_many_edits")
	if _, _, err := s.WriteReport(WithActor(admin, f.b.ID), f.b, ReportInput{Period: "2023Q3", Text: "别人的述学"}); err != nil {
		t.Errorf("another member: %v", err)
	}
	f.clock.Advance(24 * time.Hour)
	if _, _, err := s.WriteReport(ctx, f.a, ReportInput{Period: "2023Q3", Text: "第二天"}); err != nil {
		t.Errorf("a day later: %v", err)
	}
}
