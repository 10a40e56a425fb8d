package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handleGetRotation handles GET /groups/:id/rotation: the group's rotation
// order, the leads of its next sessions and the substitutes proposed for
// upcoming sessions whose lead is away. Leads see the groups of their
// subtree; hr and admins every group.
func (h *Handler) handleGetRotation(c echo.Context) error {
	g := c.Param("id")
	if _, err := h.store.Group(g); err != nil {
		return err
	}
	if caller := me(c); caller.Role == store.RoleLead {
		if err := h.leadsGroup(caller, g); err != nil {
			return err
		}
	}
	r, err := h.store.Rotation(g)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// handlePutRotation handles PUT /groups/:id/rotation {order}: a lead over
// the group or an admin sets the order; it must list every current direct
// member of the group once (else 422 naming the ids).
func (h *Handler) handlePutRotation(c echo.Context) error {
	g := c.Param("id")
	var in store.RotationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.store.SetRotation(c.Request().Context(), g, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
