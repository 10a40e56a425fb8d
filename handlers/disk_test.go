package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

// TestDiskFull fills a small tmpfs until the store cannot write: writes must
// answer 503 disk_full with nothing half-written, reads must keep working,
// and writes must work again once space is freed. It needs root to mount
// the tmpfs (CI runs as root).
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	clock := store.NewManualClock(testStart)
	s, err := store.Open(filepath.Join(dir, "data"), store.Options{Now: clock.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := &testServer{t: t, s: s, clock: clock, tokens: map[string]string{}, ids: map[string]string{}}
	ts.e = checkedNew(t, Config{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, _, err := s.Bootstrap(store.WithActor(context.Background(), "system"), testPassword); err != nil {
		t.Fatal(err)
	}
	// Take most of the space with a filler file we can delete later.
	filler := filepath.Join(dir, "filler")
	data := make([]byte, 64<<10)
	f, _ := os.Create(filler)
	for {
		if _, err := f.Write(data); err != nil {
			break
		}
	}
	f.Close()
	os.Truncate(filler, mustSize(t, filler)-600<<10) // leave ~600 KiB
	full := false
	created := 0
	for i := 0; i < 5000 && !full; i++ {
		rec := ts.do("POST", "/api/v1/groups", "admin", map[string]string{"name": fmt.Sprintf("支部%05d", i)})
		switch rec.Code {
		case 201:
			created++
		case 503:
			if errCode(rec) != "disk_full" {
				t.Fatalf("503 with code %q: %s", errCode(rec), rec.Body)
			}
			full = true
		default:
			t.Fatalf("write %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if !full {
		t.Fatal("never ran out of space")
	}
	if rec := ts.do("GET", "/api/v1/groups", "admin", nil); rec.Code != 200 {
		t.Fatalf("read on a full disk: %d %s", rec.Code, rec.Body)
	}
	gs, _ := s.Groups()
	if len(gs) != created {
		t.Errorf("%d groups stored, %d acknowledged", len(gs), created)
	}
	os.Remove(filler)
	if rec := ts.do("POST", "/api/v1/groups", "admin", map[string]string{"name": "空间释放后"}); rec.Code != 201 {
		t.Errorf("write after freeing space: %d %s", rec.Code, rec.Body)
	}
	if _, err := s.VerifyAudit(); err != nil {
		t.Errorf("audit chain after a full disk: %v", err)
	}
	if errs := s.Check(); len(errs) > 0 {
		t.Errorf("bbolt check: %v", errs)
	}
}

func mustSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestClosedStore: a closed store answers 503 store_closed, not 500.
func TestClosedStore(t *testing.T) {
	ts := newTestServer(t)
	tok := ts.token("admin")
	ts.s.Close()
	ts.tokens["admin"] = tok
	rec := ts.do("GET", "/api/v1/groups", "admin", nil)
	if rec.Code != 503 || errCode(rec) != "store_closed" {
		t.Errorf("got %d %s, want 503 store_closed", rec.Code, rec.Body)
	}
}
