package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// checkinRequest is the body of POST /sessions/:id/checkin. There is no
// member id: a caller only ever checks themselves in.
type checkinRequest struct {
	Code string `json:"code"`
}

// checkinAnswer is the answer of a check-in: the caller's record.
type checkinAnswer struct {
	SessionID   string       `json:"session_id"`
	MemberID    string       `json:"member_id"`
	Status      store.Status `json:"status"`
	CheckedInAt *time.Time   `json:"checked_in_at"`
	Source      string       `json:"source"`
}

// handleCheckin handles POST /sessions/:id/checkin: 201 with the new
// record, or 200 with the record the caller already had.
func (h *Handler) handleCheckin(c echo.Context) error {
	var req checkinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	rec, created, err := h.store.Checkin(c.Request().Context(), c.Param("id"), me(c).ID, req.Code)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, checkinAnswer{SessionID: rec.SessionID, MemberID: rec.MemberID, Status: rec.Status,
		CheckedInAt: rec.CheckedInAt, Source: rec.Source})
}

// handleSetAttendance handles PUT /sessions/:id/attendance/:member_id: a
// lead of the session's group or above, or an admin, sets any status.
func (h *Handler) handleSetAttendance(c echo.Context) error {
	var in store.AttendanceInput
	if err := decode(c, &in); err != nil {
		return err
	}
	rec, err := h.store.SetAttendance(c.Request().Context(), c.Param("id"), c.Param("member_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

// handleClearAttendance handles DELETE /sessions/:id/attendance/:member_id:
// a lead over the session's group (or an admin) takes the member's record
// away, back to no record (未签到). 204, also when there was none.
func (h *Handler) handleClearAttendance(c echo.Context) error {
	if err := h.store.ClearAttendance(c.Request().Context(), c.Param("id"), c.Param("member_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// sheetRequest is the body of PUT /sessions/:id/attendance: a paper
// sign-in sheet entered after the fact.
type sheetRequest struct {
	Entries []store.SheetEntry `json:"entries"`
}

// Validate checks the body's shape; the store checks each entry.
func (r *sheetRequest) Validate() error {
	switch {
	case len(r.Entries) == 0:
		return store.Invalid(map[string]string{"entries": "required: one entry per member on the sheet"})
	case len(r.Entries) > 20000:
		return store.Invalid(map[string]string{"entries": "at most 20000 entries"})
	}
	return nil
}

// handleRecordSheet handles PUT /sessions/:id/attendance: a lead of the
// session's group or above, or an admin, enters a whole paper sign-in sheet
// in one transaction; any bad entry rejects the sheet, naming each.
func (h *Handler) handleRecordSheet(c echo.Context) error {
	var req sheetRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	recs, err := h.store.RecordSheet(c.Request().Context(), c.Param("id"), req.Entries)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(recs))
}

// handleMakeup handles POST /sessions/:id/attendance/:member_id/makeup.
func (h *Handler) handleMakeup(c echo.Context) error {
	var in store.MakeupInput
	if err := decode(c, &in); err != nil {
		return err
	}
	rec, err := h.store.RecordMakeup(c.Request().Context(), c.Param("id"), c.Param("member_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

// handleRequestLeave handles POST /sessions/:id/leave: the caller asks for
// leave for themselves.
func (h *Handler) handleRequestLeave(c echo.Context) error {
	var in store.LeaveInput
	if err := decode(c, &in); err != nil {
		return err
	}
	req, err := h.store.RequestLeave(c.Request().Context(), c.Param("id"), me(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, req)
}

// handleDecideLeave handles PUT /sessions/:id/leave/:member_id.
func (h *Handler) handleDecideLeave(c echo.Context) error {
	var in store.LeaveDecision
	if err := decode(c, &in); err != nil {
		return err
	}
	req, err := h.store.DecideLeave(c.Request().Context(), c.Param("id"), c.Param("member_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, req)
}
