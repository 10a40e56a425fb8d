package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// testStart is the fixed "now" of store tests: 2023-09-01 09:00 in Shanghai.
var testStart = time.Date(2023, 9, 1, 9, 0, 0, 0, DefaultLocation())

// mustOpen opens a store on a real bbolt file in a temp folder, with a
// manual clock, and closes it when the test ends.
func mustOpen(tb testing.TB) (*Store, *ManualClock) {
	tb.Helper()
	clock := NewManualClock(testStart)
	s, err := Open(tb.TempDir(), Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	s.WatchWrites(watchUnaudited) // TestMain: every write audited
	return s, clock
}

// admin is a context acting as member "1".
var admin = WithActor(context.Background(), "1")

func mustGroup(tb testing.TB, s *Store, name, parent string) string {
	tb.Helper()
	g, err := s.CreateGroup(admin, GroupInput{Name: name, ParentID: parent})
	if err != nil {
		tb.Fatal(err)
	}
	return g.ID
}

// testUsername is the username mustMember gives a member named name
// (usernames are a-z 0-9 . _ -).
func testUsername(name string) string { return fmt.Sprintf("u%x", name) }

func mustMember(tb testing.TB, s *Store, name, group string, role Role, joined string) *Member {
	tb.Helper()
	m, err := s.CreateMember(admin, MemberInput{Name: name, Username: testUsername(name), Password: "password1", GroupID: group, Role: role, JoinedOn: joined})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
