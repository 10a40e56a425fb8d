package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// periodParam reads ?period= (a year or a quarter); missing means the
// current quarter.
func (h *Handler) periodParam(c echo.Context) (store.Period, error) {
	ps := c.QueryParam("period")
	if ps == "" {
		return store.PeriodOf(h.store.Now(), h.store.Location()), nil
	}
	p, err := store.ParsePeriod(ps, h.store.Location())
	if err != nil {
		return store.Period{}, badParam("period", "a year like 2023 or a quarter like 2023Q3")
	}
	return p, nil
}

// scopeGroup picks the subtree a lead, hr or admin asks about: group_id
// when given (a lead only within their own subtree), else a lead's own
// group, else "" for the whole organisation.
func (h *Handler) scopeGroup(c echo.Context, caller *store.Member) (string, error) {
	gid := c.QueryParam("group_id")
	t, err := h.store.Tree()
	if err != nil {
		return "", err
	}
	if gid != "" {
		if _, ok := t.Group(gid); !ok {
			return "", store.NotFound("group", gid)
		}
	}
	switch {
	case caller.Role.ReadsAll():
		return gid, nil
	case caller.Role == store.RoleLead:
		if caller.GroupID == "" {
			return "", store.Forbidden("a lead without a group leads no subtree")
		}
		if gid == "" {
			return caller.GroupID, nil
		}
		if !store.ManagesGroup(t, caller, gid) {
			return "", store.Forbidden("a lead sees only their own group's subtree")
		}
		return gid, nil
	}
	return "", store.Forbidden("members see only their own rates")
}

// handleRates handles GET /rates?period=&group_id=: a member gets only
// their own row (group_id → 403), a lead their subtree, hr and admin any
// group or, without group_id, the whole organisation. The answer carries
// the policy in force.
func (h *Handler) handleRates(c echo.Context) error {
	caller := me(c)
	p, err := h.periodParam(c)
	if err != nil {
		return err
	}
	pol := h.store.Policy()
	if caller.Role == store.RoleMember {
		if c.QueryParam("group_id") != "" {
			return store.Forbidden("members see only their own rates: leave out group_id")
		}
		r, err := h.store.MemberRates(p, caller.ID, pol)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, r)
	}
	gid, err := h.scopeGroup(c, caller)
	if err != nil {
		return err
	}
	r, err := h.store.Rates(p, gid, pol)
	if err != nil {
		return err
	}
	four, err := h.store.FourRate(p, gid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withField(r, "four", four))
}

// withField adds one key to the JSON object v encodes to.
func withField(v any, key string, val any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own answer types always encode
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		panic(err)
	}
	extra, err := json.Marshal(val)
	if err != nil {
		panic(err)
	}
	obj[key] = extra
	out, _ := json.Marshal(obj)
	return out
}

// handleWarnings handles GET /warnings?period=&group_id= (lead: their
// subtree; hr, admin: any group or everyone).
func (h *Handler) handleWarnings(c echo.Context) error {
	p, err := h.periodParam(c)
	if err != nil {
		return err
	}
	gid, err := h.scopeGroup(c, me(c))
	if err != nil {
		return err
	}
	ws, err := h.store.Warnings(p, gid, h.store.Policy())
	if err != nil {
		return err
	}
	// The admin's warning that the daily check found the audit chain
	// broken comes first, whatever the period or group asked.
	if me(c).Role == store.RoleAdmin {
		aw, err := h.store.AuditWarning()
		if err != nil {
			return err
		}
		if aw != nil {
			ws = append([]store.Warning{*aw}, ws...)
		}
	}
	// Meeting warnings (三会一课) always follow the member warnings: a
	// branch that holds no meetings at all is exactly what they are for.
	// ?meetings=0 leaves them out (?meetings=1, the default, is accepted).
	with := c.QueryParam("meetings")
	if with != "" && with != "0" && with != "1" {
		return badParam("meetings", "0 or 1")
	}
	if with != "0" {
		mw, err := h.store.MeetingWarnings(p, gid)
		if err != nil {
			return err
		}
		ws = append(ws, mw...)
	}
	return c.JSON(http.StatusOK, list(ws))
}

// handleListPeriods handles GET /periods: every period ever locked, with
// its state (locked, or unlocked awaiting the next revision), revision,
// lock time, snapshot SHA-256 and the reason of the last unlock.
func (h *Handler) handleListPeriods(c echo.Context) error {
	ls, err := h.store.PeriodLocks()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ls))
}

// handleLockPeriod handles POST /periods/:period/lock (hr, admin): 200 with
// the lock ({period, locked_at, revision, snapshot_sha256, …}); a period
// that has not ended → 409 period_open.
func (h *Handler) handleLockPeriod(c echo.Context) error {
	l, err := h.store.LockPeriod(c.Request().Context(), c.Param("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// unlockInput is the body of POST /periods/:period/unlock.
type unlockInput struct {
	Reason string `json:"reason"`
}

// handleUnlockPeriod handles POST /periods/:period/unlock (admin) with a
// required reason: 200 with the lock, now unlocked; the next lock freezes
// revision + 1. Not locked → 409 not_locked; no reason → 422.
func (h *Handler) handleUnlockPeriod(c echo.Context) error {
	var in unlockInput
	if err := decode(c, &in); err != nil {
		return err
	}
	l, err := h.store.UnlockPeriod(c.Request().Context(), c.Param("period"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
