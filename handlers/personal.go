package handlers

import (
	"archive/zip"
	"encoding/json"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/labstack/echo/v4"

	"studyroll/store"
)

// personalReadme explains the zip to its owner, Chinese first.
const personalReadme = `个人数据副本 / A copy of your personal data

profile.json          账号与所在组织 / your account and group
attendance.json       每次学习的考勤记录 / your attendance at each session
leave_requests.json   请假申请 / your leave requests
scores.json           考试成绩 / your exam scores
learning_reports.json 学习报告及评价 / your learning reports and their evaluations
self_study.json       自学完成记录 / self-study items you marked done
rates.json            各季度参学率、完成率、优秀率 / your quarterly rates
appraisals/           学习考核表 PDF / your appraisal forms

依据《个人信息保护法》第四十五条提供。 Provided under PIPL article 45.
`

// handleMyData handles GET /me/data.zip: the caller's own personal data
// (profile, attendance, leave, scores, learning reports, quarterly rates,
// appraisal PDFs) as one zip. Only ever the caller's: there is no id to
// change. The download is recorded in the audit log.
func (h *Handler) handleMyData(c echo.Context) error {
	caller := me(c)
	pd, err := h.store.PersonalData(caller.ID)
	if err != nil {
		return err
	}
	rates, err := h.quarterlyRates(caller)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.store.RecordSecurityEvent(ctx, "personal_data_export", caller.ID, map[string]any{"address": clientAddr(c)}); err != nil {
		return err
	}
	today := h.store.Now().In(h.store.Location()).Format("20060102")
	c.Response().Header().Set(echo.HeaderContentType, "application/zip")
	c.Response().Header().Set(echo.HeaderContentDisposition,
		contentDisposition("attachment", "studyroll-my-data-"+today+".zip", "我的学习数据-"+caller.Name+"-"+today+".zip"))
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	zw := zip.NewWriter(c.Response())
	put := func(name string, v any) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	w, err := zw.Create("README.txt")
	if err == nil {
		_, err = w.Write([]byte(personalReadme))
	}
	for _, part := range []struct {
		name string
		v    any
	}{
		{"profile.json", map[string]any{"member": pd.Member, "group": pd.Group, "exported_at": pd.ExportedAt}},
		{"attendance.json", pd.Attendance}, {"leave_requests.json", pd.Leave}, {"scores.json", pd.Scores},
		{"learning_reports.json", pd.LearningReports}, {"self_study.json", pd.SelfStudyDone}, {"rates.json", rates},
	} {
		if err == nil {
			err = put(part.name, part.v)
		}
	}
	for _, f := range pd.Appraisals {
		if err != nil {
			break
		}
		data, rerr := os.ReadFile(filepath.Join(h.cfg.ReportDir, filepath.FromSlash(f.Path)))
		if rerr != nil {
			continue // listed but gone from disk: the JSON parts still go out
		}
		w, cerr := zw.Create("appraisals/" + f.Period + "-" + f.Kind + path.Ext(f.Path))
		if err = cerr; err == nil {
			_, err = w.Write(data)
		}
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		h.log.Error("personal data zip failed mid-stream", "member_id", caller.ID, "err", err)
	}
	return nil
}

// quarterlyRates is the caller's own rates for every quarter from the one
// they joined in to the current one (at most 80).
func (h *Handler) quarterlyRates(m *store.Member) ([]*store.RatesReport, error) {
	loc := h.store.Location()
	joined, err := time.ParseInLocation(store.DateLayout, m.JoinedOn, loc)
	if err != nil {
		return nil, err
	}
	now := h.store.Now()
	out := []*store.RatesReport{}
	for p := quarterOf(joined, loc); !p.Start.After(now) && len(out) < 80; p = quarterOf(p.End, loc) {
		r, err := h.store.MemberRates(p, m.ID, h.store.Policy())
		if store.IsKind(err, store.KindNotFound) {
			break // an account with no group is in no rates
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func quarterOf(t time.Time, loc *time.Location) store.Period {
	t = t.In(loc)
	q := (int(t.Month())-1)/3 + 1
	start := time.Date(t.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
	return store.Period{Year: t.Year(), Quarter: q, Start: start, End: start.AddDate(0, 3, 0)}
}
