package demo

import (
	"context"

	"studyroll/store"
)

// seedReminders gives the demo two chat robots to look at on the 提醒机器人
// screen: HR's WeCom robot on the committee, taking only "reports ready",
// and the first branch's DingTalk robot, taking the session reminders and
// the attendance count. Both are switched off and their addresses are
// placeholders: a demo must never post to a real chat. Turning one on
// after pasting a real address makes it work.
func seedReminders(ctx context.Context, s *store.Store, org *Org) error {
	// The demo is seeded by the admin, or by "system" in tests: either
	// may manage every group's robots.
	by := &store.Member{ID: store.ActorFrom(ctx), Role: store.RoleAdmin}
	off := false
	hrName, hrURL := "机关党委人事群", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-0000-0000-0000-000000000000"
	if _, err := s.CreateRobot(ctx, by, org.Root.ID, store.RobotInput{Kind: store.RobotWeCom, Name: &hrName, URL: &hrURL,
		Events: &[]string{store.EventReportsReady}, Enabled: &off}); err != nil {
		return err
	}
	if len(org.Branches) == 0 {
		return nil
	}
	b := org.Branches[0]
	name, u, secret := b.Name+"学习群", "https://oapi.dingtalk.com/robot/send?access_token=0000000000000000000000000000000000000000000000000000000000000000", "SEC0000000000000000000000000000000000000000000000000000000000000000"
	_, err := s.CreateRobot(ctx, by, b.ID, store.RobotInput{Kind: store.RobotDingTalk, Name: &name, URL: &u, Secret: &secret,
		Events: &[]string{store.EventSessionTomorrow, store.EventSessionSoon, store.EventAttendance}, Enabled: &off})
	return err
}
