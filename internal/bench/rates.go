package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"time"

	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

func init() {
	parts = append(parts, part{name: "rates", run: benchRates})
}

// ms is a duration in milliseconds, rounded to 0.01 ms.
func ms(d time.Duration) float64 { return float64(d.Microseconds()/10) / 100 }

// fileMB is a file's size in MB (0 when it cannot be read).
func fileMB(path string) float64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(st.Size()*100>>20) / 100
}

// benchRates is the "rates" part of `studyroll bench`: on a synthetic
// organisation of --rate-members members and about --rate-records
// attendance records it measures opening the store, the org-wide quarterly
// rates cold (the first request after the store opens) and warm (median of
// 5), one member's rates (median of 200), the file's size, a backup and a
// compaction of it. Every figure goes into the report under a key that
// names its unit.
func benchRates(ctx context.Context, o Options, rep *Report, progress func(string, ...any)) error {
	dir := filepath.Join(o.Dir, "rates-store")
	// Each session reaches one branch of 50 members (a few reach a
	// department), so sessions ≈ records / 50.
	sessions := o.RateRecords / 50
	progress("rates: building %d members, %d sessions …", o.RateMembers, sessions)
	info, err := store.BuildSynthetic(dir, o.RateMembers, sessions, store.SyntheticOptions{BcryptCost: bcrypt.MinCost, Years: o.RateYears})
	if err != nil {
		return err
	}
	rep.Extra["rates_members"] = len(info.MemberIDs)
	rep.Extra["rates_records"] = info.Records
	rep.Extra["rates_years"] = max(o.RateYears, 1)
	rep.Extra["rates_period_records"] = info.PeriodRecords
	rep.Extra["rates_done_marks"] = info.DoneMarks
	rep.Extra["rates_sessions"] = info.Sessions
	rep.Extra["rates_build_s"] = float64(info.BuildTime.Milliseconds()/10) / 100
	rep.Extra["store_file_mb"] = fileMB(filepath.Join(dir, store.FileName))

	progress("rates: opening the store and the first (cold) org-wide request …")
	t0 := time.Now()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	rep.Extra["store_open_ms"] = ms(time.Since(t0))
	p, err := store.ParsePeriod(info.Period, s.Location())
	if err != nil {
		return err
	}
	pol := store.DefaultPolicy()
	t0 = time.Now()
	r, err := s.Rates(p, "", pol)
	if err != nil {
		return err
	}
	rep.Extra["rates_org_cold_ms"] = ms(time.Since(t0))
	rep.Extra["rates_org_answer_members"] = len(r.Members)
	progress("rates: warm org-wide requests and one member's rates …")
	var org []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if _, err := s.Rates(p, "", pol); err != nil {
			return err
		}
		org = append(org, time.Since(t0))
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
	med, max := medMax(org)
	rep.Extra["rates_org_warm_ms"], rep.Extra["rates_org_warm_max_ms"] = med, max
	// The year of the quarter: its first three quarters hold data.
	year, err := store.ParsePeriod(info.Period[:4], s.Location())
	if err != nil {
		return err
	}
	if _, err := s.Rates(year, "", pol); err != nil {
		return err
	}
	var yr []time.Duration
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		if _, err := s.Rates(year, "", pol); err != nil {
			return err
		}
		yr = append(yr, time.Since(t0))
	}
	rep.Extra["rates_org_year_warm_ms"], _ = medMax(yr)
	med, max = medMax(one)
	rep.Extra["rates_member_ms"], rep.Extra["rates_member_max_ms"] = med, max
	rep.Extra["rates_rss_mb"] = procStatusMB("VmRSS")
	// VmRSS counts the pages of the mapped store file the scans touched
	// (page cache the kernel may drop) as well as the process's own memory
	rep.Extra["rates_rss_anon_mb"] = procStatusMB("RssAnon")
	rep.Extra["rates_rss_file_mb"] = procStatusMB("RssFile")
	rep.Extra["rates_heap_live_mb"] = heapLiveMB()
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return err
		}
	}

	if o.checkinOnStore {
		// The members still on the roll: those who left during the
		// period are rightly refused (403 not_in_audience), which is not
		// what the burst measures.
		left := map[string]bool{}
		for _, id := range info.LeftIDs {
			left[id] = true
		}
		var present []string
		for _, id := range info.MemberIDs {
			if !left[id] {
				present = append(present, id)
			}
		}
		n := min(o.Members, len(present))
		progress("checkin-store: %d members × %d sessions on the %d-member store …", n, o.Sessions, len(info.MemberIDs))
		st, rss, err := burstOn(ctx, o, s, info.Password, info.RootID, present[:n], progress)
		if err != nil {
			return fmt.Errorf("check-in burst on the store: %w", err)
		}
		rep.Extra["checkin_store_members"] = n
		rep.Extra["checkin_store_per_sec"] = float64(int(st.PerSec))
		rep.Extra["checkin_store_p50_ms"] = st.P50ms
		rep.Extra["checkin_store_p99_ms"] = st.P99ms
		rep.Extra["checkin_store_errors"] = st.Errors
		rep.Extra["checkin_store_rss_mb"] = rss
	}

	progress("rates: locking the period (its snapshot) and the locked rates …")
	t0 = time.Now()
	if _, err := s.LockPeriod(store.WithActor(ctx, "system"), info.Period); err != nil {
		return err
	}
	rep.Extra["lock_snapshot_ms"] = ms(time.Since(t0))
	t0 = time.Now()
	if _, err := s.Rates(p, "", pol); err != nil {
		return err
	}
	rep.Extra["rates_org_locked_first_ms"] = ms(time.Since(t0))
	var locked []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if _, err := s.Rates(p, "", pol); err != nil {
			return err
		}
		locked = append(locked, time.Since(t0))
	}
	rep.Extra["rates_org_locked_ms"], _ = medMax(locked)
	rep.Extra["store_file_locked_mb"] = fileMB(filepath.Join(dir, store.FileName))
	rep.Extra["rates_rss_after_lock_mb"] = procStatusMB("VmRSS")

	progress("rates: backup and compaction of the store …")
	bk := filepath.Join(o.Dir, "rates-backup.db")
	f, err := os.Create(bk)
	if err != nil {
		return err
	}
	t0 = time.Now()
	_, err = s.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		return err
	}
	rep.Extra["backup_ms"] = ms(time.Since(t0))
	rep.Extra["backup_mb"] = fileMB(bk)
	os.Remove(bk)
	if err := s.Close(); err != nil {
		return err
	}
	out := filepath.Join(o.Dir, "rates-compact.db")
	t0 = time.Now()
	if err := store.Compact(filepath.Join(dir, store.FileName), out); err != nil {
		return err
	}
	rep.Extra["compact_ms"] = ms(time.Since(t0))
	rep.Extra["compact_mb"] = fileMB(out)
	os.Remove(out)
	return nil
}

// heapLiveMB is the Go heap still reachable after the last collection, in MB.
func heapLiveMB() float64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()*100>>20) / 100
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// medMax gives the median and the maximum of d in milliseconds.
func medMax(d []time.Duration) (float64, float64) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return ms(d[len(d)/2]), ms(d[len(d)-1])
}
