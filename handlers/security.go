package handlers

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"studyroll/export"
	"studyroll/store"
)

// secondFactor runs the second step of a login for m, whose password was
// right. An enrolled account needs a TOTP (or a recovery code); an account
// that must have one but has none gets its enrolment key in the 401
// (challenge), and its first code confirms the enrolment: then recovery
// holds the recovery codes to show once.
func (h *Handler) secondFactor(c echo.Context, m *store.Member, req *loginRequest) (recovery []string, challenge *store.Enrolment, err error) {
	st, err := h.store.SecondFactor(m)
	if err != nil {
		return nil, nil, err
	}
	ctx := store.WithActor(c.Request().Context(), m.ID)
	switch {
	case st.Enrolled:
		if req.TOTP == "" && req.RecoveryCode == "" {
			return nil, nil, store.Errorf(store.KindUnauthorized, "second_factor_required", "send the 6-digit code of your authenticator app as \"totp\" (or a recovery code as \"recovery_code\")")
		}
		return nil, nil, h.store.CheckSecondFactor(ctx, m, req.TOTP, req.RecoveryCode)
	case st.Required:
		enr, err := h.store.BeginSecondFactor(ctx, m)
		if err != nil {
			return nil, nil, err
		}
		if req.TOTP == "" {
			return nil, enr, nil
		}
		codes, err := h.store.ConfirmSecondFactor(ctx, m, req.TOTP)
		return codes, nil, err
	}
	return nil, nil, nil
}

// enrolWithQR adds the QR code of the key, as a data: URL, so the login
// page (which has no session yet to fetch /me/totp/qr.png) can show it.
func enrolWithQR(e *store.Enrolment) map[string]string {
	out := map[string]string{"secret": e.Secret, "otpauth_url": e.URL}
	if png, err := qrcode.Encode(e.URL, qrcode.Medium, 256); err == nil {
		out["qr_png"] = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	}
	return out
}

// loginFailed records a failed login as a security event.
func (h *Handler) loginFailed(c echo.Context, user string, cause error) {
	ctx := store.WithActor(c.Request().Context(), "anonymous")
	details := map[string]any{"reason": store.ErrorCode(cause), "address": clientAddr(c)}
	if err := h.store.RecordSecurityEvent(ctx, "login_failed", user, details); err != nil {
		h.log.Error("record failed login", "err", err)
	}
}

// loginLocked records a login refused by the limits (429) as a security
// event, at most once a minute per username, so a flood of refused
// attempts does not flood the log.
func (h *Handler) loginLocked(c echo.Context, user string) {
	now := h.store.Now()
	h.lockMu.Lock()
	if h.lockSeen == nil || len(h.lockSeen) > 10000 {
		h.lockSeen = map[string]time.Time{}
	}
	last, ok := h.lockSeen[user]
	if ok && now.Sub(last) < time.Minute {
		h.lockMu.Unlock()
		return
	}
	h.lockSeen[user] = now
	h.lockMu.Unlock()
	ctx := store.WithActor(c.Request().Context(), "anonymous")
	if err := h.store.RecordSecurityEvent(ctx, "login_locked", user, map[string]any{"address": clientAddr(c)}); err != nil {
		h.log.Error("record lockout", "err", err)
	}
}

