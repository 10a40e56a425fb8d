// Package bench measures one studyroll instance: the check-in burst over
// real HTTP, the ceiling of a durable write on this machine, the rates on a
// large synthetic store (and the burst on it), and the quarterly PDF batch.
// `studyroll bench` only parses its flags and calls Run; docs/BENCHMARKS.md
// has the figures and the commands that made them.
package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
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
	"studyroll/internal/groupcommit"
	"studyroll/store"
)

// Options are the flags of `studyroll bench`.
type Options struct {
	Members  int    // members checking in
	Sessions int    // sessions each member checks into
	Clients  int    // concurrent HTTP clients
	JSON     bool   // print the report as JSON
	Parts    string // comma-separated: checkin, ceiling, rates, checkin-store, pdf
	Dir      string // work folder; "" for a new temp folder, removed afterwards
	// rates and reports sizes
	RateMembers int
	RateRecords int
	// RateYears spreads the rates store's sessions and self-study over
	// that many years ending with the measured quarter (2023Q3).
	RateYears  int
	PDFMembers int
	// MemProfile, when set, is where the rates part writes a heap profile
	// once its warm requests are done.
	MemProfile string
	// Exe is the studyroll binary the pdf part runs `report` with; ""
	// for this process's own executable.
	Exe string

	// checkinOnStore runs the check-in burst again on the rates part's
	// store, at its size, rather than on a fresh one ("checkin-store").
	checkinOnStore bool
}

// Defaults are the sizes of the reference organisation.
func Defaults() Options {
	return Options{Members: 10000, Sessions: 5, Clients: 64, Parts: "checkin,ceiling,rates,pdf",
		RateMembers: 10000, RateRecords: 1000000, RateYears: 5, PDFMembers: 10000}
}

