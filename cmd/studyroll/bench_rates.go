package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

func init() {
	benchParts = append(benchParts, benchPart{name: "rates", run: benchRates})
}

// benchRates is the "rates" part of `studyroll bench`: org-wide quarterly
// rates over a synthetic organisation of --rate-members members and about
// --rate-records attendance records, warm (after one untimed run), and one
// member's rates.
func benchRates(ctx context.Context, o benchOptions, rep *benchReport, progress func(string, ...any)) error {
	dir := filepath.Join(o.dir, "rates-store")
	// Each session reaches one branch of 50 members (a few reach a
	// department), so sessions ≈ records / 50.
	sessions := o.rateRecords / 50
	progress("rates: building %d members, %d sessions …", o.rateMembers, sessions)
	info, err := store.BuildSynthetic(dir, o.rateMembers, sessions, store.SyntheticOptions{BcryptCost: bcrypt.MinCost})
	if err != nil {
		return err
	}
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := store.ParsePeriod(info.Period, s.Location())
	if err != nil {
		return err
	}
	pol := store.DefaultPolicy()
	if _, err := s.Rates(p, "", pol); err != nil { // warm: page cache and caches
		return err
	}
	var org []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		r, err := s.Rates(p, "", pol)
		if err != nil {
			return err
		}
		org = append(org, time.Since(t0))
		if i == 0 {
			rep.Extra["rates: members in the org-wide answer"] = len(r.Members)
		}
	}
	var one []time.Duration
	for i := 0; i < 200; i++ {
		id := info.MemberIDs[(i*7919)%len(info.MemberIDs)]
		t0 := time.Now()
		if _, err := s.MemberRates(p, id, pol); err != nil {
			return err
		}
		one = append(one, time.Since(t0))
	}
	med := func(d []time.Duration) string {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return fmt.Sprintf("%.1f ms (max %.1f)", float64(d[len(d)/2].Microseconds())/1000, float64(d[len(d)-1].Microseconds())/1000)
	}
	rep.Extra["rates: records"] = info.Records
	rep.Extra["rates: org-wide quarter, warm"] = med(org)
	rep.Extra["rates: one member"] = med(one)
	return nil
}
