package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// TestScreenshotsRefreshedByTests: every picture the README and docs/*.md
// show from docs/screenshots is written by a browser scenario (tb.shot or
// tb.shotFull under STUDYROLL_SCREENSHOTS) and committed; every picture a
// scenario writes is shown somewhere, and no file in docs/screenshots is
// left that nothing shows — so one run of the browser tests refreshes them
// all and leaves nothing new or stale behind.
func TestScreenshotsRefreshedByTests(t *testing.T) {
	root := filepath.Join("..", "..")
	written := map[string]bool{}
	tests, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	shot := regexp.MustCompile(`\.shot(?:Full)?\("([^"]+)"\)`)
	for _, f := range tests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range shot.FindAllSubmatch(b, -1) {
			written[string(m[1])] = true
		}
	}
	if len(written) < 5 {
		t.Fatalf("found %d screenshots written by the tests: %v", len(written), written)
	}
	shown := map[string]string{} // name → the document showing it
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	image := regexp.MustCompile(`\]\((?:docs/)?screenshots/([^)/]+)\.png\)`)
	for _, f := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range image.FindAllSubmatch(b, -1) {
			shown[string(m[1])] = filepath.Base(f)
		}
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "screenshots", "*"))
	if err != nil {
		t.Fatal(err)
	}
	committed := map[string]bool{}
	for _, f := range files {
		committed[filepath.Base(f)] = true
	}
	for _, name := range sortedKeys(shown) {
		if !written[name] {
			t.Errorf("%s shows screenshots/%s.png, which no browser scenario writes", shown[name], name)
		}
		if !committed[name+".png"] {
			t.Errorf("%s shows screenshots/%s.png, which is not in docs/screenshots", shown[name], name)
		}
	}
	for _, name := range sortedKeys(written) {
		if _, ok := shown[name]; !ok {
			t.Errorf("a browser scenario writes %s.png, which neither README.md nor docs/*.md shows", name)
		}
	}
	for _, f := range sortedKeys(committed) {
		if _, ok := shown[f[:len(f)-len(filepath.Ext(f))]]; !ok || filepath.Ext(f) != ".png" {
			t.Errorf("docs/screenshots/%s is shown nowhere", f)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
