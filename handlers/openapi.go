package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/assets"
)

// handleOpenAPI handles GET /openapi.json (public): the OpenAPI document of
// the API, embedded from assets/openapi.json. It holds no data.
func (h *Handler) handleOpenAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, assets.OpenAPI)
}
