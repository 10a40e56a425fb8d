package handlers

import (
	"path"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// compress gzips answers of at least 1 KiB for clients that accept it: JSON
// (the organisation-wide rates answer shrinks from ~92 KB to ~6 KB), the web
// app's scripts and styles. Files that are already compressed (PDF, PNG,
// XLSX, ZIP), the store backup and report files (served with range support)
// are sent as they are.
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: 1024,
		Skipper:   skipCompression,
	})
}

func skipCompression(c echo.Context) bool {
	p := c.Request().URL.Path
	switch path.Ext(p) {
	case ".pdf", ".png", ".xlsx", ".zip", ".db", ".jpg", ".jpeg":
		return true
	}
	return p == "/api/v1/backup" || strings.HasPrefix(p, "/api/v1/reports/")
}
