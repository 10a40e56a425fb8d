package store

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// SyntheticOptions shape the organisation BuildSynthetic writes. Zero
// fields take the defaults in brackets.
type SyntheticOptions struct {
	// Period the sessions, exams and self-study items fall in ["2023Q3"].
	// A year spreads them over its four quarters.
	Period string
	// Years, when more than one, spreads the sessions (and so the
	// attendance records) and the self-study items over that many years
	// ending with Period, as a store holding years of history does;
	// Period then holds its share of them, the joins and leaves and the
	// exams [1: everything in Period].
	Years int
	// GroupSize is the number of members per branch [50].
	GroupSize int
	// BranchesPerDepartment groups branches under departments [20].
	BranchesPerDepartment int
	// DepartmentSessionEvery: every n-th session targets a department
	// instead of a branch, so subtree sessions occur [200].
	DepartmentSessionEvery int
	// Exams held for the whole organisation [4].
	Exams int
	// SelfStudyPerBranch is the number of self-study items of each
	// branch's plan [3].
	SelfStudyPerBranch int
	// Password of every account ["password1"]; hashed once.
	Password string
	// BcryptCost of that one hash [bcrypt.DefaultCost].
	BcryptCost int
	// Seed makes the data reproducible [1].
	Seed uint64
	// Location cuts days and quarters [Asia/Shanghai].
	Location *time.Location
}

// SyntheticInfo describes what BuildSynthetic wrote.
type SyntheticInfo struct {
	Period    string
	RootID    string
	BranchIDs []string
	Members   int // accounts in groups
	MemberIDs []string
	// LeftIDs are the members who left during Period (not in the audience
	// of a session held after it).
	LeftIDs  []string
	AdminID  string // "admin", no group
	Sessions int
	Records  int // attendance records
	// PeriodRecords are the records of sessions in Period (all of them
	// unless Years spreads them).
	PeriodRecords int
	Items         int // content items
	DoneMarks     int
	Exams         int
	Scores        int
	Password      string
	Usernames     func(i int) string // username of the i-th member
	BuildTime     time.Duration
	StoreBytes    int64
}

// BuildSynthetic writes a large synthetic organisation into a fresh store in
// folder dir, fast: direct bucket writes in large sorted batches and one
// bcrypt hash shared by every account. members accounts are spread over
// branches of GroupSize under departments under one root; sessions study
// meetings fall evenly over the period, mostly for one branch (every n-th
// for a department), each with two content items of its own and, every
// tenth, one repeated from the previous session of the branch; attendance
// is 85% present, 5% late, 4% leave (half made up), 4% absent (a quarter
// made up) and 2% without a record; 2% of members join and 2% leave during
// the period. It is the fixture of the rates benchmark and of the bench
// command. The store is closed on return.
func BuildSynthetic(dir string, members, sessions int, opt SyntheticOptions) (*SyntheticInfo, error) {
	start := time.Now()
	if members < 1 || sessions < 0 {
		return nil, fmt.Errorf("synthetic: need at least one member and no negative session count")
	}
	if opt.Period == "" {
		opt.Period = "2023Q3"
	}
	if opt.GroupSize <= 0 {
		opt.GroupSize = 50
	}
	if opt.BranchesPerDepartment <= 0 {
		opt.BranchesPerDepartment = 20
	}
	if opt.DepartmentSessionEvery <= 0 {
		opt.DepartmentSessionEvery = 200
	}
	if opt.Exams == 0 {
		opt.Exams = 4
	}
	if opt.SelfStudyPerBranch == 0 {
		opt.SelfStudyPerBranch = 3
	}
	if opt.Password == "" {
		opt.Password = "password1"
	}
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.DefaultCost
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Location == nil {
		opt.Location = DefaultLocation()
	}
	p, err := ParsePeriod(opt.Period, opt.Location)
	if err != nil {
		return nil, err
	}
	spanStart := p.Start
	if opt.Years > 1 {
		spanStart = p.End.AddDate(-opt.Years, 0, 0)
	}
	s, err := Open(dir, Options{Location: opt.Location, BcryptCost: opt.BcryptCost})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if n, err := s.CountMembers(); err != nil || n > 0 {
		return nil, fmt.Errorf("synthetic: %s is not an empty store", dir)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(opt.Password), opt.BcryptCost)
	if err != nil {
		return nil, err
	}
	b := &synth{s: s, p: p, spanStart: spanStart, opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 0x5eed)), hash: hash,
		info: &SyntheticInfo{Period: p.String(), Password: opt.Password, Usernames: func(i int) string { return fmt.Sprintf("u%06d", i) }}}
	steps := []func() error{b.groups, func() error { return b.members(members) }, b.plansAndSessions(sessions), b.attendance, b.selfStudy, b.exams}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	b.info.BuildTime = time.Since(start)
	_ = s.view(func(tx *bolt.Tx) error { b.info.StoreBytes = tx.Size(); return nil })
	return b.info, nil
}

