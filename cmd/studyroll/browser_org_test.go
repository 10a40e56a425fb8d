package main

// The small organisation the browser scenarios run against.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"studyroll/store"
)

// ---- the organisation ---------------------------------------------------------

// seedBrowserOrg builds a small organisation with a quarter of history:
// root 机关党委 (HR) → two branches with a lead and members each; a plan
// with session items and self-study; up to three past sessions per branch
// with paper sign-in sheets; an exam; learning reports; and two sessions of
// 第一支部 starting in a few minutes, so self check-in is open now.
func seedBrowserOrg(t *testing.T, st *store.Store) *browserOrg {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	adm, err := st.MemberByUsername("admin")
	must(err)
	ctx := store.WithActor(context.Background(), adm.ID)
	loc := st.Location()
	now := time.Now().In(loc)
	q := (int(now.Month())-1)/3 + 1
	qStart := time.Date(now.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
	o := &browserOrg{period: fmt.Sprintf("%dQ%d", now.Year(), q)}

	o.root, err = st.CreateGroup(ctx, store.GroupInput{Name: "市直机关党委"})
	must(err)
	o.b1, err = st.CreateGroup(ctx, store.GroupInput{Name: "办公室第一党支部", ParentID: o.root.ID})
	must(err)
	o.b2, err = st.CreateGroup(ctx, store.GroupInput{Name: "办公室第二党支部", ParentID: o.root.ID})
	must(err)
	in := func(name, user, group string, role store.Role) store.MemberInput {
		return store.MemberInput{Name: name, Username: user, Password: browserPassword, GroupID: group, Role: role, JoinedOn: "2024-01-01"}
	}
	ms, err := st.CreateMembers(ctx, []store.MemberInput{
		in("周敏", "hr", o.root.ID, store.RoleHR),
		in("李建国", "lead1", o.b1.ID, store.RoleLead),
		in("张三", "m1", o.b1.ID, store.RoleMember),
		in("王芳", "m2", o.b1.ID, store.RoleMember),
		in("刘洋", "m3", o.b1.ID, store.RoleMember),
		in("陈红", "lead2", o.b2.ID, store.RoleLead),
		in("赵六", "m4", o.b2.ID, store.RoleMember),
		in("孙丽", "m5", o.b2.ID, store.RoleMember),
	})
	must(err)
	o.hr, o.lead1, o.m1, o.m2, o.m3, o.lead2, o.m4, o.m5 = &ms[0], &ms[1], &ms[2], &ms[3], &ms[4], &ms[5], &ms[6], &ms[7]

	qEnd := qStart.AddDate(0, 3, -1)
	plan, err := st.CreatePlan(ctx, store.PlanInput{GroupID: o.root.ID, Period: o.period, Title: "本季度理论学习计划",
		Items: []store.PlanItemInput{
			{Title: "党的二十届三中全会精神"},
			{Title: "《中国共产党纪律处分条例》"},
			{Title: "习近平新时代中国特色社会主义思想专题摘编"},
			{Title: "学习贯彻党的创新理论"},
			{Title: "自学：《习近平谈治国理政》第五卷选读", DueOn: qEnd.Format(store.DateLayout)},
		}})
	must(err)
	self := plan.Items[len(plan.Items)-1]
	for _, m := range []*store.Member{o.m1, o.m2, o.lead1, o.m4, o.lead2} {
		_, err := st.MarkItemDone(store.WithActor(context.Background(), m.ID), m.ID, plan.ID, self.ID)
		must(err)
	}

	// Past sessions of this quarter, 14:30–16:30, entered from paper sheets.
	type mark struct {
		m  *store.Member
		st []string // status at each past session
	}
	sheets := map[string][]mark{
		o.b1.ID: {{o.lead1, []string{"present", "present", "present"}}, {o.m1, []string{"present", "present", "present"}},
			{o.m2, []string{"late", "present", "present"}}, {o.m3, []string{"present", "absent", "leave"}}},
		o.b2.ID: {{o.lead2, []string{"present", "present", "present"}}, {o.m4, []string{"present", "present", "present"}},
			{o.m5, []string{"absent*", "present", "absent"}}},
	}
	var past []time.Time
	for _, back := range []int{21, 14, 7} {
		d := time.Date(now.Year(), now.Month(), now.Day()-back, 14, 30, 0, 0, loc)
		if !d.Before(qStart) {
			past = append(past, d)
		}
	}
	for k, day := range past {
		for _, g := range []*store.Group{o.b1, o.b2} {
			sess, err := st.CreateSession(ctx, store.SessionInput{GroupID: g.ID, Title: "集中学习：" + plan.Items[k].Title,
				StartsAt: day.Format(time.RFC3339), EndsAt: day.Add(2 * time.Hour).Format(time.RFC3339),
				Place: "党员活动室", ItemIDs: []string{plan.Items[k].ID}})
			must(err)
			var sheet []store.SheetEntry
			for _, mk := range sheets[g.ID] {
				status := mk.st[k]
				e := store.SheetEntry{MemberID: mk.m.ID, Status: strings.TrimSuffix(status, "*")}
				switch e.Status {
				case "present", "late":
					at := day.Add(-10 * time.Minute)
					if e.Status == "late" {
						at = day.Add(12 * time.Minute)
					}
					e.CheckedInAt = &at
				case "leave":
					e.Note = "出差"
				}
				if strings.HasSuffix(status, "*") {
					e.MakeupOn, e.MakeupNote = day.AddDate(0, 0, 3).Format(store.DateLayout), "自学原文并提交心得"
				}
				sheet = append(sheet, e)
			}
			_, err = st.RecordSheet(ctx, sess.ID, sheet)
			must(err)
		}
	}

	held := now.Format(store.DateLayout)
	if len(past) > 0 {
		held = past[len(past)-1].Format(store.DateLayout)
	}
	exam, err := st.CreateExam(ctx, store.ExamInput{GroupID: o.root.ID, Title: "本季度理论学习测试", HeldOn: held, MaxScore: 100})
	must(err)
	scores := map[*store.Member]float64{o.hr: 93, o.lead1: 96, o.m1: 95, o.m2: 88, o.m3: 92, o.lead2: 91, o.m4: 97, o.m5: 76}
	var sin store.ScoresInput
	for m, sc := range scores {
		sin.Scores = append(sin.Scores, store.ScoreEntry{MemberID: m.ID, Score: sc})
	}
	_, err = st.PutScores(ctx, exam.ID, sin)
	must(err)

	for m, text := range map[*store.Member]string{
		o.m1: "本季度认真学习党的二十届三中全会精神，结合岗位实际查找不足，进一步增强了服务意识。",
		o.m2: "通过集中学习和自学，深化了对纪律处分条例的理解，今后将严格要求自己。",
		o.m4: "坚持原原本本学原文，撰写学习笔记三篇，在支部交流发言一次。",
	} {
		r, _, err := st.WriteReport(store.WithActor(context.Background(), m.ID), m, store.ReportInput{Period: o.period, Text: text})
		must(err)
		if m.GroupID == o.b1.ID {
			_, err = st.EvaluateReport(store.WithActor(ctx, o.lead1.ID), o.lead1, r.ID, store.EvaluationInput{Grade: 5, Comment: "学习认真，联系实际较好"})
			must(err)
		}
	}

	// Sessions starting a few minutes from now: self check-in is open and
	// arriving now counts as present.
	soon := now.Add(5 * time.Minute).Truncate(time.Minute)
	o.sessA, err = st.CreateSession(ctx, store.SessionInput{GroupID: o.b1.ID, Title: "集中学习：" + plan.Items[2].Title,
		StartsAt: soon.Format(time.RFC3339), EndsAt: soon.Add(90 * time.Minute).Format(time.RFC3339),
		Place: "三楼党员活动室", ItemIDs: []string{plan.Items[2].ID}})
	must(err)
	o.sessB, err = st.CreateSession(ctx, store.SessionInput{GroupID: o.b1.ID, Title: "专题研讨：" + plan.Items[3].Title,
		StartsAt: soon.Add(5 * time.Minute).Format(time.RFC3339), EndsAt: soon.Add(95 * time.Minute).Format(time.RFC3339),
		Place: "二楼会议室", ItemIDs: []string{plan.Items[3].ID}})
	must(err)
	return o
}
