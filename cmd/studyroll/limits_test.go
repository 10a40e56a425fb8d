package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// startLimited serves on a fresh store with the given server limits.
func startLimited(t *testing.T, l ServerLimits) *Main {
	t.Helper()
	m := &Main{Addr: "127.0.0.1:0", Data: t.TempDir(), Limits: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

// TestSlowBodyClosed: a client that sends its headers and then trickles
// (or stops sending) the body is cut off within the read timeout.
func TestSlowBodyClosed(t *testing.T) {
	const readTimeout = time.Second
	m := startLimited(t, ServerLimits{ReadTimeout: readTimeout})
	conn, err := net.Dial("tcp", m.listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"username\":")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, conn) // returns when the server closes
	took := time.Since(start)
	t.Logf("slow-body connection closed after %v (read timeout %v)", took, readTimeout)
	if err != nil {
		t.Fatalf("the server kept the slow-body connection open: %v after %v", err, took)
	}
	if took > readTimeout+time.Second {
		t.Errorf("closed after %v, want within the read timeout %v (+1 s slack)", took, readTimeout)
	}
}

// TestDefaultServerLimits: serve sets read, write and idle timeouts and a
// connection cap.
func TestDefaultServerLimits(t *testing.T) {
	m := startLimited(t, ServerLimits{})
	s := m.server
	if s.ReadTimeout != 60*time.Second || s.WriteTimeout < 5*time.Minute || s.IdleTimeout == 0 || s.ReadHeaderTimeout == 0 {
		t.Errorf("timeouts read %v, header %v, write %v, idle %v", s.ReadTimeout, s.ReadHeaderTimeout, s.WriteTimeout, s.IdleTimeout)
	}
	if m.Limits.MaxConns < 1000 {
		t.Errorf("connection cap %d is below a check-in burst", m.Limits.MaxConns)
	}
}

// TestConnectionCap: past the cap, a new connection is not served until
// another closes.
func TestConnectionCap(t *testing.T) {
	m := startLimited(t, ServerLimits{MaxConns: 2})
	addr := m.listener.Addr().String()
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get(m.URL() + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("a third connection was served while two were open with a cap of 2")
	}
	held[0].Close()
	client.Timeout = 5 * time.Second
	resp, err := client.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatalf("after one closed: %v", err)
	}
	resp.Body.Close()
	held[1].Close()
}

// TestParseProxy: --trusted-proxy takes a CIDR or one address.
func TestParseProxy(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.0/8": "10.0.0.0/8", "192.0.2.7": "192.0.2.7/32", "2001:db8::1": "2001:db8::1/128", "fd00::/8": "fd00::/8"} {
		n, err := parseProxy(in)
		if err != nil || n.String() != want {
			t.Errorf("%s: %v %v, want %s", in, n, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "proxy.example"} {
		if _, err := parseProxy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
