package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"studyroll/assets"
)

// pageCSP is the Content-Security-Policy of every page: no inline scripts or
// styles, nothing from other origins.
const pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"

// staticTypes maps the extensions served under /static/ to their content type.
var staticTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

type staticFile struct {
	body  []byte
	ctype string
	etag  string
}

func setPageSecurity(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// RegisterPages serves the single-page app embedded in assets.Web:
// GET /, /app/* and /checkin/:session_id answer the shell index.html (the
// client routes by path), and GET /static/* answers the files of assets/web.
func RegisterPages(e *echo.Echo) {
	web, err := fs.Sub(assets.Web, "web")
	if err != nil {
		panic(err)
	}
	files := map[string]staticFile{}
	err = fs.WalkDir(web, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ctype, ok := staticTypes[strings.ToLower(path.Ext(p))]
		if !ok {
			return nil // README.md and the like are not served
		}
		b, err := fs.ReadFile(web, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[p] = staticFile{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	index, ok := files["index.html"]
	if !ok {
		panic("assets: web/index.html missing")
	}

	shell := func(c echo.Context) error {
		h := c.Response().Header()
		setPageSecurity(h)
		h.Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, index.ctype, index.body)
	}
	e.GET("/", shell)
	e.GET("/app", shell)
	e.GET("/app/*", shell)
	e.GET("/checkin/:session_id", shell)

	e.GET("/static/*", func(c echo.Context) error {
		name := path.Clean("/" + c.Param("*"))[1:]
		f, ok := files[name]
		h := c.Response().Header()
		setPageSecurity(h)
		if !ok {
			return c.JSON(http.StatusNotFound, map[string]any{
				"error": map[string]any{"code": "not_found", "message": "no such file"},
			})
		}
		// No build step, so no hashed file names: let browsers keep files but
		// revalidate them; the ETag makes that a 304.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.etag) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, f.ctype, f.body)
	})
}
