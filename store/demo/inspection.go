package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"studyroll/store"
)

// Demo inspection figures: the finished inspection reports exactly what the
// press reported — 8 organisations, 37 branches, 61 people, 38 problems —
// with DemoRectified closed and DemoOverdue past their deadline.
const (
	DemoPeople    = 61
	DemoProblems  = 38
	DemoRectified = 26
	DemoOverdue   = 5
)

var demoQuestions = []store.BankQuestionInput{
	{Question: "“三会一课”具体指什么？", Answer: "支部党员大会、支部委员会、党小组会和党课", Tags: []string{"组织生活"}},
	{Question: "“第一议题”制度的要求是什么？", Answer: "把学习习近平总书记最新重要讲话和重要指示批示精神作为会议第一议题，及时跟进学习", Tags: []string{"学习制度"}},
	{Question: "党支部多长时间召开一次组织生活会？", Answer: "一般每年召开一次", Tags: []string{"组织生活"}},
	{Question: "主题党日一般多长时间开展一次？", Answer: "每月相对固定一天", Tags: []string{"组织生活"}},
	{Question: "学习型机关“三个100%”指什么？", Answer: "全员参学100%、学习内容完成100%、考试优秀100%", Tags: []string{"学习制度"}},
	{Question: "党员不参加党的组织生活多长时间应视为自行脱党？", Answer: "连续六个月不参加党的组织生活、不交纳党费、不做党所分配的工作", Tags: []string{"党章"}},
	{Question: "集中学习的考勤登记包括哪些情形？", Answer: "出席、迟到、请假、缺席，请假缺席的须补学", Tags: []string{"考勤"}},
	{Question: "述学、评学、考学分别指什么？", Answer: "个人报告学习情况、支部评价学习成效、组织考试检验", Tags: []string{"述学评学考学"}},
	{Question: "党章规定党员有哪些基本义务？（说出三项）", Answer: "认真学习、贯彻执行党的基本路线、坚持党和人民利益高于一切等八项", Tags: []string{"党章"}},
	{Question: "新时代党的建设总要求的主线是什么？", Answer: "加强党的长期执政能力建设、先进性和纯洁性建设", Tags: []string{"理论"}},
	{Question: "个人领读的基本要求是什么？", Answer: "提前准备，领读后谈体会并提出思考问题", Tags: []string{"学习制度"}},
	{Question: "“四落实”指哪四个方面？", Answer: "人员、时间、内容、效果落实", Tags: []string{"学习制度"}},
}

var demoProblems = []string{
	"集中学习签到表缺少请假人员补学记录",
	"“第一议题”学习记录过于简单，未体现研讨交流内容",
	"个别党员学习笔记更新不及时",
	"党小组会会议记录缺少决定事项",
	"述学材料内容空泛，联系工作实际不够",
	"主题党日活动形式单一，缺少实践环节",
	"应知应会知识掌握不牢，随机提问回答不完整",
	"学习计划未按季度细化，内容安排不具体",
	"组织生活会查摆问题不够具体",
	"学习园地更新不及时，氛围营造不足",
}

var demoMeasures = []string{
	"补齐补学记录，建立请假补学台账",
	"完善学习记录模板，逐次记录研讨发言",
	"每月检查学习笔记并通报",
	"规范会议记录要素，支委会审核",
	"重写述学材料，支部书记把关",
	"制定下季度主题党日计划，增加实践内容",
	"开展应知应会专题学习并组织测试",
	"按季度细化学习计划并报机关党委备案",
}

