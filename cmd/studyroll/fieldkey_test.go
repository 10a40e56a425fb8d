package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"studyroll/store"
)

// TestFieldKeyCommand: `studyroll field-key rotate` replaces the key file's
// key and retires the old one; the backup message says the copy needs the
// field key.
func TestFieldKeyCommand(t *testing.T) {
	data := t.TempDir()
	s, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	keyPath := filepath.Join(data, store.FieldKeyFile)
	before, _ := os.ReadFile(keyPath)
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"field-key", "rotate", "--data", data}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	after, _ := os.ReadFile(keyPath)
	if len(before) == 0 || string(after) == string(before) || !strings.Contains(out.String(), "Rotated the field key") {
		t.Errorf("key file unchanged or output %q", out.String())
	}
	if m, _ := filepath.Glob(keyPath + ".retired-*"); len(m) != 1 {
		t.Errorf("retired keys %v", m)
	}
	if code := run(context.Background(), []string{"field-key", "--data", data}, &out, &errb); code != 2 {
		t.Errorf("without rotate: exit %d", code)
	}
	out.Reset()
	if code := run(context.Background(), []string{"backup", "--data", data, "--out", filepath.Join(t.TempDir(), "b.db")}, &out, &errb); code != 0 {
		t.Fatalf("backup exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), store.FieldKeyFile) || !strings.Contains(out.String(), "cannot be read") {
		t.Errorf("backup message %q does not name the field key", out.String())
	}
}