// handleSecondFactorStatus handles GET /me/totp: enrolled, required,
// recovery codes left.
func (h *Handler) handleSecondFactorStatus(c echo.Context) error {
	st, err := h.store.SecondFactor(me(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// handleBeginSecondFactor handles POST /me/totp: a key to enrol.
func (h *Handler) handleBeginSecondFactor(c echo.Context) error {
	enr, err := h.store.BeginSecondFactor(c.Request().Context(), me(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, enr)
}

// handleSecondFactorQR handles GET /me/totp/qr.png: the QR code of the
// pending key's otpauth:// URL, for the phone to scan.
func (h *Handler) handleSecondFactorQR(c echo.Context) error {
	enr, err := h.store.BeginSecondFactor(c.Request().Context(), me(c))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(enr.URL, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/png", png)
}

type totpBody struct {
	Code string `json:"code"`
}

// Validate checks the body.
func (b *totpBody) Validate() error {
	fe := store.FieldErrors{}
	if b.Code == "" {
		fe.Add("code", "required")
	}
	return fe.Err()
}

// handleConfirmSecondFactor handles POST /me/totp/confirm {code}: the
// first code makes the key the account's second factor; the answer holds
// the recovery codes, shown once.
func (h *Handler) handleConfirmSecondFactor(c echo.Context) error {
	var b totpBody
	if err := decode(c, &b); err != nil {
		return err
	}
	codes, err := h.store.ConfirmSecondFactor(c.Request().Context(), me(c), b.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"enrolled": true, "recovery_codes": codes})
}

// handleRemoveOwnSecondFactor handles POST /me/totp/remove {code}: the
// owner removes their second factor with a current code; refused (403
// second_factor_required) where the profile or policy requires one.
func (h *Handler) handleRemoveOwnSecondFactor(c echo.Context) error {
	var b totpBody
	if err := decode(c, &b); err != nil {
		return err
	}
	m := me(c)
	if h.store.SecondFactorRequired(m) {
		return store.Errorf(store.KindForbidden, "second_factor_required", "your role must log in with a second factor")
	}
	if err := h.store.CheckSecondFactor(c.Request().Context(), m, b.Code, ""); err != nil {
		return err
	}
	if err := h.store.RemoveSecondFactor(c.Request().Context(), m.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleResetSecondFactor handles DELETE /members/:id/totp (secadmin,
// admin): a lost phone; the account enrols again at its next login.
func (h *Handler) handleResetSecondFactor(c echo.Context) error {
	if c.Param("id") == me(c).ID {
		return store.Errorf(store.KindForbidden, "own_record", "another administrator resets your second factor")
	}
	if err := h.store.RemoveSecondFactor(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleListLoginSessions handles GET /me/sessions: the caller's open
// login sessions, the current one marked.
func (h *Handler) handleListLoginSessions(c echo.Context) error {
	tok, _ := c.Get(ctxToken).(string)
	ss, err := h.store.LoginSessions(me(c).ID, tok)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ss))
}

// handleEndLoginSession handles DELETE /me/sessions/:id: ends one of the
// caller's sessions (another account's is 404).
func (h *Handler) handleEndLoginSession(c echo.Context) error {
	if err := h.store.EndLoginSession(c.Request().Context(), me(c).ID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type passwordChange struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// Validate checks the body.
func (b *passwordChange) Validate() error {
	fe := store.FieldErrors{}
	if b.Current == "" {
		fe.Add("current", "required")
	}
	if b.New == "" {
		fe.Add("new", "required")
	}
	return fe.Err()
}

// handleChangeOwnPassword handles POST /me/password {current, new}: the
// policy applies; every session of the account ends, the caller's too.
func (h *Handler) handleChangeOwnPassword(c echo.Context) error {
	var b passwordChange
	if err := decode(c, &b); err != nil {
		return err
	}
	if err := h.store.ChangeOwnPassword(c.Request().Context(), me(c), b.Current, b.New); err != nil {
		if se, ok := err.(*store.Error); ok && se.Fields["password"] != "" {
			return store.Invalid(map[string]string{"new": se.Fields["password"]})
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// auditExportType names the signed audit export.
const auditExportType = "studyroll-audit+json"

// AuditExport is the signed payload of GET /audit/export.
type AuditExport struct {
	Format     string             `json:"format"`
	From       *time.Time         `json:"from,omitempty"`
	To         *time.Time         `json:"to,omitempty"`
	ExportedAt time.Time          `json:"exported_at"`
	ExportedBy string             `json:"exported_by"`
	Head       string             `json:"head"`
	Entries    []store.AuditEntry `json:"entries"`
}

// handleAuditExport handles GET /audit/export?from=&to= (auditor, admin):
// the audit entries of the range, oldest first, in a file signed with the
// site's Ed25519 key (a flattened JWS; verify with export.pub). The export
// is itself a security event.
func (h *Handler) handleAuditExport(c echo.Context) error {
	if h.cfg.SigningKey == nil {
		return store.Errorf(store.KindUnavailable, "no_signing_key", "this process has no signing key")
	}
	from, err := parseInstant(c.QueryParam("from"), h.store.Location())
	if err != nil {
		return badParam("from", err.Error())
	}
	to, err := parseInstant(c.QueryParam("to"), h.store.Location())
	if err != nil {
		return badParam("to", err.Error())
	}
	if store.ValidDate(c.QueryParam("to")) {
		to = to.AddDate(0, 0, 1)
	}
	entries, err := h.store.Audit(store.AuditFilter{From: from, To: to, Limit: 1 << 30})
	if err != nil {
		return err
	}
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	head, err := h.store.AuditHead()
	if err != nil {
		return err
	}
	x := AuditExport{Format: "studyroll-audit/1", ExportedAt: h.store.Now().UTC(), ExportedBy: me(c).ID, Head: head, Entries: entries}
	if !from.IsZero() {
		x.From = &from
	}
	if !to.IsZero() {
		x.To = &to
	}
	if x.Entries == nil {
		x.Entries = []store.AuditEntry{}
	}
	data, err := export.SignJSON(x, auditExportType, h.cfg.SigningKey)
	if err != nil {
		return err
	}
	if err := h.store.RecordSecurityEvent(c.Request().Context(), "audit_export", me(c).ID, map[string]any{"entries": len(entries)}); err != nil {
		return err
	}
	name := "studyroll-audit-" + h.store.Now().In(h.store.Location()).Format("20060102-150405") + ".jws.json"
	c.Response().Header().Set(echo.HeaderContentDisposition, contentDisposition("attachment", name, name))
	return c.Blob(http.StatusOK, "application/json", data)
}
