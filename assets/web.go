// Package assets holds the files embedded in the studyroll binary.
package assets

import "embed"

// Web is the single-page web app: index.html, js/, css/, i18n/ under "web/".
//
//go:embed web
var Web embed.FS
