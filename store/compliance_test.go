package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// meetingQuarter is a branch's 2023 up to Q3, built by hand: which meetings
// it held and missed, who came, what minutes were written. The clock ends
// at 2023-10-10, after the quarter.
type meetingQuarter struct {
	s                  *Store
	clock              *ManualClock
	root, branch, pg   string
	lead, c, m1, d1    *Member
	s1, s2, s3, cancel *Session
	future             *Session
	all                []*Member
}

func buildMeetingQuarter(t *testing.T) *meetingQuarter {
	t.Helper()
	s, clock := mustOpen(t)
	q := &meetingQuarter{s: s, clock: clock}
	sys := WithActor(admin, "system")
	q.root = mustGroup(t, s, "机关党委", "")
	q.branch = mustGroup(t, s, "第一党支部", q.root)
	pg, err := s.CreateGroup(admin, GroupInput{Name: "老干部组", ParentID: q.branch, Type: GroupPartyGroup})
	if err != nil {
		t.Fatal(err)
	}
	q.pg = pg.ID
	q.lead = mustMember(t, s, "书记", q.branch, RoleLead, "2020-01-01")
	q.all = append(q.all, q.lead)
	for i := 1; i <= 9; i++ {
		m := mustMember(t, s, fmt.Sprintf("党员%d", i), q.branch, RoleMember, "2020-01-01")
		q.all = append(q.all, m)
		switch i {
		case 1:
			q.m1 = m
		case 3:
			q.c = m // never comes, never asks leave
		}
	}
	q.d1 = mustMember(t, s, "组员", q.pg, RoleMember, "2020-01-01")
	q.all = append(q.all, q.d1)
	plan, err := s.CreatePlan(sys, PlanInput{GroupID: q.root, Period: "2023Q3", Title: "三季度学习计划",
		Items: []PlanItemInput{{Title: "党的二十大报告"}}})
	if err != nil {
		t.Fatal(err)
	}
	item := plan.Items[0].ID

	loc := s.Location()
	at := func(month time.Month, day, hour int) string {
		return time.Date(2023, month, day, hour, 0, 0, 0, loc).Format(time.RFC3339)
	}
	mk := func(group, kind string, month time.Month, day int, items []string, topic string) *Session {
		t.Helper()
		sess, err := s.CreateSession(sys, SessionInput{GroupID: group, Kind: kind, Title: kind + " " + at(month, day, 14)[:10],
			StartsAt: at(month, day, 14), EndsAt: at(month, day, 16), ItemIDs: items, FirstTopic: topic, LeadID: q.lead.ID})
		if err != nil {
			t.Fatalf("%s %s: %v", group, kind, err)
		}
		return sess
	}
	// everyone in the audience present, but C absent and those in skip
	// without a record.
	attend := func(sess *Session, skip ...*Member) {
		t.Helper()
		aud, err := s.Audience(sess)
		if err != nil {
			t.Fatal(err)
		}
	next:
		for _, m := range aud {
			for _, x := range skip {
				if x.ID == m.ID {
					continue next
				}
			}
			st := "present"
			if m.ID == q.c.ID {
				st = "absent"
			}
			if _, err := s.SetAttendance(sys, sess.ID, m.ID, AttendanceInput{Status: st}); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock.Set(time.Date(2023, 10, 10, 9, 0, 0, 0, loc))
	for _, mo := range []time.Month{time.April, time.May, time.June} {
		attend(mk(q.branch, KindStudy, mo, 10, []string{item}, ""))
	}
	q.s3 = mk(q.branch, KindPartyCongress, time.July, 10, []string{item}, "")
	attend(q.s3, q.m1)
	attend(mk(q.branch, KindCommitteeMeeting, time.July, 12, nil, ""))
	attend(mk(q.branch, KindThemeDay, time.July, 1, nil, ""))
	attend(mk(q.pg, KindGroupMeeting, time.July, 18, nil, ""))
	q.s2 = mk(q.branch, KindCommitteeMeeting, time.August, 9, nil, "")
	attend(q.s2)
	attend(mk(q.pg, KindGroupMeeting, time.August, 16, nil, ""))
	attend(mk(q.root, KindPartyLecture, time.August, 20, []string{item}, ""))
	q.s1 = mk(q.branch, KindStudy, time.September, 5, []string{item}, "学习习近平总书记重要讲话精神")
	attend(q.s1)
	attend(mk(q.root, KindThemeDay, time.September, 23, nil, ""))
	q.cancel = mk(q.pg, KindGroupMeeting, time.September, 20, nil, "")
	if _, err := s.CancelSession(sys, q.cancel.ID); err != nil {
		t.Fatal(err)
	}
	q.future = mk(q.branch, KindCommitteeMeeting, time.October, 20, nil, "")

	// Minutes: S1 on time (the day after), S2 late (11 days after).
	host := MinutesInput{HostID: q.lead.ID, RecorderID: q.m1.ID, Summary: "传达学习精神，结合工作谈体会。", Decisions: "无"}
	clock.Set(time.Date(2023, 9, 6, 10, 0, 0, 0, loc))
	if _, err := s.SaveMinutes(admin, q.lead, q.s1.ID, host); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordShare(admin, q.lead, q.s1.ID, ShareInput{MemberID: q.m1.ID, Summary: "谈学习体会"}); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2023, 8, 20, 10, 0, 0, 0, loc))
	host.FirstTopic = "学习《中国共产党支部工作条例》"
	if _, err := s.SaveMinutes(admin, q.lead, q.s2.ID, host); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordQuestion(admin, q.lead, q.s2.ID, QuestionInput{AskerID: q.m1.ID, AnswererID: q.d1.ID, Question: "如何落实？", Rating: 4}); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2023, 10, 10, 9, 0, 0, 0, loc))
	return q
}

