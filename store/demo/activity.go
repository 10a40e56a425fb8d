package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"studyroll/store"
)

// Study material of the kind Party branches study (titles only).
var materials = []string{
	"习近平新时代中国特色社会主义思想专题摘编（第一章）",
	"《中国共产党章程》总纲",
	"《中国共产党纪律处分条例》学习",
	"党的二十大报告：全面建设社会主义现代化国家",
	"《习近平谈治国理政》第四卷选读",
	"中央八项规定精神及其实施细则",
	"《关于新时代加强和改进思想政治工作的意见》",
	"党史学习：新民主主义革命时期",
	"《中国共产党支部工作条例（试行）》",
	"机关党建工作要点解读",
	"意识形态工作责任制学习",
	"《党政机关厉行节约反对浪费条例》",
}

// Learning reports are put together from these pools, so that they differ
// the way real ones do; one member in the demo copies a colleague's.
var (
	reportOpen = []string{
		"本季度我认真参加支部组织的集中学习，重点学习了%s。",
		"围绕%s，我坚持集中学习与个人自学相结合，按计划完成了学习任务。",
		"这一阶段我把%s作为学习重点，通读原文并做了摘抄。",
		"按照支部学习计划，我系统学习了%s，并参加了专题研讨。",
	}
	reportBody = []string{
		"在学习中我注重联系本职工作，思考如何提高服务群众的质量和效率。",
		"我在支部学习会上作了交流发言，谈了对依法行政的认识。",
		"通过对照检查，我发现自己在调查研究方面还有差距，已列出整改清单。",
		"我结合处室承担的重点任务，梳理了三个需要改进的工作环节。",
		"学习之后我主动向老同志请教，对政策背景有了更全面的理解。",
		"我把学习体会运用到文稿起草中，文件质量有了明显提高。",
		"在相互提问环节，我就基层减负问题提出了自己的看法。",
	}
	reportClose = []string{
		"下一步我将继续原原本本学，把学习成果转化为推动工作的实际成效。",
		"今后要在学深悟透、学以致用上下功夫，克服工学矛盾，保证学习时间。",
		"存在的不足是学习系统性不够，下季度计划每周安排固定自学时间。",
		"我将进一步增强四个意识，坚定四个自信，做到两个维护。",
	}
)

