package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// Jobs starts background report jobs; schedule implements it.
type Jobs interface {
	StartReports(ctx context.Context, period store.Period, groupID string) (jobID string, err error)
}

// notYet answers routes whose feature has not landed yet.
func notYet(c echo.Context) error {
	return store.Errorf(store.KindNotFound, "not_implemented", "%s %s is not implemented yet", c.Request().Method, c.Path())
}

// Each feature's file replaces its stubs below.

func (h *Handler) handleSigninSheet(c echo.Context) error      { return notYet(c) }
func (h *Handler) handleStartReports(c echo.Context) error     { return notYet(c) }
func (h *Handler) handleListReportFiles(c echo.Context) error  { return notYet(c) }
func (h *Handler) handleMemberReportFile(c echo.Context) error { return notYet(c) }
func (h *Handler) handleGroupReportFile(c echo.Context) error  { return notYet(c) }
func (h *Handler) handleListJobs(c echo.Context) error         { return notYet(c) }
func (h *Handler) handleGetJob(c echo.Context) error           { return notYet(c) }
