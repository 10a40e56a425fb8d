package demo

import (
	"context"
	"time"

	"studyroll/store"
)

// seedMoves moves one member of 办公室第二党支部 to 办公室第一党支部 (the
// demo lead's branch) from the first day of last month, so the demo shows
// dated membership: GET /members/{id}/history lists both branches, and the
// rates count the member in the second branch before the move and in the
// first after it. Runs after the activity, so the member's records before
// the move stay where they were made; the first branch's sessions held
// since the move get the member's attendance (present) as its lead would
// have recorded it.
func seedMoves(ctx context.Context, s *store.Store, org *Org) (*store.Member, error) {
	if len(org.Branches) < 2 {
		return nil, nil
	}
	from, to := org.Branches[1], org.Branches[0]
	loc := s.Location()
	now := s.Now().In(loc)
	on := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, loc)
	day := on.Format(store.DateLayout)
	var mover *store.Member
	for i := range org.Members {
		if m := &org.Members[i]; m.GroupID == from.ID && m.Role == store.RoleMember && m.LeftOn == "" && m.JoinedOn < day {
			mover = m
			break
		}
	}
	if mover == nil {
		return nil, nil
	}
	moved, err := s.UpdateMember(ctx, mover.ID, store.MemberPatch{GroupID: &to.ID, EffectiveOn: &day})
	if err != nil {
		return nil, err
	}
	*mover = *moved
	since, err := s.Sessions(store.SessionFilter{GroupIDs: []string{to.ID}, From: on, To: now})
	if err != nil {
		return nil, err
	}
	for _, sess := range since {
		if sess.EndsAt.After(now) {
			continue
		}
		if _, err := s.SetAttendance(ctx, sess.ID, mover.ID, store.AttendanceInput{Status: "present"}); err != nil {
			return nil, err
		}
	}
	return moved, nil
}
