package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// handleCreateExam handles POST /exams: a lead over the group, or an admin.
func (h *Handler) handleCreateExam(c echo.Context) error {
	var in store.ExamInput
	if err := decode(c, &in); err != nil {
		return err
	}
	e, err := h.store.CreateExam(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, e)
}

// examScope says what of an exam a caller sees: nothing (403), every score,
// or only the scores of some members.
type examScope struct {
	all  bool
	keep func(memberID string) bool
}

// examScopeOf applies the read rules: hr and admin see every exam and
// score; a lead sees the exams of their subtree with all scores, and the
// exams of groups above theirs with their subtree's scores; a member sees
// the exams that target them, with only their own score.
func (h *Handler) examScopeOf(caller *store.Member, t *store.Tree, e *store.Exam) (*examScope, error) {
	switch {
	case caller.Role.ReadsAll():
		return &examScope{all: true}, nil
	case caller.Role == store.RoleLead:
		if store.ManagesGroup(t, caller, e.GroupID) {
			return &examScope{all: true}, nil
		}
		if store.LeadsBelow(t, caller, e.GroupID) {
			ms, err := h.store.Members(t.Subtree(caller.GroupID)...)
			if err != nil {
				return nil, err
			}
			mine := map[string]bool{caller.ID: true}
			for _, m := range ms {
				mine[m.ID] = true
			}
			return &examScope{keep: func(id string) bool { return mine[id] }}, nil
		}
	default:
		if store.ReadsGroup(t, caller, e.GroupID) {
			return &examScope{keep: func(id string) bool { return id == caller.ID }}, nil
		}
	}
	return nil, store.Forbidden("this exam does not concern you")
}

// handleListExams handles GET /exams?group_id=&period=: the exams the
// caller may see; with group_id, those reaching that group's subtree (held
// for it, a group above it or one below it); with period, those held in it.
func (h *Handler) handleListExams(c echo.Context) error {
	caller := me(c)
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	var f store.ExamFilter
	if ps := c.QueryParam("period"); ps != "" {
		p, err := store.ParsePeriod(ps, h.store.Location())
		if err != nil {
			return badParam("period", "a year like 2023 or a quarter like 2023Q3")
		}
		f.Period = &p
	}
	gid := c.QueryParam("group_id")
	if gid != "" {
		if _, ok := t.Group(gid); !ok {
			return store.NotFound("group", gid)
		}
	}
	exams, err := h.store.Exams(f)
	if err != nil {
		return err
	}
	out := []store.Exam{}
	for _, e := range exams {
		if gid != "" && !t.Covers(gid, e.GroupID) && !t.Covers(e.GroupID, gid) {
			continue
		}
		if _, err := h.examScopeOf(caller, t, &e); store.IsKind(err, store.KindForbidden) {
			continue
		} else if err != nil {
			return err
		}
		out = append(out, e)
	}
	return c.JSON(http.StatusOK, list(out))
}

// handleGetExam handles GET /exams/:id: the exam with the scores the
// caller may see (a member: only their own).
func (h *Handler) handleGetExam(c echo.Context) error {
	d, err := h.store.ExamDetail(c.Param("id"))
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	sc, err := h.examScopeOf(me(c), t, &d.Exam)
	if err != nil {
		return err
	}
	if !sc.all {
		d.OnlyMembers(sc.keep)
	}
	return c.JSON(http.StatusOK, d)
}

// handlePutScores handles PUT /exams/:id/scores: a lead over the exam's
// group, or an admin. Any bad entry → 422 naming each ("scores[3]"),
// nothing stored.
func (h *Handler) handlePutScores(c echo.Context) error {
	var in store.ScoresInput
	if err := decode(c, &in); err != nil {
		return err
	}
	// The store checks who may enter which score (store.ScoresMember) in
	// the write's transaction, before anything about the exam shows.
	d, err := h.store.PutScores(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	caller := me(c)
	if !store.ManagesGroup(t, caller, d.GroupID) { // a lead below: the answer shows only what GET /exams/{id} would
		ms, err := h.store.Members(t.Subtree(caller.GroupID)...)
		if err != nil {
			return err
		}
		mine := map[string]bool{caller.ID: true}
		for _, m := range ms {
			mine[m.ID] = true
		}
		d.OnlyMembers(func(id string) bool { return mine[id] })
	}
	return c.JSON(http.StatusOK, d)
}
