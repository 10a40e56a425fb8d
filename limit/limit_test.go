package limit

import (
	"fmt"
	"testing"
	"time"
)

// TestTableBounded: a table never holds more than Cap keys, and keys whose
// window has passed are swept without being asked for.
func TestTableBounded(t *testing.T) {
	now := time.Date(2023, 9, 1, 9, 0, 0, 0, time.UTC)
	tb := New(time.Minute, 5, 1000)
	for i := 0; i < 5000; i++ {
		tb.Add(KeyOf(fmt.Sprint(i)), now.Add(time.Duration(i)*time.Millisecond))
	}
	if tb.Len() > 1000 {
		t.Errorf("%d keys, cap 1000", tb.Len())
	}
	later := now.Add(2 * time.Minute)
	tb.Add(KeyOf("late"), later)
	if tb.Len() != 1 {
		t.Errorf("after the window: %d keys, want 1", tb.Len())
	}
}

// TestTableCounts: Max events per window, Wait says until when, Undo and
// Reset give events back.
func TestTableCounts(t *testing.T) {
	now := time.Date(2023, 9, 1, 9, 0, 0, 0, time.UTC)
	tb := New(time.Minute, 3, 10)
	k := KeyOf("user", "addr")
	for i := 0; i < 3; i++ {
		if w := tb.Wait(k, now); w != 0 {
			t.Fatalf("event %d: wait %v", i, w)
		}
		tb.Add(k, now.Add(time.Duration(i)*time.Second))
	}
	if w := tb.Wait(k, now.Add(10*time.Second)); w != 50*time.Second {
		t.Errorf("wait %v, want 50s", w)
	}
	tb.Undo(k, now)
	if tb.Count(k, now) != 2 || tb.Wait(k, now) != 0 {
		t.Errorf("after undo: %d", tb.Count(k, now))
	}
	tb.Reset(k)
	if tb.Count(k, now) != 0 {
		t.Error("after reset")
	}
	if KeyOf("ab", "c") == KeyOf("a", "bc") {
		t.Error("KeyOf is ambiguous")
	}
}
