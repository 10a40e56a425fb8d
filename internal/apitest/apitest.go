// Package apitest checks HTTP exchanges with the API against its OpenAPI
// document (assets/openapi.json) with kin-openapi's openapi3filter. Only
// tests import it: the handler tests through their test server, the
// end-to-end tests through an http.RoundTripper.
//
// The rules of a check (see Spec.Check):
//   - a request the document accepts must get an answer the document
//     describes: a documented status with a body of the documented shape;
//   - a request the document refuses (a missing field, an unknown one, a bad
//     enum value, no login …) must get a 4xx error envelope: a server that
//     accepts what its document forbids is a mismatch too;
//   - a request to a path or method the document does not know must get a
//     404 or 405 error envelope.
package apitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"studyroll/assets"
)

// Prefix is where the API lives; the document's server URL.
const Prefix = "/api/v1"

// Spec is the parsed document with its router.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
}

var (
	once    sync.Once
	loaded  *Spec
	loadErr error
)

// Load parses and validates assets/openapi.json once per process.
func Load() (*Spec, error) {
	once.Do(func() {
		for _, ct := range []string{"application/pdf", "image/png", "application/zip",
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
		loaded, loadErr = parse(assets.OpenAPI)
	})
	return loaded, loadErr
}

func parse(data []byte) (*Spec, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("assets/openapi.json: %w", err)
	}
	if err := doc.Validate(l.Context); err != nil {
		return nil, fmt.Errorf("assets/openapi.json is not a valid OpenAPI document: %w", err)
	}
	// Route on the path below Prefix: a copy without servers.
	bare := *doc
	bare.Servers = nil
	r, err := gorillamux.NewRouter(&bare)
	if err != nil {
		return nil, fmt.Errorf("assets/openapi.json: %w", err)
	}
	return &Spec{Doc: doc, router: r}, nil
}

// Exchange is one request and its answer.
type Exchange struct {
	Request     *http.Request // its Body is not read: the body is ReqBody
	ReqBody     []byte
	Status      int
	Header      http.Header
	Body        []byte
	ContentType string // of the answer; Header's when empty
}

// Check validates an exchange under Prefix against the document (rules in
// the package comment). Paths outside Prefix are not checked. lenient skips
// the rule that a refused request must get a 4xx (for fuzz tests, whose
// random bodies may break a documented length the server counts after
// trimming).
func (s *Spec) Check(x Exchange, lenient bool) error {
	r := x.Request
	if !strings.HasPrefix(r.URL.Path, Prefix+"/") {
		return nil
	}
	body := x.Body
	if x.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s %s: answer says gzip but is not: %v", r.Method, r.URL.Path, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s %s: gzip answer: %v", r.Method, r.URL.Path, err)
		}
	}
	what := fmt.Sprintf("%s %s → %d", r.Method, r.URL.RequestURI(), x.Status)

	// The request as the document sees it: the path below Prefix.
	req := r.Clone(context.Background())
	u := *r.URL
	u.Path = strings.TrimPrefix(r.URL.Path, Prefix)
	u.RawPath = ""
	req.URL = &u
	req.RequestURI = ""
	req.Body = io.NopCloser(bytes.NewReader(x.ReqBody))
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if x.Status == http.StatusNotFound || x.Status == http.StatusMethodNotAllowed {
			return checkEnvelope(what, body)
		}
		return fmt.Errorf("%s: the path or method is not in assets/openapi.json (%v): add it", what, err)
	}
	reqOpts := &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true}
	reqOpts.WithCustomSchemaErrorFunc(schemaError)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: reqOpts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil {
		// A request the document refuses must be refused by the server.
		if x.Status >= 400 && x.Status < 500 {
			return checkEnvelope(what, body)
		}
		if !lenient && x.Status < 500 {
			return fmt.Errorf("%s: the server accepted a request that assets/openapi.json refuses: %v\nrequest body: %s", what, reqErr, clip(x.ReqBody))
		}
	}
	ct := x.ContentType
	if ct == "" {
		ct = x.Header.Get("Content-Type")
	}
	h := x.Header.Clone()
	h.Set("Content-Type", ct)
	h.Del("Content-Encoding")
	respOpts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	respOpts.WithCustomSchemaErrorFunc(schemaError)
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: x.Status, Header: h,
		Body: io.NopCloser(bytes.NewReader(body)), Options: respOpts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s: the answer does not match assets/openapi.json (%s %s): %v\nanswer: %s", what, strings.ToLower(route.Method), route.Path, err, clip(body))
	}
	return nil
}

// schemaError says what is wrong where, without the schema's full text.
func schemaError(err *openapi3.SchemaError) string {
	at := "/" + strings.Join(err.JSONPointer(), "/")
	return fmt.Sprintf("%s: %s", at, err.Reason)
}

// checkEnvelope checks that an error answer is the JSON error envelope.
func checkEnvelope(what string, body []byte) error {
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		return fmt.Errorf("%s: an error answer that is not {\"error\": {code, message}}: %s", what, clip(body))
	}
	return nil
}

// authenticate checks that a request carries what a security scheme asks
// for; whether the token is good is the server's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case "bearerAuth":
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case "sessionCookie":
		if r.Header.Get("Authorization") == "" {
			if c, err := r.Cookie("studyroll_session"); err == nil && c.Value != "" {
				return nil
			}
		}
	case "csrfHeader":
		if r.Header.Get("X-CSRF-Token") != "" {
			return nil
		}
	default:
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	return errors.New("missing")
}

func clip(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	if !json.Valid(b) && len(b) > 0 {
		return fmt.Sprintf("(%d bytes, not JSON)", len(b))
	}
	return string(b)
}

// Transport wraps an http.RoundTripper (nil: http.DefaultTransport): every
// exchange under Prefix is checked; a mismatch is returned as the request's
// error and also kept for Failures, so a caller that ignores errors cannot
// hide it.
func Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{next: next}
}

type transport struct{ next http.RoundTripper }

var (
	failMu   sync.Mutex
	failures []string
)

// Failures returns the mismatches found by Transport so far.
func Failures() []string {
	failMu.Lock()
	defer failMu.Unlock()
	return append([]string(nil), failures...)
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.Path, Prefix+"/") {
		return t.next.RoundTrip(r)
	}
	spec, err := Load()
	if err != nil {
		return nil, err
	}
	var reqBody []byte
	if r.Body != nil {
		if reqBody, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // a cut connection is the test's business
	}
	if err := spec.Check(Exchange{Request: r, ReqBody: reqBody, Status: resp.StatusCode, Header: resp.Header, Body: body}, false); err != nil {
		failMu.Lock()
		failures = append(failures, err.Error())
		failMu.Unlock()
		return nil, &url.Error{Op: r.Method, URL: r.URL.String(), Err: err}
	}
	return resp, nil
}
