package schedule

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"

	"studyroll/store"
)

// unaudited collects, across every schedule test (newFixture watches
// each store), the store functions that changed the store without
// an audit entry.
var unaudited = struct {
	sync.Mutex
	seen map[string]int
}{seen: map[string]int{}}

func watchUnaudited(w store.WriteSeen) {
	if w.Changed && !w.Audited {
		unaudited.Lock()
		unaudited.seen[w.Method]++
		unaudited.Unlock()
	}
}

// TestMain runs the schedule tests, then fails the run if a job made a
// write without an audit entry that store.AuditExempt does not name.
func TestMain(m *testing.M) {
	code := m.Run()
	unaudited.Lock()
	var bad []string
	for f, n := range unaudited.seen {
		if _, ok := store.AuditExempt[f]; !ok {
			bad = append(bad, fmt.Sprintf("%s (%d writes)", f, n))
		}
	}
	unaudited.Unlock()
	sort.Strings(bad)
	if len(bad) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "FAIL: writes without an audit entry, not in store.AuditExempt: %v\n", bad)
		code = 1
	}
	os.Exit(code)
}
