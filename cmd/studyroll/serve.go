package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"studyroll/export"
	"studyroll/handlers"
	"studyroll/remind"
	"studyroll/schedule"
	"studyroll/store"
	"studyroll/store/demo"

	"golang.org/x/net/netutil"
)

// ServerLimits bound what one client can hold of the server.
type ServerLimits struct {
	// ReadHeaderTimeout: the request line and headers must arrive within it.
	ReadHeaderTimeout time.Duration
	// ReadTimeout: the whole request, body included, must arrive within
	// it, or the connection is closed (a slow-body client).
	ReadTimeout time.Duration
	// WriteTimeout: the answer must be written within it; long enough for
	// a backup or a report bundle on a slow link.
	WriteTimeout time.Duration
	// IdleTimeout: a kept-alive connection with no request is closed.
	IdleTimeout time.Duration
	// MaxConns: connections open at once; more wait to be accepted. It
	// fits a check-in burst of thousands of phones.
	MaxConns int
}

var defaultLimits = ServerLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       60 * time.Second,
	WriteTimeout:      10 * time.Minute,
	IdleTimeout:       2 * time.Minute,
	MaxConns:          8192,
}

func (l ServerLimits) withDefaults() ServerLimits {
	d := defaultLimits
	if l.ReadHeaderTimeout > 0 {
		d.ReadHeaderTimeout = l.ReadHeaderTimeout
	}
	if l.ReadTimeout > 0 {
		d.ReadTimeout = l.ReadTimeout
	}
	if l.WriteTimeout > 0 {
		d.WriteTimeout = l.WriteTimeout
	}
	if l.IdleTimeout > 0 {
		d.IdleTimeout = l.IdleTimeout
	}
	if l.MaxConns > 0 {
		d.MaxConns = l.MaxConns
	}
	if d.ReadHeaderTimeout > d.ReadTimeout {
		d.ReadHeaderTimeout = d.ReadTimeout
	}
	return d
}

