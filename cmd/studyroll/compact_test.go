package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"studyroll/store"
)

// TestCompact compacts a store whose file has grown from rewritten values
// and checks that the copy is smaller, opens, and holds the same records;
// and that a store in use or an existing output file is refused.
func TestCompact(t *testing.T) {
	dir := t.TempDir()
	info, err := store.BuildSynthetic(dir, 200, 40, store.SyntheticOptions{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, store.FileName)
	out := filepath.Join(t.TempDir(), "compact.db")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"compact", "--data", dir, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Compacted") {
		t.Errorf("output: %s", stdout.String())
	}
	a, _ := os.Stat(src)
	b, _ := os.Stat(out)
	if b.Size() > a.Size() {
		t.Errorf("compacted %d bytes > original %d", b.Size(), a.Size())
	}
	rates := func(d string) string {
		s, err := store.Open(d, store.Options{AuditKeyFile: filepath.Join(dir, store.AuditKeyFile), FieldKeyFile: filepath.Join(dir, store.FieldKeyFile)}) // one set of keys for both copies
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p, _ := store.ParsePeriod(info.Period, s.Location())
		r, err := s.Rates(p, "", store.DefaultPolicy())
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(r.Members)
		return string(j)
	}
	d2 := t.TempDir()
	copyFile(t, out, filepath.Join(d2, store.FileName))
	if rates(dir) != rates(d2) {
		t.Error("the compacted store gives other rates")
	}
	// an existing output file is refused and left alone
	if code := run(context.Background(), []string{"compact", "--data", dir, "--out", out}, io.Discard, &stderr); code == 0 {
		t.Error("compact over an existing file succeeded")
	}
	// a store in use is refused with the usual message
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stderr.Reset()
	out2 := filepath.Join(t.TempDir(), "c2.db")
	if code := run(context.Background(), []string{"compact", "--data", dir, "--out", out2}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "in use") {
		t.Errorf("compact of a store in use: exit %d, %s", code, stderr.String())
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a refused compaction left a file")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