type synth struct {
	s         *Store
	p         Period
	spanStart time.Time // sessions and self-study items fall in [spanStart, p.End)
	opt       SyntheticOptions
	rng       *rand.Rand
	hash      []byte
	info      *SyntheticInfo

	depts    []string
	branches []string
	deptOf   []int      // branch → department
	byBranch [][]uint64 // branch → member ids
	byDept   [][]uint64
	joined   map[uint64]string
	left     map[uint64]string
	sessions []synthSession
}

type synthSession struct {
	id       uint64
	branch   int // -1 for a department session
	dept     int
	startDay string
	items    []uint64
}

var synthCtx = WithActor(context.Background(), "system")

// commit runs fn in one transaction with one audit entry naming the step.
func (b *synth) commit(step string, fn func(tx *bolt.Tx) error) error {
	return b.s.update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return b.s.audit(synthCtx, tx, "synthetic", "store", step, nil, nil)
	})
}

func (b *synth) groups() error {
	return b.commit("groups", func(tx *bolt.Tx) error {
		gb := tx.Bucket(bucketGroups)
		put := func(name, parent string) (string, error) {
			id, key, err := nextID(gb)
			if err != nil {
				return "", err
			}
			return id, putJSON(gb, key, &Group{ID: id, Name: name, ParentID: parent, Type: GroupCommittee})
		}
		root, err := put("机关党委", "")
		if err != nil {
			return err
		}
		b.info.RootID = root
		return nil
	})
}

// members spreads n accounts over branches, creating branches and
// departments as they fill, plus an hr at the root and an admin without a
// group.
func (b *synth) members(n int) error {
	nBranches := (n + b.opt.GroupSize - 1) / b.opt.GroupSize
	b.joined, b.left = map[uint64]string{}, map[uint64]string{}
	first, last := b.p.FirstDate(), b.p.LastDate()
	mid := b.p.Start.Add(b.p.End.Sub(b.p.Start) / 2).Format(DateLayout)
	return b.commit("members", func(tx *bolt.Tx) error {
		gb, mb, ub, cb := tx.Bucket(bucketGroups), tx.Bucket(bucketMembers), tx.Bucket(bucketUsernames), tx.Bucket(bucketCredentials)
		mb.FillPercent, cb.FillPercent = 0.95, 0.95
		for i := 0; i < nBranches; i++ {
			d := i / b.opt.BranchesPerDepartment
			if d == len(b.depts) {
				id, key, err := nextID(gb)
				if err != nil {
					return err
				}
				if err := putJSON(gb, key, &Group{ID: id, Name: fmt.Sprintf("第%d处", d+1), ParentID: b.info.RootID, Type: GroupOther}); err != nil {
					return err
				}
				b.depts = append(b.depts, id)
				b.byDept = append(b.byDept, nil)
			}
			id, key, err := nextID(gb)
			if err != nil {
				return err
			}
			if err := putJSON(gb, key, &Group{ID: id, Name: fmt.Sprintf("第%d支部", i+1), ParentID: b.depts[d], Type: GroupBranch}); err != nil {
				return err
			}
			b.branches = append(b.branches, id)
			b.deptOf = append(b.deptOf, d)
			b.byBranch = append(b.byBranch, nil)
		}
		b.info.BranchIDs = b.branches
		add := func(m *Member) (uint64, error) {
			id, key, err := nextID(mb)
			if err != nil {
				return 0, err
			}
			m.ID = id
			if err := putJSON(mb, key, m); err != nil {
				return 0, err
			}
			if err := ub.Put([]byte(m.Username), key); err != nil {
				return 0, err
			}
			return btoi(key), cb.Put(key, b.hash)
		}
		if _, err := add(&Member{Name: "管理员", Username: "admin", Role: RoleAdmin, JoinedOn: "2020-01-01"}); err != nil {
			return err
		}
		b.info.AdminID = "1"
		if _, err := add(&Member{Name: "人事处", Username: "hr", GroupID: b.info.RootID, Role: RoleHR, JoinedOn: "2020-01-01"}); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			br := i / b.opt.GroupSize
			m := &Member{Name: fmt.Sprintf("成员%06d", i), Username: b.info.Usernames(i), GroupID: b.branches[br], Role: RoleMember, JoinedOn: "2020-01-01"}
			if i%b.opt.GroupSize == 0 {
				m.Role = RoleLead
			}
			switch r := b.rng.IntN(100); {
			case r < 2:
				m.JoinedOn = mid
			case r < 4:
				m.LeftOn = mid
			}
			id, err := add(m)
			if err != nil {
				return err
			}
			if m.JoinedOn > first && m.JoinedOn <= last {
				b.joined[id] = m.JoinedOn
			}
			if m.LeftOn != "" {
				b.left[id] = m.LeftOn
				b.info.LeftIDs = append(b.info.LeftIDs, m.ID)
			}
			b.byBranch[br] = append(b.byBranch[br], id)
			b.byDept[b.deptOf[br]] = append(b.byDept[b.deptOf[br]], id)
			b.info.MemberIDs = append(b.info.MemberIDs, m.ID)
		}
		b.info.Members = n + 1 // and hr
		return nil
	})
}

