package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// Robots and their outbox (docs/REMINDERS.md). Who may manage a group's
// robots — an admin, or a lead over the group — is checked by the store in
// the transaction that writes.

// handleCreateRobot handles POST /groups/:id/robots {kind, url, secret?,
// events?, signed?, format?, name?}: 201 with the robot, its secret never
// shown again and its address masked.
func (h *Handler) handleCreateRobot(c echo.Context) error {
	var in store.RobotInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.store.CreateRobot(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// handleListRobots handles GET /groups/:id/robots.
func (h *Handler) handleListRobots(c echo.Context) error {
	rs, err := h.store.GroupRobots(me(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(rs))
}

// handleGetRobot handles GET /robots/:id.
func (h *Handler) handleGetRobot(c echo.Context) error {
	r, err := h.store.Robot(me(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// handlePatchRobot handles PATCH /robots/:id: any of url, secret, events,
// signed, format, name, enabled. Messages still queued for the robot are
// retried at once.
func (h *Handler) handlePatchRobot(c echo.Context) error {
	var in store.RobotInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.store.UpdateRobot(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// handleDeleteRobot handles DELETE /robots/:id: 204; its queued messages
// fail with the reason.
func (h *Handler) handleDeleteRobot(c echo.Context) error {
	if err := h.store.DeleteRobot(c.Request().Context(), me(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleTestRobot handles POST /robots/:id/test: 202 with the queued
// message; the sender delivers it like any other, so the request never
// waits on the robot.
func (h *Handler) handleTestRobot(c echo.Context) error {
	m, err := h.store.TestRobot(c.Request().Context(), me(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, m)
}

// handleGetReminderSettings handles GET /groups/:id/reminders.
func (h *Handler) handleGetReminderSettings(c echo.Context) error {
	rs, err := h.store.ReminderSettings(me(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rs)
}

// handlePutReminderSettings handles PUT /groups/:id/reminders
// {name_absentees}.
func (h *Handler) handlePutReminderSettings(c echo.Context) error {
	var in store.ReminderSettingsInput
	if err := decode(c, &in); err != nil {
		return err
	}
	rs, err := h.store.SetReminderSettings(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rs)
}

// handleOutbox handles GET /outbox?state=&robot_id=: the newest 200
// messages (queued, sent or failed), newest first.
func (h *Handler) handleOutbox(c echo.Context) error {
	ms, err := h.store.Outbox(store.OutboxFilter{State: c.QueryParam("state"), RobotID: c.QueryParam("robot_id")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ms))
}
