package demo

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

// TestDemoInspection: the demo's finished inspection has the press's
// figures — 8 organisations, 37 branches, 61 people, 38 problems — some
// rectified, some overdue; a second inspection is in progress.
func TestDemoInspection(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a whole organisation")
	}
	clock := store.NewManualClock(time.Date(2023, 11, 20, 10, 0, 0, 0, store.DefaultLocation()))
	s, err := store.Open(t.TempDir(), store.Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Seed(store.WithActor(context.Background(), "system"), s); err != nil {
		t.Fatal(err)
	}
	ins, err := s.Inspections(nil)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]store.InspectionView{}
	for _, in := range ins {
		status[in.Status] = in
	}
	done, ok := status["finished"]
	want := store.InspectionSummary{Organisations: 8, Branches: 37, People: DemoPeople, Problems: DemoProblems, Rectified: DemoRectified, Overdue: DemoOverdue}
	if !ok || done.Summary != want {
		t.Errorf("finished inspection %+v, want %+v", done.Summary, want)
	}
	if done.Awareness.Rate == nil || *done.Awareness.Rate < 0.6 || *done.Awareness.Rate > 0.95 {
		t.Errorf("知晓率 %v: want a believable 60–95%%", done.Awareness.Rate)
	}
	if _, ok := status["in_progress"]; !ok || len(ins) != 2 {
		t.Errorf("inspections %v, want one finished and one in progress", len(ins))
	}
	if _, err := s.CheckPassword("inspector", Password); err != nil {
		t.Errorf("demo inspector login: %v", err)
	}
	if n, err := s.VerifyAudit(); err != nil {
		t.Errorf("audit: %d entries, %v", n, err)
	}
}