// spread is the i-th of n even steps over span, computed so that neither
// product overflows (span × i does past a few thousand sessions).
func spread(span time.Duration, i, n int) time.Duration {
	n = max(n, 1)
	step, rest := span/time.Duration(n), span%time.Duration(n)
	return step*time.Duration(i) + rest*time.Duration(i)/time.Duration(n)
}

// active mirrors Member.ActiveOn for the synthetic members.
func (b *synth) active(id uint64, day string) bool {
	if j, ok := b.joined[id]; ok && j > day {
		return false
	}
	if l, ok := b.left[id]; ok && l <= day {
		return false
	}
	return true
}

// plansAndSessions writes one plan per branch and department holding the
// items of its sessions, and the sessions themselves.
func (b *synth) plansAndSessions(n int) func() error {
	return func() error {
		span := b.p.End.Sub(b.spanStart)
		type owner struct {
			group string
			items []ContentItem
		}
		owners := map[string]*owner{}
		lastItem := map[string]uint64{}
		err := b.commit("sessions", func(tx *bolt.Tx) error {
			sb, ib, secb := tx.Bucket(bucketSessions), tx.Bucket(bucketItems), tx.Bucket(bucketSecrets)
			sb.FillPercent, ib.FillPercent = 0.95, 0.95
			for i := 0; i < n; i++ {
				ss := synthSession{branch: i % len(b.branches)}
				ss.dept = b.deptOf[ss.branch]
				group := b.branches[ss.branch]
				if (i+1)%b.opt.DepartmentSessionEvery == 0 {
					ss.branch, group = -1, b.depts[ss.dept]
				}
				// Evenly over the period, at 09:00–11:00 local time.
				day := b.spanStart.Add(spread(span, i, n)).In(b.s.loc)
				st := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, b.s.loc)
				ss.startDay = st.Format(DateLayout)
				o := owners[group]
				if o == nil {
					o = &owner{group: group}
					owners[group] = o
				}
				var itemIDs []string
				for k := 0; k < 2; k++ {
					iid, ikey, err := nextID(ib)
					if err != nil {
						return err
					}
					it := ContentItem{ID: iid, Title: fmt.Sprintf("学习内容%s", iid)}
					o.items = append(o.items, it)
					ss.items = append(ss.items, btoi(ikey))
					itemIDs = append(itemIDs, iid)
				}
				if prev, ok := lastItem[group]; ok && i%10 == 0 {
					ss.items = append(ss.items, prev)
					itemIDs = append(itemIDs, keyID(itob(prev)))
				}
				lastItem[group] = ss.items[0]
				id, key, err := nextID(sb)
				if err != nil {
					return err
				}
				ss.id = btoi(key)
				sess := &Session{ID: id, GroupID: group, Kind: KindStudy, Title: "集中学习 " + ss.startDay, StartsAt: st, EndsAt: st.Add(2 * time.Hour),
					Place: "会议室", ItemIDs: itemIDs, CreatedAt: b.p.Start.UTC(), CreatedBy: "system"}
				if err := putJSON(sb, key, sess); err != nil {
					return err
				}
				secret := make([]byte, sessionSecretSize)
				for j := range secret {
					secret[j] = byte(b.rng.Uint32())
				}
				if err := secb.Put(key, secret); err != nil {
					return err
				}
				b.sessions = append(b.sessions, ss)
			}
			// The plans, now that their items are known; the items bucket
			// gets each item with its plan id.
			pb := tx.Bucket(bucketPlans)
			for _, g := range append(append([]string{}, b.depts...), b.branches...) {
				o := owners[g]
				if o == nil {
					continue
				}
				pid, pkey, err := nextID(pb)
				if err != nil {
					return err
				}
				for k := range o.items {
					o.items[k].PlanID = pid
					if err := putJSON(ib, keyOrZero(o.items[k].ID), &o.items[k]); err != nil {
						return err
					}
				}
				plan := &Plan{ID: pid, GroupID: g, Period: b.p.String(), Title: "学习计划", Items: o.items, CreatedAt: b.p.Start.UTC(), CreatedBy: "system"}
				if err := putJSON(pb, pkey, plan); err != nil {
					return err
				}
				b.info.Items += len(o.items)
			}
			return nil
		})
		b.info.Sessions = len(b.sessions)
		return err
	}
}

