package handlers

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// Jobs runs the background jobs and keeps the report files; package
// schedule implements it. With Config.Jobs nil, POST /reports answers 503
// and files missing on disk are not made again.
type Jobs interface {
	// StartReports starts generating the reports of period for groupID's
	// subtree ("" for everyone) and returns the job id at once.
	StartReports(ctx context.Context, period store.Period, groupID string) (jobID string, err error)
	// Job returns a run with its live progress.
	Job(id string) (*store.JobRun, error)
	// Jobs lists runs, newest first.
	Jobs(limit int) ([]store.JobRun, error)
	// ReportFile returns the path of an up-to-date report file, making it
	// again when it is missing on disk (kind member_pdf_en: made on
	// request). A file never generated is 404.
	ReportFile(ctx context.Context, period store.Period, kind, subjectID string) (path string, err error)
}

// reportsRequest is the body of POST /reports.
type reportsRequest struct {
	Period  string `json:"period"`
	GroupID string `json:"group_id,omitempty"`
}

// Validate checks the fields' form; the group's existence is checked by the
// job starter.
func (r *reportsRequest) Validate() error {
	fe := store.FieldErrors{}
	if r.Period == "" {
		fe.Add("period", "required: a year like 2023 or a quarter like 2023Q3")
	} else if _, err := store.ParsePeriod(r.Period, store.DefaultLocation()); err != nil {
		fe.Add("period", "a year like 2023 or a quarter like 2023Q3")
	}
	if r.GroupID != "" {
		if n, err := strconv.ParseUint(r.GroupID, 10, 64); err != nil || n == 0 {
			fe.Add("group_id", "not a group id")
		}
	}
	return fe.Err()
}

// handleStartReports handles POST /reports {period, group_id?} (hr, admin):
// 202 {job_id}.
func (h *Handler) handleStartReports(c echo.Context) error {
	var req reportsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, _ := store.ParsePeriod(req.Period, h.store.Location())
	if !p.Start.Before(h.store.Now()) {
		return badParam("period", "this period has not started yet")
	}
	if h.cfg.Jobs == nil {
		return store.Errorf(store.KindUnavailable, "jobs_disabled", "report jobs do not run in this process")
	}
	id, err := h.cfg.Jobs.StartReports(c.Request().Context(), p, req.GroupID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"job_id": id})
}

// reportItem is one entry of GET /reports.
type reportItem struct {
	Period      string    `json:"period"`
	Kind        string    `json:"kind"`
	SubjectID   string    `json:"subject_id"`
	URL         string    `json:"url"`
	GeneratedAt time.Time `json:"generated_at"`
	Stale       bool      `json:"stale"`
}

// reportURL is where a file is downloaded.
func reportURL(f *store.ReportFile) string {
	base := "/api/v1/reports/" + f.Period
	switch f.Kind {
	case store.ReportMemberPDF:
		return base + "/members/" + f.SubjectID + ".pdf"
	case store.ReportMemberPDFEn:
		return base + "/members/" + f.SubjectID + ".pdf?lang=en"
	case store.ReportGroupXLSX:
		return base + "/groups/" + f.SubjectID + ".xlsx"
	}
	return base + "/groups/" + f.SubjectID + ".pdf"
}

// handleListReportFiles handles GET /reports?period=: hr and admin see
// every file, a lead those of their subtree (members and groups), a member
// their own appraisals.
func (h *Handler) handleListReportFiles(c echo.Context) error {
	period := c.QueryParam("period")
	if period != "" {
		p, err := store.ParsePeriod(period, h.store.Location())
		if err != nil {
			return badParam("period", "a year like 2023 or a quarter like 2023Q3")
		}
		period = p.String()
	}
	files, err := h.store.ReportFiles(period)
	if err != nil {
		return err
	}
	caller := me(c)
	keep, err := h.reportScope(caller)
	if err != nil {
		return err
	}
	locks := map[string]*store.PeriodLock{}
	items := []reportItem{}
	for i := range files {
		f := &files[i]
		if !keep(f) {
			continue
		}
		p, err := store.ParsePeriod(f.Period, h.store.Location())
		if err != nil {
			continue
		}
		lock, ok := locks[f.Period]
		if !ok {
			if lock, err = h.store.PeriodLock(f.Period); err != nil {
				return err
			}
			locks[f.Period] = lock
		}
		items = append(items, reportItem{Period: f.Period, Kind: f.Kind, SubjectID: f.SubjectID, URL: reportURL(f),
			GeneratedAt: f.GeneratedAt, Stale: f.Stale(p, lock)})
	}
	return c.JSON(http.StatusOK, list(items))
}

// reportScope returns which report files caller may see: the scope rule
// store.SeesReportFile with each member file's subject group.
func (h *Handler) reportScope(caller *store.Member) (func(f *store.ReportFile) bool, error) {
	t, err := h.store.Tree()
	if err != nil {
		return nil, err
	}
	groupOf := map[string]string{}
	if caller.Role == store.RoleLead && caller.GroupID != "" {
		ms, err := h.store.Members(t.Subtree(caller.GroupID)...)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			groupOf[m.ID] = m.GroupID
		}
	}
	return func(f *store.ReportFile) bool { return store.SeesReportFile(t, caller, f, groupOf[f.SubjectID]) }, nil
}

