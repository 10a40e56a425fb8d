package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

var statusOf = map[store.Kind]int{
	store.KindInternal:     http.StatusInternalServerError,
	store.KindMalformed:    http.StatusBadRequest,
	store.KindUnauthorized: http.StatusUnauthorized,
	store.KindForbidden:    http.StatusForbidden,
	store.KindNotFound:     http.StatusNotFound,
	store.KindConflict:     http.StatusConflict,
	store.KindTooLarge:     http.StatusRequestEntityTooLarge,
	store.KindInvalid:      http.StatusUnprocessableEntity,
	store.KindTooMany:      http.StatusTooManyRequests,
	store.KindUnavailable:  http.StatusServiceUnavailable,
	store.KindUnsupported:  http.StatusUnsupportedMediaType,
}

var codeOfStatus = map[int]string{
	http.StatusBadRequest:            "malformed",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "invalid",
	http.StatusTooManyRequests:       "too_many_requests",
	http.StatusServiceUnavailable:    "unavailable",
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// errorHandler answers every error as {"error": {code, message, fields}}.
// Internal errors are logged with their text and answered "internal error".
func (h *Handler) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := h.describe(err, c)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

func (h *Handler) describe(err error, c echo.Context) (int, errorBody) {
	var se *store.Error
	if errors.As(err, &se) {
		if se.Kind == store.KindInternal {
			h.log.Error("internal error", "path", c.Request().URL.Path, "err", err)
			return 500, errorBody{errorDetail{Code: "internal", Message: "internal error"}}
		}
		if se.Kind == store.KindUnavailable {
			h.log.Error("store unavailable", "path", c.Request().URL.Path, "err", err)
		}
		return statusOf[se.Kind], errorBody{errorDetail{Code: se.Code, Message: se.Message, Fields: se.Fields}}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code != http.StatusInternalServerError {
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && s != "" {
			msg = s
		}
		code := codeOfStatus[he.Code]
		if code == "" {
			code = "error"
		}
		return he.Code, errorBody{errorDetail{Code: code, Message: msg}}
	}
	h.log.Error("internal error", "path", c.Request().URL.Path, "err", err)
	return 500, errorBody{errorDetail{Code: "internal", Message: "internal error"}}
}
