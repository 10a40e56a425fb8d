// Package demo fills a fresh store with a realistic organisation: an organ's
// Party committee (机关党委) with 8 units, 37 branches and several hundred
// members with Chinese names, their study plans, sessions, attendance,
// exams and learning reports. Everything is drawn from a seeded generator,
// so two runs give the same organisation.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"studyroll/store"
)

// Password is the password of every demo account except admin.
const Password = "studyroll-demo"

// Units are the organ's internal units and how many branches each has
// (8 units, 37 branches in all).
var Units = []struct {
	Name     string
	Branches int
}{
	{"办公室", 4}, {"政策法规处", 4}, {"综合规划处", 5}, {"财务处", 4},
	{"人事处", 4}, {"机关服务中心", 6}, {"信息中心", 5}, {"离退休干部处", 5},
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

var given = []string{
	"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
	"平", "刚", "桂英", "建华", "建国", "建军", "文", "华", "红", "志强", "海燕", "晓东", "晓明", "雪梅", "丹", "玉兰", "婷",
	"浩", "宇", "欣怡", "子涵", "思远", "嘉怡", "俊杰", "国庆", "卫东", "春梅", "秋菊", "振华", "立新", "红梅", "海涛", "亚楠",
}

// Org is what Seed created, for the later stages and for tests.
type Org struct {
	Root     store.Group
	Units    []store.Group
	Branches []store.Group
	Members  []store.Member // every account made here, leads and hr included
	Logins   []Login        // the accounts worth trying first
	// Moved is the member moved between branches last month (moves.go),
	// nil when the organisation is too small for one.
	Moved *store.Member
}

// Login is one demo account to print.
type Login struct {
	Role, Username, Name string
}

// Seed creates the organisation in an empty store (it refuses a store that
// already has groups). ctx carries the acting account (the admin).
func Seed(ctx context.Context, s *store.Store) (*Org, error) {
	if gs, err := s.Groups(); err != nil {
		return nil, err
	} else if len(gs) > 0 {
		return nil, fmt.Errorf("the store already holds an organisation (%d groups): demo data goes only into a fresh store", len(gs))
	}
	rng := rand.New(rand.NewPCG(2023, 9))
	org := &Org{}
	root, err := s.CreateGroup(ctx, store.GroupInput{Name: "机关党委"})
	if err != nil {
		return nil, err
	}
	org.Root = *root
	year := s.Now().In(s.Location()).Year()
	used := map[string]bool{}
	name := func() string {
		for {
			n := string(surnames[rng.IntN(len(surnames))]) + given[rng.IntN(len(given))]
			if !used[n] || rng.IntN(8) == 0 { // a few namesakes, as in real rosters
				used[n] = true
				return n
			}
		}
	}
	var ins []store.MemberInput
	seq := 0
	add := func(group string, role store.Role, joined string) {
		seq++
		ins = append(ins, store.MemberInput{Name: name(), Username: fmt.Sprintf("u%04d", seq), Password: Password,
			GroupID: group, Role: role, JoinedOn: joined})
	}
	// Committee staff: HR and the committee's own secretary.
	ins = append(ins, store.MemberInput{Name: "周组织", Username: "hr", Password: Password, GroupID: root.ID, Role: store.RoleHR, JoinedOn: fmt.Sprintf("%d-01-01", year-5)})
	org.Logins = append(org.Logins, Login{"hr", "hr", "周组织"})
	branchNo := 0
	for _, u := range Units {
		unit, err := s.CreateGroup(ctx, store.GroupInput{Name: u.Name, ParentID: root.ID})
		if err != nil {
			return nil, err
		}
		org.Units = append(org.Units, *unit)
		for b := 1; b <= u.Branches; b++ {
			branchNo++
			br, err := s.CreateGroup(ctx, store.GroupInput{Name: fmt.Sprintf("%s第%s党支部", u.Name, chineseNumber(b)), ParentID: unit.ID})
			if err != nil {
				return nil, err
			}
			org.Branches = append(org.Branches, *br)
			// The branch secretary is a lead; 6–13 members.
			if branchNo == 1 {
				ins = append(ins, store.MemberInput{Name: "李书记", Username: "lead", Password: Password, GroupID: br.ID, Role: store.RoleLead, JoinedOn: fmt.Sprintf("%d-03-01", year-8)})
				org.Logins = append(org.Logins, Login{"lead", "lead", "李书记"})
			} else {
				add(br.ID, store.RoleLead, fmt.Sprintf("%d-%02d-01", year-1-rng.IntN(10), 1+rng.IntN(12)))
			}
			n := 6 + rng.IntN(8)
			for i := 0; i < n; i++ {
				joined := fmt.Sprintf("%d-%02d-%02d", year-1-rng.IntN(15), 1+rng.IntN(12), 1+rng.IntN(28))
				if rng.IntN(25) == 0 { // newcomers this year
					joined = fmt.Sprintf("%d-%02d-%02d", year, 1+rng.IntN(6), 1+rng.IntN(28))
				}
				if branchNo == 1 && i == 0 {
					ins = append(ins, store.MemberInput{Name: "张伟", Username: "member", Password: Password, GroupID: br.ID, Role: store.RoleMember, JoinedOn: fmt.Sprintf("%d-07-01", year-3)})
					org.Logins = append(org.Logins, Login{"member", "member", "张伟"})
					continue
				}
				add(br.ID, store.RoleMember, joined)
			}
		}
	}
	assignTitles(ins)
	err = s.Bulk(func() error {
		ms, err := s.CreateMembers(ctx, ins)
		if err != nil {
			return err
		}
		org.Members = ms
		if err := seedActivity(ctx, s, org, rng); err != nil {
			return err
		}
		if err := seedMeetings(ctx, s, org, rng); err != nil {
			return err
		}
		if err := seedInspections(ctx, s, org, rng); err != nil { // inspection.go
			return err
		}
		org.Moved, err = seedMoves(ctx, s, org) // moves.go
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := seedReminders(ctx, s, org); err != nil {
		return nil, err
	}
	return org, nil
}

func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
	if n <= 10 {
		return digits[n]
	}
	return "十" + digits[n-10]
}