// seedInspections adds the 督查 demo: two inspector accounts, a question
// bank, the units typed as committees (their Party bodies), a finished
// inspection of all 8 units with the press's figures and an inspection in
// progress, and a questionnaire.
func seedInspections(ctx context.Context, s *store.Store, org *Org, rng *rand.Rand) error {
	committee := store.GroupCommittee
	for _, u := range org.Units {
		if _, err := s.UpdateGroup(ctx, u.ID, store.GroupPatch{Type: &committee}); err != nil {
			return err
		}
	}
	ms, err := s.CreateMembers(ctx, []store.MemberInput{ // bulk, like the rest of the demo roster
		{Name: "孙督查", Username: "inspector", Password: Password, Role: store.RoleInspector, JoinedOn: "2020-01-01"},
		{Name: "钱建平", Username: "inspector2", Password: Password, Role: store.RoleInspector, JoinedOn: "2020-01-01"},
	})
	if err != nil {
		return err
	}
	team := []string{ms[0].ID, ms[1].ID}
	org.Logins = append(org.Logins, Login{"inspector", "inspector", ms[0].Name})
	as := store.WithActor(ctx, team[0])
	for _, q := range demoQuestions {
		if _, err := s.CreateBankQuestion(as, q); err != nil {
			return err
		}
	}
	byGroup := map[string][]store.Member{}
	for _, m := range org.Members {
		if m.Role == store.RoleMember || m.Role == store.RoleLead {
			byGroup[m.GroupID] = append(byGroup[m.GroupID], m)
		}
	}
	loc := s.Location()
	day := func(offset int) string { return s.Now().In(loc).AddDate(0, 0, offset).Format(store.DateLayout) }
	var units []string
	for _, u := range org.Units {
		units = append(units, u.ID)
	}
	year := s.Now().In(loc).Year()

	// The finished inspection.
	done, err := s.CreateInspection(as, store.InspectionInput{Title: fmt.Sprintf("%d年机关党建工作督查", year),
		StartsOn: day(-75), EndsOn: day(-60), InspectorIDs: team, TargetGroupIDs: units, Methods: store.InspectionMethods})
	if err != nil {
		return err
	}
	results := func() string {
		switch r := rng.IntN(100); {
		case r < 70:
			return store.ResultCorrect
		case r < 88:
			return store.ResultPartial
		case r < 96:
			return store.ResultWrong
		}
		return store.ResultNoAnswer
	}
	drawn := map[string]string{}
	for i, b := range org.Branches {
		seed := int64(2023_0000 + i)
		d, err := s.CreateDraw(as, done.ID, store.DrawInput{GroupID: b.ID, Members: 1, Questions: 2, Seed: &seed})
		if err != nil {
			return err
		}
		drawn[b.ID] = d.Pairs[0].MemberID
		var answers []store.AnswerInput
		for _, p := range d.Pairs {
			answers = append(answers, store.AnswerInput{MemberID: p.MemberID, QuestionID: p.QuestionID, Result: results()})
		}
		if _, err := s.RecordAnswers(as, done.ID, d.ID, answers); err != nil {
			return err
		}
	}
	// 座谈: 24 more people, one talk per unit.
	talked := 0
	for _, u := range org.Units {
		var ids []string
		for _, b := range org.Branches {
			if b.ParentID != u.ID || talked+len(ids) >= DemoPeople-len(org.Branches) {
				continue
			}
			for _, m := range byGroup[b.ID] {
				if m.ID != drawn[b.ID] {
					ids = append(ids, m.ID)
					break
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		talked += len(ids)
		if _, err := s.CreateInterview(as, done.ID, store.InterviewInput{MemberIDs: ids, HeldOn: day(-70 + len(ids)%5),
			Notes: u.Name + "座谈：了解理论学习制度落实、考勤登记和述学评学考学情况，听取意见建议。"}); err != nil {
			return err
		}
	}
	// 38 problems: one per branch and one on the first unit.
	cats := store.FindingCategories()
	sevs := []string{store.SeverityMinor, store.SeverityMinor, store.SeveritySerious, store.SeverityMinor, store.SeverityGrave}
	for i := 0; i < DemoProblems; i++ {
		g := org.Units[0].ID
		resp := byGroup[org.Branches[0].ID][0]
		if i < len(org.Branches) {
			g = org.Branches[i].ID
			resp = byGroup[g][0] // the branch secretary
		}
		var deadline, state string
		switch {
		case i < DemoRectified:
			deadline, state = day(-30), store.FindingClosed
		case i < DemoRectified+4:
			deadline, state = day(10), store.FindingSubmitted
		case i < DemoRectified+7:
			deadline, state = day(15), store.FindingInProgress
		case i < DemoRectified+10:
			deadline, state = day(-20), store.FindingInProgress
		default:
			deadline, state = day(-20), store.FindingOpen
		}
		f, err := s.CreateFinding(as, done.ID, store.FindingInput{GroupID: g, Category: cats[i%len(cats)],
			Description: demoProblems[i%len(demoProblems)], Severity: sevs[i%len(sevs)], ResponsibleID: resp.ID,
			Measures: demoMeasures[i%len(demoMeasures)], Deadline: deadline})
		if err != nil {
			return err
		}
		by := store.WithActor(ctx, resp.ID)
		if state != store.FindingOpen {
			if _, err := s.ProgressFinding(by, f.ID, store.FindingInProgress, "已制定整改方案，正在落实"); err != nil {
				return err
			}
		}
		if state == store.FindingSubmitted || state == store.FindingClosed {
			if _, err := s.ProgressFinding(by, f.ID, store.FindingSubmitted, "已按整改措施落实到位，相关记录已补齐"); err != nil {
				return err
			}
		}
		if state == store.FindingClosed {
			if _, err := s.CloseFinding(as, f.ID, "经督查组复核，整改到位，同意销号"); err != nil {
				return err
			}
		}
	}

	// The inspection in progress: three units, a few draws, one talk.
	cur, err := s.CreateInspection(as, store.InspectionInput{Title: fmt.Sprintf("%d年理论学习专项督查", year),
		StartsOn: day(-3), EndsOn: day(10), InspectorIDs: team[:1], TargetGroupIDs: units[:3],
		Methods: []string{store.MethodSpotCheck, store.MethodInterview, store.MethodQuestionnaire}})
	if err != nil {
		return err
	}
	for i, b := range []store.Group{org.Branches[0], org.Branches[5]} {
		seed := int64(2024_0100 + i)
		d, err := s.CreateDraw(as, cur.ID, store.DrawInput{GroupID: b.ID, Members: 3, Questions: 1, Seed: &seed})
		if err != nil {
			return err
		}
		if i == 0 {
			var answers []store.AnswerInput
			for _, p := range d.Pairs {
				answers = append(answers, store.AnswerInput{MemberID: p.MemberID, QuestionID: p.QuestionID, Result: results()})
			}
			if _, err := s.RecordAnswers(as, cur.ID, d.ID, answers); err != nil {
				return err
			}
		}
	}
	if _, err := s.CreateFinding(as, cur.ID, store.FindingInput{GroupID: org.Branches[0].ID, Category: cats[0],
		Description: "本季度两次集中学习未安排个人领读", Severity: store.SeverityMinor, ResponsibleID: byGroup[org.Branches[0].ID][0].ID,
		Measures: "按轮值顺序安排领读并记录", Deadline: day(20)}); err != nil {
		return err
	}

	// A questionnaire of the units under inspection, anonymous.
	qn, err := s.CreateQuestionnaire(as, store.QuestionnaireInput{InspectionID: cur.ID, Title: "理论学习情况调研问卷", Anonymous: true,
		AudienceGroupIDs: units[:3], ClosesOn: day(10), Questions: []store.QnQuestion{
			{Kind: store.QnSingle, Text: "您所在支部每月集中学习几次？", Options: []string{"1次", "2次", "3次及以上", "不清楚"}},
			{Kind: store.QnMulti, Text: "您常用的学习方式有哪些？", Options: []string{"集中学习", "个人自学", "学习强国", "专题辅导"}},
			{Kind: store.QnText, Text: "您对改进理论学习有什么意见建议？"},
		}})
	if err != nil {
		return err
	}
	answered := 0
	for _, b := range org.Branches {
		if b.ParentID != units[0] && b.ParentID != units[1] && b.ParentID != units[2] {
			continue
		}
		for _, m := range byGroup[b.ID] {
			if rng.IntN(3) != 0 || answered >= 40 {
				continue
			}
			answered++
			one := rng.IntN(4)
			if one == 3 {
				one = 1
			}
			a := []store.QnAnswer{{Choice: &store.QnChoice{Index: &one}}, {Choices: pick(rng)}}
			if rng.IntN(4) == 0 {
				a = append(a, store.QnAnswer{Text: []string{"希望多组织专题辅导", "学习时间可以更灵活", "增加交流研讨环节", "建议结合业务工作学习"}[rng.IntN(4)]})
			}
			if err := s.AnswerQuestionnaire(store.WithActor(ctx, m.ID), qn.ID, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func pick(rng *rand.Rand) []store.QnChoice {
	var out []store.QnChoice
	for i := 0; i < 4; i++ {
		if i == 0 || rng.IntN(2) == 0 {
			out = append(out, store.QnChoice{Index: &i})
		}
	}
	return out
}
