package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// ipExtractor says where a request comes from: the connection's address,
// unless that address is one of the trusted reverse proxies, whose
// X-Forwarded-For is then read from the right up to the first address that
// is not a trusted proxy. Nothing else (private ranges, loopback) is
// trusted by default.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// fromTrustedProxy reports whether the connection comes from a trusted
// reverse proxy.
func (h *Handler) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range h.cfg.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// overHTTPS reports whether the client reached us over HTTPS: the
// connection is TLS, or a trusted proxy says so in X-Forwarded-Proto.
func (h *Handler) overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return h.fromTrustedProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get(echo.HeaderXForwardedProto)), "https")
}

// secureCookies reports whether cookies set on this request's answer get
// the Secure flag: an https base URL, a TLS connection or a trusted proxy
// that says https.
func (h *Handler) secureCookies(r *http.Request) bool {
	return h.cfg.SecureCookies || h.overHTTPS(r)
}

// scheme is the scheme the client used, believing X-Forwarded-Proto only
// from a trusted proxy.
func (h *Handler) scheme(r *http.Request) string {
	if h.overHTTPS(r) {
		return "https"
	}
	return "http"
}

// clientAddr is the caller's address as a limiting key: an IPv4 address,
// or the /64 an IPv6 address is in (one host usually holds a whole /64).
func clientAddr(c echo.Context) string {
	a, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return c.RealIP()
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}
