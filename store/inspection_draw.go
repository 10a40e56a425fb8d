package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Answer results of random questioning.
const (
	ResultCorrect  = "correct"
	ResultPartial  = "partial"
	ResultWrong    = "wrong"
	ResultNoAnswer = "no_answer"
)

// Draw is one random questioning (随机抽查): n members of a group inside
// the inspection's targets, each asked m questions of the bank, both drawn
// from Seed. The same seed over the same roster and bank gives the same
// draw; the pairs are stored, so a later roster change alters nothing.
type Draw struct {
	ID           string     `json:"id"`
	InspectionID string     `json:"inspection_id"`
	GroupID      string     `json:"group_id"`
	Seed         int64      `json:"seed"`
	Members      int        `json:"members"`
	Questions    int        `json:"questions"`
	Pairs        []DrawPair `json:"pairs"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
}

// DrawPair is one member asked one question, and how they answered ("" until
// recorded).
type DrawPair struct {
	MemberID   string     `json:"member_id"`
	QuestionID string     `json:"question_id"`
	Result     string     `json:"result,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// DrawInput is the body of POST /inspections/{id}/draws.
type DrawInput struct {
	GroupID   string `json:"group_id"`
	Members   int    `json:"members"`
	Questions int    `json:"questions"`
	Seed      *int64 `json:"seed,omitempty"`
}

// maxSeed keeps seeds exact in JavaScript numbers (2^53).
const maxSeed = 1<<53 - 1

// Validate checks the input without the store.
func (in *DrawInput) Validate() error {
	fe := FieldErrors{}
	if in.GroupID == "" {
		fe.Add("group_id", "required")
	}
	if in.Members < 1 || in.Members > 500 {
		fe.Add("members", "from 1 to 500")
	}
	if in.Questions < 1 || in.Questions > 50 {
		fe.Add("questions", "from 1 to 50")
	}
	if in.Seed != nil && (*in.Seed < 0 || *in.Seed > maxSeed) {
		fe.Add("seed", fmt.Sprintf("from 0 to %d", int64(maxSeed)))
	}
	return fe.Err()
}

// drawable are the members a draw may pick in group g's subtree on day:
// active, and not an admin or inspector account; in id order.
func drawable(t *Tree, ms []Member, g, day string) []Member {
	var out []Member
	for _, m := range ms {
		if m.GroupID != "" && t.Covers(g, m.GroupID) && m.ActiveOn(day) && m.Role != RoleAdmin && m.Role != RoleInspector {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return btoi(keyOrZero(out[i].ID)) < btoi(keyOrZero(out[j].ID)) })
	return out
}

// drawPairs picks n of members and, for each, m distinct questions, from seed.
func drawPairs(seed int64, members []Member, questions []BankQuestion, n, m int) []DrawPair {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0x6475636861)) // "duchá"
	var pairs []DrawPair
	for _, mi := range rng.Perm(len(members))[:n] {
		for _, qi := range rng.Perm(len(questions))[:m] {
			pairs = append(pairs, DrawPair{MemberID: members[mi].ID, QuestionID: questions[qi].ID})
		}
	}
	return pairs
}

func newSeed() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[:]) & maxSeed), nil
}

// CreateDraw draws members and questions. A draw larger than the group's
// drawable members, or than the active bank, is refused with 422 naming both
// sizes.
func (s *Store) CreateDraw(ctx context.Context, inspectionID string, in DrawInput) (*Draw, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	seed := int64(0)
	if in.Seed != nil {
		seed = *in.Seed
	} else {
		var err error
		if seed, err = newSeed(); err != nil {
			return nil, err
		}
	}
	var out *Draw
	err := s.update(func(tx *bolt.Tx) error {
		ins, by, t, err := s.inspectionForWrite(ctx, tx, inspectionID)
		if err != nil {
			return err
		}
		g, ok := t.Group(in.GroupID)
		if !ok || !ins.covers(t, in.GroupID) {
			return Invalid(map[string]string{"group_id": "not a group inside the inspection's targets"})
		}
		ms, err := loadMembers(tx)
		if err != nil {
			return err
		}
		members := drawable(t, ms, in.GroupID, s.Today())
		var qs []BankQuestion
		if err := tx.Bucket(bucketBankQuestions).ForEach(func(k, v []byte) error {
			var q BankQuestion
			if err := json.Unmarshal(v, &q); err != nil {
				return err
			}
			if !q.Retired {
				qs = append(qs, q)
			}
			return nil
		}); err != nil {
			return err
		}
		fe := FieldErrors{}
		if in.Members > len(members) {
			fe.Add("members", fmt.Sprintf("%d asked, but %s has %d active members", in.Members, g.Name, len(members)))
		}
		if in.Questions > len(qs) {
			fe.Add("questions", fmt.Sprintf("%d asked, but the question bank has %d active questions", in.Questions, len(qs)))
		}
		if len(fe) > 0 {
			e := Invalid(fe)
			e.Code = "draw_too_large"
			msgs := make([]string, 0, 2)
			for _, k := range []string{"members", "questions"} {
				if v, ok := fe[k]; ok {
					msgs = append(msgs, v)
				}
			}
			e.Message = "draw larger than what there is: " + strings.Join(msgs, "; ")
			return e
		}
		b := tx.Bucket(bucketDraws)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		insKey, _ := idKey(inspectionID)
		id := fmt.Sprint(seq)
		out = &Draw{ID: id, InspectionID: inspectionID, GroupID: in.GroupID, Seed: seed, Members: in.Members, Questions: in.Questions,
			Pairs: drawPairs(seed, members, qs, in.Members, in.Questions), CreatedAt: s.now().UTC(), CreatedBy: by.ID}
		if err := putJSON(b, pairKey(insKey, itob(seq)), out); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "inspection_draw", id, nil, out)
	})
	return out, err
}

