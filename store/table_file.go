package store

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Content types of a question bank upload.
const (
	ContentTypeCSV  = "text/csv"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// ReadTable reads the rows of an uploaded table — a roster or a question
// bank: CSV in UTF-8 (with or without the BOM Excel writes) or GB18030,
// which covers GBK and GB2312 (Excel's "CSV" on Chinese Windows; detected
// when the bytes are not UTF-8, or named by charset), or the first sheet of
// an XLSX workbook. Row i is the file's line i+1 (a blank line is an empty
// row), so errors can name lines as the user sees them.
func ReadTable(data []byte, contentType, charset string) ([][]string, error) {
	switch contentType {
	case ContentTypeXLSX:
		return xlsxRows(data)
	case ContentTypeCSV, "":
		return csvRows(data, charset)
	}
	return nil, Errorf(KindMalformed, "malformed", "send text/csv or %s", ContentTypeXLSX)
}

// csvRows decodes a CSV file: a UTF-8 BOM is dropped; text that is not
// UTF-8 (or named gbk/gb2312/gb18030) is read as GB18030, which covers GBK.
func csvRows(data []byte, charset string) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cs := strings.ToLower(charset)
	if cs == "gbk" || cs == "gb2312" || cs == "gb18030" || !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, Errorf(KindMalformed, "malformed", "the file is neither UTF-8 nor GBK text")
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, Invalid(map[string]string{lineKey(pe.Line): "not readable as CSV: " + pe.Err.Error()})
			}
			return nil, Errorf(KindMalformed, "malformed", "not readable as CSV")
		}
		// csv.Reader skips empty lines; keep line numbers true to the file.
		line, _ := r.FieldPos(0)
		for len(rows) < line-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// xlsxRows reads the first sheet of an XLSX workbook.
func xlsxRows(data []byte) (rows [][]string, err error) {
	defer func() {
		if r := recover(); r != nil { // a hostile file must not take the server down
			rows, err = nil, Errorf(KindMalformed, "malformed", "not a readable XLSX workbook")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, Errorf(KindMalformed, "malformed", "not a readable XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil
	}
	rows, err = f.GetRows(sheets[0])
	if err != nil {
		return nil, Errorf(KindMalformed, "malformed", "not a readable XLSX workbook")
	}
	return rows, nil
}