// parseProxy reads a --trusted-proxy value: a CIDR, or one address.
func parseProxy(v string) (*net.IPNet, error) {
	if _, n, err := net.ParseCIDR(v); err == nil {
		return n, nil
	}
	ip := net.ParseIP(v)
	if ip == nil {
		return nil, fmt.Errorf("--trusted-proxy %q: want a CIDR like 10.0.0.0/8 or an address", v)
	}
	bits := 128
	if ip.To4() != nil {
		ip, bits = ip.To4(), 32
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
}

// Main is the running service: the store, the HTTP server and the jobs.
// The end-to-end and browser tests start it exactly as `serve` does.
type Main struct {
	Addr string
	Data string
	// AuditKey is the audit key file; "" means DATA/audit.key.
	AuditKey string
	// FieldKey is the field key file; "" means DATA/field.key.
	FieldKey string
	Location *time.Location
	Demo     bool
	BaseURL  string
	Config   string
	// Font is a TrueType file for the PDFs; "" means the embedded font.
	Font string
	// TLSCert and TLSKey are PEM files: with both, serve speaks HTTPS
	// (TLS 1.2 or later) and sends HSTS.
	TLSCert, TLSKey string
	Stdout          io.Writer
	Logger          *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (--trusted-proxy).
	TrustedProxies []*net.IPNet
	// Limits of the HTTP server; zero fields take defaultLimits.
	Limits ServerLimits

	Store    *store.Store
	tls      bool
	sched    *schedule.Scheduler
	sender   *remind.Sender
	listener net.Listener
	server   *http.Server
	control  *http.Server
}

// Open opens the store, creates the first admin (and the demo data when
// asked), and starts listening. It prints the login to Stdout.
func (m *Main) Open(ctx context.Context) error {
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	cfg, err := loadConfig(m.Config)
	if err != nil {
		return err
	}
	font, err := schedule.LoadFont(m.Font)
	if err != nil {
		return err
	}
	tlsConfig, err := loadTLS(m.TLSCert, m.TLSKey)
	if err != nil {
		return err
	}
	s, err := store.Open(m.Data, store.Options{Location: m.Location, Now: m.Now, AuditKeyFile: m.AuditKey, FieldKeyFile: m.FieldKey})
	if err != nil {
		return err
	}
	m.Store = s
	// The site's Ed25519 key (DATA/export.key) signs the auditor's audit
	// exports, as it signs `studyroll export`.
	signKey, err := export.LoadOrCreateKey(m.Data)
	if err != nil {
		s.Close()
		return fmt.Errorf("signing key: %w", err)
	}
	if err := s.SetupProfile(store.WithActor(ctx, "system"), cfg.Profile); err != nil {
		s.Close()
		return err
	}
	sp, err := cfg.Security.apply(s.Profile())
	if err == nil {
		err = s.SetSecurityPolicy(sp)
	}
	if err != nil {
		s.Close()
		return fmt.Errorf("config %s: %w", m.Config, err)
	}
	if err := s.SetPrivacyPolicy(cfg.Privacy); err != nil {
		s.Close()
		return fmt.Errorf("config %s: %w", m.Config, err)
	}
	s.SetAttendanceRules(cfg.Attendance)
	s.SetMeetingRules(cfg.Meetings)
	s.SetReminderRules(cfg.Reminders)
	if err := s.SetPolicy(cfg.Policy); err != nil {
		s.Close()
		return err
	}
	if err := store.SetFindingCategories(cfg.FindingCategories); err != nil {
		s.Close()
		return err
	}
	// Periods locked by a version without snapshots are frozen as they
	// stand, with the policy in force.
	if err := s.TakeMissingSnapshots(store.WithActor(ctx, "system")); err != nil {
		s.Close()
		return err
	}
	m.sched, err = schedule.New(schedule.Config{Store: s, Logger: m.Logger, DataDir: m.Data,
		ReportDir: filepath.Join(m.Data, "reports"), Font: font, Schedules: cfg.Schedules,
		BackupKeep: cfg.BackupKeep, SnapshotKeep: cfg.SnapshotKeep, Now: m.Now,
		Rectifications: func() ([]store.Rectification, error) { return s.OpenRectifications(s.Now()) }})
	if err != nil {
		s.Close()
		return err
	}
	m.sender = remind.New(remind.Config{Store: s, Logger: m.Logger, Now: m.Now, BaseURL: m.BaseURL})
	if err := m.bootstrap(ctx); err != nil {
		s.Close()
		return err
	}
	ln, err := net.Listen("tcp", m.Addr)
	if err != nil {
		s.Close()
		return fmt.Errorf("listen on %s: %w", m.Addr, err)
	}
	m.Limits = m.Limits.withDefaults()
	ln = netutil.LimitListener(ln, m.Limits.MaxConns)
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	m.listener = ln
	m.tls = tlsConfig != nil
	if err := m.listenControl(); err != nil {
		ln.Close()
		s.Close()
		return err
	}
	e := handlers.New(handlers.Config{SigningKey: signKey, Store: s, Logger: m.Logger, BaseURL: m.BaseURL,
		ReportDir: filepath.Join(m.Data, "reports"), Jobs: m.sched, Font: font,
		SecureCookies: strings.HasPrefix(m.BaseURL, "https://"), TrustedProxies: m.TrustedProxies, HSTS: m.tls})
	m.server = &http.Server{Handler: e, ReadHeaderTimeout: m.Limits.ReadHeaderTimeout,
		ReadTimeout: m.Limits.ReadTimeout, WriteTimeout: m.Limits.WriteTimeout, IdleTimeout: m.Limits.IdleTimeout,
		TLSConfig: tlsConfig}
	return nil
}

// URL is where the service listens.
func (m *Main) URL() string {
	if m.tls {
		return "https://" + m.listener.Addr().String()
	}
	return "http://" + m.listener.Addr().String()
}

// loadTLS reads the certificate and key for HTTPS; both empty means plain
// HTTP (behind a reverse proxy that terminates TLS). TLS 1.2 is the
// oldest version accepted; with 1.2 only ECDHE key exchange with AEAD
// ciphers (forward secrecy, no CBC, no RSA key exchange); 1.3's suites are
// all modern.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, usageError("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
	}, nil
}

func (m *Main) bootstrap(ctx context.Context) error {
	ctx = store.WithActor(ctx, "system")
	env := map[string]string{}
	for _, a := range store.BootstrapAccounts(m.Store.Profile()) {
		env[a.Env] = os.Getenv(a.Env)
	}
	made, err := m.Store.BootstrapProfile(ctx, env)
	if err != nil {
		return fmt.Errorf("create the first administrators: %w", err)
	}
	printAccounts(m.Stdout, made)
	if !m.Demo {
		return nil
	}
	gs, err := m.Store.Groups()
	if err != nil {
		return err
	}
	if len(gs) > 0 {
		fmt.Fprintf(m.Stdout, "Demo: the store already holds an organisation; demo logins (if it is the demo): member, lead, hr / %s\n", demo.Password)
		return nil
	}
	first := store.BootstrapAccounts(m.Store.Profile())[0].Username
	adm, err := m.Store.MemberByUsername(first)
	if err != nil {
		return err
	}
	// The demo's accounts share the one printed demo password, which a
	// level3 password policy would refuse: the policy applies again to
	// every password set after the seed.
	sp := m.Store.SecurityPolicy()
	relaxed := sp
	relaxed.Password = store.DefaultSecurityPolicy(store.ProfileStandard).Password
	if err := m.Store.SetSecurityPolicy(relaxed); err != nil {
		return err
	}
	// The demo is seeded by the first administrator where that account may
	// change study records (standard: admin); under level3 the three
	// administrators may not (separation of duties), so the command line
	// seeds it as the trusted "system" actor, as an import does.
	by := adm.ID
	if adm.Role != store.RoleAdmin {
		by = "system"
	}
	org, err := demo.Seed(store.WithActor(ctx, by), m.Store)
	if perr := m.Store.SetSecurityPolicy(sp); err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	printDemo(m.Stdout, org)
	return nil
}

