package remind

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"studyroll/robot"
	"studyroll/store"
)

// line is one "label：value" row of a message.
type line struct{ label, value string }

// Render writes a message's notice in Chinese, as markdown and as plain
// text; base is the service's public address for the link ("" for none).
func Render(m *store.Message, base string, loc *time.Location) robot.Content {
	n := &m.Notice
	var title string
	var lines []line
	var note string
	when := func(s *store.SessionNotice) string {
		a, b := s.StartsAt.In(loc), s.EndsAt.In(loc)
		out := fmt.Sprintf("%d月%d日（%s）%s", a.Month(), a.Day(), weekday(a), a.Format("15:04"))
		if !b.IsZero() {
			if b.YearDay() == a.YearDay() {
				out += "–" + b.Format("15:04")
			} else {
				out += fmt.Sprintf(" 至 %d月%d日 %s", b.Month(), b.Day(), b.Format("15:04"))
			}
		}
		return out
	}
	sessionLines := func(s *store.SessionNotice) {
		lines = append(lines, line{"时间", when(s)})
		if s.Place != "" {
			lines = append(lines, line{"地点", s.Place})
		}
		if len(s.Items) > 0 {
			lines = append(lines, line{"内容", strings.Join(s.Items, "；")})
		}
		if s.Lead != "" {
			lines = append(lines, line{"领读", s.Lead})
		}
	}
	switch {
	case m.Event == store.EventSessionTomorrow && n.Session != nil:
		title = "明日学习提醒：" + n.Session.Title
		sessionLines(n.Session)
		note = "请合理安排工作，按时参加；确有特殊情况请提前在系统中请假。"
	case m.Event == store.EventSessionSoon && n.Session != nil:
		mins := int(n.Session.StartsAt.Sub(m.CreatedAt).Round(time.Minute).Minutes())
		title = "学习即将开始：" + n.Session.Title
		if mins > 0 {
			title = fmt.Sprintf("%d分钟后开始学习：%s", mins, n.Session.Title)
		}
		sessionLines(n.Session)
		note = "请准时到场，到场后扫码签到。"
	case m.Event == store.EventAttendance && n.Attendance != nil:
		a := n.Attendance
		title = "考勤情况：" + sessionTitle(n)
		if n.Session != nil {
			lines = append(lines, line{"时间", when(n.Session)})
		}
		lines = append(lines, line{"应到", fmt.Sprintf("%d人", a.Audience)},
			line{"实到", fmt.Sprintf("%d人（其中迟到%d人）", a.Present+a.Late, a.Late)},
			line{"请假", fmt.Sprintf("%d人", a.Leave)}, line{"缺席", fmt.Sprintf("%d人", a.Absent)})
		if len(a.Absentees) > 0 {
			lines = append(lines, line{"缺席人员", strings.Join(a.Absentees, "、")})
		}
		if a.Leave+a.Absent > 0 {
			note = "请假、缺席的同志请及时补学，并在系统中登记。"
		}
	case m.Event == store.EventWarningsDigest && n.Digest != nil:
		d := n.Digest
		title = fmt.Sprintf("本周学习预警（%s）", d.Week)
		lines = append(lines, line{"考核期", d.Period}, line{"有预警的人数", fmt.Sprintf("%d人", d.Members)})
		kinds := make([]string, 0, len(d.Counts))
		for k := range d.Counts {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			lines = append(lines, line{warningName(k), fmt.Sprintf("%d人", d.Counts[k])})
		}
		if len(d.Names) > 0 {
			lines = append(lines, line{"人员", strings.Join(d.Names, "、")})
		}
		note = "请学习委员登录系统查看详情，逐一跟进补学。"
		if d.Members == 0 {
			note = "本周没有预警，继续保持。"
		}
	case (m.Event == store.EventRectificationDue || m.Event == store.EventRectificationOverdue) && n.Finding != nil:
		f := n.Finding
		if m.Event == store.EventRectificationOverdue {
			title = "整改已逾期"
		} else {
			title = "整改期限临近"
		}
		if f.Category != "" {
			lines = append(lines, line{"类别", f.Category})
		}
		lines = append(lines, line{"问题", f.Description})
		if f.Responsible != "" {
			lines = append(lines, line{"责任人", f.Responsible})
		}
		switch {
		case f.DaysLeft < 0:
			lines = append(lines, line{"时限", fmt.Sprintf("%s（已逾期%d天）", f.Deadline, -f.DaysLeft)})
		case f.DaysLeft == 0:
			lines = append(lines, line{"时限", f.Deadline + "（今天到期）"})
		default:
			lines = append(lines, line{"时限", fmt.Sprintf("%s（还剩%d天）", f.Deadline, f.DaysLeft)})
		}
		note = "请按期完成整改并在系统中提交整改材料。"
	case m.Event == store.EventReportsReady && n.Reports != nil:
		title = "考核报表已生成：" + n.Reports.Period
		lines = append(lines, line{"考核期", n.Reports.Period})
		note = "季度、年度考核表和汇总表已可在系统中下载。"
	case m.Event == store.EventTest && n.Test != nil:
		title = "测试消息"
		lines = append(lines, line{"发送人", n.Test.By}, line{"发送时间", n.Test.At.In(loc).Format("2006-01-02 15:04")})
		note = "收到这条消息，说明学习提醒机器人配置正确。"
	default:
		title = "学习提醒"
		note = "（这条消息的内容无法显示）"
	}
	if n.Group != "" {
		lines = append([]line{{"单位", n.Group}}, lines...)
	}
	link := ""
	if base != "" && n.Path != "" {
		link = strings.TrimRight(base, "/") + n.Path
	}
	return robot.Content{Title: title, Markdown: markdown(title, lines, note, link), Text: text(title, lines, note, link)}
}

func sessionTitle(n *store.Notice) string {
	if n.Session != nil {
		return n.Session.Title
	}
	return ""
}

func weekday(t time.Time) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[t.Weekday()]
}

func warningName(kind string) string {
	switch kind {
	case store.WarnBelowTarget:
		return "未达“三个100%”"
	case store.WarnCannotReach:
		return "缺课未补学"
	case store.WarnConsecutiveAbsence:
		return "连续缺席"
	}
	return kind
}

// mdEscape keeps people's words from being read as markdown (or the
// robots' HTML-like tags): the marks become their full-width forms, and
// line breaks spaces.
var mdEscape = strings.NewReplacer("*", "＊", "_", "＿", "[", "［", "]", "］", "<", "＜", ">", "＞", "`", "｀",
	"#", "＃", "~", "～", "|", "｜", "\r\n", " ", "\n", " ", "\r", " ")

var textEscape = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func markdown(title string, lines []line, note, link string) string {
	var b strings.Builder
	b.WriteString("### " + mdEscape.Replace(title) + "\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "**%s**：%s  \n", l.label, mdEscape.Replace(l.value))
	}
	if note != "" {
		b.WriteString("\n> " + note + "\n")
	}
	if link != "" {
		b.WriteString("\n[在学习系统中查看](" + link + ")\n")
	}
	return b.String()
}

func text(title string, lines []line, note, link string) string {
	var b strings.Builder
	b.WriteString("【" + textEscape.Replace(title) + "】\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "%s：%s\n", l.label, textEscape.Replace(l.value))
	}
	if note != "" {
		b.WriteString(note + "\n")
	}
	if link != "" {
		b.WriteString("查看：" + link + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
