// Package limit counts events per key in fixed time windows with a bounded
// memory: keys have a fixed size (callers hash what they count by), the
// table holds at most a set number of keys, and entries whose window has
// passed are swept on a timer driven by the caller's clock.
package limit

import (
	"crypto/sha256"
	"time"
)

// Key is what a table counts by: a fixed-size digest, so a caller-chosen
// string of any length costs the same 16 bytes.
type Key [16]byte

// KeyOf is the key of parts (joined unambiguously, hashed with SHA-256).
func KeyOf(parts ...string) Key {
	h := sha256.New()
	var n [4]byte
	for _, p := range parts {
		l := len(p)
		n[0], n[1], n[2], n[3] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
		h.Write(n[:])
		h.Write([]byte(p))
	}
	var k Key
	copy(k[:], h.Sum(nil))
	return k
}

type entry struct {
	start int64 // window start, Unix nanoseconds
	n     uint32
}

// Table counts events per key: at most Max events per Window. A Table is
// not safe for concurrent use: its owner holds one lock around every call,
// so several tables can be checked and charged as one step.
type Table struct {
	Window time.Duration
	Max    int
	// Cap bounds the number of keys held. When a new key arrives at the
	// cap, expired entries are swept; if none had expired, the entry whose
	// window started first is dropped.
	Cap int

	m         map[Key]entry
	peak      int
	lastSweep int64
}

// New returns a table of at most max events per window, holding at most
// cap keys.
func New(window time.Duration, max, cap int) *Table {
	return &Table{Window: window, Max: max, Cap: cap, m: map[Key]entry{}}
}

func (t *Table) live(k Key, now int64) (entry, bool) {
	e, ok := t.m[k]
	if !ok {
		return entry{}, false
	}
	if now-e.start >= int64(t.Window) {
		delete(t.m, k)
		return entry{}, false
	}
	return e, true
}

// Count is the number of events of k in its current window.
func (t *Table) Count(k Key, now time.Time) int {
	t.tick(now)
	e, _ := t.live(k, now.UnixNano())
	return int(e.n)
}

// Wait is how long until k may have an event again: 0 when it may now.
func (t *Table) Wait(k Key, now time.Time) time.Duration {
	t.tick(now)
	e, ok := t.live(k, now.UnixNano())
	if !ok || int(e.n) < t.Max {
		return 0
	}
	return time.Duration(e.start + int64(t.Window) - now.UnixNano())
}

// Add records one event of k (callers check Wait first).
func (t *Table) Add(k Key, now time.Time) {
	t.tick(now)
	ns := now.UnixNano()
	e, ok := t.live(k, ns)
	if !ok {
		if len(t.m) >= t.Cap {
			t.sweep(ns)
			if len(t.m) >= t.Cap {
				t.dropOldest()
			}
		}
		e = entry{start: ns}
	}
	if e.n < ^uint32(0) {
		e.n++
	}
	t.m[k] = e
	if len(t.m) > t.peak {
		t.peak = len(t.m)
	}
}

// Undo takes back one event of k (a reservation that turned out not to
// count).
func (t *Table) Undo(k Key, now time.Time) {
	e, ok := t.live(k, now.UnixNano())
	if !ok {
		return
	}
	if e.n <= 1 {
		delete(t.m, k)
		return
	}
	e.n--
	t.m[k] = e
}

// Reset forgets k.
func (t *Table) Reset(k Key) { delete(t.m, k) }

// Len is the number of keys held.
func (t *Table) Len() int { return len(t.m) }

// tick sweeps expired entries once per window.
func (t *Table) tick(now time.Time) {
	ns := now.UnixNano()
	if ns-t.lastSweep >= int64(t.Window) {
		t.sweep(ns)
	}
}

// sweep drops expired entries. A Go map never gives memory back, so when
// the table has shrunk to a quarter of its peak it is copied into a new map.
func (t *Table) sweep(now int64) {
	t.lastSweep = now
	for k, e := range t.m {
		if now-e.start >= int64(t.Window) {
			delete(t.m, k)
		}
	}
	if t.peak > 1024 && len(t.m) < t.peak/4 {
		m := make(map[Key]entry, len(t.m))
		for k, e := range t.m {
			m[k] = e
		}
		t.m, t.peak = m, len(m)
	}
}

func (t *Table) dropOldest() {
	var oldest Key
	first := true
	var start int64
	for k, e := range t.m {
		if first || e.start < start {
			oldest, start, first = k, e.start, false
		}
	}
	if !first {
		delete(t.m, oldest)
	}
}
