package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// 督查: inspections, the question bank, random questioning, interviews,
// findings and their rectification, questionnaires. The rules live in
// store/inspection*.go; docs/INSPECTIONS.md describes them.

var (
	// inspectors may write inspections.
	inspectors = access{roles: []store.Role{store.RoleInspector, store.RoleHR, store.RoleAdmin}}
	// inspectionReaders read inspections: the team, hr, admin and leads
	// (their subtree's).
	inspectionReaders = access{roles: []store.Role{store.RoleLead, store.RoleHR, store.RoleAdmin, store.RoleInspector}}
)

func (h *Handler) inspectionRoutes() []route {
	const GET, POST, PUT, PATCH = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch
	return []route{
		{POST, "/inspections", inspectors, h.handleCreateInspection},
		{GET, "/inspections", inspectionReaders, h.handleListInspections},
		{GET, "/inspections/:id", inspectionReaders, h.handleGetInspection},
		{POST, "/inspections/:id/draws", inspectors, h.handleCreateDraw},
		{PUT, "/inspections/:id/draws/:draw_id/answers", inspectors, h.handleRecordAnswers},
		{POST, "/inspections/:id/interviews", inspectors, h.handleCreateInterview},
		{POST, "/inspections/:id/findings", inspectors, h.handleCreateFinding},
		{GET, "/inspections/:id/report.pdf", inspectors, h.handleInspectionReport},
		{GET, "/inspections/:id/ledger.xlsx", inspectors, h.handleInspectionLedger},
		{POST, "/questions", inspectors, h.handleCreateBankQuestion},
		{GET, "/questions", inspectors, h.handleListBankQuestions},
		{PATCH, "/questions/:id", inspectors, h.handlePatchBankQuestion},
		{POST, "/questions/import", inspectors, h.handleImportBankQuestions},
		{GET, "/finding-categories", anyone, h.handleFindingCategories},
		{GET, "/findings", anyone, h.handleListFindings},
		{GET, "/findings/:id", anyone, h.handleGetFinding},
		{POST, "/findings/:id/progress", anyone, h.handleProgressFinding},
		{POST, "/findings/:id/evidence", anyone, h.handleAddEvidence},
		{GET, "/findings/:id/evidence/:file_id", anyone, h.handleGetEvidence},
		{POST, "/findings/:id/close", inspectors, h.handleCloseFinding},
		{POST, "/findings/:id/return", inspectors, h.handleReturnFinding},
		{POST, "/questionnaires", inspectors, h.handleCreateQuestionnaire},
		{GET, "/questionnaires", anyone, h.handleListQuestionnaires},
		{GET, "/questionnaires/:id", anyone, h.handleGetQuestionnaire},
		{POST, "/questionnaires/:id/answers", anyone, h.handleAnswerQuestionnaire},
		{POST, "/questionnaires/:id/close", inspectors, h.handleCloseQuestionnaire},
		{GET, "/questionnaires/:id/results", inspectors, h.handleQuestionnaireResults},
		{GET, "/questionnaires/:id/results.xlsx", inspectors, h.handleQuestionnaireResultsXLSX},
	}
}

// leadSeesInspection: a lead sees an inspection that targets their group,
// a group above it or one inside their subtree.
func leadSeesInspection(t *store.Tree, caller *store.Member, in *store.Inspection) bool {
	if caller.Role.ReadsAll() {
		return true
	}
	if caller.Role != store.RoleLead || caller.GroupID == "" {
		return false
	}
	for _, g := range in.TargetGroupIDs {
		if t.Covers(g, caller.GroupID) || t.Covers(caller.GroupID, g) {
			return true
		}
	}
	return false
}

