package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"studyroll/schedule/forms"
	"studyroll/store"
)

// signinBlankRows are the empty rows at the end of a sign-in sheet, for
// people not on the roster (guests, newcomers).
const signinBlankRows = 3

// handleSigninSheet handles GET /sessions/:id/signin-sheet.pdf (a lead over
// the session's group, or an admin): the paper sign-in sheet (学习签到表)
// with the session's audience, a blank signature column, what is already
// recorded (check-in times, leave, make-up) and a QR code of the current
// check-in URL in the corner. ?lang=en prints it in English.
func (h *Handler) handleSigninSheet(c echo.Context) error {
	lang := strings.ToLower(c.QueryParam("lang"))
	if lang != "" && lang != "zh" && lang != "en" {
		return badParam("lang", "zh or en")
	}
	code, err := h.sessionCode(c) // checks that the caller leads the session's group
	if err != nil {
		return err
	}
	d, err := h.store.SessionDetail(c.Param("id"))
	if err != nil {
		return err
	}
	t, err := h.store.Tree()
	if err != nil {
		return err
	}
	g, _ := t.Group(d.GroupID)
	org := ""
	if anc := t.Ancestors(d.GroupID); len(anc) > 1 {
		root, _ := t.Group(anc[len(anc)-1])
		org = root.Name
	}
	// 主持人 and 记录人 come from the minutes once they are written.
	mrec, err := h.store.MinutesRecord(d.ID)
	if err != nil {
		return err
	}
	recs := make(map[string]store.AttendanceEntry, len(d.Attendance))
	for _, a := range d.Attendance {
		recs[a.MemberID] = a
	}
	sheet := forms.SignInSheet{
		Organisation: org,
		Group:        g.Name,
		Kind:         d.Kind,
		Topic:        d.Title,
		Lead:         d.LeadName,
		Host:         mrec.HostName,
		Recorder:     mrec.RecorderName,
		Start:        d.StartsAt,
		End:          d.EndsAt,
		Place:        d.Place,
		BlankRows:    signinBlankRows,
		QRURL:        code.QRURL,
	}
	for _, a := range d.Audience {
		ag, _ := t.Group(a.GroupID)
		row := forms.SignInRow{Name: a.Name, Group: ag.Name}
		if r, ok := recs[a.MemberID]; ok {
			switch r.Status {
			case store.StatusPresent:
				row.Status = forms.StatusPresent
			case store.StatusLate:
				row.Status = forms.StatusLate
			case store.StatusLeave:
				row.Status = forms.StatusLeave
			case store.StatusAbsent:
				row.Status = forms.StatusAbsent
			}
			if r.CheckedInAt != nil {
				row.CheckedInAt = *r.CheckedInAt
			}
			row.MadeUp, row.Note = r.MakeupOn != "", r.Note
		}
		sheet.Rows = append(sheet.Rows, row)
	}
	// The footer's hash identifies the roster and records printed (not the
	// code, which changes every 30 seconds).
	noQR := sheet
	noQR.QRURL = ""
	data, err := json.Marshal(noQR)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	var buf bytes.Buffer
	opt := forms.Options{Font: h.cfg.Font, Lang: lang, GeneratedAt: h.store.Now(), DataHash: hex.EncodeToString(sum[:]), Location: h.store.Location()}
	if err := forms.SignInSheetPDF(&buf, sheet, opt); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	day := ""
	if !d.StartsAt.IsZero() {
		st := d.StartsAt.In(h.store.Location())
		day = fmt.Sprintf("%d年%d月%d日", st.Year(), int(st.Month()), st.Day())
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, contentDisposition("inline", "signin-"+d.ID+".pdf",
		readableName(".pdf", day, "签到表", g.Name)))
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}
