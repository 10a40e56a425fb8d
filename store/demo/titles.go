package demo

import (
	"math/rand/v2"

	"studyroll/store"
)

// memberTitles are posts (职务) of an organ's staff, most common first.
var memberTitles = []string{"科员", "科员", "科员", "主任科员", "主任科员", "一级主任科员", "四级调研员", "副科长", "科长", "副处长"}

// assignTitles gives every demo account a post, so the appraisal forms
// print 职务: branch secretaries are 处长 or 副处长 and first on their
// branch's roster (position 1); the others get a staff post. It uses its
// own generator, so the rest of the demo stays as it was.
func assignTitles(ins []store.MemberInput) {
	rng := rand.New(rand.NewPCG(2023, 16))
	for i := range ins {
		switch ins[i].Role {
		case store.RoleLead:
			ins[i].Title = []string{"处长", "副处长", "副处长"}[rng.IntN(3)]
			ins[i].Position = 1
		case store.RoleHR:
			ins[i].Title = "组织科科长"
		default:
			ins[i].Title = memberTitles[rng.IntN(len(memberTitles))]
		}
	}
}
