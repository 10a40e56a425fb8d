package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handlePrivacyNotice handles GET /me/privacy-notice: the notice in force,
// its version and when the caller accepted it (null: not yet; the app
// shows it then).
func (h *Handler) handlePrivacyNotice(c echo.Context) error {
	n, err := h.store.PrivacyNoticeFor(me(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

// handleAcceptPrivacyNotice handles POST /me/privacy-notice: the caller
// accepts the notice of the version they were shown (409 privacy_version
// when it has changed since); audited.
func (h *Handler) handleAcceptPrivacyNotice(c echo.Context) error {
	var in store.PrivacyAcceptInput
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := h.store.AcceptPrivacyNotice(c.Request().Context(), me(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}
