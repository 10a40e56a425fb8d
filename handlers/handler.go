// Package handlers is studyroll's HTTP layer: the JSON API under /api/v1,
// the pages, authentication and the one error handler. It speaks echo v4;
// every rule and record lives in package store.
package handlers

import (
	"crypto/ed25519"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"studyroll/store"
)

// Config is what the handlers need; cmd/studyroll fills it.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// TokenTTL is how long a login lasts. Default 12h.
	TokenTTL time.Duration
	// BaseURL is the public address used in check-in links and QR codes,
	// like "https://study.example.gov.cn". Default: taken from the request.
	BaseURL string
	// SecureCookies sets the Secure flag on every cookie (an https base
	// URL). Without it, cookies are Secure when the request came over TLS
	// or a trusted proxy says https.
	SecureCookies bool
	// SigningKey signs the auditor's audit exports (the site's Ed25519 key,
	// DATA/export.key); nil: GET /audit/export answers 503.
	SigningKey ed25519.PrivateKey
	// HSTS sends Strict-Transport-Security on every answer (serve speaks
	// TLS itself).
	HSTS bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For (the
	// client address) and X-Forwarded-Proto are believed. Empty: the
	// connection's address is the client's.
	TrustedProxies []*net.IPNet
	// Jobs starts and lists background jobs (reports); nil disables them.
	Jobs Jobs
	// ReportDir holds generated report files.
	ReportDir string
	// Font is the TrueType font of the PDFs made on request (the sign-in
	// sheet); nil means the embedded one.
	Font []byte
}

// Handler holds what the route handlers share.
type Handler struct {
	cfg     Config
	store   *store.Store
	log     *slog.Logger
	limiter *loginLimiter
	// lockSeen is when each username's last login_locked event was
	// recorded (security.go).
	lockMu   sync.Mutex
	lockSeen map[string]time.Time
}

// Body limits: JSON bodies and CSV uploads.
const (
	maxJSONBody = 1 << 20
	maxCSVBody  = 10 << 20
	// maxMultipartBody holds one evidence file of store.MaxEvidenceBytes
	// and the form's headers.
	maxMultipartBody = store.MaxEvidenceBytes + 64<<10
)

// New builds the echo server with every route, middleware and the error
// handler.
func New(cfg Config) *echo.Echo {
	_, e := build(cfg)
	return e
}

// build is New that also returns the Handler (tests look at its limiters).
func build(cfg Config) (*Handler, *echo.Echo) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 12 * time.Hour
	}
	h := &Handler{cfg: cfg, store: cfg.Store, log: cfg.Logger, limiter: newLoginLimiter(cfg.Store.Now)}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.errorHandler
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			h.log.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(h.requestLog)
	if cfg.HSTS {
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				c.Response().Header().Set("Strict-Transport-Security", "max-age=31536000")
				return next(c)
			}
		})
	}
	e.Use(compress())
	e.Use(bodyLimit)
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	api := e.Group("/api/v1")
	for _, r := range h.table() {
		api.Add(r.Method, r.Path, r.handler, h.guard(r))
	}
	RegisterPages(e)
	return h, e
}

// requestLog writes one structured line per request.
func (h *Handler) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		if !h.log.Enabled(c.Request().Context(), slog.LevelInfo) {
			return nil
		}
		attrs := []any{
			"method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "bytes", c.Response().Size,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if m, ok := c.Get(ctxMember).(*store.Member); ok {
			attrs = append(attrs, "member_id", m.ID)
		}
		h.log.Info("request", attrs...)
		return nil
	}
}
