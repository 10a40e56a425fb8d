package handlers

import (
	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// notYet answers routes whose feature has not landed yet.
func notYet(c echo.Context) error {
	return store.Errorf(store.KindNotFound, "not_implemented", "%s %s is not implemented yet", c.Request().Method, c.Path())
}

// Each feature's file replaces its stubs below.
