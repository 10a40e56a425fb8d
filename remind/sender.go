// Package remind delivers the outbox: it sends each queued message to its
// robot (package robot speaks the vendors' protocols), retries with
// exponential back-off for up to 24 hours, keeps every robot under 20
// messages in any 60 seconds, and writes each message in Chinese (Render).
//
// What to send is decided elsewhere, in the same transaction as the event
// that causes it (store: the outbox); this package only delivers. A message
// is marked sent in the store right after the robot's server accepts it;
// an attempt is recorded before it starts, so a process that dies mid-way
// leaves the message queued and the next process sends it again. Each
// robot's messages go out in their own goroutine: a robot that hangs or
// fails holds up nobody else, and no HTTP request ever waits on a robot.
package remind

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"studyroll/robot"
	"studyroll/store"
)

// Config is what the sender needs; cmd/studyroll fills it.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Client sends the requests; default: 10 s timeout, no redirects.
	Client *http.Client
	// Now is the clock; default Store.Now.
	Now func() time.Time
	// BaseURL is the public address the messages link to; "" for no link.
	BaseURL string
	// PerMinute is the most messages a robot gets in any 60 s (20).
	PerMinute int
	// FirstRetry is the delay before the first retry (10 s); each
	// further retry waits twice as long, up to MaxDelay (1 h).
	FirstRetry time.Duration
	MaxDelay   time.Duration
	// GiveUpAfter is how long after its event a message stops being
	// retried (24 h).
	GiveUpAfter time.Duration
}

// window is the rate window of a robot.
const window = time.Minute

// Sender delivers the outbox.
type Sender struct {
	cfg Config
	log *slog.Logger

	mu sync.Mutex
	// sent holds each robot's attempts within the last minute.
	sent map[string][]time.Time
	// busy marks robots whose batch is being delivered.
	busy map[string]bool
	// blocked holds robots back after a failure until the failed
	// message's retry time, so their later messages keep their order.
	blocked map[string]time.Time
	seeded  bool
	wg      sync.WaitGroup
	done    chan struct{}
}

// New builds a sender.
func New(cfg Config) *Sender {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: robot.NoRedirects}
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 20
	}
	if cfg.FirstRetry <= 0 {
		cfg.FirstRetry = 10 * time.Second
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = time.Hour
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = 24 * time.Hour
	}
	return &Sender{cfg: cfg, log: cfg.Logger, sent: map[string][]time.Time{}, busy: map[string]bool{},
		blocked: map[string]time.Time{}, done: make(chan struct{}, 1)}
}

// RetryDelay is the wait after the n-th failed attempt (n ≥ 1): FirstRetry
// doubled n-1 times, at most MaxDelay.
func (s *Sender) RetryDelay(n int) time.Duration {
	d := s.cfg.FirstRetry
	for i := 1; i < n && d < s.cfg.MaxDelay; i++ {
		d *= 2
	}
	if d > s.cfg.MaxDelay {
		d = s.cfg.MaxDelay
	}
	return d
}

// Round delivers every message due now (as far as the rate limits allow)
// and waits for those deliveries; it returns when the next one is due
// (zero when nothing is queued). Tests drive the sender with it.
func (s *Sender) Round(ctx context.Context) time.Time {
	s.dispatch(ctx)
	s.wg.Wait()
	return s.nextWake()
}

// Run delivers until ctx ends, waking when a message falls due, when one
// is queued (store.OutboxKick) and when a robot's batch ends; then it
// waits up to wait for deliveries under way.
func (s *Sender) Run(ctx context.Context) {
	for {
		s.dispatch(ctx)
		next := s.nextWake()
		d := time.Minute
		if !next.IsZero() {
			if d = next.Sub(s.cfg.Now()); d < 50*time.Millisecond {
				d = 50 * time.Millisecond
			}
			if d > time.Minute {
				d = time.Minute
			}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			s.wg.Wait()
			return
		case <-s.cfg.Store.OutboxKick():
		case <-s.done:
		case <-t.C:
		}
		t.Stop()
	}
}

// nextWake is the earliest of: the end of a hold on a robot (rate window,
// back-off), and when the next message not yet due falls due. Zero: none.
func (s *Sender) nextWake() time.Time {
	now := s.cfg.Now()
	var next time.Time
	s.mu.Lock()
	for _, until := range s.blocked {
		if until.After(now) && (next.IsZero() || until.Before(next)) {
			next = until
		}
	}
	s.mu.Unlock()
	at, ok, err := s.cfg.Store.NextDueAfter(now)
	if err == nil && ok && (next.IsZero() || at.Before(next)) {
		next = at
	}
	return next
}