// handleCreateInspection handles POST /inspections (inspector, hr, admin).
func (h *Handler) handleCreateInspection(c echo.Context) error {
	var in store.InspectionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	ins, err := h.store.CreateInspection(c.Request().Context(), in)
	if err != nil {
		return err
	}
	v, err := h.store.Inspection(ins.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

// handleListInspections handles GET /inspections: each with its summary
// figures; a lead sees those touching their subtree.
func (h *Handler) handleListInspections(c echo.Context) error {
	caller := me(c)
	vs, err := h.store.Inspections(func(t *store.Tree, in *store.Inspection) bool { return leadSeesInspection(t, caller, in) })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(vs))
}

// handleGetInspection handles GET /inspections/:id: the inspection, its
// summary, draws, interviews and 知晓率 by target and branch.
func (h *Handler) handleGetInspection(c echo.Context) error {
	d, err := h.store.InspectionDetail(c.Param("id"))
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	if !leadSeesInspection(t, me(c), &d.Inspection) {
		return store.Forbidden("inspection %s does not touch your group", d.ID)
	}
	return c.JSON(http.StatusOK, d)
}

// handleCreateDraw handles POST /inspections/:id/draws: 201 {id, seed,
// pairs}; a draw larger than the group or the bank → 422 naming both sizes.
func (h *Handler) handleCreateDraw(c echo.Context) error {
	var in store.DrawInput
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := h.store.CreateDraw(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}

type answersRequest struct {
	Answers []store.AnswerInput `json:"answers"`
}

// handleRecordAnswers handles PUT /inspections/:id/draws/:draw_id/answers.
func (h *Handler) handleRecordAnswers(c echo.Context) error {
	var in answersRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := h.store.RecordAnswers(c.Request().Context(), c.Param("id"), c.Param("draw_id"), in.Answers)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// handleCreateInterview handles POST /inspections/:id/interviews.
func (h *Handler) handleCreateInterview(c echo.Context) error {
	var in store.InterviewInput
	if err := decode(c, &in); err != nil {
		return err
	}
	iv, err := h.store.CreateInterview(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, iv)
}

// handleCreateFinding handles POST /inspections/:id/findings: 201 with
// state open; a group outside the targets → 422.
func (h *Handler) handleCreateFinding(c echo.Context) error {
	var in store.FindingInput
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := h.store.CreateFinding(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, f)
}

// findingVisible: readers of all see every finding; a lead those of their
// subtree and their own; anyone the findings they answer for.
func findingVisible(caller *store.Member) func(t *store.Tree, f *store.Finding) bool {
	return func(t *store.Tree, f *store.Finding) bool {
		switch {
		case caller.Role.ReadsAll(), f.ResponsibleID == caller.ID:
			return true
		case caller.Role == store.RoleLead && caller.GroupID != "":
			return t.Covers(caller.GroupID, f.GroupID)
		}
		return false
	}
}

// handleListFindings handles GET /findings?inspection_id=&group_id=&state=
// (&mine=1: only those the caller answers for); state may be overdue.
func (h *Handler) handleListFindings(c echo.Context) error {
	caller := me(c)
	f := store.FindingFilter{InspectionID: c.QueryParam("inspection_id"), GroupID: c.QueryParam("group_id"),
		State: c.QueryParam("state"), Visible: findingVisible(caller)}
	switch f.State {
	case "", store.FindingOpen, store.FindingInProgress, store.FindingSubmitted, store.FindingClosed, store.FindingReturned, store.FindingOverdue:
	default:
		return badParam("state", "one of open, in_progress, submitted, closed, returned, overdue")
	}
	if c.QueryParam("mine") == "1" || c.QueryParam("mine") == "true" {
		f.Responsible = caller.ID
	}
	fs, err := h.store.Findings(f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(fs))
}

func (h *Handler) visibleFinding(c echo.Context, id string) (*store.Finding, error) {
	f, err := h.store.Finding(id)
	if err != nil {
		return nil, err
	}
	t, err := h.store.Tree()
	if err != nil {
		return nil, err
	}
	if !findingVisible(me(c))(t, f) {
		return nil, store.Forbidden("finding %s is not yours to see", id)
	}
	return f, nil
}

// handleGetFinding handles GET /findings/:id (scoped like the list).
func (h *Handler) handleGetFinding(c echo.Context) error {
	f, err := h.visibleFinding(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

type progressRequest struct {
	State string `json:"state"`
	Note  string `json:"note"`
}

// handleProgressFinding handles POST /findings/:id/progress (the
// responsible member, a lead over the group, admin).
func (h *Handler) handleProgressFinding(c echo.Context) error {
	var in progressRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := h.store.ProgressFinding(c.Request().Context(), c.Param("id"), in.State, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

type noteRequest struct {
	Note string `json:"note"`
}

// handleCloseFinding handles POST /findings/:id/close (销号): only a
// submitted finding (else 409 not_submitted).
func (h *Handler) handleCloseFinding(c echo.Context) error {
	var in noteRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := h.store.CloseFinding(c.Request().Context(), c.Param("id"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// handleReturnFinding handles POST /findings/:id/return.
func (h *Handler) handleReturnFinding(c echo.Context) error {
	var in noteRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	f, err := h.store.ReturnFinding(c.Request().Context(), c.Param("id"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// handleAddEvidence handles POST /findings/:id/evidence: a multipart form
// with one "file" (JPEG, PNG or PDF by content, ≤ 10 MiB). 201 the file's
// record; another type → 415, too large → 413, nothing stored.
func (h *Handler) handleAddEvidence(c echo.Context) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return store.Errorf(store.KindMalformed, "malformed", "send the evidence as multipart/form-data with a file field")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		if be := bodyError(err); store.IsKind(be, store.KindTooLarge) {
			return be
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bodyError(err)
		}
		return store.Errorf(store.KindMalformed, "malformed", "no file field in the form")
	}
	if fh.Size > store.MaxEvidenceBytes {
		return store.Errorf(store.KindTooLarge, "too_large", "evidence file over %d bytes (10 MB)", store.MaxEvidenceBytes)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, store.MaxEvidenceBytes+1))
	if err != nil {
		return err
	}
	ef, err := h.store.AddEvidence(c.Request().Context(), c.Param("id"), fh.Filename, data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ef)
}

// handleGetEvidence handles GET /findings/:id/evidence/:file_id (whoever
// sees the finding).
func (h *Handler) handleGetEvidence(c echo.Context) error {
	if _, err := h.visibleFinding(c, c.Param("id")); err != nil {
		return err
	}
	_, ef, data, err := h.store.Evidence(c.Param("id"), c.Param("file_id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	c.Response().Header().Set(echo.HeaderContentDisposition, "inline; filename*=UTF-8''"+url.PathEscape(ef.Name))
	return c.Blob(http.StatusOK, ef.ContentType, data)
}

// handleFindingCategories handles GET /finding-categories: the configured
// list, in order.
func (h *Handler) handleFindingCategories(c echo.Context) error {
	return c.JSON(http.StatusOK, list(store.FindingCategories()))
}

// handleCreateBankQuestion handles POST /questions.
func (h *Handler) handleCreateBankQuestion(c echo.Context) error {
	var in store.BankQuestionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := h.store.CreateBankQuestion(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, q)
}

// handleListBankQuestions handles GET /questions?retired=1.
func (h *Handler) handleListBankQuestions(c echo.Context) error {
	qs, err := h.store.BankQuestions(c.QueryParam("retired") == "1" || c.QueryParam("retired") == "true")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(qs))
}

// handlePatchBankQuestion handles PATCH /questions/:id: edit, or retire
// with {"retired": true}.
func (h *Handler) handlePatchBankQuestion(c echo.Context) error {
	var in store.BankQuestionPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := h.store.UpdateBankQuestion(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

// handleImportBankQuestions handles POST /questions/import: text/csv
// (UTF-8 or GBK) or XLSX; 200 {created}; bad lines → 422 each by line.
func (h *Handler) handleImportBankQuestions(c echo.Context) error {
	body, mt, charset, ok, err := readTableUpload(c)
	if !ok {
		return store.Errorf(store.KindUnsupported, "unsupported_media_type", "send the question bank as text/csv or %s", store.ContentTypeXLSX)
	}
	if err != nil {
		return err
	}
	lines, err := store.ParseQuestionBank(body, mt, charset)
	if err != nil {
		return err
	}
	n, err := h.store.ImportQuestionBank(c.Request().Context(), lines)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"created": n})
}

// handleCreateQuestionnaire handles POST /questionnaires.
func (h *Handler) handleCreateQuestionnaire(c echo.Context) error {
	var in store.QuestionnaireInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := h.store.CreateQuestionnaire(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, q)
}

// handleListQuestionnaires handles GET /questionnaires: a member's own
// (their audience), everything for hr, admin, inspectors.
func (h *Handler) handleListQuestionnaires(c echo.Context) error {
	qs, err := h.store.Questionnaires(me(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(qs))
}

// handleGetQuestionnaire handles GET /questionnaires/:id.
func (h *Handler) handleGetQuestionnaire(c echo.Context) error {
	qs, err := h.store.Questionnaires(me(c))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(qs, func(q store.QuestionnaireView) bool { return q.ID == c.Param("id") })
	if i < 0 {
		return store.NotFound("questionnaire", c.Param("id"))
	}
	return c.JSON(http.StatusOK, qs[i])
}

type qnAnswersRequest struct {
	Answers []store.QnAnswer `json:"answers"`
}

// handleAnswerQuestionnaire handles POST /questionnaires/:id/answers: 201
// once; a second answer → 409 already_answered.
func (h *Handler) handleAnswerQuestionnaire(c echo.Context) error {
	var in qnAnswersRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := h.store.AnswerQuestionnaire(c.Request().Context(), c.Param("id"), in.Answers); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]bool{"answered": true})
}

// handleCloseQuestionnaire handles POST /questionnaires/:id/close.
func (h *Handler) handleCloseQuestionnaire(c echo.Context) error {
	q, err := h.store.CloseQuestionnaire(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

// handleQuestionnaireResults handles GET /questionnaires/:id/results.
func (h *Handler) handleQuestionnaireResults(c echo.Context) error {
	r, err := h.store.QuestionnaireResults(c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (h *Handler) langParam(c echo.Context) (string, error) {
	lang := c.QueryParam("lang")
	if lang != "" && lang != "zh" && lang != "en" {
		return "", badParam("lang", "zh or en")
	}
	return lang, nil
}

func attachment(c echo.Context, contentType, name string, data []byte) error {
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	c.Response().Header().Set(echo.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	return c.Blob(http.StatusOK, contentType, data)
}

// handleQuestionnaireResultsXLSX handles GET /questionnaires/:id/results.xlsx.
func (h *Handler) handleQuestionnaireResultsXLSX(c echo.Context) error {
	lang, err := h.langParam(c)
	if err != nil {
		return err
	}
	r, err := h.store.QuestionnaireResults(c.Param("id"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := forms.QuestionnaireResultsXLSX(&buf, questionnaireForm(r), forms.Options{Lang: lang, GeneratedAt: h.store.Now(), Location: h.store.Location()}); err != nil {
		return err
	}
	return attachment(c, store.ContentTypeXLSX, r.Questionnaire.Title+"-问卷结果.xlsx", buf.Bytes())
}

// handleInspectionReport handles GET /inspections/:id/report.pdf: 督查情况报告.
func (h *Handler) handleInspectionReport(c echo.Context) error {
	lang, err := h.langParam(c)
	if err != nil {
		return err
	}
	rep, err := h.inspectionForm(c.Param("id"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	opt := forms.Options{Font: h.cfg.Font, Lang: lang, GeneratedAt: h.store.Now(), Location: h.store.Location()}
	if err := forms.InspectionReportPDF(&buf, *rep, opt); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	c.Response().Header().Set(echo.HeaderContentDisposition, "inline; filename*=UTF-8''"+url.PathEscape(rep.Title+"-督查情况报告.pdf"))
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

// handleInspectionLedger handles GET /inspections/:id/ledger.xlsx: 整改台账,
// one row per finding.
func (h *Handler) handleInspectionLedger(c echo.Context) error {
	lang, err := h.langParam(c)
	if err != nil {
		return err
	}
	rep, err := h.inspectionForm(c.Param("id"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := forms.LedgerXLSX(&buf, *rep, forms.Options{Lang: lang, GeneratedAt: h.store.Now(), Location: h.store.Location()}); err != nil {
		return err
	}
	return attachment(c, store.ContentTypeXLSX, rep.Title+"-整改台账.xlsx", buf.Bytes())
}
