package store

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xlsxOf(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRosterEncodings: one roster as Excel writes it on Chinese Windows
// (GBK, no BOM), as "CSV UTF-8" (BOM), as plain UTF-8, with the charset
// named, and as XLSX with the optional position column, each imports the
// same names — none garbled — and a bad line is named by its line number
// in every form.
func TestRosterEncodings(t *testing.T) {
	const roster = "name,username,group,role,joined_on,title,position,password\n" +
		"张伟,zhangwei,第一党支部,member,2023-01-01,科员,2,password1\n" +
		"李娜,lina,第一党支部,lead,2023-01-01,处长,1,password1\n"
	cases := []struct {
		name, ct, charset string
		data              func(t *testing.T) []byte
	}{
		{"gbk detected", ContentTypeCSV, "", func(t *testing.T) []byte { return gbk(t, roster) }},
		{"gbk named", ContentTypeCSV, "GBK", func(t *testing.T) []byte { return gbk(t, roster) }},
		{"utf-8 with BOM", ContentTypeCSV, "", func(t *testing.T) []byte { return []byte("\ufeff" + roster) }},
		{"utf-8", ContentTypeCSV, "utf-8", func(t *testing.T) []byte { return []byte(roster) }},
		{"xlsx", ContentTypeXLSX, "", func(t *testing.T) []byte {
			return xlsxOf(t, [][]any{
				{"name", "username", "group", "role", "joined_on", "title", "position", "password"},
				{"张伟", "zhangwei", "第一党支部", "member", "2023-01-01", "科员", 2, "password1"},
				{"李娜", "lina", "第一党支部", "lead", "2023-01-01", "处长", 1, "password1"},
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := mustOpen(t)
			root := mustGroup(t, s, "机关党委", "")
			mustGroup(t, s, "第一党支部", root)
			res, err := s.ImportRosterFile(admin, c.data(t), c.ct, c.charset)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 2 {
				t.Fatalf("created %d", res.Created)
			}
			for user, want := range map[string]string{"zhangwei": "张伟", "lina": "李娜"} {
				m, err := s.MemberByUsername(user)
				if err != nil || m.Name != want {
					t.Errorf("%s: %+v %v", user, m, err)
				}
			}
			if m, _ := s.MemberByUsername("lina"); m.Title != "处长" || m.Position != 1 {
				t.Errorf("title/position: %+v", m)
			}
		})
	}
	// a bad line keeps its number in CSV (GBK) and XLSX alike
	bad := "name,username,group,password\n张伟,zw,第一党支部,password1\n\n李娜,,第一党支部,password1\n"
	for _, c := range []struct {
		ct   string
		data []byte
	}{
		{ContentTypeCSV, gbk(t, bad)},
		{ContentTypeXLSX, xlsxOf(t, [][]any{{"name", "username", "group", "password"}, {"张伟", "zw", "第一党支部", "password1"}, {}, {"李娜", "", "第一党支部", "password1"}})},
	} {
		s, _ := mustOpen(t)
		root := mustGroup(t, s, "机关党委", "")
		mustGroup(t, s, "第一党支部", root)
		_, err := s.ImportRosterFile(admin, c.data, c.ct, "")
		e, ok := err.(*Error)
		if !ok || e.Fields["line 4"] == "" || len(e.Fields) != 1 {
			t.Errorf("%s: want only line 4 named, got %v", c.ct, err)
		}
		if n, _ := s.CountMembers(); n != 0 {
			t.Errorf("%s: a rejected file wrote %d members", c.ct, n)
		}
	}
	if _, err := ReadTable([]byte("x"), "application/pdf", ""); !IsKind(err, KindMalformed) {
		t.Errorf("a PDF: %v", err)
	}
	if _, err := ReadTable([]byte("not a zip"), ContentTypeXLSX, ""); !IsKind(err, KindMalformed) {
		t.Errorf("a broken XLSX: %v", err)
	}
}

// FuzzReadTable: any bytes as CSV (any charset) or XLSX give rows or a
// typed error, never a panic.
func FuzzReadTable(f *testing.F) {
	f.Add([]byte("name,username,group\n张伟,zw,第一党支部\n"), false, "")
	f.Add([]byte("\xd5\xc5\xce\xb0,zw\n"), false, "gbk")
	f.Add([]byte("PK\x03\x04"), true, "")
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool, charset string) {
		ct := ContentTypeCSV
		if xlsx {
			ct = ContentTypeXLSX
		}
		rows, err := ReadTable(data, ct, charset)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for _, r := range rows {
			for _, c := range r {
				if !strings.Contains(c, "\x00") && len(c) > len(data)*4+16 {
					t.Fatalf("a cell longer than the file could make")
				}
			}
		}
	})
}
