package main

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"studyroll/internal/apitest"
)

// TestMain checks every exchange the end-to-end tests make with a running
// server through http.DefaultTransport (http.Get, http.DefaultClient and any
// client without a Transport of its own) against assets/openapi.json. A
// mismatch fails the request that met it and, should a test have ignored
// that error, the whole run.
func TestMain(m *testing.M) {
	if _, err := apitest.Load(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	http.DefaultTransport = apitest.Transport(http.DefaultTransport)
	code := m.Run()
	if f := apitest.Failures(); len(f) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d exchange(s) did not match assets/openapi.json:\n", len(f))
		for _, s := range f {
			fmt.Fprintln(os.Stderr, "  "+s)
		}
		code = 1
	}
	os.Exit(code)
}
