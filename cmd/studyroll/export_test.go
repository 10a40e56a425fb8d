package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"studyroll/export"
	"studyroll/store"
)

// TestExportCommand: an open period is refused; a locked one is written
// and `export --verify` accepts it with the instance's export.pub and
// refuses it with another instance's key.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	info, err := store.BuildSynthetic(dir, 100, 20, store.SyntheticOptions{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "q.json")
	var stdout, stderr bytes.Buffer
	exp := func() int {
		stdout.Reset()
		stderr.Reset()
		return run(context.Background(), []string{"export", "--data", dir, "--period", info.Period, "--out", out}, &stdout, &stderr)
	}
	if code := exp(); code != 1 || !strings.Contains(stderr.String(), "not locked") {
		t.Fatalf("export of an unlocked period: exit %d %s", code, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused export wrote a file")
	}
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LockPeriod(store.WithActor(context.Background(), "system"), info.Period); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if code := exp(); code != 0 {
		t.Fatalf("export: exit %d %s", code, stderr.String())
	}
	pub := filepath.Join(dir, export.PublicKeyFile)
	if code := run(context.Background(), []string{"export", "--verify", out, "--public-key", pub}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "signature good") {
		t.Fatalf("verify: exit %d %s %s", code, stdout.String(), stderr.String())
	}
	// another instance's key
	other := t.TempDir()
	if _, err := export.LoadOrCreateKey(other); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"export", "--verify", out, "--public-key", filepath.Join(other, export.PublicKeyFile)}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "does not verify") {
		t.Errorf("verify with another key: exit %d %s", code, stderr.String())
	}
}