// inspectionForWrite loads the inspection, the acting member (who must be
// allowed to write it) and the tree inside tx.
func (s *Store) inspectionForWrite(ctx context.Context, tx *bolt.Tx, inspectionID string) (*Inspection, *Member, *Tree, error) {
	ins, err := getInspection(tx, inspectionID)
	if err != nil {
		return nil, nil, nil, err
	}
	by, err := actorMember(ctx, tx)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := ins.writableBy(by); err != nil {
		return nil, nil, nil, err
	}
	t, err := loadTree(tx)
	if err != nil {
		return nil, nil, nil, err
	}
	return ins, by, t, nil
}

// AnswerInput is one recorded answer.
type AnswerInput struct {
	MemberID   string `json:"member_id"`
	QuestionID string `json:"question_id"`
	Result     string `json:"result"`
}

// RecordAnswers records results for pairs of a draw; a pair not in the
// draw or an unknown result fails the whole request (422, each named).
func (s *Store) RecordAnswers(ctx context.Context, inspectionID, drawID string, answers []AnswerInput) (*Draw, error) {
	var out *Draw
	err := s.update(func(tx *bolt.Tx) error {
		if _, _, _, err := s.inspectionForWrite(ctx, tx, inspectionID); err != nil {
			return err
		}
		insKey, _ := idKey(inspectionID)
		dk, ok := idKey(drawID)
		b := tx.Bucket(bucketDraws)
		if !ok {
			return NotFound("draw", drawID)
		}
		got, err := getByKey[Draw](b, pairKey(insKey, dk), "draw", drawID)
		if err != nil {
			return err
		}
		d := *got
		before := d
		before.Pairs = append([]DrawPair(nil), d.Pairs...)
		idx := map[[2]string]int{}
		for i, p := range d.Pairs {
			idx[[2]string{p.MemberID, p.QuestionID}] = i
		}
		fe := FieldErrors{}
		if len(answers) == 0 {
			fe.Add("answers", "at least one answer")
		}
		now := s.now().UTC()
		for i, a := range answers {
			f := fmt.Sprintf("answers[%d]", i)
			j, ok := idx[[2]string{a.MemberID, a.QuestionID}]
			switch {
			case !ok:
				fe.Add(f, fmt.Sprintf("member %q was not asked question %q in this draw", a.MemberID, a.QuestionID))
			case a.Result != ResultCorrect && a.Result != ResultPartial && a.Result != ResultWrong && a.Result != ResultNoAnswer:
				fe.Add(f+".result", "one of correct, partial, wrong, no_answer")
			default:
				d.Pairs[j].Result = a.Result
				d.Pairs[j].AnsweredAt = &now
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := putJSON(b, pairKey(insKey, dk), &d); err != nil {
			return err
		}
		out = &d
		return s.audit(ctx, tx, "answers", "inspection_draw", drawID, before.Pairs, d.Pairs)
	})
	return out, err
}

// Awareness is 知晓率: (correct + ½ partial) / asked, over the answers
// recorded (a pair without a result is not yet asked).
type Awareness struct {
	Asked    int      `json:"asked"`
	Correct  int      `json:"correct"`
	Partial  int      `json:"partial"`
	Wrong    int      `json:"wrong"`
	NoAnswer int      `json:"no_answer"`
	Rate     *float64 `json:"rate"`
}

func (a *Awareness) add(result string) {
	switch result {
	case ResultCorrect:
		a.Correct++
	case ResultPartial:
		a.Partial++
	case ResultWrong:
		a.Wrong++
	case ResultNoAnswer:
		a.NoAnswer++
	default:
		return
	}
	a.Asked++
	r := (float64(a.Correct) + float64(a.Partial)/2) / float64(a.Asked)
	a.Rate = &r
}

func (d *inspectionData) awareness() Awareness {
	var a Awareness
	for _, dr := range d.draws {
		for _, p := range dr.Pairs {
			a.add(p.Result)
		}
	}
	return a
}

// GroupAwareness is 知晓率 of one group: the answers of members whose group
// lies in its subtree.
type GroupAwareness struct {
	GroupID string `json:"group_id"`
	Awareness
}

// InspectionDetail is what the inspector's workspace shows: the inspection,
// its draws, interviews and 知晓率 per target group and per branch.
type InspectionDetail struct {
	InspectionView
	Draws      []Draw           `json:"draws"`
	Interviews []Interview      `json:"interviews"`
	ByTarget   []GroupAwareness `json:"awareness_by_target"`
	ByBranch   []GroupAwareness `json:"awareness_by_branch"`
}

// InspectionDetail returns the inspection with everything recorded under it.
func (s *Store) InspectionDetail(id string) (*InspectionDetail, error) {
	var out *InspectionDetail
	err := s.view(func(tx *bolt.Tx) error {
		in, err := getInspection(tx, id)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		iv, err := s.inspectionView(tx, t, in)
		if err != nil {
			return err
		}
		d, err := s.loadInspectionData(tx, id)
		if err != nil {
			return err
		}
		ms, err := memberIndex(tx)
		if err != nil {
			return err
		}
		out = &InspectionDetail{InspectionView: *iv, Draws: d.draws, Interviews: d.interviews}
		if out.Draws == nil {
			out.Draws = []Draw{}
		}
		if out.Interviews == nil {
			out.Interviews = []Interview{}
		}
		out.ByTarget, out.ByBranch = d.awarenessByGroup(t, in, ms)
		return nil
	})
	return out, err
}

func (d *inspectionData) awarenessByGroup(t *Tree, in *Inspection, ms map[string]Member) (byTarget, byBranch []GroupAwareness) {
	targets := map[string]*Awareness{}
	branches := map[string]*Awareness{}
	for _, g := range in.TargetGroupIDs {
		targets[g] = &Awareness{}
	}
	for _, dr := range d.draws {
		for _, p := range dr.Pairs {
			if p.Result == "" {
				continue
			}
			g := ms[p.MemberID].GroupID
			for _, tg := range in.TargetGroupIDs {
				if t.Covers(tg, g) {
					targets[tg].add(p.Result)
				}
			}
			if b := branchOf(t, g); b != "" {
				if branches[b] == nil {
					branches[b] = &Awareness{}
				}
				branches[b].add(p.Result)
			}
		}
	}
	collect := func(m map[string]*Awareness) []GroupAwareness {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sortByTree(t, ids)
		out := make([]GroupAwareness, 0, len(ids))
		for _, id := range ids {
			out = append(out, GroupAwareness{GroupID: id, Awareness: *m[id]})
		}
		return out
	}
	return collect(targets), collect(branches)
}

// Interview is one 座谈 of an inspection: who was talked with, and notes.
type Interview struct {
	ID           string    `json:"id"`
	InspectionID string    `json:"inspection_id"`
	MemberIDs    []string  `json:"member_ids"`
	Notes        string    `json:"notes"`
	HeldOn       string    `json:"held_on"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
}

// InterviewInput is the body of POST /inspections/{id}/interviews.
type InterviewInput struct {
	MemberIDs []string `json:"member_ids"`
	Notes     string   `json:"notes"`
	HeldOn    string   `json:"held_on,omitempty"`
}

// Validate checks the input without the store.
func (in *InterviewInput) Validate() error {
	fe := FieldErrors{}
	if len(in.MemberIDs) == 0 {
		fe.Add("member_ids", "at least one member")
	} else if hasDup(in.MemberIDs) {
		fe.Add("member_ids", "a member is listed twice")
	}
	vetText(fe, "notes", in.Notes, 20000, false)
	if in.HeldOn != "" && !ValidDate(in.HeldOn) {
		fe.Add("held_on", "a date YYYY-MM-DD")
	}
	return fe.Err()
}

// CreateInterview records an interview; every member must belong to a group
// inside the inspection's targets.
func (s *Store) CreateInterview(ctx context.Context, inspectionID string, in InterviewInput) (*Interview, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Interview
	err := s.update(func(tx *bolt.Tx) error {
		ins, by, t, err := s.inspectionForWrite(ctx, tx, inspectionID)
		if err != nil {
			return err
		}
		fe := FieldErrors{}
		for _, id := range in.MemberIDs {
			m, err := getMember(tx, id)
			if err != nil {
				fe.Add("member_ids", fmt.Sprintf("no member %q", id))
			} else if m.GroupID == "" || !ins.covers(t, m.GroupID) {
				fe.Add("member_ids", fmt.Sprintf("%s is not in a group the inspection targets", m.Name))
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if in.HeldOn == "" {
			in.HeldOn = s.Today()
		}
		b := tx.Bucket(bucketInterviews)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		insKey, _ := idKey(inspectionID)
		out = &Interview{ID: fmt.Sprint(seq), InspectionID: inspectionID, MemberIDs: in.MemberIDs, Notes: in.Notes, HeldOn: in.HeldOn,
			CreatedAt: s.now().UTC(), CreatedBy: by.ID}
		if err := putJSON(b, pairKey(insKey, itob(seq)), out); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "inspection_interview", out.ID, nil, out)
	})
	return out, err
}
