package testorg

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"

	"studyroll/store"
)

// Unaudited collects, across a package's tests, the store functions that
// changed a store without an audit entry. A test package passes Watch to
// each store's WatchWrites and runs its tests through Main.
type Unaudited struct {
	mu   sync.Mutex
	seen map[string]int
}

// Watch records one write transaction (a store.WatchWrites callback).
func (u *Unaudited) Watch(w store.WriteSeen) {
	if !w.Changed || w.Audited {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seen == nil {
		u.seen = map[string]int{}
	}
	u.seen[w.Method]++
}

// Main runs the package's tests, then fails the run if a write without an
// audit entry came from a function that store.AuditExempt does not name.
func (u *Unaudited) Main(m *testing.M) {
	code := m.Run()
	u.mu.Lock()
	var bad []string
	for f, n := range u.seen {
		if _, ok := store.AuditExempt[f]; !ok {
			bad = append(bad, fmt.Sprintf("%s (%d writes)", f, n))
		}
	}
	u.mu.Unlock()
	sort.Strings(bad)
	if len(bad) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "FAIL: writes without an audit entry, not in store.AuditExempt: %v\n", bad)
		code = 1
	}
	os.Exit(code)
}