// TestMeetingQuarter is the branch's quarter: the compliance table, the
// meeting warnings, the 四落实 of each kind of session and the rate.
func TestMeetingQuarter(t *testing.T) {
	q := buildMeetingQuarter(t)
	s := q.s
	p, _ := ParsePeriod("2023Q3", s.Location())

	items, err := s.Compliance(p, q.branch)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		g := "branch"
		if it.GroupID == q.pg {
			g = "pg"
		}
		got = append(got, fmt.Sprintf("%s %s %s %d/%d/%d %v", g, it.Kind, it.Slot, it.Required, it.Held, it.Missing, it.Due))
	}
	want := []string{
		"branch party_congress 2023Q3 1/1/0 true",
		"branch committee_meeting 2023-07 1/1/0 true",
		"branch committee_meeting 2023-08 1/1/0 true",
		"branch committee_meeting 2023-09 1/0/1 true",
		"branch party_lecture 2023Q3 1/1/0 true", // given by the committee
		"branch theme_day 2023-07 1/1/0 true",
		"branch theme_day 2023-08 1/0/1 true",
		"branch theme_day 2023-09 1/1/0 true", // given by the committee
		"branch life_meeting 2023 1/0/0 false",
		"pg group_meeting 2023-07 1/1/0 true",
		"pg group_meeting 2023-08 1/1/0 true",
		"pg group_meeting 2023-09 1/0/1 true", // cancelled
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("compliance:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if all, err := s.Compliance(p, ""); err != nil || len(all) != len(want) {
		t.Errorf("whole organisation: %d rows, %v; the committee has no required kinds", len(all), err)
	}

	ws, err := s.MeetingWarnings(p, q.branch)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, w := range ws {
		who := w.GroupName + w.Name
		got = append(got, fmt.Sprintf("%s %s %s %s %d %s %s", w.Kind, who, w.MeetingKind, w.Slot, w.Count, w.From, w.To))
	}
	want = []string{
		"meeting_missed 第一党支部 committee_meeting 2023-09 1  ",
		"meeting_missed 第一党支部 theme_day 2023-08 1  ",
		"meeting_missed 老干部组 group_meeting 2023-09 1  ",
		"inactive_group 老干部组   45 2023-08-16 ",
		"member_no_org_life 党员3   6 2023-04-10 2023-09-23",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	four := func(sess *Session) string {
		f, err := s.Four(sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := func(c Check) string {
			if c.OK {
				return "ok"
			}
			return "no: " + c.Reason
		}
		return fmt.Sprintf("people %s | time %s | content %s | effect %s | all %v", b(f.People), b(f.Time), b(f.Content), b(f.Effect), f.All)
	}
	for _, c := range []struct {
		name string
		sess *Session
		want string
	}{
		{"study, all four", q.s1, "people ok | time ok | content ok | effect ok | all true"},
		{"committee meeting, late minutes", q.s2, "people ok | time ok | content no: no content item | effect no: minutes late: due 2023-08-14 | all false"},
		{"party congress, no minutes", q.s3, "people no: 1 of 11 have no attendance status | time ok | content no: no first topic (第一议题) | effect no: minutes not complete: missing host_id, recorder_id, first_topic, summary | all false"},
		{"cancelled", q.cancel, "people no: 1 of 1 have no attendance status | time no: cancelled | content no: no content item | effect no: minutes not complete: missing host_id, recorder_id, summary | all false"},
		{"ahead", q.future, "people no: 11 of 11 have no attendance status | time no: not held yet: ends 2023-10-20T16:00:00+08:00 | content no: no content item | effect no: minutes not complete: missing host_id, recorder_id, first_topic, summary | all false"},
	} {
		if g := four(c.sess); g != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, g, c.want)
		}
	}
	// Held in the quarter, given to the branch or below: 3 in July, 2 in
	// August, 1 in September, plus the party group's 2; one has all four.
	r, err := s.FourRate(p, q.branch)
	if err != nil {
		t.Fatal(err)
	}
	if r.Num != 1 || r.Den != 7 {
		t.Errorf("四落实 rate %d/%d, want 1/7", r.Num, r.Den)
	}

	rec, err := s.MinutesRecord(q.s1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Complete || rec.Late || rec.DueOn != "2023-09-08" || rec.Expected != 11 || rec.Present != 10 || rec.Absent != 1 ||
		len(rec.Absentees) != 1 || rec.Absentees[0].Name != "党员3" || rec.Absentees[0].Status != "absent" ||
		rec.HostName != "书记" || rec.RecorderName != "党员1" || rec.FirstTopic != "学习习近平总书记重要讲话精神" {
		t.Errorf("minutes %+v", rec)
	}
}
