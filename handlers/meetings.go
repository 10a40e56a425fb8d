package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// Meetings (三会一课): compliance, minutes (会议记录), 四落实, and the
// corrections of shares, questions and reading turns.

// handleCompliance handles GET /compliance?group_id=&period= (lead over,
// hr, admin): the group and every group below it, each kind its type must
// hold, by month, quarter or year.
func (h *Handler) handleCompliance(c echo.Context) error {
	p, err := h.periodParam(c)
	if err != nil {
		return err
	}
	gid, err := h.scopeGroup(c, me(c))
	if err != nil {
		return err
	}
	items, err := h.store.Compliance(p, gid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(items))
}

// readableSession loads the session of :id and checks the caller may read
// its records: a lead over its group, or hr, admin, inspector (403
// otherwise).
func (h *Handler) readableSession(c echo.Context) (*store.Session, error) {
	sess, err := h.store.Session(c.Param("id"))
	if err != nil {
		return nil, err
	}
	caller := me(c)
	if caller.Role.ReadsAll() {
		return sess, nil
	}
	if err := h.leadsGroup(caller, sess.GroupID); err != nil {
		return nil, err
	}
	return sess, nil
}

// handlePutMinutes handles PUT /sessions/:id/minutes {host_id, recorder_id,
// first_topic, summary, decisions}: 200 with the minutes, complete and
// late. The store checks the caller leads over the session's group.
func (h *Handler) handlePutMinutes(c echo.Context) error {
	var in store.MinutesInput
	if err := decode(c, &in); err != nil {
		return err
	}
	rec, err := h.store.SaveMinutes(c.Request().Context(), me(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

// handleGetMinutes handles GET /sessions/:id/minutes (lead over, hr,
// admin): the minutes with the counts and absentees from attendance.
func (h *Handler) handleGetMinutes(c echo.Context) error {
	sess, err := h.readableSession(c)
	if err != nil {
		return err
	}
	rec, err := h.store.MinutesRecord(sess.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

// handleMinutesPDF handles GET /sessions/:id/minutes.pdf (lead over, hr,
// admin): the 会议记录. ?lang=en prints it in English.
func (h *Handler) handleMinutesPDF(c echo.Context) error {
	lang := strings.ToLower(c.QueryParam("lang"))
	if lang != "" && lang != "zh" && lang != "en" {
		return badParam("lang", "zh or en")
	}
	sess, err := h.readableSession(c)
	if err != nil {
		return err
	}
	rec, err := h.store.MinutesRecord(sess.ID)
	if err != nil {
		return err
	}
	mins, err := h.store.Minutes(sess.ID)
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	names, err := h.memberNames()
	if err != nil {
		return err
	}
	g, _ := t.Group(sess.GroupID)
	org := ""
	if anc := t.Ancestors(sess.GroupID); len(anc) > 1 {
		root, _ := t.Group(anc[len(anc)-1])
		org = root.Name
	}
	doc := forms.Minutes{Organisation: org, Group: g.Name, Kind: sess.Kind, Topic: sess.Title,
		Start: sess.StartsAt, End: sess.EndsAt, Place: sess.Place, Host: rec.HostName, Recorder: rec.RecorderName,
		FirstTopic: rec.FirstTopic, Expected: rec.Expected, Present: rec.Present, Leave: rec.Leave, Absent: rec.Absent,
		Summary: rec.Summary, Decisions: rec.Decisions, Late: rec.Late, Complete: rec.Complete}
	if due, err := time.ParseInLocation(store.DateLayout, rec.DueOn, h.store.Location()); err == nil {
		doc.DueOn = due
	}
	for _, a := range rec.Absentees {
		st := a.Status
		if st == "none" {
			st = ""
		}
		doc.Absentees = append(doc.Absentees, forms.MinutesAbsentee{Name: a.Name, Status: st, Reason: a.Reason, MadeUp: a.MadeUp})
	}
	if r := mins.Reading; r != nil {
		doc.Reading = names[r.LeadID] + "：" + r.Material
		if r.Notes != "" {
			doc.Reading += "（" + r.Notes + "）"
		}
	}
	for _, sh := range mins.Shares {
		doc.Shares = append(doc.Shares, names[sh.MemberID]+"："+sh.Summary)
	}
	for _, q := range mins.Questions {
		doc.Questions = append(doc.Questions, fmt.Sprintf("%s → %s：%s（%d/5）", names[q.AskerID], names[q.AnswererID], q.Question, q.Rating))
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	var buf bytes.Buffer
	opt := forms.Options{Font: h.cfg.Font, Lang: lang, GeneratedAt: h.store.Now(), DataHash: hex.EncodeToString(sum[:]), Location: h.store.Location()}
	if err := forms.MinutesPDF(&buf, doc, opt); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="minutes-`+sess.ID+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

// memberNames maps every member id to their name.
func (h *Handler) memberNames() (map[string]string, error) {
	ms, err := h.store.Members()
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		out[m.ID] = m.Name
	}
	return out, nil
}

// handleFour handles GET /sessions/:id/four (anyone who may see the
// session): the 四落实 checks, each with its reason.
func (h *Handler) handleFour(c echo.Context) error {
	sess, err := h.store.Session(c.Param("id"))
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	if !seesGroup(t, me(c), sess.GroupID) {
		return store.Forbidden("this session is not for your group")
	}
	f, err := h.store.Four(sess.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// handleUpdateShare handles PUT /sessions/:id/shares/:share_id {member_id,
// summary}.
func (h *Handler) handleUpdateShare(c echo.Context) error {
	var in store.ShareInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sh, err := h.store.UpdateShare(c.Request().Context(), me(c), c.Param("id"), c.Param("share_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sh)
}

// handleUpdateQuestion handles PUT /sessions/:id/questions/:question_id
// {asker_id, answerer_id, question, rating}.
func (h *Handler) handleUpdateQuestion(c echo.Context) error {
	var in store.QuestionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := h.store.UpdateQuestion(c.Request().Context(), me(c), c.Param("id"), c.Param("question_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

// handleDeleteShare handles DELETE /sessions/:id/shares/:share_id: 204.
func (h *Handler) handleDeleteShare(c echo.Context) error {
	if err := h.store.DeleteMinutesEntry(c.Request().Context(), me(c), c.Param("id"), "share", c.Param("share_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleDeleteQuestion handles DELETE /sessions/:id/questions/:question_id: 204.
func (h *Handler) handleDeleteQuestion(c echo.Context) error {
	if err := h.store.DeleteMinutesEntry(c.Request().Context(), me(c), c.Param("id"), "question", c.Param("question_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleDeleteReading handles DELETE /sessions/:id/reading: 204.
func (h *Handler) handleDeleteReading(c echo.Context) error {
	if err := h.store.DeleteMinutesEntry(c.Request().Context(), me(c), c.Param("id"), "reading_turn", ""); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
