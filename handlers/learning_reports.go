package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handleWriteReport handles POST /learning-reports {period, text}: the
// caller's own report (述学) for the period. The first post creates it
// (201); later posts replace the text (200) until a lead has evaluated it
// (409 already_evaluated).
func (h *Handler) handleWriteReport(c echo.Context) error {
	var in store.ReportInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, created, err := h.store.WriteReport(c.Request().Context(), me(c), in)
	if err != nil {
		return err
	}
	if created {
		return c.JSON(http.StatusCreated, r)
	}
	return c.JSON(http.StatusOK, r)
}

// handleListReports handles GET /learning-reports?period=&group_id=: a
// member sees their own reports, a lead those of their subtree, hr and
// admins all. For leads, hr and admins each item carries similar_to: other
// members' reports of the same period that are near copies of it.
func (h *Handler) handleListReports(c echo.Context) error {
	items, err := h.store.Reports(me(c), store.ReportFilter{Period: c.QueryParam("period"), GroupID: c.QueryParam("group_id")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(items))
}

// handleEvaluateReport handles PUT /learning-reports/:id/evaluation {grade,
// comment?} (评学): a lead over the author's group or an admin; nobody
// grades their own report.
func (h *Handler) handleEvaluateReport(c echo.Context) error {
	var in store.EvaluationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := h.store.EvaluateReport(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
