package handlers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestEveryErrorCodeTranslated: every error code the server can answer —
// those of the OpenAPI document's error enum and every code literal the
// store and handlers pass to Errorf, Conflict or write into an error answer
// (and schedule), those errors.go gives by HTTP status and those the web
// app gives an answer without a code (api.js) — has an "err.CODE" text in
// both languages of the web app, so no English code or sentence shows in
// the Chinese UI.
func TestEveryErrorCodeTranslated(t *testing.T) {
	codes := map[string]string{} // code → where it was found
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	data, err := os.ReadFile("../assets/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Components.Schemas.Error.Properties.Error.Properties.Code.Enum {
		codes[c] = "assets/openapi.json"
	}
	if len(codes) < 30 {
		t.Fatalf("only %d codes in the document's enum", len(codes))
	}
	// the codes of answers echo makes (no route, wrong method, …), by status;
	// the web app gives the same codes to bodies without one (a proxy's 413)
	for _, c := range codeOfStatus {
		codes[c] = "handlers/errors.go codeOfStatus"
	}
	// and those the web app gives by status to answers without a code
	// (assets/web/js/api.js STATUS_CODES), and its fallback
	js, err := os.ReadFile("../assets/web/js/api.js")
	if err != nil {
		t.Fatal(err)
	}
	byStatus := regexp.MustCompile(`\b\d{3}: '([a-z_]+)'`).FindAllSubmatch(js, -1)
	if len(byStatus) < 10 {
		t.Fatalf("found %d codes by status in api.js", len(byStatus))
	}
	for _, m := range byStatus {
		codes[string(m[1])] = "assets/web/js/api.js"
	}
	codes["error"] = "assets/web/js/api.js"
	lit := regexp.MustCompile(`(?:Errorf\((?:store\.)?Kind[A-Za-z]+, |Conflict\(|"code": )"([a-z_]+)"`)
	for _, dir := range []string{"../store", "../handlers", "../schedule"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range lit.FindAllSubmatch(src, -1) {
				codes[string(m[1])] = f
			}
		}
	}
	for _, lang := range []string{"zh", "en"} {
		var tr map[string]string
		data, err := os.ReadFile("../assets/web/i18n/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatal(err)
		}
		var missing []string
		for c, where := range codes {
			if tr["err."+c] == "" {
				missing = append(missing, c+" ("+where+")")
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s.json has no err.%s", lang, m)
		}
	}
}

// TestEveryFieldReasonTranslated: every fixed field reason the store and
// handlers word (FieldErrors.Add(field, "…") and Invalid(map[string]string{…})
// with a whole string literal) has a "reason.TEXT" text in both languages,
// so a 422 reads in the UI's language. Reasons built with values in them are
// matched by their form in assets/web/js/dom.js (REASON_FORMS).
func TestEveryFieldReasonTranslated(t *testing.T) {
	str := `"((?:[^"\\]|\\.)*)"`
	adds := regexp.MustCompile(`\.Add\("[^"]*",\s*` + str + `\)`)
	maps := regexp.MustCompile(`Invalid\(map\[string\]string\{([^}]*)\}`)
	entry := regexp.MustCompile(`"[^"]*":\s*` + str + `\s*(?:,|$)`)
	reasons := map[string]string{} // reason → file
	for _, dir := range []string{"../store", "../handlers", "../schedule"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var lits []string
			for _, m := range adds.FindAllSubmatch(src, -1) {
				lits = append(lits, string(m[1]))
			}
			for _, m := range maps.FindAllSubmatch(src, -1) {
				for _, e := range entry.FindAllSubmatch(m[1], -1) {
					lits = append(lits, string(e[1]))
				}
			}
			for _, l := range lits {
				r, err := strconv.Unquote(`"` + l + `"`)
				if err != nil {
					t.Fatalf("%s: %q: %v", f, l, err)
				}
				reasons[r] = f
			}
		}
	}
	if len(reasons) < 60 {
		t.Fatalf("found only %d fixed reasons", len(reasons))
	}
	for _, lang := range []string{"zh", "en"} {
		var tr map[string]string
		data, err := os.ReadFile("../assets/web/i18n/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatal(err)
		}
		var missing []string
		for r, where := range reasons {
			if tr["reason."+r] == "" {
				missing = append(missing, fmt.Sprintf("%q (%s)", r, where))
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s.json has no reason.%s", lang, m)
		}
	}
}
