package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	// adminOnly: the business admin alone (unlocking a locked period).
	adminOnly = access{roles: []store.Role{store.RoleAdmin}}
	// 三员分立: admin's powers, split between the three administrator
	// roles of the level3 profile (admin keeps them all in standard).
	sysAdmin     = access{roles: []store.Role{store.RoleAdmin, store.RoleSysAdmin}} // configuration, backups, groups
	secAdmin     = access{roles: []store.Role{store.RoleAdmin, store.RoleSecAdmin}} // accounts, roles, resets, unlocks
	accountRead  = access{roles: []store.Role{store.RoleLead, store.RoleHR, store.RoleAdmin, store.RoleInspector, store.RoleSecAdmin}}
	auditorAdmin = access{roles: []store.Role{store.RoleAdmin, store.RoleAuditor}}
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
	// TOTP is the 6-digit code of the authenticator app, for an account
	// with a second factor; RecoveryCode one of its recovery codes instead.
	TOTP         string `json:"totp,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`

	maxUser int // the longest username the store may hold, in runes
}

// Validate checks the login body: lengths are checked before anything is
// counted or hashed, so a huge username or password costs nothing.
func (r *loginRequest) Validate() error {
	fe := store.FieldErrors{}
	if r.Username == "" {
		fe.Add("username", "required")
	} else if !utf8.ValidString(r.Username) || utf8.RuneCountInString(r.Username) > r.maxUser {
		fe.Add("username", "at most "+strconv.Itoa(r.maxUser)+" characters")
	}
	if r.Password == "" {
		fe.Add("password", "required")
	} else if len(r.Password) > store.MaxPasswordBytes {
		fe.Add("password", "at most 72 bytes")
	}
	return fe.Err()
}

// maxLoginBody caps the body of POST /login.
const maxLoginBody = 4 << 10

// handleLogin handles POST /login. Order matters: the body is cut at 4 KiB,
// the lengths are checked, the attempt is reserved against the limits, and
// only then is bcrypt run, in a bounded number of parallel slots.
func (h *Handler) handleLogin(c echo.Context) error {
	r := c.Request()
	if r.ContentLength > maxLoginBody {
		return store.Errorf(store.KindTooLarge, "too_large", "request body over %d bytes", maxLoginBody)
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxLoginBody)
	req := loginRequest{maxUser: h.store.MaxUsernameRunes()}
	if err := decode(c, &req); err != nil {
		return err
	}
	var recovery []string
	user := store.CanonicalUsername(req.Username)
	addr := clientAddr(c)
	res, wait := h.limiter.reserve(user, addr)
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		h.loginLocked(c, user)
		return store.Errorf(store.KindTooMany, "too_many_attempts", "too many failed logins: wait %d seconds", secs)
	}
	m, err := h.limiter.check(r.Context(), func() (*store.Member, error) {
		return h.store.CheckPassword(req.Username, req.Password)
	})
	var challenge *store.Enrolment
	if err == nil {
		recovery, challenge, err = h.secondFactor(c, m, &req)
	}
	switch {
	case err == nil && challenge == nil:
		h.limiter.succeeded(res)
	case challenge != nil || store.ErrorCode(err) == "second_factor_required":
		h.limiter.cancel(res) // the password was right; the code is still to come
	case store.IsKind(err, store.KindUnauthorized):
		// the reservation stands: it was a failure
		h.loginFailed(c, user, err)
	default:
		h.limiter.cancel(res)
	}
	if challenge != nil {
		return c.JSON(http.StatusUnauthorized, map[string]any{"error": map[string]any{
			"code": "second_factor_required", "message": "this account needs a second factor: add the key to an authenticator app and send its code as \"totp\"",
			"enrol": enrolWithQR(challenge)}})
	}
	if err != nil {
		return err
	}
	ctx := store.WithActor(r.Context(), m.ID)
	tok, exp, err := h.store.CreateTokenFrom(ctx, m.ID, h.cfg.TokenTTL, addr, r.UserAgent())
	if err != nil {
		return err
	}
	secure := h.secureCookies(r)
	c.SetCookie(&http.Cookie{Name: cookieSession, Value: tok, Path: "/", Expires: exp, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode})
	c.SetCookie(&http.Cookie{Name: cookieCSRF, Value: csrfFor(tok), Path: "/", Expires: exp,
		Secure: secure, SameSite: http.SameSiteStrictMode})
	out := map[string]any{"token": tok, "member": m, "expires_at": exp, "csrf_token": csrfFor(tok)}
	if recovery != nil {
		out["recovery_codes"] = recovery // the enrolment was just confirmed: shown once
	}
	if expired, err := h.store.PasswordExpired(m.ID); err != nil {
		return err
	} else if expired {
		out["password_expired"] = true // the app asks for a new one; the login still works
	}
	return c.JSON(http.StatusOK, out)
}

// handleLogout handles POST /logout.
func (h *Handler) handleLogout(c echo.Context) error {
	tok, _ := c.Get(ctxToken).(string)
	if err := h.store.DeleteToken(c.Request().Context(), tok); err != nil {
		return err
	}
	for _, name := range []string{cookieSession, cookieCSRF} {
		c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == cookieSession,
			Secure: h.secureCookies(c.Request()), SameSite: http.SameSiteStrictMode})
	}
	return c.NoContent(http.StatusNoContent)
}

// handleMe handles GET /me.
func (h *Handler) handleMe(c echo.Context) error {
	return c.JSON(http.StatusOK, me(c))
}
