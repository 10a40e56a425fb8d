package handlers

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAPIDocRouteIndex: the route index of docs/API.md lists exactly the
// routes of the route table, each with the table's roles.
func TestAPIDocRouteIndex(t *testing.T) {
	data, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "\n## Route index")
	if start < 0 {
		t.Fatal(`docs/API.md has no "## Route index" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	// "| GET | `/path` | roles |"; one row may hold several methods: "PUT, DELETE".
	row := regexp.MustCompile("^\\| ((?:GET|POST|PUT|PATCH|DELETE)(?:, (?:GET|POST|PUT|PATCH|DELETE))*) \\| `([^`]+)`([^|]*)\\| ([^|]+) \\|")
	doc := map[string]string{} // "GET /sessions/{}" → "lead,admin"
	for _, line := range strings.Split(section, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if strings.Contains(m[3], "not under `/api/v1`") {
			continue // /healthz
		}
		for _, method := range strings.Split(m[1], ", ") {
			key := method + " " + docPathKey(m[2])
			if _, dup := doc[key]; dup {
				t.Errorf("docs/API.md lists %s twice", key)
			}
			doc[key] = docRoles(m[4])
		}
	}
	if len(doc) == 0 {
		t.Fatal("no rows read from docs/API.md's route index")
	}
	seen := map[string]bool{}
	for _, r := range Routes() {
		key := r.Method + " " + docPathKey(r.Path)
		seen[key] = true
		want := strings.Join(r.Roles, ",")
		if r.Public {
			want = "public"
		} else if want == "" {
			want = "any"
		}
		got, ok := doc[key]
		if !ok {
			t.Errorf("%s %s is in handlers/routes.go but not in docs/API.md's route index", r.Method, r.Path)
		} else if got != want {
			t.Errorf("%s %s: roles %q in docs/API.md, %q in handlers/routes.go", r.Method, r.Path, got, want)
		}
	}
	for key := range doc {
		if !seen[key] {
			t.Errorf("%s is in docs/API.md's route index but not in handlers/routes.go", key)
		}
	}
}

var paramRe = regexp.MustCompile(`\{[^}/]*\}[^/]*|:[^/]+`)

// docPathKey turns "/reports/{period}/members/{member_id}.pdf" and
// "/reports/:period/members/:file" alike into "/reports/{}/members/{}".
func docPathKey(p string) string { return paramRe.ReplaceAllString(p, "{}") }

// docRoles turns "lead, hr, admin" into "lead,hr,admin" and "any (scoped)"
// into "any".
func docRoles(cell string) string {
	cell = strings.TrimSpace(cell)
	if i := strings.Index(cell, "("); i >= 0 {
		cell = strings.TrimSpace(cell[:i])
	}
	return strings.ReplaceAll(cell, ", ", ",")
}