// File names in download paths: a decimal id and an extension, nothing
// else, so no path trick (../, encoded dots, absolute paths) reaches the
// file system.
var (
	memberFileRe = regexp.MustCompile(`^([1-9][0-9]{0,19})\.pdf$`)
	groupFileRe  = regexp.MustCompile(`^([1-9][0-9]{0,19})\.(pdf|xlsx)$`)
)

// reportPeriod reads :period; a malformed one is 404 (no such folder).
func (h *Handler) reportPeriod(c echo.Context) (store.Period, error) {
	p, err := store.ParsePeriod(c.Param("period"), h.store.Location())
	if err != nil {
		return store.Period{}, store.Errorf(store.KindNotFound, "not_found", "no reports for period %q: want a year like 2023 or a quarter like 2023Q3", c.Param("period"))
	}
	return p, nil
}

func noSuchFile(name string) error {
	return store.Errorf(store.KindNotFound, "not_found", "no report file %q", name)
}

// handleMemberReportFile handles GET /reports/:period/members/:file
// ("{member_id}.pdf", ?lang=en for English): members only their own (403
// otherwise), leads their subtree, hr and admin everyone.
func (h *Handler) handleMemberReportFile(c echo.Context) error {
	p, err := h.reportPeriod(c)
	if err != nil {
		return err
	}
	name := c.Param("file")
	m := memberFileRe.FindStringSubmatch(name)
	if m == nil {
		return noSuchFile(name)
	}
	kind := store.ReportMemberPDF
	switch strings.ToLower(c.QueryParam("lang")) {
	case "", "zh":
	case "en":
		kind = store.ReportMemberPDFEn
	default:
		return badParam("lang", "zh or en")
	}
	member, err := h.store.Member(m[1])
	if err != nil {
		return err
	}
	if err := h.canSeeMember(me(c), member); err != nil {
		return store.Forbidden("members may download only their own appraisal")
	}
	ascii := "appraisal-" + p.String() + "-" + m[1] + ".pdf"
	if kind == store.ReportMemberPDFEn {
		ascii = "appraisal-" + p.String() + "-" + m[1] + "-en.pdf"
	}
	return h.serveReport(c, p, kind, m[1], ascii, memberDownloadName(p, member.Name, kind == store.ReportMemberPDFEn))
}

// handleGroupReportFile handles GET /reports/:period/groups/:file
// ("{group_id}.pdf" or ".xlsx"): leads their subtree, hr and admin all.
func (h *Handler) handleGroupReportFile(c echo.Context) error {
	p, err := h.reportPeriod(c)
	if err != nil {
		return err
	}
	name := c.Param("file")
	m := groupFileRe.FindStringSubmatch(name)
	if m == nil {
		return noSuchFile(name)
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	grp, ok := t.Group(m[1])
	if !ok {
		return store.NotFound("group", m[1])
	}
	caller := me(c)
	if caller.Role == store.RoleLead && !store.ManagesGroup(t, caller, m[1]) {
		return store.Forbidden("a lead sees only their own group's subtree")
	}
	kind := store.ReportGroupPDF
	if m[2] == "xlsx" {
		kind = store.ReportGroupXLSX
	}
	return h.serveReport(c, p, kind, m[1], "summary-"+p.String()+"-"+m[1]+"."+m[2], groupDownloadName(p, grp.Name, m[2]))
}

// serveReport sends a report file under its readable name (download) with
// an ASCII fallback name (ascii).
func (h *Handler) serveReport(c echo.Context, p store.Period, kind, subject, ascii, download string) error {
	path, err := h.reportPath(c, p, kind, subject)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	if kind == store.ReportGroupXLSX {
		hd.Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		hd.Set(echo.HeaderContentDisposition, contentDisposition("attachment", ascii, download))
	} else {
		hd.Set(echo.HeaderContentType, "application/pdf")
		hd.Set(echo.HeaderContentDisposition, contentDisposition("inline", ascii, download))
	}
	return c.File(path)
}

// handleListJobs handles GET /jobs?limit= (hr, admin): runs, newest first.
func (h *Handler) handleListJobs(c echo.Context) error {
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badParam("limit", "a number from 1 to 1000")
		}
		limit = n
	}
	var runs []store.JobRun
	var err error
	if h.cfg.Jobs != nil {
		runs, err = h.cfg.Jobs.Jobs(limit)
	} else {
		runs, err = h.store.Jobs(store.JobFilter{Limit: limit})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(runs))
}

// handleGetJob handles GET /jobs/:id (hr, admin): one run with its
// progress.
func (h *Handler) handleGetJob(c echo.Context) error {
	var run *store.JobRun
	var err error
	if h.cfg.Jobs != nil {
		run, err = h.cfg.Jobs.Job(c.Param("id"))
	} else {
		run, err = h.store.Job(c.Param("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, run)
}
