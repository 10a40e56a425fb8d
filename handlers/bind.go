package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// bodyLimit caps request bodies: 10 MiB for CSV and XLSX uploads, 10 MiB
// plus 64 KiB for multipart forms (one 10 MiB evidence file and its
// headers), 1 MiB otherwise.
// Reading past the cap yields *http.MaxBytesError, which decode turns into 413.
func bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		limit := int64(maxJSONBody)
		if isCSV(r) || isUpload(r) {
			limit = maxCSVBody
		}
		if isMultipart(r) {
			limit = maxMultipartBody
		}
		if r.ContentLength > limit {
			return store.Errorf(store.KindTooLarge, "too_large", "request body over %d bytes", limit)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		return next(c)
	}
}

// isUpload: an XLSX file sent as the body (question bank import).
func isUpload(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == store.ContentTypeXLSX
}

// isMultipart: a form with a file (evidence upload).
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

func isCSV(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "text/csv"
}

// readTableUpload reads an uploaded table (roster, question bank) whole:
// its bytes, media type (text/csv or XLSX) and the charset parameter a CSV
// may name. ok is false for any other media type. The whole body is read
// first, so one over the limit sent without a Content-Length is a 413, not
// a line the parser cannot read.
func readTableUpload(c echo.Context) (data []byte, mediaType, charset string, ok bool, err error) {
	mt, params, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	if mt != store.ContentTypeCSV && mt != store.ContentTypeXLSX {
		return nil, mt, "", false, nil
	}
	data, err = io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, mt, "", true, bodyError(err)
	}
	return data, mt, params["charset"], true, nil
}

// decode reads a JSON body into v (unknown fields are refused, so a typo in
// a field name is not silently ignored) and then runs v.Validate when v has
// one.
func decode(c echo.Context, v any) error {
	r := c.Request()
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" {
			return store.Errorf(store.KindMalformed, "malformed", "send the body as application/json")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			if be := bodyError(err); store.IsKind(be, store.KindTooLarge) {
				return be
			}
		}
		return store.Errorf(store.KindMalformed, "malformed", "the body must hold one JSON value")
	}
	if val, ok := v.(interface{ Validate() error }); ok {
		return val.Validate()
	}
	return nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return store.Errorf(store.KindTooLarge, "too_large", "request body over %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return store.Errorf(store.KindMalformed, "malformed", "empty body: send a JSON object")
	case errors.As(err, &se):
		return store.Errorf(store.KindMalformed, "malformed", "malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		e := store.Errorf(store.KindMalformed, "malformed", "field %q: want a %s", te.Field, te.Type)
		e.Fields = map[string]string{te.Field: "want a " + te.Type.String()}
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := store.Errorf(store.KindMalformed, "malformed", "unknown field %q", f)
		e.Fields = map[string]string{f: "unknown field"}
		return e
	}
	return store.Errorf(store.KindMalformed, "malformed", "malformed JSON: %s", err)
}

// list wraps items as {"items": [...]}, never null.
func list[T any](items []T) map[string]any {
	if items == nil {
		items = []T{}
	}
	return map[string]any{"items": items}
}

func badParam(name, reason string) error {
	return store.Invalid(map[string]string{name: reason})
}