// seedActivity adds, for the current year up to today: one organisation-wide
// plan per quarter with its content items and a self-study item; a monthly
// session per branch with attendance (as if entered from paper sign-in
// sheets), make-ups, reading turns, shares and questions; a quarterly
// organ-wide training and exam; learning reports, some evaluated, two of
// them near copies of each other; and each branch's next session.
func seedActivity(ctx context.Context, s *store.Store, org *Org, rng *rand.Rand) error {
	loc := s.Location()
	now := s.Now().In(loc)
	year := now.Year()
	byGroup := map[string][]store.Member{}
	lead := map[string]*store.Member{}
	for i := range org.Members {
		m := &org.Members[i]
		byGroup[m.GroupID] = append(byGroup[m.GroupID], *m)
		if m.Role == store.RoleLead {
			lead[m.GroupID] = m
		}
	}
	statusOf := func() (string, bool) { // status, make-up
		switch r := rng.IntN(100); {
		case r < 84:
			return "present", false
		case r < 89:
			return "late", false
		case r < 95:
			return "leave", rng.IntN(3) > 0
		default:
			return "absent", rng.IntN(2) == 0
		}
	}
	curQ := (int(now.Month())-1)/3 + 1
	for q := 1; q <= curQ; q++ {
		period := fmt.Sprintf("%dQ%d", year, q)
		qStart := time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
		items := []store.PlanItemInput{}
		for k := 0; k < 3; k++ {
			items = append(items, store.PlanItemInput{Title: materials[(3*(q-1)+k)%len(materials)]})
		}
		due := qStart.AddDate(0, 2, 19).Format(store.DateLayout)
		items = append(items, store.PlanItemInput{Title: "自学：" + materials[(q+7)%len(materials)], DueOn: due})
		plan, err := s.CreatePlan(ctx, store.PlanInput{GroupID: org.Root.ID, Period: period, Title: "理论学习计划", Items: items}) // the screens show the period beside it
		if err != nil {
			return fmt.Errorf("plan %s: %w", period, err)
		}
		// Self-study done by most members, for quarters already past the due date.
		if due < now.Format(store.DateLayout) {
			self := plan.Items[len(plan.Items)-1]
			for _, m := range org.Members {
				if m.GroupID != "" && rng.IntN(100) < 90 && m.JoinedOn <= due {
					dueAt, _ := time.ParseInLocation(store.DateLayout, due, loc)
					at := dueAt.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)
					if _, err := s.RecordItemDone(ctx, m.ID, plan.ID, self.ID, at); err != nil {
						return fmt.Errorf("self-study: %w", err)
					}
				}
			}
		}
		// Monthly branch sessions, each on one content item.
		for month := 0; month < 3; month++ {
			day := time.Date(year, qStart.Month()+time.Month(month), 10+rng.IntN(10), 14, 30, 0, 0, loc)
			past := day.Add(2 * time.Hour).Before(now)
			if !past && day.After(now.AddDate(0, 1, 0)) {
				continue
			}
			item := plan.Items[month%3]
			for _, br := range org.Branches {
				if err := seedSession(ctx, s, br, byGroup[br.ID], lead[br.ID], day, item, past, statusOf, rng); err != nil {
					return err
				}
			}
		}
		// The quarter's organ-wide training and exam.
		train := time.Date(year, qStart.Month()+1, 25, 9, 0, 0, 0, loc)
		if train.Add(3 * time.Hour).Before(now) {
			sess, err := s.CreateSession(ctx, store.SessionInput{GroupID: org.Root.ID, Title: fmt.Sprintf("机关党委%d年第%s季度专题培训", year, chineseNumber(q)),
				StartsAt: train.Format(time.RFC3339), EndsAt: train.Add(3 * time.Hour).Format(time.RFC3339), Place: "机关大礼堂", ItemIDs: []string{plan.Items[0].ID}})
			if err != nil {
				return fmt.Errorf("training: %w", err)
			}
			var sheet []store.SheetEntry
			for _, m := range org.Members {
				if m.GroupID == "" || !m.ActiveOn(train.Format(store.DateLayout)) {
					continue
				}
				st, mk := statusOf()
				e := store.SheetEntry{MemberID: m.ID, Status: st}
				if on := train.AddDate(0, 0, 7).Format(store.DateLayout); mk && on <= s.Today() {
					e.MakeupOn, e.MakeupNote = on, "观看培训录像补学" // a make-up is recorded once made
				}
				sheet = append(sheet, e)
			}
			if _, err := s.RecordSheet(ctx, sess.ID, sheet); err != nil {
				return fmt.Errorf("training sheet: %w", err)
			}
		}
		examDay := time.Date(year, qStart.Month()+2, 20, 0, 0, 0, 0, loc)
		if examDay.Before(now) {
			ex, err := s.CreateExam(ctx, store.ExamInput{GroupID: org.Root.ID, Title: fmt.Sprintf("%d年第%s季度理论学习测试", year, chineseNumber(q)),
				HeldOn: examDay.Format(store.DateLayout), MaxScore: 100})
			if err != nil {
				return fmt.Errorf("exam: %w", err)
			}
			var in store.ScoresInput
			for _, m := range org.Members {
				if m.GroupID == "" || !m.ActiveOn(examDay.Format(store.DateLayout)) || rng.IntN(40) == 0 {
					continue // a few missed the exam
				}
				score := 100 - float64(rng.IntN(12)) - float64(rng.IntN(12)) // mostly 85–100
				in.Scores = append(in.Scores, store.ScoreEntry{MemberID: m.ID, Score: score})
			}
			if _, err := s.PutScores(ctx, ex.ID, in); err != nil {
				return fmt.Errorf("scores: %w", err)
			}
		}
		// Learning reports for finished quarters; the leads evaluate most.
		if q < curQ {
			if err := seedReports(ctx, s, org, lead, period, q, rng); err != nil {
				return err
			}
		}
	}
	return nil
}

