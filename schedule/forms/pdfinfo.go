package forms

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// fontFamily is the name the embedded font is registered under; gofpdf
// writes it as the PDF font name "utf8" + fontFamily, which finishPDF
// replaces by a proper subset name.
const fontFamily = "cjk"

// pdfFontName is the PostScript name printed for the font subset.
const pdfFontName = "WenQuanYiMicroHei"

// finishPDF completes what gofpdf v1.16.2 leaves out of a document: the
// creation and modification dates get their zone (D:20231001020000+08'00'),
// and the embedded font subset gets the 6-letter tag PDF readers expect
// (ABCDEF+WenQuanYiMicroHei, ISO 32000 9.6.4). The edits change lengths,
// so the cross-reference table and startxref are rewritten to match.
func finishPDF(pdf []byte, at time.Time) ([]byte, error) {
	type edit struct {
		at      int
		old     int // bytes replaced
		replace []byte
	}
	var edits []edit
	// the trailer and xref are after every object: only search before them
	xrefPos := bytes.LastIndex(pdf, []byte("\nxref\n"))
	if xrefPos < 0 {
		return nil, fmt.Errorf("forms: PDF without a cross-reference table")
	}
	zone := at.Format("-0700")
	zoneStr := zone[:3] + "'" + zone[3:] + "'"
	for _, key := range []string{"/CreationDate (D:", "/ModDate (D:"} {
		i := bytes.Index(pdf[:xrefPos], []byte(key))
		if i < 0 {
			continue
		}
		end := i + len(key) + 14 // YYYYMMDDHHmmSS
		if end < len(pdf) && pdf[end] == ')' {
			edits = append(edits, edit{at: end, old: 0, replace: []byte(zoneStr)})
		}
	}
	// the subset tag: from the font program actually embedded
	sum := sha256.Sum256(pdf)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := []byte("/" + string(tag) + "+" + pdfFontName)
	old := []byte("/utf8" + fontFamily)
	for off := 0; ; {
		i := bytes.Index(pdf[off:xrefPos], old)
		if i < 0 {
			break
		}
		i += off
		after := i + len(old)
		if after < len(pdf) && isDelim(pdf[after]) {
			edits = append(edits, edit{at: i, old: len(old), replace: name})
		}
		off = after
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	shift := func(pos int) int {
		d := 0
		for _, e := range edits {
			if e.at < pos {
				d += len(e.replace) - e.old
			}
		}
		return pos + d
	}
	var out bytes.Buffer
	out.Grow(len(pdf) + 256)
	last := 0
	for _, e := range edits {
		out.Write(pdf[last:e.at])
		out.Write(e.replace)
		last = e.at + e.old
	}
	out.Write(pdf[last:])
	res := out.Bytes()
	// rewrite the offsets of the xref table and startxref
	newXref := shift(xrefPos)
	tail := res[newXref:]
	entry := regexp.MustCompile(`(?m)^(\d{10}) 00000 n `)
	tail = entry.ReplaceAllFunc(tail, func(m []byte) []byte {
		n, _ := strconv.Atoi(string(m[:10]))
		return []byte(fmt.Sprintf("%010d 00000 n ", shift(n)))
	})
	sx := regexp.MustCompile(`startxref\n(\d+)\n`)
	tail = sx.ReplaceAllFunc(tail, func(m []byte) []byte {
		return []byte(fmt.Sprintf("startxref\n%d\n", newXref+1))
	})
	return append(res[:newXref:newXref], tail...), nil
}

func isDelim(b byte) bool {
	return b == '\n' || b == '\r' || b == ' ' || b == '/' || b == '>' || b == '['
}
