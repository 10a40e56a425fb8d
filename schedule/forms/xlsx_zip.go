package forms

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ratioMark brackets a ratio written by ratioCell until canonicalZip turns
// it into a number. It is a private-use character, and xlsxText drops it
// from user text, so no name or note can imitate a ratio.
const ratioMark = '\uE000'

// ratioCell is a numeric cell holding v at full precision: the shortest
// decimal that reads back as exactly the float64 GET /rates answers
// (2/3 → 0.6666666666666666). The style's number format shows it rounded
// (0.0%). The workbook library writes at most 15 significant digits of
// a number (2/3 → 0.666666666666666), so the cell leaves the sheet writer
// as marked text, and canonicalZip writes the number itself.
func ratioCell(v float64, style int) excelize.Cell {
	m := string(ratioMark)
	return excelize.Cell{StyleID: style, Value: m + strconv.FormatFloat(v, 'f', -1, 64) + m}
}

// The marked text as the sheet writer puts it in a cell's XML, and the
// number that replaces it.
var (
	ratioOpen  = []byte(` t="inlineStr"><is><t>` + string(ratioMark))
	ratioClose = []byte(string(ratioMark) + `</t></is>`)
)

// unmarkRatios turns every ratioCell in a worksheet's XML into a number:
// <c r="D5" s="3" t="inlineStr"><is><t>\uE0000.6…\uE000</t></is></c>
// becomes <c r="D5" s="3"><v>0.6…</v></c>.
func unmarkRatios(xml []byte) []byte {
	if !bytes.Contains(xml, ratioOpen) {
		return xml
	}
	out := make([]byte, 0, len(xml))
	for {
		i := bytes.Index(xml, ratioOpen)
		if i < 0 {
			return append(out, xml...)
		}
		rest := xml[i+len(ratioOpen):]
		j := bytes.Index(rest, ratioClose)
		if j < 0 {
			return append(out, xml...)
		}
		out = append(out, xml[:i]...)
		out = append(out, "><v>"...)
		out = append(out, rest[:j]...)
		out = append(out, "</v>"...)
		xml = rest[j+len(ratioClose):]
	}
}

// canonicalZip copies a zip archive with its entries in name order, the
// worksheets' ratios unmarked (see ratioCell). The workbook library writes
// its parts in map order, so the same workbook would otherwise come out as
// different bytes from run to run; a frozen period's files must be the
// same byte for byte.
func canonicalZip(data []byte, w io.Writer) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	zw := zip.NewWriter(w)
	for _, f := range files {
		if strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml") {
			if done, err := copyUnmarked(zw, f); err != nil || done {
				if err != nil {
					return err
				}
				continue
			}
		}
		raw, err := f.OpenRaw()
		if err != nil {
			return err
		}
		h := f.FileHeader
		out, err := zw.CreateRaw(&h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, raw); err != nil {
			return err
		}
	}
	return zw.Close()
}

// copyUnmarked writes a worksheet holding marked ratios with them
// unmarked; done is false (and nothing written) for a sheet without any.
// The sheet is read twice as a stream, a row at a time (a mark never
// spans rows), so a sheet of 100,000 members is never held whole.
func copyUnmarked(zw *zip.Writer, f *zip.File) (done bool, err error) {
	marked := false
	if err := eachRow(f, func(row []byte) error {
		marked = marked || bytes.Contains(row, ratioOpen)
		return nil
	}); err != nil || !marked {
		return false, err
	}
	h := f.FileHeader
	h.CRC32, h.CompressedSize64, h.UncompressedSize64 = 0, 0, 0
	out, err := zw.CreateHeader(&h)
	if err != nil {
		return false, err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if err := eachRow(f, func(row []byte) error {
		_, err := bw.Write(unmarkRatios(row))
		return err
	}); err != nil {
		return false, err
	}
	return true, bw.Flush()
}

// rowEnd closes a worksheet row.
var rowEnd = []byte("</row>")

// eachRow calls fn with the worksheet's XML cut after every </row> (the
// first piece carries the sheet's head, the last its tail); the pieces
// joined are the whole part.
func eachRow(f *zip.File, fn func([]byte) error) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20) // a row of long notes fits
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.Index(data, rowEnd); i >= 0 {
			return i + len(rowEnd), data[:i+len(rowEnd)], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}
