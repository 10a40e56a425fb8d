package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// route is one API route and who may call it. Every route of the API is in
// the table returned by routes, and TestRouteAccess walks all of them with
// every role.
type route struct {
	Method  string
	Path    string // under /api/v1
	access  access
	handler echo.HandlerFunc
}

// Route describes a route for tests and docs.
type Route struct {
	Method, Path string
	Public       bool
	Roles        []string // empty and not Public: any logged-in account
}

// Routes lists the API routes with their access rules.
func Routes() []Route {
	h := &Handler{}
	var out []Route
	for _, r := range h.table() {
		rr := Route{Method: r.Method, Path: r.Path, Public: r.access.public}
		for _, role := range r.access.roles {
			rr.Roles = append(rr.Roles, string(role))
		}
		out = append(out, rr)
	}
	return out
}

// table is every route: the core table below and each feature's own.
func (h *Handler) table() []route {
	return append(h.routes(), h.inspectionRoutes()...) // inspections.go
}

func (h *Handler) routes() []route {
	const (
		GET, POST, PUT, PATCH = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch
		DELETE                = http.MethodDelete
	)
	return []route{
		// auth.go
		{POST, "/login", public, h.handleLogin},
		{POST, "/logout", anyone, h.handleLogout},
		{GET, "/me", anyone, h.handleMe},
		// security.go
		{GET, "/me/totp", anyone, h.handleSecondFactorStatus},
		{POST, "/me/totp", anyone, h.handleBeginSecondFactor},
		{GET, "/me/totp/qr.png", anyone, h.handleSecondFactorQR},
		{POST, "/me/totp/confirm", anyone, h.handleConfirmSecondFactor},
		{POST, "/me/totp/remove", anyone, h.handleRemoveOwnSecondFactor},
		{DELETE, "/members/:id/totp", secAdmin, h.handleResetSecondFactor},
		{GET, "/me/sessions", anyone, h.handleListLoginSessions},
		{DELETE, "/me/sessions/:id", anyone, h.handleEndLoginSession},
		{POST, "/me/password", anyone, h.handleChangeOwnPassword},
		{GET, "/audit/export", auditorAdmin, h.handleAuditExport},
		// personal.go
		{GET, "/me/data.zip", anyone, h.handleMyData},
		// privacy.go
		{GET, "/me/privacy-notice", anyone, h.handlePrivacyNotice},
		{POST, "/me/privacy-notice", anyone, h.handleAcceptPrivacyNotice},
		// groups.go
		{POST, "/groups", sysAdmin, h.handleCreateGroup},
		{GET, "/groups", anyone, h.handleListGroups},
		{PATCH, "/groups/:id", sysAdmin, h.handlePatchGroup},
		// members.go
		{POST, "/members", secAdmin, h.handleCreateMember},
		{GET, "/members", accountRead, h.handleListMembers},
		{GET, "/members/:id", anyone, h.handleGetMember},
		{PATCH, "/members/:id", secAdmin, h.handlePatchMember},
		{POST, "/members/import", secAdmin, h.handleImportMembers},
		// raw_inputs.go
		{GET, "/members/:id/history", leadsHR, h.handleMemberHistory},
		{GET, "/plans/:id/done", leadsHR, h.handlePlanDone},
		// plans.go
		{POST, "/plans", leads, h.handleCreatePlan},
		{GET, "/plans", anyone, h.handleListPlans},
		{GET, "/plans/:id", anyone, h.handleGetPlan},
		{PATCH, "/plans/:id", leads, h.handleEditPlan},
		{POST, "/plans/:id/items/:item_id/done", anyone, h.handleItemDone},
		// sessions.go
		{POST, "/sessions", leads, h.handleCreateSession},
		{GET, "/sessions", anyone, h.handleListSessions},
		{GET, "/sessions/:id", anyone, h.handleGetSession},
		{POST, "/sessions/:id/cancel", leads, h.handleCancelSession},
		{PUT, "/sessions/:id/items", leads, h.handleSetSessionItems},
		{GET, "/sessions/:id/code", leads, h.handleSessionCode},
		{GET, "/sessions/:id/qr.png", leads, h.handleSessionQR},
		{GET, "/sessions/:id/signin-sheet.pdf", leads, h.handleSigninSheet},
		// attendance.go
		{POST, "/sessions/:id/checkin", anyone, h.handleCheckin},
		{PUT, "/sessions/:id/attendance/:member_id", leads, h.handleSetAttendance},
		{DELETE, "/sessions/:id/attendance/:member_id", leads, h.handleClearAttendance},
		{PUT, "/sessions/:id/attendance", leads, h.handleRecordSheet},
		{POST, "/sessions/:id/attendance/:member_id/makeup", leads, h.handleMakeup},
		{POST, "/sessions/:id/leave", anyone, h.handleRequestLeave},
		{PUT, "/sessions/:id/leave/:member_id", leads, h.handleDecideLeave},
		// rotation.go
		{GET, "/groups/:id/rotation", readers, h.handleGetRotation},
		{PUT, "/groups/:id/rotation", leads, h.handlePutRotation},
		// minutes.go
		{POST, "/sessions/:id/reading", leads, h.handleRecordReading},
		{POST, "/sessions/:id/shares", leads, h.handleRecordShare},
		{POST, "/sessions/:id/questions", leads, h.handleRecordQuestion},
		// meetings.go
		{PUT, "/sessions/:id/shares/:share_id", leads, h.handleUpdateShare},
		{DELETE, "/sessions/:id/shares/:share_id", leads, h.handleDeleteShare},
		{PUT, "/sessions/:id/questions/:question_id", leads, h.handleUpdateQuestion},
		{DELETE, "/sessions/:id/questions/:question_id", leads, h.handleDeleteQuestion},
		{DELETE, "/sessions/:id/reading", leads, h.handleDeleteReading},
		{PUT, "/sessions/:id/minutes", leads, h.handlePutMinutes},
		{GET, "/sessions/:id/minutes", readers, h.handleGetMinutes},
		{GET, "/sessions/:id/minutes.pdf", readers, h.handleMinutesPDF},
		{GET, "/sessions/:id/four", anyone, h.handleFour},
		{GET, "/compliance", readers, h.handleCompliance},
		// learning_reports.go
		{POST, "/learning-reports", anyone, h.handleWriteReport},
		{GET, "/learning-reports", anyone, h.handleListReports},
		{PUT, "/learning-reports/:id/evaluation", leads, h.handleEvaluateReport},
		// exams.go
		{POST, "/exams", leads, h.handleCreateExam},
		{GET, "/exams", anyone, h.handleListExams},
		{GET, "/exams/:id", anyone, h.handleGetExam},
		{PUT, "/exams/:id/scores", leads, h.handlePutScores},
		// rates.go
		{GET, "/rates", anyone, h.handleRates},
		{GET, "/warnings", readers, h.handleWarnings},
		{GET, "/periods", anyone, h.handleListPeriods},
		{POST, "/periods/:period/lock", hrAdmin, h.handleLockPeriod},
		{POST, "/periods/:period/unlock", adminOnly, h.handleUnlockPeriod},
		// reports.go
		{POST, "/reports", hrAdmin, h.handleStartReports},
		{GET, "/reports", anyone, h.handleListReportFiles},
		{GET, "/reports/:period/members/:file", anyone, h.handleMemberReportFile},
		{GET, "/reports/:period/groups/:file", readers, h.handleGroupReportFile},
		{GET, "/reports/:period.zip", leadsHR, h.handleReportZip},
		{GET, "/jobs", hrAdmin, h.handleListJobs},
		{GET, "/jobs/:id", hrAdmin, h.handleGetJob},
		// admin.go
		{GET, "/audit", auditReaders, h.handleAudit},
		{GET, "/audit/verify", auditReaders, h.handleAuditVerify},
		{GET, "/backup", sysAdmin, h.handleBackup},
		// robots.go
		{POST, "/groups/:id/robots", leads, h.handleCreateRobot},
		{GET, "/groups/:id/robots", leads, h.handleListRobots},
		{GET, "/groups/:id/reminders", leads, h.handleGetReminderSettings},
		{PUT, "/groups/:id/reminders", leads, h.handlePutReminderSettings},
		{GET, "/robots/:id", leads, h.handleGetRobot},
		{PATCH, "/robots/:id", leads, h.handlePatchRobot},
		{DELETE, "/robots/:id", leads, h.handleDeleteRobot},
		{POST, "/robots/:id/test", leads, h.handleTestRobot},
		{GET, "/outbox", sysAdmin, h.handleOutbox},
		// openapi.go
		{GET, "/openapi.json", public, h.handleOpenAPI},
	}
}
