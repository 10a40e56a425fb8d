package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"studyroll/handlers"
	"studyroll/store"
)

// benchOptions are the flags of `studyroll bench`.
type benchOptions struct {
	members  int
	sessions int
	clients  int
	json     bool
	parts    string
	dir      string
	// rates and reports sizes
	rateMembers int
	rateRecords int
	pdfMembers  int
	// checkinOnStore runs the check-in burst again on the rates part's
	// store, at its size, rather than on a fresh one ("checkin-store").
	checkinOnStore bool
}

// applyScale sets every size to scale × today's reference organisation
// (10,000 members, 1,000,000 attendance records), but for the flags the user
// gave explicitly.
func (o *benchOptions) applyScale(scale int, given map[string]bool) {
	set := func(name string, v *int, n int) {
		if !given[name] {
			*v = n
		}
	}
	set("members", &o.members, 10000*scale)
	set("rate-members", &o.rateMembers, 10000*scale)
	set("rate-records", &o.rateRecords, 1000000*scale)
	set("pdf-members", &o.pdfMembers, 10000*scale)
}

// explicitFlags names the flags set on the command line.
func explicitFlags(fs *flag.FlagSet) map[string]bool {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return given
}

// latencyStats summarises one burst of requests.
type latencyStats struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"per_sec"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// benchReport is what `studyroll bench --json` prints.
type benchReport struct {
	Machine    string            `json:"machine"`
	GoVersion  string            `json:"go_version"`
	CPUs       int               `json:"cpus"`
	Members    int               `json:"members"`
	Clients    int               `json:"clients"`
	Checkin    *latencyStats     `json:"checkin,omitempty"`
	Ceiling    *latencyStats     `json:"ceiling,omitempty"`
	Ratio      float64           `json:"checkin_to_ceiling_ratio,omitempty"`
	PeakRSSMB  float64           `json:"peak_rss_mb"`
	BurstRSSMB float64           `json:"burst_rss_mb,omitempty"`
	Extra      map[string]any    `json:"extra,omitempty"`
	Notes      map[string]string `json:"notes,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	var o benchOptions
	fs.IntVar(&o.members, "members", 10000, "members checking in")
	fs.IntVar(&o.sessions, "sessions", 5, "sessions each member checks into (requests = members × sessions)")
	fs.IntVar(&o.clients, "clients", 64, "concurrent HTTP clients")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON")
	fs.StringVar(&o.parts, "parts", "checkin,ceiling,rates,pdf", "parts to run: checkin, ceiling, rates, checkin-store (the burst on the rates store), pdf")
	fs.StringVar(&o.dir, "dir", "", "work folder (default: a new temp folder, removed afterwards)")
	fs.IntVar(&o.rateMembers, "rate-members", 10000, "members for the rates part")
	fs.IntVar(&o.rateRecords, "rate-records", 1000000, "attendance records for the rates part")
	fs.IntVar(&o.pdfMembers, "pdf-members", 10000, "members for the PDF batch part")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole bench to this file")
	scale := fs.Int("scale", 0, "shorthand: N × 10,000 members for every part and N × 1,000,000 attendance records for rates (flags given explicitly win)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *scale < 0 {
		return usageError("--scale must be a positive number")
	}
	if *scale > 0 {
		o.applyScale(*scale, explicitFlags(fs))
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if o.dir == "" {
		d, err := os.MkdirTemp("", "studyroll-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dir = d
	}
	tuneRuntime() // as serve does
	rep := &benchReport{Machine: machineName(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		Members: o.members, Clients: o.clients, Extra: map[string]any{}, Notes: map[string]string{}}
	progress := func(format string, args ...any) {
		if !o.json {
			fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	parts := map[string]bool{}
	for _, p := range strings.Split(o.parts, ",") {
		parts[strings.TrimSpace(p)] = true
	}
	o.checkinOnStore = parts["checkin-store"]
	if o.checkinOnStore && !parts["rates"] {
		return usageError("the checkin-store part runs on the rates part's store: add rates to --parts")
	}
	if parts["checkin"] {
		progress("check-in burst: %d members × %d sessions over HTTP, %d clients …", o.members, o.sessions, o.clients)
		st, rss, err := benchCheckin(ctx, o, progress)
		if err != nil {
			return fmt.Errorf("check-in burst: %w", err)
		}
		rep.Checkin, rep.BurstRSSMB = st, rss
	}
	if parts["ceiling"] {
		progress("ceiling: bare echo handler, one batched durable bbolt write per request …")
		st, err := benchCeiling(ctx, o, o.members*o.sessions)
		if err != nil {
			return fmt.Errorf("ceiling: %w", err)
		}
		rep.Ceiling = st
		if rep.Checkin != nil && st.PerSec > 0 {
			rep.Ratio = rep.Checkin.PerSec / st.PerSec
		}
	}
	for _, p := range benchParts {
		if parts[p.name] {
			progress("%s …", p.name)
			if err := p.run(ctx, o, rep, progress); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
		}
	}
	rep.PeakRSSMB = peakRSSMB()
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(stdout, rep)
	return nil
}

// benchPart is a further part of the bench (rates, PDF batch), registered by
// the files that own it.
type benchPart struct {
	name string
	run  func(ctx context.Context, o benchOptions, rep *benchReport, progress func(string, ...any)) error
}

var benchParts []benchPart

func printBench(w io.Writer, r *benchReport) {
	fmt.Fprintf(w, "studyroll bench on %s (%d CPUs, %s)\n\n", r.Machine, r.CPUs, r.GoVersion)
	fmt.Fprintf(w, "%-34s %10s %10s %9s %9s %9s %7s\n", "part", "requests", "per sec", "p50 ms", "p99 ms", "max ms", "errors")
	row := func(name string, s *latencyStats) {
		if s != nil {
			fmt.Fprintf(w, "%-34s %10d %10.0f %9.2f %9.2f %9.2f %7d\n", name, s.Requests, s.PerSec, s.P50ms, s.P99ms, s.MaxMs, s.Errors)
		}
	}
	row(fmt.Sprintf("a. check-in (%d clients)", r.Clients), r.Checkin)
	row("b. ceiling: echo + batched write", r.Ceiling)
	if r.Ratio > 0 {
		fmt.Fprintf(w, "   ratio a/b: %.2f\n", r.Ratio)
	}
	if r.BurstRSSMB > 0 {
		fmt.Fprintf(w, "   process RSS during the burst (server and clients): %.0f MB\n", r.BurstRSSMB)
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%-34s %v\n", k, r.Extra[k])
	}
	fmt.Fprintf(w, "\npeak RSS of the bench process: %.0f MB\n", r.PeakRSSMB)
}

func machineName() string {
	h, _ := os.Hostname()
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	return strings.TrimSpace(h + " " + model)
}

// procStatusMB reads a kB field of /proc/self/status in MB.
func procStatusMB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

func peakRSSMB() float64 { return procStatusMB("VmHWM") }

// burst sends n requests from clients goroutines; req builds request i.
func burst(ctx context.Context, clients, n int, client *http.Client, req func(i int) (*http.Request, error), okStatus func(int) bool) *latencyStats {
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r, err := req(i)
				if err != nil {
					errs.Add(1)
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(r)
				lat[i] = time.Since(t0)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !okStatus(resp.StatusCode) {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	st := &latencyStats{Requests: n, Errors: int(errs.Load()), Seconds: elapsed.Seconds(), PerSec: float64(n) / elapsed.Seconds()}
	if n > 0 {
		st.P50ms, st.P99ms, st.MaxMs = ms(lat[n/2]), ms(lat[n*99/100]), ms(lat[n-1])
	}
	return st
}

func benchClient(clients int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2,
		MaxConnsPerHost: clients, DisableCompression: true}, Timeout: 30 * time.Second}
}

// serveBench starts h on a loopback port and returns its URL and a stop.
func serveBench(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// benchCheckin builds an organisation, opens sessions for everyone and sends
// every member's check-in to each session through the real API: real
// tokens, the real router, the real handler and store.
func benchCheckin(ctx context.Context, o benchOptions, progress func(string, ...any)) (*latencyStats, float64, error) {
	dir := filepath.Join(o.dir, "checkin")
	s, err := store.Open(dir, store.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	sys := store.WithActor(ctx, "system")
	if _, _, err := s.Bootstrap(sys, "bench-admin-password"); err != nil {
		return nil, 0, err
	}
	root, err := s.CreateGroup(sys, store.GroupInput{Name: "机关党委"})
	if err != nil {
		return nil, 0, err
	}
	var groups []string
	for i := 0; i < 40; i++ {
		g, err := s.CreateGroup(sys, store.GroupInput{Name: fmt.Sprintf("第%d党支部", i+1), ParentID: root.ID})
		if err != nil {
			return nil, 0, err
		}
		groups = append(groups, g.ID)
	}
	ins := make([]store.MemberInput, o.members)
	for i := range ins {
		ins[i] = store.MemberInput{Name: fmt.Sprintf("成员%05d", i), Username: fmt.Sprintf("b%05d", i), Password: "bench-password",
			GroupID: groups[i%len(groups)], Role: store.RoleMember, JoinedOn: "2020-01-01"}
	}
	ms, err := s.CreateMembers(sys, ins)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return burstOn(ctx, o, s, "bench-admin-password", root.ID, ids, progress)
}

// burstOn logs in as admin, opens --sessions sessions for the group and
// sends every member's check-in to each of them over real HTTP; it gives
// the burst's figures and the process's peak RSS during it.
func burstOn(ctx context.Context, o benchOptions, s *store.Store, adminPassword, groupID string, ids []string, progress func(string, ...any)) (*latencyStats, float64, error) {
	sys := store.WithActor(ctx, "system")
	toks, err := s.CreateTokens(sys, ids, 24*time.Hour)
	if err != nil {
		return nil, 0, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	url, stop, err := serveBench(handlers.New(handlers.Config{Store: s, Logger: quiet}))
	if err != nil {
		return nil, 0, err
	}
	defer stop()
	client := benchClient(o.clients)
	adminTok := loginBench(client, url, "admin", adminPassword)
	if adminTok == "" {
		return nil, 0, fmt.Errorf("admin login failed")
	}
	now := time.Now()
	var sessions []string
	for i := 0; i < o.sessions; i++ {
		body := fmt.Sprintf(`{"group_id":%q,"title":"集中学习 %d","starts_at":%q,"ends_at":%q,"lead_id":%q}`,
			groupID, i+1, now.Add(10*time.Minute).Format(time.RFC3339), now.Add(3*time.Hour).Format(time.RFC3339), ids[0])
		var sess struct{ ID string }
		if code, err := callJSON(client, "POST", url+"/api/v1/sessions", adminTok, body, &sess); err != nil || code != 201 {
			return nil, 0, fmt.Errorf("create session: %d %v", code, err)
		}
		sessions = append(sessions, sess.ID)
	}
	codes := make([]atomic.Value, len(sessions))
	refresh := func() error {
		for i, id := range sessions {
			var c struct{ Code string }
			if code, err := callJSON(client, "GET", url+"/api/v1/sessions/"+id+"/code", adminTok, "", &c); err != nil || code != 200 {
				return fmt.Errorf("code: %d %v", code, err)
			}
			codes[i].Store(c.Code)
		}
		return nil
	}
	if err := refresh(); err != nil {
		return nil, 0, err
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var rssMax atomic.Uint64
	go func() {
		t := time.NewTicker(10 * time.Second)
		r := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		defer r.Stop()
		for {
			select {
			case <-bctx.Done():
				return
			case <-t.C:
				_ = refresh()
			case <-r.C:
				if v := uint64(procStatusMB("VmRSS")); v > rssMax.Load() {
					rssMax.Store(v)
				}
			}
		}
	}()
	n := len(ids) * len(sessions)
	progress("  %d members logged in, %d sessions open; sending %d check-ins", len(ids), len(sessions), n)
	st := burst(bctx, o.clients, n, client, func(i int) (*http.Request, error) {
		si, mi := i/len(ids), i%len(ids)
		body := `{"code":"` + codes[si].Load().(string) + `"}`
		r, err := http.NewRequest("POST", url+"/api/v1/sessions/"+sessions[si]+"/checkin", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+toks[mi])
		return r, nil
	}, func(code int) bool { return code == http.StatusCreated })
	cancel()
	return st, float64(rssMax.Load()), nil
}

func loginBench(c *http.Client, url, user, pw string) string {
	var out struct{ Token string }
	callJSON(c, "POST", url+"/api/v1/login", "", fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw), &out)
	return out.Token
}

func callJSON(c *http.Client, method, url, tok, body string, out any) (int, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		_ = json.Unmarshal(data, out)
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s", bytes.TrimSpace(data))
	}
	return resp.StatusCode, nil
}

// benchCeiling measures a bare echo handler that makes one durable write
// per request through bbolt's Batch with the store's batch settings: the
// most this machine can do for a durable write over HTTP.
func benchCeiling(ctx context.Context, o benchOptions, n int) (*latencyStats, error) {
	dir := filepath.Join(o.dir, "ceiling")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.MaxBatchDelay, db.MaxBatchSize = store.BatchDelay, store.BatchSize
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("ceiling")); return err }); err != nil {
		return nil, err
	}
	e := echo.New()
	e.POST("/w/:k", func(c echo.Context) error {
		k, _ := strconv.ParseUint(c.Param("k"), 10, 64)
		var body struct{ Code string }
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint64(nil, k)
		val := []byte(`{"status":"present","at":"` + time.Now().Format(time.RFC3339Nano) + `"}`)
		if err := db.Batch(func(tx *bolt.Tx) error { return tx.Bucket([]byte("ceiling")).Put(key, val) }); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]string{"status": "present"})
	})
	url, stop, err := serveBench(e)
	if err != nil {
		return nil, err
	}
	defer stop()
	client := benchClient(o.clients)
	return burst(ctx, o.clients, n, client, func(i int) (*http.Request, error) {
		r, err := http.NewRequest("POST", url+"/w/"+strconv.Itoa(i), strings.NewReader(`{"code":"123456"}`))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer x")
		}
		return r, err
	}, func(code int) bool { return code == http.StatusCreated }), nil
}