// dispatch starts one goroutine per robot with due messages that is
// neither being served nor held back.
func (s *Sender) dispatch(ctx context.Context) {
	now := s.cfg.Now()
	s.seed(now)
	due, err := s.cfg.Store.DueMessages(now, 2000)
	if err != nil {
		s.log.Error("outbox", "err", err)
		return
	}
	byRobot := map[string][]store.Message{}
	var order []string
	for _, m := range due {
		if _, ok := byRobot[m.RobotID]; !ok {
			order = append(order, m.RobotID)
		}
		byRobot[m.RobotID] = append(byRobot[m.RobotID], m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range order {
		if s.busy[id] {
			continue
		}
		if until, ok := s.blocked[id]; ok && now.Before(until) {
			continue
		}
		delete(s.blocked, id)
		s.busy[id] = true
		s.wg.Add(1)
		go s.serve(ctx, id, byRobot[id])
	}
}

// seed starts the rate windows from the attempts recorded in the store,
// so a restart does not grant a fresh 20.
func (s *Sender) seed(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seeded {
		return
	}
	tries, err := s.cfg.Store.RecentTries(now.Add(-window))
	if err != nil {
		s.log.Error("outbox: rate windows", "err", err)
		return
	}
	for id, ts := range tries {
		s.sent[id] = append(s.sent[id], ts...)
	}
	s.seeded = true
}

// take reserves a send for robot id at now; ok is false when the robot
// had PerMinute attempts in the last minute, and free is when it may go.
func (s *Sender) take(id string, now time.Time) (ok bool, free time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.sent[id]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= s.cfg.PerMinute {
		s.sent[id] = ts
		return false, ts[len(ts)-s.cfg.PerMinute].Add(window)
	}
	s.sent[id] = append(ts, now)
	return true, time.Time{}
}

// serve delivers robot id's due messages in order, until one fails or
// the rate window is full.
func (s *Sender) serve(ctx context.Context, id string, msgs []store.Message) {
	defer func() {
		s.mu.Lock()
		delete(s.busy, id)
		s.mu.Unlock()
		select {
		case s.done <- struct{}{}:
		default:
		}
		s.wg.Done()
	}()
	tgt, err := s.cfg.Store.RobotTarget(id)
	if err != nil {
		s.log.Error("outbox: robot", "robot_id", id, "err", err)
		s.hold(id, s.cfg.Now().Add(time.Minute))
		return
	}
	if !tgt.Enabled {
		// Switched off: the messages wait, saying why; switching it on
		// makes them due at once.
		for _, m := range msgs {
			if _, err := s.cfg.Store.FinishAttempt(m.ID, s.cfg.Now(), store.Attempt{Error: "the robot is switched off",
				RetryAt: m.CreatedAt.Add(s.cfg.GiveUpAfter)}); err != nil {
				s.log.Error("outbox", "err", err)
			}
		}
		return
	}
	loc := s.cfg.Store.Location()
	for _, m := range msgs {
		if ctx.Err() != nil {
			return
		}
		now := s.cfg.Now()
		if ok, free := s.take(id, now); !ok {
			s.hold(id, free)
			return
		}
		if _, err := s.cfg.Store.BeginAttempt(m.ID, now); err != nil {
			if !store.IsKind(err, store.KindConflict) {
				s.log.Error("outbox", "message_id", m.ID, "err", err)
			}
			continue
		}
		c := Render(&m, s.cfg.BaseURL, loc)
		res := robot.Send(ctx, s.cfg.Client, robot.Target{Kind: tgt.Kind, URL: tgt.URL, Secret: tgt.Secret, Signed: tgt.Signed,
			Markdown: tgt.Format != store.FormatText}, c, now)
		if ctx.Err() != nil && !res.OK {
			return // shutting down: the attempt stays counted, the message queued
		}
		end := s.cfg.Now()
		a := store.Attempt{Sent: res.OK}
		if !res.OK {
			a.Code, a.Error = res.Code, res.Error()
			a.RetryAt = s.retryAt(&m, res, end)
		}
		if _, err := s.cfg.Store.FinishAttempt(m.ID, end, a); err != nil {
			s.log.Error("outbox: recording a delivery", "message_id", m.ID, "err", err)
			return
		}
		if !res.OK {
			s.log.Warn("robot message not delivered", "message_id", m.ID, "robot_id", id, "kind", tgt.Kind, "err", a.Error)
			if !a.RetryAt.IsZero() {
				s.hold(id, a.RetryAt)
			}
			return
		}
	}
}

// retryAt is when m is tried again after the failed attempt res ended at
// end; zero gives up (24 h after the event).
func (s *Sender) retryAt(m *store.Message, res robot.Result, end time.Time) time.Time {
	deadline := m.CreatedAt.Add(s.cfg.GiveUpAfter)
	if !end.Before(deadline) {
		return time.Time{}
	}
	d := s.RetryDelay(m.Tries + 1) // Tries was read before this attempt
	if res.Reason == robot.ReasonRateLimited && d < window {
		d = window // the vendor counts a minute too
	}
	at := end.Add(d)
	if at.After(deadline) {
		at = deadline // one last try at the deadline
	}
	return at
}

func (s *Sender) hold(id string, until time.Time) {
	s.mu.Lock()
	if until.After(s.blocked[id]) {
		s.blocked[id] = until
	}
	s.mu.Unlock()
}
