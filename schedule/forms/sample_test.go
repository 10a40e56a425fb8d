package forms

import (
	"fmt"
	"strings"
	"time"
)

var shanghai = time.FixedZone("CST", 8*3600)

func fp(v float64) *float64 { return &v }

func sampleAppraisal() MemberAppraisal {
	day := func(m, d int) time.Time { return time.Date(2023, time.Month(m), d, 9, 0, 0, 0, shanghai) }
	return MemberAppraisal{
		Organisation: "××市财政局机关党委",
		Period:       Period{Year: 2023, Quarter: 3},
		Member:       MemberInfo{Name: "张三丰", Group: "第一党支部", Position: "预算科科长"},
		Attendance:   Attendance{Required: 12, Attended: 11, Leave: 1, Absent: 1, MadeUp: 1},
		Sessions: []SessionLine{
			{Date: day(7, 5), Title: "学习习近平新时代中国特色社会主义思想专题摘编（第一章）", Status: StatusPresent},
			{Date: day(7, 19), Title: "<script>alert('x')</script> 党章学习", Status: StatusLate},
			{Date: day(8, 2), Title: "主题教育读书班", Status: StatusLeave, MadeUp: true, MadeUpOn: day(8, 9)},
			{Date: day(8, 16), Title: strings.Repeat("很长的学习主题", 40), Status: StatusAbsent, Note: "出差"},
			{Date: day(9, 30), Title: "季度学习总结交流", Status: StatusPresent},
		},
		Content: Content{Assigned: 20, Completed: 19},
		Exams: []ExamLine{
			{Title: "第三季度应知应会测试", Date: day(9, 20), Score: fp(95), MaxScore: 100},
			{Title: "党纪学习教育知识测试", Date: day(9, 25), Score: fp(86.5), MaxScore: 100, ExcellentScore: 90},
			{Title: "补考", Date: day(9, 28), MaxScore: 100},
		},
		Engagement: Engagement{LeadCount: 2, Shares: 3, QuestionsAsked: 4, QuestionsAnswered: 2},
		Reports: []ReportLine{
			{Date: day(9, 10), Title: "学习心得", Text: "通过本季度的集中学习，深刻认识到……" + strings.Repeat("理论学习要与业务工作相结合。", 30), Grade: 4, Comment: "认识深刻，联系实际较好。"},
			{Date: day(9, 29), Text: "<b>bold?</b> & \"quotes\" {nb} " + strings.Repeat("x", 500), Grade: 0},
		},
		Result: AppraisalResult{Score: fp(87.46), Grade: GradeGood},
	}
}

func sampleSummary(nMembers, nGroups int) GroupSummary {
	s := GroupSummary{
		Organisation: "××市财政局机关党委",
		Period:       Period{Year: 2023, Quarter: 3},
	}
	grades := []string{GradeExcellent, GradeGood, GradePass, GradeFail}
	for g := 0; g < nGroups; g++ {
		gs := SummaryGroup{Name: fmt.Sprintf("第%d党支部", g+1), Members: 0, Sessions: 6 + g%3, GradeCounts: map[string]int{}}
		if g == 1 {
			gs.Note = "<script>x</script>含两名新入职人员，7月起参学"
		}
		s.Groups = append(s.Groups, gs)
	}
	names := []string{"张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑十一", "欧阳娜娜", "堃喆"}
	for i := 0; i < nMembers; i++ {
		g := i % nGroups
		req := int64(12)
		att := req
		if i%3 == 1 {
			att--
		}
		comp := int64(20)
		if i%4 == 2 {
			comp--
		}
		exc := int64(2)
		if i%5 == 3 {
			exc--
		}
		m := SummaryMember{
			Name:          names[i%len(names)] + fmt.Sprint(i/len(names)+1),
			Group:         s.Groups[g].Name,
			Participation: Rate{Num: att, Den: req},
			Completion:    Rate{Num: comp, Den: 20},
			Excellence:    Rate{Num: exc, Den: 2},
			Score:         fp(80 + float64(i%20)),
			Grade:         grades[i%4],
		}
		if i%7 == 3 {
			m.Excellence = Rate{}
		}
		s.Members = append(s.Members, m)
		gr := &s.Groups[g]
		gr.Members++
		gr.Participation = gr.Participation.Add(m.Participation)
		gr.Completion = gr.Completion.Add(m.Completion)
		gr.Excellence = gr.Excellence.Add(m.Excellence)
		gr.GradeCounts[m.Grade]++
	}
	return s
}

func sampleSignIn() SignInSheet {
	at := func(h, m int) time.Time { return time.Date(2023, 9, 30, h, m, 0, 0, shanghai) }
	return SignInSheet{
		Group:    "第一党支部",
		Topic:    "学习贯彻党的二十大精神专题研讨（第三次集中学习）",
		Lead:     "李四",
		Start:    at(14, 30),
		End:      at(16, 30),
		Place:    "机关三楼会议室",
		Host:     "王五",
		Recorder: "赵六",
		QRURL:    "https://studyroll.example/checkin/abc123?code=654321",
		Rows: []SignInRow{
			{Name: "张三丰", Status: StatusPresent, CheckedInAt: at(14, 21)},
			{Name: "李四", Status: StatusLate, CheckedInAt: at(14, 41)},
			{Name: "王五", Status: StatusLeave, Note: "公务外出"},
			{Name: "赵六", Status: StatusAbsent, MadeUp: true},
			{Name: "<img src=x onerror=alert(1)>" + strings.Repeat("长", 60), Status: StatusPresent, CheckedInAt: at(14, 25)},
		},
	}
}
