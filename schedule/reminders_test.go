package schedule

import (
	"context"
	"testing"
	"time"

	"studyroll/store"
)

// TestReminderJobs: the every-minute reminder scan queues a session's
// reminders and, through the Rectifications hook, a finding's deadline
// reminder, each once; the Monday digest queues one digest per week; both
// runs are recorded.
func TestReminderJobs(t *testing.T) {
	f := newFixture(t)
	ctx := store.WithActor(context.Background(), f.admin.ID)
	u := "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"
	if _, err := f.s.CreateRobot(ctx, f.admin, f.g1, store.RobotInput{Kind: store.RobotWeCom, URL: &u}); err != nil {
		t.Fatal(err)
	}
	// Monday 2023-10-09 09:00; a session at 09:20 is within 30 minutes.
	f.clock.Set(time.Date(2023, 10, 9, 9, 0, 0, 0, shanghai))
	if _, err := f.s.CreateSession(ctx, store.SessionInput{GroupID: f.g1, Title: "专题学习",
		StartsAt: "2023-10-09T09:20:00+08:00", EndsAt: "2023-10-09T10:20:00+08:00"}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	s := f.scheduler(Config{Rectifications: func() ([]store.Rectification, error) {
		calls++
		return []store.Rectification{{FindingID: "7", GroupID: f.g1, Description: "台账不全", Deadline: "2023-10-11"}}, nil
	}})
	sys := store.WithActor(context.Background(), "system")
	for i := 0; i < 2; i++ {
		run, err := s.RunNow(sys, KindReminders, "schedule")
		if err != nil || run.Status != store.JobSucceeded {
			t.Fatalf("run %d: %+v %v", i, run, err)
		}
		f.clock.Advance(time.Minute)
	}
	if calls != 2 {
		t.Errorf("the rectification hook was called %d times", calls)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.RunNow(sys, KindWarningsDigest, "schedule"); err != nil {
			t.Fatal(err)
		}
	}
	ms, _ := f.s.Outbox(store.OutboxFilter{})
	by := map[string]int{}
	for _, m := range ms {
		by[m.Event]++
	}
	if by[store.EventSessionSoon] != 1 || by[store.EventRectificationDue] != 1 || by[store.EventWarningsDigest] != 1 || len(ms) != 3 {
		t.Fatalf("queued %v", by)
	}
}