// ApplyScale sets every size to scale × the reference organisation
// (10,000 members, 1,000,000 attendance records), but for the flags the user
// gave explicitly (given, by flag name).
func (o *Options) ApplyScale(scale int, given map[string]bool) {
	set := func(name string, v *int, n int) {
		if !given[name] {
			*v = n
		}
	}
	set("members", &o.Members, 10000*scale)
	set("rate-members", &o.RateMembers, 10000*scale)
	set("rate-records", &o.RateRecords, 1000000*scale)
	set("pdf-members", &o.PDFMembers, 10000*scale)
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

// ErrUsage is a mistake in the options (the command line's).
type ErrUsage string

func (e ErrUsage) Error() string { return string(e) }

// Report is what `studyroll bench --json` prints.
type Report struct {
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

// Run runs the parts o names and prints the report to stdout (progress
// to stderr unless o.JSON).
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) error {
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "studyroll-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.Dir = d
	}
	rep := &Report{Machine: machineName(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		Members: o.Members, Clients: o.Clients, Extra: map[string]any{}, Notes: map[string]string{}}
	progress := func(format string, args ...any) {
		if !o.JSON {
			fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	want := map[string]bool{}
	for _, p := range strings.Split(o.Parts, ",") {
		want[strings.TrimSpace(p)] = true
	}
	o.checkinOnStore = want["checkin-store"]
	if o.checkinOnStore && !want["rates"] {
		return ErrUsage("the checkin-store part runs on the rates part's store: add rates to --parts")
	}
	if want["checkin"] {
		progress("check-in burst: %d members × %d sessions over HTTP, %d clients …", o.Members, o.Sessions, o.Clients)
		st, rss, err := benchCheckin(ctx, o, progress)
		if err != nil {
			return fmt.Errorf("check-in burst: %w", err)
		}
		rep.Checkin, rep.BurstRSSMB = st, rss
	}
	if want["ceiling"] {
		progress("ceiling: bare echo handler, one batched durable bbolt write per request …")
		st, err := benchCeiling(ctx, o, o.Members*o.Sessions)
		if err != nil {
			return fmt.Errorf("ceiling: %w", err)
		}
		rep.Ceiling = st
		if rep.Checkin != nil && st.PerSec > 0 {
			rep.Ratio = rep.Checkin.PerSec / st.PerSec
		}
	}
	for _, p := range parts {
		if want[p.name] {
			progress("%s …", p.name)
			if err := p.run(ctx, o, rep, progress); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
		}
	}
	rep.PeakRSSMB = peakRSSMB()
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(stdout, rep)
	return nil
}

// part is a further part of the bench (rates, PDF batch), registered by
// the files that own it.
type part struct {
	name string
	run  func(ctx context.Context, o Options, rep *Report, progress func(string, ...any)) error
}

var parts []part

func printBench(w io.Writer, r *Report) {
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
func benchCheckin(ctx context.Context, o Options, progress func(string, ...any)) (*latencyStats, float64, error) {
	dir := filepath.Join(o.Dir, "checkin")
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
	ins := make([]store.MemberInput, o.Members)
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
func burstOn(ctx context.Context, o Options, s *store.Store, adminPassword, groupID string, ids []string, progress func(string, ...any)) (*latencyStats, float64, error) {
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
	client := benchClient(o.Clients)
	adminTok := loginBench(client, url, "admin", adminPassword)
	if adminTok == "" {
		return nil, 0, fmt.Errorf("admin login failed")
	}
	now := time.Now()
	var sessions []string
	for i := 0; i < o.Sessions; i++ {
		body := fmt.Sprintf(`{"group_id":%q,"title":"集中学习 %d","starts_at":%q,"ends_at":%q,"lead_id":%q}`,
			groupID, i+1, now.Add(10*time.Minute).Format(time.RFC3339), now.Add(3*time.Hour).Format(time.RFC3339), ids[0])
		var sess struct{ ID string }
		if code, err := CallJSON(client, "POST", url+"/api/v1/sessions", adminTok, body, &sess); err != nil || code != 201 {
			return nil, 0, fmt.Errorf("create session: %d %v", code, err)
		}
		sessions = append(sessions, sess.ID)
	}
	codes := make([]atomic.Value, len(sessions))
	refresh := func() error {
		for i, id := range sessions {
			var c struct{ Code string }
			if code, err := CallJSON(client, "GET", url+"/api/v1/sessions/"+id+"/code", adminTok, "", &c); err != nil || code != 200 {
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
	st := burst(bctx, o.Clients, n, client, func(i int) (*http.Request, error) {
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
	CallJSON(c, "POST", url+"/api/v1/login", "", fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw), &out)
	return out.Token
}

// CallJSON sends one API request with an optional bearer token and JSON
// body, decodes the answer into out, and returns the status (an error for
// 3xx and above). The end-to-end tests of cmd use it too.
func CallJSON(c *http.Client, method, url, tok, body string, out any) (int, error) {
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
// per request through the store's group commit (internal/groupcommit): the
// most this machine can do for a durable write over HTTP.
func benchCeiling(ctx context.Context, o Options, n int) (*latencyStats, error) {
	db, err := bolt.Open(filepath.Join(o.Dir, "ceiling.db"), 0o600, nil)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	wr := groupcommit.New(db, 0)
	defer wr.Close()
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
		if err := wr.Do(func(tx *bolt.Tx) error { return tx.Bucket([]byte("ceiling")).Put(key, val) }); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]string{"status": "present"})
	})
	url, stop, err := serveBench(e)
	if err != nil {
		return nil, err
	}
	defer stop()
	client := benchClient(o.Clients)
	return burst(ctx, o.Clients, n, client, func(i int) (*http.Request, error) {
		r, err := http.NewRequest("POST", url+"/w/"+strconv.Itoa(i), strings.NewReader(`{"code":"123456"}`))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer x")
		}
		return r, err
	}, func(code int) bool { return code == http.StatusCreated }), nil
}