// printAccounts prints the administrator accounts just created: the
// password once when it was drawn, else where it came from.
func printAccounts(w io.Writer, made []store.BootstrapAccount) {
	for _, a := range made {
		if a.FromEnv {
			fmt.Fprintf(w, "Created account %s with the password from $%s.\n", a.Username, a.Env)
		} else {
			fmt.Fprintf(w, "Created account %s with password %s (shown once: write it down).\n", a.Username, a.Password)
		}
	}
}

func printDemo(w io.Writer, org *demo.Org) {
	fmt.Fprintf(w, "Demo organisation: %s, %d units, %d branches, %d accounts.\n", org.Root.Name, len(org.Units), len(org.Branches), len(org.Members))
	for _, l := range org.Logins {
		fmt.Fprintf(w, "  %-6s login: %-8s password: %s  (%s)\n", l.Role, l.Username, demo.Password, l.Name)
	}
}

// Serve answers requests until ctx is done, then shuts down cleanly:
// in-flight requests finish (up to 10 s) and the store file is closed.
func (m *Main) Serve(ctx context.Context) error {
	if err := m.sched.Start(); err != nil {
		m.Store.Close()
		return err
	}
	// The robots' outbox is sent in the background until shutdown; a
	// restart resumes whatever is still queued.
	sctxSend, stopSend := context.WithCancel(context.Background())
	sent := make(chan struct{})
	go func() { m.sender.Run(sctxSend); close(sent) }()
	stopSender := func() { stopSend(); <-sent }
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.listener) }()
	m.Logger.Info("serving", "url", m.URL(), "data", m.Store.Path())
	select {
	case err := <-errc:
		stopSender()
		_ = m.sched.Stop(context.Background())
		m.Store.Close()
		return err
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := m.server.Shutdown(sctx)
	_ = m.control.Shutdown(sctx)
	if serr := m.sched.Stop(sctx); serr != nil {
		m.Logger.Error("shutdown", "err", serr)
	}
	stopSender()
	if cerr := m.Store.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	var sf storeFlags
	sf.register(fs)
	m := &Main{Stdout: stdout}
	fs.StringVar(&m.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.BoolVar(&m.Demo, "demo", false, "fill a fresh store with the demo organisation")
	fs.StringVar(&m.BaseURL, "base-url", "", "public URL for check-in links (default: from each request); an https:// URL also marks cookies Secure")
	fs.StringVar(&m.Config, "config", "", "policy/schedule config file (JSON)")
	fs.StringVar(&m.TLSCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS, TLS 1.2+ (with --tls-key)")
	fs.StringVar(&m.TLSKey, "tls-key", "", "PEM private key file of --tls-cert")
	fs.StringVar(&m.Font, "font", "", "TrueType font for the PDFs (default: the embedded WenQuanYi Micro Hei)")
	fs.Func("trusted-proxy", "CIDR or address of a reverse proxy whose X-Forwarded-For/-Proto are believed (repeatable)", func(v string) error {
		n, err := parseProxy(v)
		if err == nil {
			m.TrustedProxies = append(m.TrustedProxies, n)
		}
		return err
	})
	fs.IntVar(&m.Limits.MaxConns, "max-conns", defaultLimits.MaxConns, "most client connections open at once")
	if err := parse(fs, args); err != nil {
		return err
	}
	loc, err := sf.location()
	if err != nil {
		return err
	}
	m.Data, m.Location, m.AuditKey, m.FieldKey = sf.data, loc, sf.auditKey, sf.fieldKey
	tuneRuntime()
	m.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	if err := m.Open(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "studyroll is serving on %s (data: %s). Stop with Ctrl-C.\n", m.URL(), m.Store.Path())
	return m.Serve(ctx)
}
