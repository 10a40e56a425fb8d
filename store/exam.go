package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Exam is a scored exam (考学) held on a date for a group's subtree: its
// audience is every member of the subtree active on HeldOn.
//
// The exams bucket: key itob(id), value this record as JSON.
type Exam struct {
	ID             string    `json:"id"`
	GroupID        string    `json:"group_id"`
	Title          string    `json:"title"`
	HeldOn         string    `json:"held_on"`
	MaxScore       float64   `json:"max_score"`
	ExcellentScore float64   `json:"excellent_score"`
	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      string    `json:"created_by"`
}

// Excellent reports whether score reaches the exam's excellent line.
func (e *Exam) Excellent(score float64) bool { return score >= e.ExcellentScore }

// maxExamScore bounds max_score so scores stay ordinary numbers.
const maxExamScore = 1e6

// ExamInput is the body of POST /exams. ExcellentScore defaults to 90% of
// MaxScore.
type ExamInput struct {
	GroupID        string   `json:"group_id"`
	Title          string   `json:"title"`
	HeldOn         string   `json:"held_on"`
	MaxScore       float64  `json:"max_score"`
	ExcellentScore *float64 `json:"excellent_score,omitempty"`
}

// Validate checks the input without touching the store.
func (in *ExamInput) Validate() error {
	fe := FieldErrors{}
	in.GroupID = strings.TrimSpace(in.GroupID)
	if in.GroupID == "" {
		fe.Add("group_id", "required")
	}
	in.Title = strings.TrimSpace(in.Title)
	vetTitle(fe, "title", in.Title)
	if in.HeldOn == "" {
		fe.Add("held_on", "required")
	} else if !ValidDate(in.HeldOn) {
		fe.Add("held_on", "a date YYYY-MM-DD")
	}
	maxOK := false
	switch {
	case math.IsNaN(in.MaxScore) || in.MaxScore <= 0:
		fe.Add("max_score", "required, above 0")
	case in.MaxScore > maxExamScore:
		fe.Add("max_score", "at most 1000000")
	default:
		maxOK = true
	}
	if e := in.ExcellentScore; e != nil {
		switch {
		case math.IsNaN(*e) || *e <= 0:
			fe.Add("excellent_score", "above 0")
		case maxOK && *e > in.MaxScore:
			fe.Add("excellent_score", "at most max_score")
		}
	}
	return fe.Err()
}

// CreateExam adds an exam. A lead over the group or an admin may (the
// check is in the write's transaction); a date in a locked period needs an
// admin.
func (s *Store) CreateExam(ctx context.Context, in ExamInput) (*Exam, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	exc := in.MaxScore * 9 / 10 // exact for whole max scores, unlike 0.9*max
	if in.ExcellentScore != nil {
		exc = *in.ExcellentScore
	}
	var e *Exam
	err := s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketGroups).Get(keyOrZero(in.GroupID)) == nil {
			return Invalid(map[string]string{"group_id": "no such group"})
		}
		if _, err := mayManage(ctx, tx, in.GroupID, "exams"); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, s.dayStart(in.HeldOn))
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketExams)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		e = &Exam{ID: id, GroupID: in.GroupID, Title: in.Title, HeldOn: in.HeldOn, MaxScore: in.MaxScore,
			ExcellentScore: exc, CreatedAt: s.now().UTC(), CreatedBy: ActorFrom(ctx)}
		if err := putJSON(b, key, e); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "exam", id, nil, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// dayStart is midnight of date d in the store's time zone.
func (s *Store) dayStart(d string) time.Time {
	t, _ := time.ParseInLocation(DateLayout, d, s.loc)
	return t
}

// Exam returns one exam.
func (s *Store) Exam(id string) (*Exam, error) {
	var e *Exam
	err := s.view(func(tx *bolt.Tx) (err error) {
		e, err = getExam(tx, id)
		return err
	})
	return e, err
}

func getExam(tx *bolt.Tx, id string) (*Exam, error) {
	return getByID[Exam](tx.Bucket(bucketExams), "exam", id)
}

// ExamFilter selects exams; zero fields do not filter.
type ExamFilter struct {
	// GroupIDs keeps exams targeting one of these groups.
	GroupIDs []string
	// Period keeps exams held inside it.
	Period *Period
}

