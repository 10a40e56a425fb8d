package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/robot/robottest"
	"studyroll/store"
)

// TestRemindersSurviveKill queues 20 reminders for two robots (real
// vendor fakes on httptest servers in this process), starts the real
// binary, kills it with SIGKILL while each robot hangs on a request
// mid-way through its queue, starts it again and checks that every
// message reaches its robot exactly once, and that the store says so.
func TestRemindersSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	wecom := robottest.New("wecom", "")
	defer wecom.Close()
	ding := robottest.New("dingtalk", "SECcrash0123456789")
	defer ding.Close()
	wecom.HangAfter(4)
	ding.HangAfter(6)

	// The organisation, two robots and 20 sessions starting in 10
	// minutes, made in the store before the server runs; the reminders
	// are queued with the same store call the scheduler makes.
	s, err := store.Open(data, store.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(context.Background(), "system")
	s.Bootstrap(ctx, "admin-password")
	adm, _ := s.MemberByUsername("admin")
	ctx = store.WithActor(ctx, adm.ID)
	const per = 10
	start := time.Now().Add(10 * time.Minute).Truncate(time.Minute)
	for i, fake := range []*robottest.Server{wecom, ding} {
		g, err := s.CreateGroup(ctx, store.GroupInput{Name: fmt.Sprintf("第%d支部", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		u, sec := fake.URL(), fake.Secret
		signed := sec != ""
		if _, err := s.CreateRobot(ctx, adm, g.ID, store.RobotInput{Kind: fake.Kind, URL: &u, Secret: &sec, Signed: &signed,
			Events: &[]string{store.EventSessionSoon}}); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < per; k++ {
			if _, err := s.CreateSession(ctx, store.SessionInput{GroupID: g.ID, Title: fmt.Sprintf("专题学习-%s-%02d", fake.Kind, k),
				StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := s.QueueSessionReminders(time.Now()); err != nil || n != 2*per {
		t.Fatalf("queued %d, %v", n, err)
	}
	s.Close()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (wecom %d/%d requests, dingtalk %d/%d)", what,
					len(wecom.Messages()), wecom.Requests(), len(ding.Messages()), ding.Requests())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	srv := startServer(t, bin, data)
	waitFor("both robots to hang mid-queue", func() bool {
		return len(wecom.Messages()) == 4 && wecom.Requests() == 5 && len(ding.Messages()) == 6 && ding.Requests() == 7
	})
	srv.cmd.Process.Kill()
	srv.cmd.Wait()

	wecom.HangAfter(0)
	ding.HangAfter(0)
	srv2 := startServer(t, bin, data)
	waitFor("every message", func() bool { return len(wecom.Messages()) >= per && len(ding.Messages()) >= per })
	// The outbox says all are sent (so nothing is left to send twice);
	// the two messages whose attempt died with the process count it.
	tok := login(t, srv2.url, "admin", "admin-password")
	client := &http.Client{Timeout: 5 * time.Second}
	type item struct {
		State string
		Tries int
	}
	var items []item
	waitFor("the outbox to say sent", func() bool {
		var out struct{ Items []item }
		if code, _ := callJSON(client, "GET", srv2.url+"/api/v1/outbox?state=sent", tok, "", &out); code != 200 {
			return false
		}
		items = out.Items
		return len(items) == 2*per
	})
	tries := 0
	for _, m := range items {
		tries += m.Tries
	}
	if tries != 2*per+2 {
		t.Errorf("%d tries in all, want %d", tries, 2*per+2)
	}
	for _, fake := range []*robottest.Server{wecom, ding} {
		if p := fake.Problems(); len(p) > 0 {
			t.Errorf("%s: %v", fake.Kind, p)
		}
		seen := map[string]int{}
		for _, m := range fake.Messages() {
			for k := 0; k < per; k++ {
				if title := fmt.Sprintf("专题学习-%s-%02d", fake.Kind, k); strings.Contains(m.Text, title) {
					seen[title]++
				}
			}
		}
		if len(fake.Messages()) != per || len(seen) != per {
			t.Errorf("%s received %d messages, %d distinct: %v", fake.Kind, len(fake.Messages()), len(seen), seen)
		}
		for title, n := range seen {
			if n != 1 {
				t.Errorf("%s: %q delivered %d times", fake.Kind, title, n)
			}
		}
	}
}
