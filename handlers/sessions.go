package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"studyroll/store"
)

// handleCreateSession handles POST /sessions: a lead of the session's group
// or above, or an admin.
func (h *Handler) handleCreateSession(c echo.Context) error {
	var in store.SessionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sess, err := h.store.CreateSession(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sess)
}

// parseBound reads a from/to query value: a date (a day in the store's time
// zone; as an upper bound the whole day counts) or an RFC 3339 instant.
func parseBound(field, v string, loc *time.Location, upper bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if store.ValidDate(v) {
		d, _ := time.ParseInLocation(store.DateLayout, v, loc)
		if upper {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, badParam(field, "a date YYYY-MM-DD or an RFC 3339 instant")
}

// handleListSessions handles GET /sessions?group_id=&from=&to=: the sessions
// the caller may see (see seesGroup), cancelled ones included, ordered by
// start. group_id keeps those that reach the group or lie inside its
// subtree; from and to bound the start.
func (h *Handler) handleListSessions(c echo.Context) error {
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	f := store.SessionFilter{IncludeCancelled: true}
	if g := c.QueryParam("group_id"); g != "" {
		if _, ok := t.Group(g); !ok {
			return store.NotFound("group", g)
		}
		f.GroupIDs = append(t.Ancestors(g), t.Subtree(g)[1:]...)
	}
	if f.From, err = parseBound("from", c.QueryParam("from"), h.store.Location(), false); err != nil {
		return err
	}
	if f.To, err = parseBound("to", c.QueryParam("to"), h.store.Location(), true); err != nil {
		return err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return badParam("to", "before from")
	}
	ss, err := h.store.Sessions(f)
	if err != nil {
		return err
	}
	caller := me(c)
	out := make([]store.Session, 0, len(ss))
	for _, s := range ss {
		if seesGroup(t, caller, s.GroupID) {
			out = append(out, s)
		}
	}
	return c.JSON(http.StatusOK, list(out))
}

// handleGetSession handles GET /sessions/:id: the session with its
// audience, attendance, leave requests and counts. A member sees only their
// own entries.
func (h *Handler) handleGetSession(c echo.Context) error {
	d, err := h.store.SessionDetail(c.Param("id"))
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	caller := me(c)
	if !seesGroup(t, caller, d.GroupID) {
		return store.Forbidden("this session is not for your group")
	}
	minutes, err := h.store.Minutes(d.ID)
	if err != nil {
		return err
	}
	// A member sees their own entries; a lead at a session of a group above
	// theirs (organisation-wide) sees their own subtree's, as with exams.
	switch {
	case store.LeadsBelow(t, caller, d.GroupID):
		ms, err := h.store.Members(t.Subtree(caller.GroupID)...)
		if err != nil {
			return err
		}
		mine := make(map[string]bool, len(ms))
		for _, m := range ms {
			mine[m.ID] = true
		}
		keep := func(id string) bool { return mine[id] }
		d.OnlyMembers(keep)
		minutes.OnlyMembers(keep)
	case caller.Role == store.RoleMember:
		keep := func(id string) bool { return id == caller.ID }
		d.OnlyMembers(keep)
		minutes.OnlyMembers(keep)
	}
	// When the assigned reading lead can no longer lead (approved leave,
	// left), the rotation's proposal for a substitute.
	var sub *memberRef
	if id, err := h.store.ProposeSubstitute(d.ID); err != nil {
		return err
	} else if id != "" {
		if m, err := h.store.Member(id); err == nil {
			sub = &memberRef{MemberID: m.ID, Name: m.Name}
		}
	}
	return c.JSON(http.StatusOK, struct {
		*store.SessionDetail
		Minutes            *store.Minutes `json:"minutes"`
		ProposedSubstitute *memberRef     `json:"proposed_substitute"`
	}{d, minutes, sub})
}

// ledSession loads the session of the :id parameter and checks that the
// caller leads its group (or is an admin).
func (h *Handler) ledSession(c echo.Context) (*store.Session, error) {
	sess, err := h.store.Session(c.Param("id"))
	if err != nil {
		return nil, err
	}
	if err := h.leadsGroup(me(c), sess.GroupID); err != nil {
		return nil, err
	}
	return sess, nil
}

// handleCancelSession handles POST /sessions/:id/cancel.
func (h *Handler) handleCancelSession(c echo.Context) error {
	sess, err := h.store.CancelSession(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}

// codeAnswer is the answer of GET /sessions/:id/code.
type codeAnswer struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
	URL       string    `json:"url"`
	// QRURL is what the QR code encodes: the link with the 22-character
	// token instead of the 6 digits.
	QRURL string `json:"qr_url"`
	// OpensAt is when self check-in opens (starts_at less the configured
	// opening window); before it the code is shown but not yet accepted.
	OpensAt time.Time `json:"opens_at"`
}

// sessionCode returns the current code of the led session and its
// check-in URL: BaseURL, else the scheme and host of the request.
func (h *Handler) sessionCode(c echo.Context) (*codeAnswer, error) {
	sess, err := h.ledSession(c)
	if err != nil {
		return nil, err
	}
	code, err := h.store.SessionCode(sess.ID)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(h.cfg.BaseURL, "/")
	if base == "" {
		base = h.scheme(c.Request()) + "://" + c.Request().Host
	}
	u := base + "/checkin/" + url.PathEscape(sess.ID) + "?code="
	opens := sess.StartsAt.Add(-h.store.AttendanceRules().OpensBefore).UTC()
	return &codeAnswer{Code: code.Code, ExpiresAt: code.ExpiresAt, URL: u + code.Code, QRURL: u + code.Token, OpensAt: opens}, nil
}

// handleSessionCode handles GET /sessions/:id/code.
func (h *Handler) handleSessionCode(c echo.Context) error {
	a, err := h.sessionCode(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, a)
}

// handleSessionQR handles GET /sessions/:id/qr.png: a QR code of the current
// check-in URL.
func (h *Handler) handleSessionQR(c echo.Context) error {
	a, err := h.sessionCode(c)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(a.QRURL, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/png", png)
}

// memberRef names a member in an answer.
type memberRef struct {
	MemberID string `json:"member_id"`
	Name     string `json:"name"`
}

// handleSetSessionItems handles PUT /sessions/:id/items: the plan items a
// session not yet held studies, replacing its list.
func (h *Handler) handleSetSessionItems(c echo.Context) error {
	var in store.SessionItemsInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sess, err := h.store.SetSessionItems(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}
