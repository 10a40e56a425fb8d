package schedule

import (
	"context"
	"testing"

	"studyroll/store"
)

// TestRunReports: the report command's run goes through the same start,
// generation and finish as POST /reports: recorded with its trigger and
// outcome, progress reported to the caller; an unknown group is refused
// before any run is recorded.
func TestRunReports(t *testing.T) {
	f := newFixture(t)
	sch := f.scheduler(Config{})
	p, _ := store.ParsePeriod("2023Q3", shanghai)
	ctx := store.WithActor(context.Background(), "system")
	var last [2]int
	run, err := sch.RunReports(ctx, p, f.g1, "cli", func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if run.Trigger != "cli" || run.Kind != KindReports || run.Status != store.JobSucceeded || run.Period != "2023Q3" || run.GroupID != f.g1 ||
		run.Total == 0 || run.Done != run.Total || last != [2]int{run.Total, run.Total} || run.Result == "" {
		t.Errorf("run %+v, last progress %v", run, last)
	}
	if _, err := sch.RunReports(ctx, p, "999", "cli", nil); !store.IsKind(err, store.KindInvalid) {
		t.Errorf("unknown group: %v", err)
	}
	runs, _ := f.s.Jobs(store.JobFilter{Kind: KindReports})
	if len(runs) != 1 {
		t.Errorf("%d runs recorded, want 1", len(runs))
	}
}
