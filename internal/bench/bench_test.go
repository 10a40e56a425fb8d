package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestBenchScale(t *testing.T) {
	type sizes struct{ members, rateMembers, rateRecords, pdfMembers int }
	cases := []struct {
		scale int
		given map[string]bool
		want  sizes
	}{
		{0, nil, sizes{10000, 10000, 1000000, 10000}},
		{10, nil, sizes{100000, 100000, 10000000, 100000}},
		{10, map[string]bool{"pdf-members": true}, sizes{100000, 100000, 10000000, 10000}},
	}
	for _, c := range cases {
		o := Defaults()
		if c.scale > 0 {
			o.ApplyScale(c.scale, c.given)
		}
		if got := (sizes{o.Members, o.RateMembers, o.RateRecords, o.PDFMembers}); got != c.want {
			t.Errorf("scale %d %v: got %+v, want %+v", c.scale, c.given, got, c.want)
		}
	}
}

// TestBenchJSONNumbers runs the rates part and the burst on its store at a
// tiny size and checks that every figure is a number under a key that names
// its unit.
func TestBenchJSONNumbers(t *testing.T) {
	var out bytes.Buffer
	o := Options{Parts: "rates,checkin-store", RateMembers: 120, RateRecords: 1200, Members: 40, Sessions: 1, Clients: 4,
		Dir: t.TempDir(), JSON: true}
	if err := Run(context.Background(), o, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Extra map[string]any `json:"extra"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, k := range []string{"rates_members", "rates_records", "rates_org_warm_ms", "rates_org_cold_ms", "rates_member_ms",
		"store_open_ms", "store_file_mb", "backup_ms", "compact_ms", "compact_mb", "checkin_store_per_sec", "checkin_store_p99_ms",
		"lock_snapshot_ms", "rates_org_locked_ms", "store_file_locked_mb"} {
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
