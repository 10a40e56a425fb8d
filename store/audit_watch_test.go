package store

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// unaudited collects, across every store test (mustOpen watches each
// store), the Store methods that changed the store without an audit entry.
var unaudited = struct {
	sync.Mutex
	seen map[string]int
}{seen: map[string]int{}}

func watchUnaudited(w WriteSeen) {
	if w.Changed && !w.Audited {
		unaudited.Lock()
		unaudited.seen[w.Method]++
		unaudited.Unlock()
	}
}

// notExempt lists the unaudited methods seen that AuditExempt does not
// name.
func notExempt() []string {
	unaudited.Lock()
	defer unaudited.Unlock()
	var out []string
	for m, n := range unaudited.seen {
		if _, ok := AuditExempt[m]; !ok {
			out = append(out, fmt.Sprintf("%s (%d writes)", m, n))
		}
	}
	sort.Strings(out)
	return out
}

// TestMain runs the store tests, then fails the run if any of them made a
// write without an audit entry that AuditExempt does not name.
func TestMain(m *testing.M) {
	code := m.Run()
	if bad := notExempt(); len(bad) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "FAIL: writes without an audit entry, not in AuditExempt (audit_watch.go): %v\n", bad)
		code = 1
	}
	os.Exit(code)
}

// TestEveryWriteAudited: the jobs and set-up writes that once wrote
// without an audit entry (PruneTokens, CloseSessions, Bootstrap) now each
// append one in the transaction of the write; and every write transaction
// a store test makes either appends an audit entry or is named in
// AuditExempt with its reason (TestMain checks that over the whole run).
func TestEveryWriteAudited(t *testing.T) {
	s, clock := mustOpen(t)
	var seen []WriteSeen
	s.WatchWrites(func(w WriteSeen) { seen = append(seen, w) })
	sys := WithActor(bg, "system")
	if _, created, err := s.Bootstrap(sys, "Bootstrap-pw1"); err != nil || !created {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	g, err := s.CreateGroup(sys, GroupInput{Name: "第一支部"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMember(sys, MemberInput{Name: "张三", Username: "zhangsan", Password: "password1", GroupID: g.ID, Role: RoleMember, JoinedOn: "2020-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTokens(sys, []string{m.ID}, time.Hour); err != nil {
		t.Fatal(err)
	}
	start := testStart.Add(time.Hour)
	if _, err := s.CreateSession(sys, SessionInput{GroupID: g.ID, Title: "集中学习", StartsAt: start.Format(time.RFC3339), EndsAt: start.Add(time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	clock.Set(start.Add(3 * time.Hour))
	if n, err := s.PruneTokens(); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if closed, _, err := s.CloseSessions(clock.Now()); err != nil || closed != 1 {
		t.Fatalf("close: %d %v", closed, err)
	}
	ran := map[string]bool{}
	for _, w := range seen {
		if w.Changed {
			ran[w.Method] = true
		}
		if _, exempt := AuditExempt[w.Method]; w.Changed && !w.Audited && !exempt {
			t.Errorf("%s wrote without an audit entry", w.Method)
		}
	}
	for _, m := range []string{"BootstrapProfile", "PruneTokens", "CloseSessions"} {
		if !ran[m] {
			t.Errorf("%s made no write (seen %v)", m, ran)
		}
	}
	es, _ := s.Audit(AuditFilter{Entity: "token"})
	if len(es) != 1 || es[0].Action != "prune" || es[0].ActorID != "system" || !strings.Contains(string(es[0].After), `"expired":1`) {
		t.Errorf("prune entry: %+v", es)
	}
}
