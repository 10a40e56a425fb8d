package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// Cookie and header names.
const (
	cookieSession = "studyroll_session"
	cookieCSRF    = "studyroll_csrf"
	headerCSRF    = "X-CSRF-Token"
	ctxMember     = "member"
	ctxToken      = "token"
	ctxViaCookie  = "via_cookie"
)

// access says who may call a route.
type access struct {
	public bool
	roles  []store.Role // empty with public=false: any logged-in account
}

var (
	public  = access{public: true}
	anyone  = access{}
	leads   = access{roles: []store.Role{store.RoleLead, store.RoleAdmin}}
	readers = access{roles: []store.Role{store.RoleLead, store.RoleHR, store.RoleAdmin, store.RoleInspector}}
	hrAdmin = access{roles: []store.Role{store.RoleHR, store.RoleAdmin}}
	// 三员分立: admin's powers, split between the three administrator
	// roles of the level3 profile (admin keeps them all in standard).
	sysAdmin     = access{roles: []store.Role{store.RoleAdmin, store.RoleSysAdmin}} // configuration, backups, groups
	secAdmin     = access{roles: []store.Role{store.RoleAdmin, store.RoleSecAdmin}} // accounts, roles, resets, unlocks
	accountRead  = access{roles: []store.Role{store.RoleLead, store.RoleHR, store.RoleAdmin, store.RoleInspector, store.RoleSecAdmin}}
	auditReaders = access{roles: []store.Role{store.RoleHR, store.RoleAdmin, store.RoleAuditor}} // the log; security events: auditor (and admin)
	leadsHR      = access{roles: []store.Role{store.RoleLead, store.RoleHR, store.RoleAdmin}}
)

func (a access) allows(r store.Role) bool {
	if len(a.roles) == 0 {
		return true
	}
	for _, x := range a.roles {
		if x == r {
			return true
		}
	}
	return false
}

// guard authenticates the caller (bearer token or session cookie), checks
// the route's roles and, for cookie-authenticated writes, the CSRF token.
func (h *Handler) guard(r route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if r.access.public {
				return next(c)
			}
			tok, viaCookie := bearer(c)
			m, err := h.store.Authenticate(tok)
			if err != nil {
				return err
			}
			if viaCookie && !safeMethod(c.Request().Method) {
				if !hmac.Equal([]byte(c.Request().Header.Get(headerCSRF)), []byte(csrfFor(tok))) {
					return store.Errorf(store.KindForbidden, "csrf", "missing or wrong %s header", headerCSRF)
				}
			}
			c.Set(ctxMember, m)
			c.Set(ctxToken, tok)
			c.Set(ctxViaCookie, viaCookie)
			if !r.access.allows(m.Role) {
				return store.Errorf(store.KindForbidden, "role_forbidden", "role %s may not call %s %s", m.Role, r.Method, r.Path)
			}
			ctx := store.WithActor(c.Request().Context(), m.ID)
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// bearer returns the token from the Authorization header, else the cookie.
func bearer(c echo.Context) (tok string, viaCookie bool) {
	if a := c.Request().Header.Get("Authorization"); a != "" {
		if t, ok := strings.CutPrefix(a, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if ck, err := c.Cookie(cookieSession); err == nil {
		return ck.Value, true
	}
	return "", false
}

// csrfFor derives the CSRF token of a session: the page reads it from the
// studyroll_csrf cookie and echoes it in X-CSRF-Token; another site can
// neither read the cookie nor compute the value.
func csrfFor(tok string) string {
	m := hmac.New(sha256.New, []byte(tok))
	m.Write([]byte("studyroll csrf"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// me returns the authenticated member.
func me(c echo.Context) *store.Member {
	m, _ := c.Get(ctxMember).(*store.Member)
	return m
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Validate checks the login body.
func (r *loginRequest) Validate() error {
	fe := store.FieldErrors{}
	if r.Username == "" {
		fe.Add("username", "required")
	}
	if r.Password == "" {
		fe.Add("password", "required")
	}
	return fe.Err()
}

// handleLogin handles POST /login.
func (h *Handler) handleLogin(c echo.Context) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	user := strings.ToLower(strings.TrimSpace(req.Username))
	if wait := h.limiter.blocked(user); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return store.Errorf(store.KindTooMany, "too_many_attempts", "too many failed logins for this username: wait %d seconds", int(wait.Seconds())+1)
	}
	m, err := h.store.CheckPassword(req.Username, req.Password)
	if err != nil {
		if store.IsKind(err, store.KindUnauthorized) {
			h.limiter.fail(user)
		}
		return err
	}
	h.limiter.reset(user)
	ctx := store.WithActor(c.Request().Context(), m.ID)
	tok, exp, err := h.store.CreateToken(ctx, m.ID, h.cfg.TokenTTL)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: cookieSession, Value: tok, Path: "/", Expires: exp, HttpOnly: true,
		Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	c.SetCookie(&http.Cookie{Name: cookieCSRF, Value: csrfFor(tok), Path: "/", Expires: exp,
		Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return c.JSON(http.StatusOK, map[string]any{"token": tok, "member": m, "expires_at": exp, "csrf_token": csrfFor(tok)})
}

// handleLogout handles POST /logout.
func (h *Handler) handleLogout(c echo.Context) error {
	tok, _ := c.Get(ctxToken).(string)
	if err := h.store.DeleteToken(c.Request().Context(), tok); err != nil {
		return err
	}
	for _, name := range []string{cookieSession, cookieCSRF} {
		c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == cookieSession, SameSite: http.SameSiteStrictMode})
	}
	return c.NoContent(http.StatusNoContent)
}

// handleMe handles GET /me.
func (h *Handler) handleMe(c echo.Context) error {
	return c.JSON(http.StatusOK, me(c))
}

// loginLimiter slows password guessing: after maxFailures failed logins for
// one username within window, further attempts get 429 until the window
// passes.
type loginLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string][]time.Time
}

const (
	maxFailures = 5
	failWindow  = time.Minute
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, failures: map[string][]time.Time{}}
}

func (l *loginLimiter) recent(user string) []time.Time {
	cut := l.now().Add(-failWindow)
	fs := l.failures[user]
	i := 0
	for i < len(fs) && !fs[i].After(cut) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, user)
	} else {
		l.failures[user] = fs
	}
	return fs
}

// blocked returns how long user must wait, 0 when they may try.
func (l *loginLimiter) blocked(user string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.recent(user)
	if len(fs) < maxFailures {
		return 0
	}
	return fs[len(fs)-maxFailures].Add(failWindow).Sub(l.now())
}

func (l *loginLimiter) fail(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) > 10000 { // a spray over many usernames: drop what has aged out
		for u := range l.failures {
			l.recent(u)
		}
	}
	l.failures[user] = append(l.recent(user), l.now())
}

func (l *loginLimiter) reset(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, user)
}
