package assets

import _ "embed" // for go:embed

// fontWQYMicroHei is WenQuanYi Micro Hei (文泉驿微米黑), a TrueType font that
// covers Latin, digits, punctuation and simplified and traditional Chinese.
// License: Apache-2.0 (or GPL-3+ with font exception), see
// fonts/wqy-microhei.COPYRIGHT.
//
//go:embed fonts/wqy-microhei.ttf
var fontWQYMicroHei []byte

// Font returns the bytes of the embedded CJK TrueType font used by every PDF.
//
// It returns a fresh copy on every call: gofpdf v1.16.2 writes into the font
// bytes it is given while checksumming tables, so two documents built
// concurrently must never share one slice.
func Font() []byte {
	b := make([]byte, len(fontWQYMicroHei))
	copy(b, fontWQYMicroHei)
	return b
}
