package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handleCreateGroup handles POST /groups.
func (h *Handler) handleCreateGroup(c echo.Context) error {
	var in store.GroupInput
	if err := decode(c, &in); err != nil {
		return err
	}
	g, err := h.store.CreateGroup(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

// handleListGroups handles GET /groups.
func (h *Handler) handleListGroups(c echo.Context) error {
	gs, err := h.store.Groups()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(gs))
}

// handlePatchGroup handles PATCH /groups/:id (admin): {name?, position?}.
func (h *Handler) handlePatchGroup(c echo.Context) error {
	var p store.GroupPatch
	if err := decode(c, &p); err != nil {
		return err
	}
	g, err := h.store.UpdateGroup(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}
