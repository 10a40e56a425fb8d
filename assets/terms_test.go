package assets

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTerminology: one word for each thing across the screens, the
// messages and the printed forms (docs/REPORTS.md "Wording"): the person
// who leads the reading is the 领读人, quarters are 第一…第四季度.
func TestTerminology(t *testing.T) {
	banned := []struct {
		re   *regexp.Regexp
		want string
	}{
		{regexp.MustCompile(`领学人`), "领读人"},
		{regexp.MustCompile(`第[1-4]季度`), "第一…第四季度"},
	}
	check := func(name string, data []byte) {
		for _, b := range banned {
			if loc := b.re.FindIndex(data); loc != nil {
				line := 1 + strings.Count(string(data[:loc[0]]), "\n")
				t.Errorf("%s:%d: %q, say %s", name, line, data[loc[0]:loc[1]], b.want)
			}
		}
	}
	err := fs.WalkDir(Web, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext == ".js" || ext == ".json" || ext == ".html" {
			data, err := fs.ReadFile(Web, path)
			if err != nil {
				return err
			}
			check(path, data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The printed forms' words.
	forms, err := filepath.Glob("../schedule/forms/*.go")
	if err != nil || len(forms) == 0 {
		t.Fatalf("forms sources: %v %v", forms, err)
	}
	for _, f := range forms {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, data)
	}
}