func seedSession(ctx context.Context, s *store.Store, br store.Group, members []store.Member, ld *store.Member,
	day time.Time, item store.ContentItem, past bool, statusOf func() (string, bool), rng *rand.Rand) error {
	sess, err := s.CreateSession(ctx, store.SessionInput{GroupID: br.ID, Title: "集中学习：" + item.Title,
		StartsAt: day.Format(time.RFC3339), EndsAt: day.Add(2 * time.Hour).Format(time.RFC3339),
		Place: "党员活动室", ItemIDs: []string{item.ID}})
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if !past {
		return nil
	}
	date := day.Format(store.DateLayout)
	var sheet []store.SheetEntry
	var present []string
	for _, m := range members {
		if !m.ActiveOn(date) {
			continue
		}
		st, mk := statusOf()
		e := store.SheetEntry{MemberID: m.ID, Status: st}
		switch st {
		case "present", "late":
			at := day.Add(time.Duration(rng.IntN(20)-15) * time.Minute)
			if st == "late" {
				at = day.Add(time.Duration(6+rng.IntN(20)) * time.Minute)
			}
			e.CheckedInAt = &at
			present = append(present, m.ID)
		case "leave":
			e.Note = []string{"出差", "病假", "参加上级会议", "事假"}[rng.IntN(4)]
		}
		if on := day.AddDate(0, 0, 3+rng.IntN(10)).Format(store.DateLayout); mk && on <= s.Today() {
			e.MakeupOn, e.MakeupNote = on, "自学原文并提交心得" // a make-up is recorded once made
		}
		sheet = append(sheet, e)
	}
	if _, err := s.RecordSheet(ctx, sess.ID, sheet); err != nil {
		return fmt.Errorf("sheet: %w", err)
	}
	if ld == nil || len(present) < 3 {
		return nil
	}
	reader := sess.LeadID
	if reader == "" {
		reader = present[0]
	}
	if _, _, err := s.RecordReading(ctx, ld, sess.ID, store.ReadingInput{LeadID: reader, Material: item.Title, Notes: "领读原文并谈体会"}); err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	for k := 0; k < 2; k++ {
		who := present[rng.IntN(len(present))]
		if _, err := s.RecordShare(ctx, ld, sess.ID, store.ShareInput{MemberID: who, Summary: "结合岗位工作谈学习体会，提出改进作风的具体措施"}); err != nil {
			return fmt.Errorf("share: %w", err)
		}
	}
	a, b := present[rng.IntN(len(present))], present[rng.IntN(len(present))]
	if a != b {
		if _, err := s.RecordQuestion(ctx, ld, sess.ID, store.QuestionInput{AskerID: a, AnswererID: b, Question: "如何把学习成果转化为推动工作的实际成效？", Rating: 3 + rng.IntN(3)}); err != nil {
			return fmt.Errorf("question: %w", err)
		}
	}
	return nil
}

func seedReports(ctx context.Context, s *store.Store, org *Org, lead map[string]*store.Member, period string, q int, rng *rand.Rand) error {
	copied := ""
	for i := range org.Members {
		m := &org.Members[i]
		if m.GroupID == "" || m.Role == store.RoleHR || rng.IntN(10) == 0 {
			continue
		}
		text := fmt.Sprintf(reportOpen[rng.IntN(len(reportOpen))], materials[(q+i)%len(materials)])
		for _, k := range rng.Perm(len(reportBody))[:2] {
			text += reportBody[k]
		}
		text += reportClose[rng.IntN(len(reportClose))]
		if i%97 == 5 { // a member who copies a colleague's report almost word for word
			if copied != "" {
				text = copied + "。"
			} else {
				copied = text
			}
		}
		mctx := store.WithActor(context.Background(), m.ID)
		r, _, err := s.WriteReport(mctx, m, store.ReportInput{Period: period, Text: text})
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if ld := lead[m.GroupID]; ld != nil && ld.ID != m.ID && rng.IntN(5) > 0 {
			grade := 3 + rng.IntN(3)
			if _, err := s.EvaluateReport(store.WithActor(ctx, ld.ID), ld, r.ID, store.EvaluationInput{Grade: grade, Comment: "学习认真，联系实际较好"}); err != nil {
				return fmt.Errorf("evaluation: %w", err)
			}
		}
	}
	return nil
}
