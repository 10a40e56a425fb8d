package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"studyroll/store"
)

func TestBenchScale(t *testing.T) {
	cases := []struct {
		args []string
		want benchOptions
	}{
		{nil, benchOptions{members: 10000, rateMembers: 10000, rateRecords: 1000000, pdfMembers: 10000}},
		{[]string{"--scale", "10"}, benchOptions{members: 100000, rateMembers: 100000, rateRecords: 10000000, pdfMembers: 100000}},
		{[]string{"--scale", "10", "--pdf-members", "500"}, benchOptions{members: 100000, rateMembers: 100000, rateRecords: 10000000, pdfMembers: 500}},
	}
	for _, c := range cases {
		fs := flag.NewFlagSet("bench", flag.ContinueOnError)
		o := benchOptions{}
		fs.IntVar(&o.members, "members", 10000, "")
		fs.IntVar(&o.rateMembers, "rate-members", 10000, "")
		fs.IntVar(&o.rateRecords, "rate-records", 1000000, "")
		fs.IntVar(&o.pdfMembers, "pdf-members", 10000, "")
		scale := fs.Int("scale", 0, "")
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if *scale > 0 {
			o.applyScale(*scale, explicitFlags(fs))
		}
		if o != c.want {
			t.Errorf("%v: got %+v, want %+v", c.args, o, c.want)
		}
	}
}

// TestBenchJSONNumbers runs the rates part and the burst on its store at a
// tiny size and checks that every figure is a number under a key that names
// its unit.
func TestBenchJSONNumbers(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--parts", "rates,checkin-store", "--rate-members", "120",
		"--rate-records", "1200", "--members", "40", "--sessions", "1", "--clients", "4", "--dir", t.TempDir(), "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Extra map[string]any `json:"extra"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, k := range []string{"rates_members", "rates_records", "rates_org_warm_ms", "rates_org_cold_ms", "rates_member_ms",
		"store_open_ms", "store_file_mb", "backup_ms", "compact_ms", "compact_mb", "checkin_store_per_sec", "checkin_store_p99_ms"} {
		v, ok := rep.Extra[k]
		if !ok {
			t.Errorf("no %s in %v", k, rep.Extra)
			continue
		}
		if _, ok := v.(float64); !ok {
			t.Errorf("%s = %v (%T), want a number", k, v, v)
		}
	}
	for k, v := range rep.Extra {
		if _, ok := v.(float64); !ok {
			t.Errorf("%s = %v (%T), want a number", k, v, v)
		}
		if !strings.Contains(k, "_") || strings.ContainsAny(k, " :,") {
			t.Errorf("key %q: want snake_case with its unit", k)
		}
	}
	if n := rep.Extra["checkin_store_errors"]; n != float64(0) {
		t.Errorf("check-in errors on the store: %v", n)
	}
}

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
		s, err := store.Open(d, store.Options{AuditKeyFile: filepath.Join(dir, store.AuditKeyFile)}) // one key for both copies
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
