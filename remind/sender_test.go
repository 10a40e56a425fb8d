package remind_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/remind"
	"studyroll/robot"
	"studyroll/robot/robottest"
	"studyroll/store"
)

var start = time.Date(2023, 9, 1, 9, 0, 0, 0, store.DefaultLocation())

type fixture struct {
	s     *store.Store
	clock *store.ManualClock
	admin *store.Member
	group string
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := store.NewManualClock(start)
	s, err := store.Open(t.TempDir(), store.Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := store.WithActor(context.Background(), "system")
	if _, _, err := s.Bootstrap(ctx, "admin-password"); err != nil {
		t.Fatal(err)
	}
	adm, _ := s.MemberByUsername("admin")
	g, err := s.CreateGroup(store.WithActor(ctx, adm.ID), store.GroupInput{Name: "第一党支部"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, clock: clock, admin: adm, group: g.ID, ctx: store.WithActor(ctx, adm.ID)}
}

func (f *fixture) robot(t *testing.T, srv *robottest.Server, format string) *store.Robot {
	t.Helper()
	u, sec := srv.URL(), srv.Secret
	signed := sec != ""
	r, err := f.s.CreateRobot(f.ctx, f.admin, f.group, store.RobotInput{Kind: srv.Kind, URL: &u, Secret: &sec, Signed: &signed, Format: &format})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) sender(client *http.Client) *remind.Sender {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second, CheckRedirect: robot.NoRedirects}
	}
	return remind.New(remind.Config{Store: f.s, Now: f.clock.Now, Client: client, BaseURL: "https://study.example.gov.cn",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func (f *fixture) test(t *testing.T, robotID string) *store.Message {
	t.Helper()
	m, err := f.s.TestRobot(f.ctx, f.admin, robotID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDeliver sends a test message through each vendor's fake in each
// format: delivered once, state sent, one try, the fake saw no problem.
func TestDeliver(t *testing.T) {
	for _, tc := range []struct{ kind, secret, format, wantType string }{
		{"wecom", "", store.FormatMarkdown, "markdown"},
		{"wecom", "", store.FormatText, "text"},
		{"dingtalk", "SEC0123456789abcdef", store.FormatMarkdown, "markdown"},
		{"feishu", "feishu-secret", store.FormatMarkdown, "interactive"},
		{"feishu", "feishu-secret", store.FormatText, "text"},
	} {
		t.Run(tc.kind+"/"+tc.format, func(t *testing.T) {
			f := newFixture(t)
			srv := robottest.New(tc.kind, tc.secret)
			defer srv.Close()
			srv.Now = f.clock.Now
			r := f.robot(t, srv, tc.format)
			m := f.test(t, r.ID)
			f.sender(nil).Round(context.Background())
			got, _ := f.s.Message(m.ID)
			if got.State != store.MessageSent || got.Tries != 1 || got.SentAt == nil {
				t.Fatalf("message %+v", got)
			}
			if p := srv.Problems(); len(p) > 0 {
				t.Fatal(p)
			}
			ms := srv.Messages()
			if len(ms) != 1 || ms[0].Type != tc.wantType || !strings.Contains(ms[0].Text, "测试消息") || !strings.Contains(ms[0].Text, "第一党支部") {
				t.Fatalf("received %+v", ms)
			}
		})
	}
}

// TestBackoff: a robot answering errors keeps its message queued with the
// vendor's code; retries come 10 s, 20 s, 40 s … later; once the robot
// answers, the message is sent; after 24 h of errors it fails.
func TestBackoff(t *testing.T) {
	f := newFixture(t)
	srv := robottest.New("wecom", "")
	defer srv.Close()
	r := f.robot(t, srv, store.FormatMarkdown)
	m := f.test(t, r.ID)
	snd := f.sender(nil)
	ctx := context.Background()
	srv.SetMode(robottest.Fail)
	var waits []time.Duration
	for i := 0; i < 4; i++ {
		before := f.clock.Now()
		next := snd.Round(ctx)
		got, _ := f.s.Message(m.ID)
		if got.State != store.MessageQueued || got.Tries != i+1 || got.ErrorCode != "93000" || !strings.Contains(got.LastError, "bad_key") {
			t.Fatalf("after try %d: %+v", i+1, got)
		}
		waits = append(waits, got.NextAt.Sub(before))
		if !next.Equal(*got.NextAt) {
			t.Errorf("the sender wakes at %s, the message is due at %s", next, got.NextAt)
		}
		// Nothing happens before it is due.
		f.clock.Set(got.NextAt.Add(-time.Second))
		snd.Round(ctx)
		if srv.Requests() != i+1 {
			t.Fatalf("tried before due: %d requests", srv.Requests())
		}
		f.clock.Set(*got.NextAt)
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("wait %d: %s, want %s", i+1, waits[i], want[i])
		}
	}
	srv.SetMode(robottest.OK)
	snd.Round(ctx)
	got, _ := f.s.Message(m.ID)
	if got.State != store.MessageSent || got.Tries != 5 || got.LastError != "" || len(srv.Messages()) != 1 {
		t.Fatalf("after recovery: %+v, %d received", got, len(srv.Messages()))
	}

	t.Run("gives up after 24 h", func(t *testing.T) {
		srv.SetMode(robottest.Throttle)
		m := f.test(t, r.ID)
		for i := 0; i < 100; i++ {
			f.clock.Advance(2 * time.Hour)
			snd.Round(ctx)
			if got, _ := f.s.Message(m.ID); got.State != store.MessageQueued {
				break
			}
		}
		got, _ := f.s.Message(m.ID)
		if got.State != store.MessageFailed || got.ErrorCode != "45009" || got.LastTryAt.Sub(got.CreatedAt) < 24*time.Hour {
			t.Fatalf("%+v", got)
		}
	})
}

// TestRateLimit: 25 messages for one robot at once: 20 go in the first
// minute, the other 5 wait (queued, not dropped) and go a minute later.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	srv := robottest.New("dingtalk", "SECrate")
	defer srv.Close()
	srv.Now = f.clock.Now
	r := f.robot(t, srv, store.FormatText)
	for i := 0; i < 25; i++ {
		f.test(t, r.ID)
	}
	snd := f.sender(nil)
	ctx := context.Background()
	next := snd.Round(ctx)
	if n := len(srv.Messages()); n != 20 {
		t.Fatalf("first minute: %d sent, want 20", n)
	}
	if want := start.Add(time.Minute); !next.Equal(want) {
		t.Errorf("wakes at %s, want %s", next, want)
	}
	f.clock.Advance(59 * time.Second)
	snd.Round(ctx)
	if n := len(srv.Messages()); n != 20 {
		t.Fatalf("within the minute: %d sent", n)
	}
	if q, _ := f.s.Outbox(store.OutboxFilter{State: store.MessageQueued}); len(q) != 5 {
		t.Fatalf("%d queued, want 5", len(q))
	}
	f.clock.Advance(time.Second)
	snd.Round(ctx)
	if n := len(srv.Messages()); n != 25 {
		t.Fatalf("after the minute: %d sent", n)
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Fatal(p)
	}
	// Every message once, in order.
	ms, _ := f.s.Outbox(store.OutboxFilter{State: store.MessageSent})
	if len(ms) != 25 {
		t.Fatalf("%d sent", len(ms))
	}
	for _, m := range ms {
		if m.Tries != 1 {
			t.Errorf("message %s tried %d times", m.ID, m.Tries)
		}
	}

	t.Run("a restarted sender keeps the window", func(t *testing.T) {
		for i := 0; i < 25; i++ {
			f.test(t, r.ID)
		}
		f.sender(nil).Round(ctx)
		f.sender(nil).Round(ctx) // a second process, same minute
		// The last 5 went at this very second: 15 more fit the window.
		if n := len(srv.Messages()); n != 40 {
			t.Fatalf("%d sent, want 40 (20 in any 60 s)", n)
		}
	})
}

// TestHangingRobotHoldsNobody: one robot never answers; another robot's
// message is delivered while the first is still hanging.
func TestHangingRobotHoldsNobody(t *testing.T) {
	f := newFixture(t)
	hung := robottest.New("feishu", "")
	defer hung.Close()
	hung.SetMode(robottest.Hang)
	ok := robottest.New("wecom", "")
	defer ok.Close()
	rh := f.robot(t, hung, store.FormatMarkdown)
	ro := f.robot(t, ok, store.FormatMarkdown)
	mh := f.test(t, rh.ID)
	f.test(t, ro.ID)
	client := &http.Client{Timeout: 30 * time.Second}
	snd := f.sender(client)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	deadline := time.After(10 * time.Second)
	for len(ok.Messages()) == 0 || hung.Requests() == 0 {
		select {
		case <-deadline:
			t.Fatal("the working robot's message waited on the hanging one")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if hung.Requests() != 1 {
		t.Errorf("hanging robot: %d requests", hung.Requests())
	}
	if got, _ := f.s.Message(mh.ID); got.State != store.MessageQueued {
		t.Fatalf("the hung message was settled while its request hangs: %+v", got)
	}
	cancel()
	<-done
	got, _ := f.s.Message(mh.ID)
	if got.State != store.MessageQueued || got.Tries != 1 {
		t.Fatalf("the hung message after shutdown: %+v", got)
	}
}

func TestRetryDelay(t *testing.T) {
	snd := remind.New(remind.Config{Store: newFixture(t).s})
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 9: 2560 * time.Second, 12: time.Hour, 40: time.Hour} {
		if got := snd.RetryDelay(n); got != want {
			t.Errorf("RetryDelay(%d) = %s, want %s", n, got, want)
		}
	}
}
