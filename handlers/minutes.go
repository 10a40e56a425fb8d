package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// The minutes of a session: reading turn, shares and questions. The caller
// must lead over the session's group (or be an admin); the store checks it
// inside the write's transaction, with the members named.

// handleRecordReading handles POST /sessions/:id/reading {lead_id, material,
// notes?}: 201 with the turn; a session has one turn, and posting again
// replaces it (200).
func (h *Handler) handleRecordReading(c echo.Context) error {
	var in store.ReadingInput
	if err := decode(c, &in); err != nil {
		return err
	}
	turn, replaced, err := h.store.RecordReading(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	if replaced {
		return c.JSON(http.StatusOK, turn)
	}
	return c.JSON(http.StatusCreated, turn)
}

// handleRecordShare handles POST /sessions/:id/shares {member_id, summary}.
func (h *Handler) handleRecordShare(c echo.Context) error {
	var in store.ShareInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sh, err := h.store.RecordShare(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sh)
}

// handleRecordQuestion handles POST /sessions/:id/questions {asker_id,
// answerer_id, question, rating}.
func (h *Handler) handleRecordQuestion(c echo.Context) error {
	var in store.QuestionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := h.store.RecordQuestion(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, q)
}
