package handlers

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// Download names (docs/REPORTS.md "Download names"): what a filing clerk
// saves, e.g. 2026年第三季度-学习考核表-张伟.pdf, sent as RFC 6266
// filename* (UTF-8, percent-encoded) with an ASCII filename fallback.

// periodLabel is the printed name of a period: 2026年第三季度, 2026年度.
func periodLabel(p store.Period) string {
	return forms.PeriodLabel(p, "zh")
}

// fileNamePart makes a name safe inside a file name: no path separators,
// characters Windows forbids, control characters or leading dots.
func fileNamePart(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.TrimLeft(s, ".")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60])
	}
	return s
}

// readableName joins the parts with "-" and adds the extension: parts left
// empty are dropped.
func readableName(ext string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = fileNamePart(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "-") + ext
}

// contentDisposition is RFC 6266: disposition; filename="ascii";
// filename*=UTF-8”percent-encoded.
func contentDisposition(disposition, ascii, name string) string {
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disposition, ascii, rfc5987(name))
}

// rfc5987 percent-encodes everything but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// memberDownloadName is 2026年第三季度-学习考核表-张伟.pdf (…-张伟-en.pdf in
// English).
func memberDownloadName(p store.Period, name string, en bool) string {
	if en {
		return readableName(".pdf", periodLabel(p), "学习考核表", name, "en")
	}
	return readableName(".pdf", periodLabel(p), "学习考核表", name)
}

// groupDownloadName is 2026年第三季度-学习情况汇总表-第一党支部.pdf/.xlsx.
func groupDownloadName(p store.Period, group, ext string) string {
	return readableName("."+ext, periodLabel(p), "学习情况汇总表", group)
}

// handleReportZip handles GET /reports/:period.zip?group_id= (a lead over
// the group, hr, admin): every generated file of the period for the
// group's subtree (without group_id: a lead's own group, everyone for hr
// and admin), with readable names, in the one order.
func (h *Handler) handleReportZip(c echo.Context) error {
	raw := c.Param("period.zip")
	if !strings.HasSuffix(raw, ".zip") {
		return noSuchFile(raw)
	}
	p, err := store.ParsePeriod(strings.TrimSuffix(raw, ".zip"), h.store.Location())
	if err != nil {
		return store.Errorf(store.KindNotFound, "not_found", "no reports for period %q: want a year like 2023 or a quarter like 2023Q3", strings.TrimSuffix(raw, ".zip"))
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	caller := me(c)
	gid := c.QueryParam("group_id")
	if gid != "" {
		if _, ok := t.Group(gid); !ok {
			return store.NotFound("group", gid)
		}
	}
	if caller.Role == store.RoleLead {
		if caller.GroupID == "" {
			return store.Forbidden("a lead sees only their own group's subtree")
		}
		if gid == "" {
			gid = caller.GroupID
		} else if !store.ManagesGroup(t, caller, gid) {
			return store.Forbidden("a lead sees only their own group's subtree")
		}
	}
	in := func(g string) bool { return g != "" && (gid == "" || t.Covers(gid, g)) }
	files, err := h.store.ReportFiles(p.String())
	if err != nil {
		return err
	}
	ms, err := h.store.Members()
	if err != nil {
		return err
	}
	store.SortMembers(t, ms)
	rank := make(map[string]int, len(ms))
	byID := make(map[string]*store.Member, len(ms))
	for i := range ms {
		rank[ms[i].ID], byID[ms[i].ID] = i, &ms[i]
	}
	type entry struct {
		f    store.ReportFile
		name string
		key  int
	}
	var entries []entry
	for _, f := range files {
		switch f.Kind {
		case store.ReportMemberPDF:
			m := byID[f.SubjectID]
			if m == nil || !in(m.GroupID) {
				continue
			}
			g, _ := t.Group(m.GroupID)
			entries = append(entries, entry{f, "学习考核表/" + readableName(".pdf", g.Name, m.Name, m.ID), len(t.Ordered()) + rank[m.ID]})
		case store.ReportGroupPDF, store.ReportGroupXLSX:
			g, ok := t.Group(f.SubjectID)
			if !ok || !in(g.ID) {
				continue
			}
			ext := "pdf"
			if f.Kind == store.ReportGroupXLSX {
				ext = "xlsx"
			}
			entries = append(entries, entry{f, "汇总表/" + readableName("."+ext, g.Name, g.ID), t.Rank(g.ID)})
		}
	}
	if len(entries) == 0 {
		return store.Errorf(store.KindNotFound, "report_not_generated", "no report of %s has been generated for this group; HR can generate the period's reports (POST /reports)", p)
	}
	// group files first (tree order, PDF before XLSX), then members in the
	// one order
	sortEntries(entries, func(a, b entry) bool {
		if a.key != b.key {
			return a.key < b.key
		}
		return a.f.Kind < b.f.Kind
	})
	scope := "全部"
	if gid != "" {
		g, _ := t.Group(gid)
		scope = g.Name
	}
	name := readableName(".zip", periodLabel(p), "考核材料", scope)
	ascii := "reports-" + p.String() + ".zip"
	if gid != "" {
		ascii = "reports-" + p.String() + "-" + gid + ".zip"
	}
	// every file is found (or made again) before the answer starts
	paths := make([]string, len(entries))
	for i, e := range entries {
		if paths[i], err = h.reportPath(c, p, e.f.Kind, e.f.SubjectID); err != nil {
			return err
		}
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "application/zip")
	hd.Set(echo.HeaderContentDisposition, contentDisposition("attachment", ascii, name))
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	zw := zip.NewWriter(c.Response())
	for i, e := range entries {
		if err := addZipFile(zw, e.name, paths[i], e.f.GeneratedAt); err != nil {
			return err // the answer has started: the client sees a cut zip
		}
	}
	return zw.Close()
}

func addZipFile(zw *zip.Writer, name, path string, at time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// PDFs and XLSX are compressed already: store them
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: at, Flags: 0x800})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

func sortEntries[T any](xs []T, less func(a, b T) bool) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && less(xs[j], xs[j-1]); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// reportPath finds a report file on disk (through Jobs, which makes a
// missing one again) and checks it lies inside the reports folder.
func (h *Handler) reportPath(c echo.Context, p store.Period, kind, subject string) (string, error) {
	var path string
	if h.cfg.Jobs != nil {
		var err error
		if path, err = h.cfg.Jobs.ReportFile(c.Request().Context(), p, kind, subject); err != nil {
			return "", err
		}
	} else {
		f, err := h.store.ReportFileOf(p.String(), kind, subject)
		if err != nil {
			return "", err
		}
		path = filepath.Join(h.cfg.ReportDir, filepath.FromSlash(f.Path))
		if _, err := os.Stat(path); err != nil {
			return "", store.Errorf(store.KindNotFound, "report_file_missing", "the %s report of %s for %s was generated but its file is gone; generate the period's reports again", kind, p, subject)
		}
	}
	// Belt and braces: never send anything outside the reports folder.
	if h.cfg.ReportDir != "" {
		root, err1 := filepath.Abs(h.cfg.ReportDir)
		abs, err2 := filepath.Abs(path)
		rel, err3 := filepath.Rel(root, abs)
		if err1 != nil || err2 != nil || err3 != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", noSuchFile(filepath.Base(path))
		}
	}
	return path, nil
}