// attendance writes the records, in key order, in batches.
func (b *synth) attendance() error {
	const batch = 250_000
	i := 0
	for i < len(b.sessions) {
		err := b.commit("attendance", func(tx *bolt.Tx) error {
			ab := tx.Bucket(bucketAttendance)
			ab.FillPercent = 1.0 // appended in key order: full pages
			written, inPeriod := 0, 0
			first, last := b.p.FirstDate(), b.p.LastDate()
			for ; i < len(b.sessions) && written < batch; i++ {
				ss := b.sessions[i]
				held := first <= ss.startDay && ss.startDay <= last
				aud := b.byDept[ss.dept]
				if ss.branch >= 0 {
					aud = b.byBranch[ss.branch]
				}
				sk := itob(ss.id)
				at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
				for _, m := range aud {
					if !b.active(m, ss.startDay) {
						continue
					}
					a := Attendance{Source: "lead", UpdatedAt: at, UpdatedBy: "system"}
					switch r := b.rng.IntN(100); {
					case r < 85:
						a.Status, a.Source = StatusPresent, "self"
					case r < 90:
						a.Status, a.Source = StatusLate, "self"
					case r < 94:
						a.Status, a.Source = StatusLeave, "leave"
						if r < 92 {
							a.MakeupOn = ss.startDay
						}
					case r < 98:
						a.Status, a.Source = StatusAbsent, "close"
						if r == 94 {
							a.MakeupOn = ss.startDay
						}
					default:
						continue // no record
					}
					if err := ab.Put(pairKey(sk, itob(m)), encodeAttendance(&a)); err != nil {
						return err
					}
					written++
					if held {
						inPeriod++
					}
				}
			}
			b.info.Records += written
			b.info.PeriodRecords += inPeriod
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// selfStudy adds self-study items to each branch (a plan of their own per
// period: Period, or with Years each quarter of the span) and marks 80% of
// them done the day before they fall due.
func (b *synth) selfStudy() error {
	chunks := []Period{b.p}
	if b.opt.Years > 1 {
		chunks = nil
		for q := PeriodOf(b.spanStart, b.s.loc); q.Start.Before(b.p.End); q = PeriodOf(q.End, b.s.loc) {
			chunks = append(chunks, q)
		}
	}
	// A mark is kept small (there are millions at 100,000 members and
	// five years) and encoded when written.
	type mark struct {
		member, item uint64
		at           time.Time
	}
	var marks []mark
	for _, per := range chunks {
		span := per.End.Sub(per.Start)
		err := b.commit("self-study", func(tx *bolt.Tx) error {
			pb, ib := tx.Bucket(bucketPlans), tx.Bucket(bucketItems)
			for br, g := range b.branches {
				pid, pkey, err := nextID(pb)
				if err != nil {
					return err
				}
				plan := &Plan{ID: pid, GroupID: g, Period: per.String(), Title: "自学计划", CreatedAt: per.Start.UTC(), CreatedBy: "system"}
				for k := 0; k < b.opt.SelfStudyPerBranch; k++ {
					due := per.Start.Add(span * time.Duration(k+1) / time.Duration(b.opt.SelfStudyPerBranch+1)).In(b.s.loc)
					iid, ikey, err := nextID(ib)
					if err != nil {
						return err
					}
					it := ContentItem{ID: iid, PlanID: pid, Title: "自学 " + iid, DueOn: due.Format(DateLayout)}
					if err := putJSON(ib, ikey, &it); err != nil {
						return err
					}
					plan.Items = append(plan.Items, it)
					b.info.Items++
					for _, m := range b.byBranch[br] {
						if b.rng.IntN(100) < 80 {
							marks = append(marks, mark{m, btoi(ikey), due.Add(-24 * time.Hour).UTC()})
						}
					}
				}
				if err := putJSON(pb, pkey, plan); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Done marks are kept twice (done_marks.go), keyed member first and
	// item first: sort for each and append in key order (random inserts
	// of millions of keys take minutes).
	write := func(bucket []byte, less func(a, c mark) int, key func(m mark) []byte) error {
		slices.SortFunc(marks, less)
		const batch = 500_000
		for i := 0; i < len(marks); {
			err := b.commit("self-study marks", func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucket)
				bk.FillPercent = 0.95
				for n := 0; i < len(marks) && n < batch; i, n = i+1, n+1 {
					v, _ := marks[i].at.MarshalText()
					if err := bk.Put(key(marks[i]), v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	byMember := func(a, c mark) int { return cmp.Or(cmp.Compare(a.member, c.member), cmp.Compare(a.item, c.item)) }
	byItem := func(a, c mark) int { return cmp.Or(cmp.Compare(a.item, c.item), cmp.Compare(a.member, c.member)) }
	if err := write(bucketItemDone, byMember, func(m mark) []byte { return pairKey(itob(m.member), itob(m.item)) }); err != nil {
		return err
	}
	if err := write(bucketDoneByItem, byItem, func(m mark) []byte { return pairKey(itob(m.item), itob(m.member)) }); err != nil {
		return err
	}
	b.info.DoneMarks = len(marks)
	return nil
}

// exams writes organisation-wide exams with scores for 95% of the
// audience, from 60 to 100.
func (b *synth) exams() error {
	span := b.p.End.Sub(b.p.Start)
	return b.commit("exams", func(tx *bolt.Tx) error {
		eb, sb := tx.Bucket(bucketExams), tx.Bucket(bucketScores)
		for k := 0; k < b.opt.Exams; k++ {
			day := b.p.Start.Add(span * time.Duration(2*k+1) / time.Duration(2*b.opt.Exams)).In(b.s.loc).Format(DateLayout)
			id, key, err := nextID(eb)
			if err != nil {
				return err
			}
			e := &Exam{ID: id, GroupID: b.info.RootID, Title: "理论测试 " + day, HeldOn: day, MaxScore: 100, ExcellentScore: 90, CreatedAt: b.p.Start.UTC(), CreatedBy: "system"}
			if err := putJSON(eb, key, e); err != nil {
				return err
			}
			for br := range b.branches {
				for _, m := range b.byBranch[br] {
					if !b.active(m, day) || b.rng.IntN(100) >= 95 {
						continue
					}
					sc := float64(60 + b.rng.IntN(41))
					if err := sb.Put(pairKey(key, itob(m)), encodeScore(sc, b.p.Start, "system")); err != nil {
						return err
					}
					b.info.Scores++
				}
			}
			b.info.Exams++
		}
		return nil
	})
}
