package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"studyroll/store"
)

// First topics (第一议题) of the kind branches put first on their agenda.
var firstTopics = []string{
	"学习习近平总书记最新重要讲话精神",
	"学习习近平总书记关于党的建设的重要思想",
	"传达学习中央和上级党组织重要会议精神",
	"学习习近平总书记关于加强作风建设的重要论述",
}

// The branches whose 三会一课 the demo leaves imperfect (indexes into
// org.Branches): a few miss meetings, one has gone quiet.
const (
	demoMissCommittee = 4  // missed two 支委会
	demoMissCongress  = 11 // no 党员大会 last quarter
	demoMissOneMonth  = 19 // one month without a 支委会
	demoInactive      = 27 // nothing for the last six weeks
)

// seedMeetings adds the year's 三会一课 up to today: per branch a 支委会 each
// month, a 党员大会 each quarter and the 组织生活会 in January; per unit a
// 主题党日 each month (it counts for the unit's branches); a 党课 by the
// committee each quarter. Attendance comes from paper sheets; the
// minutes of almost every session held were written on time (a few late);
// each meeting has a share recorded. Most branches comply; three miss
// meetings and one has had no session for six weeks (its last ones were
// cancelled).
func seedMeetings(ctx context.Context, s *store.Store, org *Org, rng *rand.Rand) error {
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
	// the content items of this year's plans, by quarter
	plans, err := s.Plans(store.PlanFilter{GroupIDs: []string{org.Root.ID}})
	if err != nil {
		return err
	}
	itemOf := map[int]string{}
	for _, p := range plans {
		var y, q int
		if _, err := fmt.Sscanf(p.Period, "%dQ%d", &y, &q); err == nil && y == year && len(p.Items) > 0 {
			itemOf[q] = p.Items[0].ID
		}
	}
	quietFrom := now.AddDate(0, 0, -42)
	admin := &store.Member{ID: "system", Role: store.RoleAdmin}

	// one meeting of kind for group g at day, with its sheet, a share and
	// minutes; members are the audience.
	meet := func(g store.Group, kind, title string, day time.Time, hours int, members []store.Member, ld *store.Member) error {
		end := day.Add(time.Duration(hours) * time.Hour)
		if !end.Before(now) {
			return nil
		}
		q := (int(day.Month())-1)/3 + 1
		in := store.SessionInput{GroupID: g.ID, Kind: kind, Title: title, StartsAt: day.Format(time.RFC3339),
			EndsAt: end.Format(time.RFC3339), Place: "党员活动室"}
		if it := itemOf[q]; it != "" {
			in.ItemIDs = []string{it}
		}
		if ld != nil {
			in.LeadID = ld.ID
		}
		if g.Type == store.GroupBranch {
			in.FirstTopic = firstTopics[rng.IntN(len(firstTopics))]
		}
		sess, err := s.CreateSession(ctx, in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", kind, g.Name, err)
		}
		date := day.Format(store.DateLayout)
		var sheet []store.SheetEntry
		var present []string
		for _, m := range members {
			if !m.ActiveOn(date) {
				continue
			}
			e := store.SheetEntry{MemberID: m.ID, Status: "present"}
			switch r := rng.IntN(100); {
			case r < 3:
				e.Status, e.Note = "leave", []string{"出差", "病假", "参加上级会议"}[rng.IntN(3)]
			case r < 4:
				e.Status = "absent"
			case r < 8:
				e.Status = "late"
			}
			if e.Status == "present" || e.Status == "late" {
				at := day.Add(time.Duration(rng.IntN(15)-12) * time.Minute)
				e.CheckedInAt = &at
				present = append(present, m.ID)
			}
			sheet = append(sheet, e)
		}
		if _, err := s.RecordSheet(ctx, sess.ID, sheet); err != nil {
			return fmt.Errorf("%s sheet: %w", kind, err)
		}
		by := admin
		if ld != nil {
			by = ld
		}
		if len(present) > 1 && kind != store.KindPartyLecture {
			if _, err := s.RecordShare(ctx, by, sess.ID, store.ShareInput{MemberID: present[1], Summary: "围绕会议议题谈认识、提建议"}); err != nil {
				return fmt.Errorf("%s share: %w", kind, err)
			}
		}
		return writeMinutes(ctx, s, by, sess, present, end, rng)
	}

	months := int(now.Month())
	for _, u := range org.Units {
		for mo := 1; mo <= months; mo++ {
			day := time.Date(year, time.Month(mo), 18, 9, 0, 0, 0, loc)
			var aud []store.Member
			for _, br := range org.Branches {
				if br.ParentID == u.ID {
					aud = append(aud, byGroup[br.ID]...)
				}
			}
			if err := meet(u, store.KindThemeDay, fmt.Sprintf("%s%d月主题党日", u.Name, mo), day, 3, aud, nil); err != nil {
				return err
			}
		}
	}
	for q := 1; q <= (months+2)/3; q++ {
		day := time.Date(year, time.Month(3*(q-1)+2), 8, 9, 0, 0, 0, loc)
		all := append([]store.Member{}, byGroup[org.Root.ID]...)
		for _, br := range org.Branches {
			all = append(all, byGroup[br.ID]...)
		}
		if err := meet(org.Root, store.KindPartyLecture, fmt.Sprintf("机关党委书记讲党课（%d年第%s季度）", year, chineseNumber(q)), day, 2, all, nil); err != nil {
			return err
		}
	}
	for i, br := range org.Branches {
		members, ld := byGroup[br.ID], lead[br.ID]
		for mo := 1; mo <= months; mo++ {
			day := time.Date(year, time.Month(mo), 3+i%5, 15, 0, 0, 0, loc)
			skip := i == demoMissCommittee && (mo == months-2 || mo == months-4) ||
				i == demoMissOneMonth && mo == months-3 || i == demoInactive && !day.Before(quietFrom)
			if !skip {
				if err := meet(br, store.KindCommitteeMeeting, fmt.Sprintf("%s%d月支委会", br.Name, mo), day, 1, members, ld); err != nil {
					return err
				}
			}
			if mo%3 == 2 && !(i == demoMissCongress && (mo+2)/3 == (months+2)/3-1) && !(i == demoInactive && !day.Before(quietFrom)) {
				cday := time.Date(year, time.Month(mo), 12+i%6, 15, 0, 0, 0, loc)
				if err := meet(br, store.KindPartyCongress, fmt.Sprintf("%s第%s季度党员大会", br.Name, chineseNumber((mo+2)/3)), cday, 2, members, ld); err != nil {
					return err
				}
			}
			if mo == 1 {
				lday := time.Date(year, 1, 24+i%4, 9, 0, 0, 0, loc)
				if err := meet(br, store.KindLifeMeeting, fmt.Sprintf("%s%d年度组织生活会", br.Name, year-1), lday, 3, members, ld); err != nil {
					return err
				}
			}
		}
	}

	// Minutes of the study sessions already held, and the quiet branch's
	// recent study sessions cancelled.
	ss, err := s.Sessions(store.SessionFilter{From: time.Date(year, 1, 1, 0, 0, 0, 0, loc), To: now})
	if err != nil {
		return err
	}
	for i := range ss {
		sess := &ss[i]
		if sess.Kind != store.KindStudy || sess.EndsAt.After(now) {
			continue
		}
		if org.Branches[demoInactive].ID == sess.GroupID && !sess.StartsAt.Before(quietFrom) {
			if _, err := s.CancelSession(ctx, sess.ID); err != nil {
				return err
			}
			continue
		}
		by := admin
		if ld := lead[sess.GroupID]; ld != nil {
			by = ld
		}
		var present []string
		att, err := s.Attendance(sess.ID)
		if err != nil {
			return err
		}
		for _, a := range att {
			if a.Status == store.StatusPresent {
				present = append(present, a.MemberID)
			}
		}
		if err := writeMinutes(ctx, s, by, sess, present, sess.EndsAt, rng); err != nil {
			return err
		}
	}
	// The quiet branch's next session, already planned, is cancelled too.
	next, err := s.Sessions(store.SessionFilter{GroupIDs: []string{org.Branches[demoInactive].ID}, From: now})
	if err != nil {
		return err
	}
	for _, sess := range next {
		if _, err := s.CancelSession(ctx, sess.ID); err != nil {
			return err
		}
	}
	return nil
}

// writeMinutes enters a session's paper minutes: written the next working
// day, a few only a week later (late), one in fifty never.
func writeMinutes(ctx context.Context, s *store.Store, by *store.Member, sess *store.Session, present []string, end time.Time, rng *rand.Rand) error {
	r := rng.IntN(50)
	if r == 0 || len(present) < 2 {
		return nil
	}
	at := end.AddDate(0, 0, 1)
	if r < 3 {
		at = end.AddDate(0, 0, 8)
	}
	if at.After(s.Now()) {
		at = s.Now()
	}
	host := sess.LeadID
	if host == "" || by.Role == store.RoleLead {
		host = by.ID
	}
	if by.ID == "system" {
		host = present[0]
	}
	in := store.MinutesInput{HostID: host, RecorderID: present[len(present)-1], Summary: "会议按议程进行，传达学习有关精神，与会同志结合实际作了交流。",
		Decisions: "按会议要求抓好贯彻落实。"}
	if sess.FirstTopic == "" {
		in.FirstTopic = firstTopics[rng.IntN(len(firstTopics))]
	}
	if in.HostID == in.RecorderID {
		in.RecorderID = present[0]
	}
	_, err := s.SaveMinutesAt(ctx, by, sess.ID, in, at)
	return err
}