// Exams lists exams by date, then id.
func (s *Store) Exams(f ExamFilter) ([]Exam, error) {
	var want map[string]bool
	if f.GroupIDs != nil {
		want = make(map[string]bool, len(f.GroupIDs))
		for _, g := range f.GroupIDs {
			want[g] = true
		}
	}
	out := []Exam{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketExams).ForEach(func(k, v []byte) error {
			var e Exam
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if (want != nil && !want[e.GroupID]) || (f.Period != nil && !f.Period.ContainsDate(e.HeldOn)) {
				return nil
			}
			out = append(out, e)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].HeldOn != out[j].HeldOn {
			return out[i].HeldOn < out[j].HeldOn
		}
		return btoi(keyOrZero(out[i].ID)) < btoi(keyOrZero(out[j].ID))
	})
	return out, err
}

// Score is one member's score in one exam.
//
// The scores bucket: key exam id (8 bytes) + member id (8 bytes), value
//
//	0      version (1)
//	1..8   score, IEEE 754 float64 bits, big-endian
//	9..16  updated_at, Unix ns
//	17…    updated_by (UTF-8)
//
// so the rates read a score without decoding JSON.
type Score struct {
	ExamID    string    `json:"exam_id"`
	MemberID  string    `json:"member_id"`
	Name      string    `json:"name,omitempty"`
	Score     float64   `json:"score"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

const scoreHeader = 17

func encodeScore(score float64, at time.Time, by string) []byte {
	b := make([]byte, scoreHeader, scoreHeader+len(by))
	b[0] = 1
	binary.BigEndian.PutUint64(b[1:], math.Float64bits(score))
	binary.BigEndian.PutUint64(b[9:], uint64(at.UnixNano()))
	return append(b, by...)
}

var errBadScore = errors.New("corrupt score record")

// scoreValue reads only the score of an encoded record.
func scoreValue(v []byte) (float64, bool) {
	if len(v) < scoreHeader || v[0] != 1 {
		return 0, false
	}
	return math.Float64frombits(binary.BigEndian.Uint64(v[1:])), true
}

func decodeScore(key, v []byte) (*Score, error) {
	sc, ok := scoreValue(v)
	if !ok || len(key) != 16 {
		return nil, errBadScore
	}
	return &Score{ExamID: keyID(key[:8]), MemberID: keyID(key[8:]), Score: sc,
		UpdatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(v[9:]))).UTC(), UpdatedBy: string(v[scoreHeader:])}, nil
}

// ExamDetail is an exam with its scores (GET /exams/{id}).
type ExamDetail struct {
	Exam
	Scores []Score `json:"scores"`
}

// OnlyMembers keeps the scores of the members keep accepts.
func (d *ExamDetail) OnlyMembers(keep func(memberID string) bool) {
	out := []Score{}
	for _, sc := range d.Scores {
		if keep(sc.MemberID) {
			out = append(out, sc)
		}
	}
	d.Scores = out
}

// ExamDetail returns an exam with every score, ordered by member name.
func (s *Store) ExamDetail(id string) (*ExamDetail, error) {
	var d *ExamDetail
	err := s.view(func(tx *bolt.Tx) (err error) {
		d, err = examDetailTx(tx, id)
		return err
	})
	return d, err
}

// ExamScores returns exam id's scores by member id: every member's, or
// memberID's alone when it is not "" (an empty map when they have none).
// Unlike ExamDetail it reads no names, so the forms of one member do not
// decode the records of everyone who sat an organisation-wide exam.
func (s *Store) ExamScores(id, memberID string) (map[string]float64, error) {
	out := map[string]float64{}
	err := s.view(func(tx *bolt.Tx) error {
		if _, err := getExam(tx, id); err != nil {
			return err
		}
		key := keyOrZero(id)
		if memberID != "" {
			mk, ok := idKey(memberID)
			if !ok {
				return nil
			}
			k := append(key[:8:8], mk...)
			if v := tx.Bucket(bucketScores).Get(k); v != nil {
				sc, err := decodeScore(k, v)
				if err != nil {
					return err
				}
				out[sc.MemberID] = sc.Score
			}
			return nil
		}
		return eachPrefix(tx.Bucket(bucketScores), key, func(k, v []byte) error {
			sc, err := decodeScore(k, v)
			if err != nil {
				return err
			}
			out[sc.MemberID] = sc.Score
			return nil
		})
	})
	return out, err
}

func examDetailTx(tx *bolt.Tx, id string) (*ExamDetail, error) {
	e, err := getExam(tx, id)
	if err != nil {
		return nil, err
	}
	d := &ExamDetail{Exam: *e, Scores: []Score{}}
	key := keyOrZero(id)
	err = eachPrefix(tx.Bucket(bucketScores), key, func(k, v []byte) error {
		sc, err := decodeScore(k, v)
		if err != nil {
			return err
		}
		if m, err := getMember(tx, sc.MemberID); err == nil {
			sc.Name = m.Name
		}
		d.Scores = append(d.Scores, *sc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(d.Scores, func(i, j int) bool {
		if d.Scores[i].Name != d.Scores[j].Name {
			return d.Scores[i].Name < d.Scores[j].Name
		}
		return btoi(keyOrZero(d.Scores[i].MemberID)) < btoi(keyOrZero(d.Scores[j].MemberID))
	})
	return d, nil
}

// maxScoreEntries bounds one PUT of scores.
const maxScoreEntries = 10000

// ScoresInput is the body of PUT /exams/{id}/scores. Each entry is decoded
// on its own, so a non-number score or a malformed entry is reported as
// that entry's problem (422) rather than failing the whole body.
type ScoresInput struct {
	Scores []ScoreEntry `json:"scores"`
}

// ScoreEntry is one {member_id, score} of a ScoresInput.
type ScoreEntry struct {
	MemberID string
	Score    float64
	problem  string // set while decoding: why the entry cannot be read
}

// UnmarshalJSON reads {"member_id": "12", "score": 87.5}; what cannot be
// read is kept as the entry's problem, reported by check.
func (e *ScoreEntry) UnmarshalJSON(b []byte) error {
	*e = ScoreEntry{}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		e.problem = "want an object {member_id, score}"
		return nil
	}
	var unknown []string
	for k := range raw {
		if k != "member_id" && k != "score" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		e.problem = "unknown field " + strconv.Quote(unknown[0])
		return nil
	}
	var probs []string
	if m, ok := raw["member_id"]; !ok || string(m) == "null" {
		probs = append(probs, "member_id required")
	} else if err := json.Unmarshal(m, &e.MemberID); err != nil {
		probs = append(probs, "member_id must be a string id")
	} else if _, ok := idKey(e.MemberID); !ok {
		probs = append(probs, "no member "+strconv.Quote(e.MemberID))
	}
	sc, ok := raw["score"]
	switch {
	case !ok || string(sc) == "null":
		probs = append(probs, "score required")
	default:
		sc = bytes.TrimSpace(sc)
		if len(sc) == 0 || (sc[0] != '-' && (sc[0] < '0' || sc[0] > '9')) {
			probs = append(probs, "score must be a number")
			break
		}
		f, err := strconv.ParseFloat(string(sc), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			probs = append(probs, "score must be a number")
			break
		}
		e.Score = f
	}
	e.problem = strings.Join(probs, "; ")
	return nil
}

// MarshalJSON writes {"member_id", "score"}.
func (e ScoreEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MemberID string  `json:"member_id"`
		Score    float64 `json:"score"`
	}{e.MemberID, e.Score})
}

// check reports the problems found without the store: entries that could
// not be read and members listed twice, keyed "scores[i]".
func (in *ScoresInput) check() FieldErrors {
	fe := FieldErrors{}
	if in.Scores == nil {
		fe.Add("scores", "required: a list of {member_id, score}")
		return fe
	}
	if len(in.Scores) > maxScoreEntries {
		fe.Add("scores", "at most "+strconv.Itoa(maxScoreEntries)+" entries")
		return fe
	}
	first := map[string]int{}
	for i, e := range in.Scores {
		f := "scores[" + strconv.Itoa(i) + "]"
		if e.problem != "" {
			fe.Add(f, e.problem)
			continue
		}
		if j, dup := first[e.MemberID]; dup {
			fe.Add(f, "member "+e.MemberID+" listed twice (also scores["+strconv.Itoa(j)+"])")
			continue
		}
		first[e.MemberID] = i
	}
	return fe
}

// PutScores sets the scores of the listed members; members not listed keep
// theirs. Every entry is checked first — a readable entry, a score in
// 0..max_score, a member of the exam's audience (active on held_on in the
// subtree of its group), listed once — and any bad entry rejects the whole
// request with a 422 naming each bad entry ("scores[3]"), storing nothing.
// Each changed score gets its own audit entry.
func (s *Store) PutScores(ctx context.Context, examID string, in ScoresInput) (*ExamDetail, error) {
	fe := in.check()
	if _, ok := fe["scores"]; ok {
		return nil, fe.Err()
	}
	var d *ExamDetail
	err := s.update(func(tx *bolt.Tx) error {
		e, err := getExam(tx, examID)
		if err != nil {
			return err
		}
		if err := scoresScope(ctx, tx, e, in); err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		for i, en := range in.Scores {
			f := "scores[" + strconv.Itoa(i) + "]"
			if _, bad := fe[f]; bad {
				continue
			}
			var probs []string
			if en.Score < 0 || en.Score > e.MaxScore {
				probs = append(probs, "score "+strconv.FormatFloat(en.Score, 'g', -1, 64)+" outside 0.."+strconv.FormatFloat(e.MaxScore, 'g', -1, 64))
			}
			m, err := getMember(tx, en.MemberID)
			switch {
			case IsKind(err, KindNotFound):
				probs = append(probs, "no member "+strconv.Quote(en.MemberID))
			case err != nil:
				return err
			case m.GroupID == "" || !t.Covers(e.GroupID, m.GroupID) || !m.ActiveOn(e.HeldOn):
				probs = append(probs, "member "+m.ID+" ("+m.Name+") is not in this exam's audience: active members of "+t.Path(e.GroupID)+" on "+e.HeldOn)
			}
			if len(probs) > 0 {
				fe.Add(f, strings.Join(probs, "; "))
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		for _, en := range in.Scores {
			if err := ownRecord(ctx, en.MemberID); err != nil {
				return err
			}
		}
		ctx, err := s.lockGuard(ctx, tx, s.dayStart(e.HeldOn))
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketScores)
		now, by := s.now().UTC(), ActorFrom(ctx)
		for _, en := range in.Scores {
			key := pairKey(keyOrZero(e.ID), keyOrZero(en.MemberID))
			var before any
			if old := b.Get(key); old != nil {
				prev, ok := scoreValue(old)
				if ok && prev == en.Score {
					continue // unchanged: nothing to write or audit
				}
				before = map[string]float64{"score": prev}
			}
			if err := b.Put(key, encodeScore(en.Score, now, by)); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, "score", "exam_score", e.ID+"/"+en.MemberID, before, map[string]float64{"score": en.Score}); err != nil {
				return err
			}
		}
		d, err = examDetailTx(tx, e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ExamResult is one required exam of a member in a period with the
// member's score (nil when none was entered: not excellent).
type ExamResult struct {
	Exam      Exam     `json:"exam"`
	Score     *float64 `json:"score"`
	Excellent bool     `json:"excellent"`
}

// ExamResults lists the exams member memberID was required to take in p
// (held inside p, targeting their group or an ancestor, while they were
// active), by date, with their scores: what the appraisal form prints.
func (s *Store) ExamResults(p Period, memberID string) ([]ExamResult, error) {
	out := []ExamResult{}
	err := s.view(func(tx *bolt.Tx) error {
		m, err := getMember(tx, memberID)
		if err != nil {
			return err
		}
		if m.GroupID == "" {
			return nil
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		mk := keyOrZero(m.ID)
		sb := tx.Bucket(bucketScores)
		err = tx.Bucket(bucketExams).ForEach(func(k, v []byte) error {
			var e Exam
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !p.ContainsDate(e.HeldOn) || !t.Covers(e.GroupID, m.GroupID) || !m.ActiveOn(e.HeldOn) {
				return nil
			}
			r := ExamResult{Exam: e}
			if sc, ok := scoreValue(sb.Get(pairKey(k, mk))); ok {
				r.Score = &sc
				r.Excellent = e.Excellent(sc)
			}
			out = append(out, r)
			return nil
		})
		sort.SliceStable(out, func(i, j int) bool { return out[i].Exam.HeldOn < out[j].Exam.HeldOn })
		return err
	})
	return out, err
}
