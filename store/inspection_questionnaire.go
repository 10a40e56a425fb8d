package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Questionnaire question kinds.
const (
	QnSingle = "single" // one choice
	QnMulti  = "multi"  // any number of choices
	QnText   = "text"   // free text
)

// Questionnaire is a survey (调研问卷) for the members of its audience
// groups' subtrees, answered once each while open (until closes_on, or
// until closed). An anonymous questionnaire keeps no link from an answer to
// its member: answers are stored under random keys with no member and no
// time, and the audit log records only that the member answered.
type Questionnaire struct {
	ID               string       `json:"id"`
	InspectionID     string       `json:"inspection_id,omitempty"`
	Title            string       `json:"title"`
	Anonymous        bool         `json:"anonymous"`
	AudienceGroupIDs []string     `json:"audience_group_ids"`
	ClosesOn         string       `json:"closes_on,omitempty"`
	Closed           bool         `json:"closed"`
	Questions        []QnQuestion `json:"questions"`
	CreatedAt        time.Time    `json:"created_at"`
	CreatedBy        string       `json:"created_by"`
}

// QnQuestion is one question of a questionnaire; ids are "1", "2" … in order.
type QnQuestion struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Text    string   `json:"text"`
	Options []string `json:"options,omitempty"`
}

// QuestionnaireInput is the body of POST /questionnaires.
type QuestionnaireInput struct {
	InspectionID     string       `json:"inspection_id,omitempty"`
	Title            string       `json:"title"`
	Anonymous        bool         `json:"anonymous"`
	AudienceGroupIDs []string     `json:"audience_group_ids"`
	ClosesOn         string       `json:"closes_on,omitempty"`
	Questions        []QnQuestion `json:"questions"`
}

// Validate checks the input without the store.
func (in *QuestionnaireInput) Validate() error {
	fe := FieldErrors{}
	in.Title = strings.TrimSpace(in.Title)
	vetTitle(fe, "title", in.Title)
	if len(in.AudienceGroupIDs) == 0 {
		fe.Add("audience_group_ids", "at least one group")
	} else if hasDup(in.AudienceGroupIDs) {
		fe.Add("audience_group_ids", "a group is listed twice")
	}
	if in.ClosesOn != "" && !ValidDate(in.ClosesOn) {
		fe.Add("closes_on", "a date YYYY-MM-DD")
	}
	if len(in.Questions) == 0 || len(in.Questions) > 100 {
		fe.Add("questions", "from 1 to 100 questions")
	}
	for i := range in.Questions {
		q := &in.Questions[i]
		f := fmt.Sprintf("questions[%d]", i)
		q.ID = strconv.Itoa(i + 1)
		q.Text = strings.TrimSpace(q.Text)
		vetText(fe, f+".text", q.Text, 1000, true)
		switch q.Kind {
		case QnSingle, QnMulti:
			if len(q.Options) < 2 || len(q.Options) > 30 {
				fe.Add(f+".options", "from 2 to 30 options")
			}
			for j, o := range q.Options {
				q.Options[j] = strings.TrimSpace(o)
				vetText(fe, f+".options", q.Options[j], 200, true)
			}
			if hasDup(q.Options) {
				fe.Add(f+".options", "an option is listed twice")
			}
		case QnText:
			q.Options = nil
		default:
			fe.Add(f+".kind", "one of single, multi, text")
		}
	}
	return fe.Err()
}

// CreateQuestionnaire adds a questionnaire; an inspection, when named, must
// be one the caller writes.
func (s *Store) CreateQuestionnaire(ctx context.Context, in QuestionnaireInput) (*Questionnaire, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Questionnaire
	err := s.update(func(tx *bolt.Tx) error {
		by, err := actorMember(ctx, tx)
		if err != nil {
			return err
		}
		if in.InspectionID != "" {
			ins, err := getInspection(tx, in.InspectionID)
			if err != nil {
				return Invalid(map[string]string{"inspection_id": "no such inspection"})
			}
			if err := ins.writableBy(by); err != nil {
				return err
			}
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		for _, g := range in.AudienceGroupIDs {
			if _, ok := t.Group(g); !ok {
				return Invalid(map[string]string{"audience_group_ids": fmt.Sprintf("no group %q", g)})
			}
		}
		b := tx.Bucket(bucketQuestionnaires)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		out = &Questionnaire{ID: id, InspectionID: in.InspectionID, Title: in.Title, Anonymous: in.Anonymous,
			AudienceGroupIDs: in.AudienceGroupIDs, ClosesOn: in.ClosesOn, Questions: in.Questions, CreatedAt: s.now().UTC(), CreatedBy: by.ID}
		if err := putJSON(b, key, out); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "questionnaire", id, nil, out)
	})
	return out, err
}

func getQuestionnaire(tx *bolt.Tx, id string) (*Questionnaire, []byte, error) {
	key, ok := idKey(id)
	if !ok {
		return nil, nil, NotFound("questionnaire", id)
	}
	v, err := getByKey[Questionnaire](tx.Bucket(bucketQuestionnaires), key, "questionnaire", id)
	if err != nil {
		return nil, nil, err
	}
	return v, key, nil
}

// InAudience reports whether member m is in the questionnaire's audience.
func (q *Questionnaire) InAudience(t *Tree, m *Member) bool {
	for _, g := range q.AudienceGroupIDs {
		if m.GroupID != "" && t.Covers(g, m.GroupID) {
			return true
		}
	}
	return false
}

// Open reports whether the questionnaire takes answers on today.
func (q *Questionnaire) Open(today string) bool {
	return !q.Closed && (q.ClosesOn == "" || today <= q.ClosesOn)
}

// QuestionnaireView is a questionnaire as one member sees it.
type QuestionnaireView struct {
	Questionnaire
	Open     bool `json:"open"`
	Answered bool `json:"answered"`
}

// Questionnaires lists questionnaires, newest first: everything for
// readers of all (hr, admin, inspector), else those whose audience holds
// the member.
func (s *Store) Questionnaires(by *Member) ([]QuestionnaireView, error) {
	out := []QuestionnaireView{}
	today := s.Today()
	err := s.view(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketQuestionnaires).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var q Questionnaire
			if err := json.Unmarshal(v, &q); err != nil {
				return err
			}
			mine := q.InAudience(t, by)
			if !mine && !by.Role.ReadsAll() {
				continue
			}
			mk, _ := idKey(by.ID)
			answered := mk != nil && tx.Bucket(bucketQnTakers).Get(pairKey(k, mk)) != nil
			out = append(out, QuestionnaireView{Questionnaire: q, Open: q.Open(today), Answered: answered})
		}
		return nil
	})
	return out, err
}

// QnAnswer is one answer to one question: choices (option indexes, 0
// first, or the option's text) or text.
type QnAnswer struct {
	QuestionID string     `json:"question_id,omitempty"`
	Choice     *QnChoice  `json:"choice,omitempty"`
	Choices    []QnChoice `json:"choices,omitempty"`
	Text       string     `json:"text,omitempty"`
}

// QnChoice is an option named by its index (a number) or its text (a string).
type QnChoice struct {
	Index *int
	Text  string
}

// UnmarshalJSON reads a number or a string.
func (c *QnChoice) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.Text)
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	c.Index = &n
	return nil
}

// MarshalJSON writes the index, or the text.
func (c QnChoice) MarshalJSON() ([]byte, error) {
	if c.Index != nil {
		return json.Marshal(*c.Index)
	}
	return json.Marshal(c.Text)
}

// storedAnswer is one member's answers as stored: MemberID only when the
// questionnaire is named.
type storedAnswer struct {
	MemberID string  `json:"member_id,omitempty"`
	At       string  `json:"at,omitempty"`
	Choices  [][]int `json:"choices"` // per question, option indexes
	Texts    []string
}

// AnswerQuestionnaire records the acting member's answers: once (409
// already_answered), while open (409 questionnaire_closed), by a member of
// the audience (403).
func (s *Store) AnswerQuestionnaire(ctx context.Context, id string, answers []QnAnswer) error {
	return s.update(func(tx *bolt.Tx) error {
		q, key, err := getQuestionnaire(tx, id)
		if err != nil {
			return err
		}
		by, err := actorMember(ctx, tx)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		if !q.InAudience(t, by) {
			return Forbidden("questionnaire %s is not for your group", id)
		}
		if !q.Open(s.Today()) {
			return Conflict("questionnaire_closed", "questionnaire %s is closed", id)
		}
		mk, _ := idKey(by.ID)
		takers := tx.Bucket(bucketQnTakers)
		if takers.Get(pairKey(key, mk)) != nil {
			return Conflict("already_answered", "you have already answered questionnaire %s", id)
		}
		sa, err := q.readAnswers(answers)
		if err != nil {
			return err
		}
		ab := tx.Bucket(bucketQnAnswers)
		var akey []byte
		if q.Anonymous {
			// A random key: answers' order says nothing about who answered when.
			r := make([]byte, 16)
			if _, err := rand.Read(r); err != nil {
				return err
			}
			akey = pairKey(key, r)
		} else {
			sa.MemberID, sa.At = by.ID, s.now().UTC().Format(time.RFC3339)
			akey = pairKey(key, mk)
		}
		if err := putJSON(ab, akey, sa); err != nil {
			return err
		}
		if err := takers.Put(pairKey(key, mk), []byte{1}); err != nil {
			return err
		}
		if q.Anonymous {
			return s.audit(ctx, tx, "answer", "questionnaire", id, nil, map[string]bool{"anonymous": true})
		}
		return s.audit(ctx, tx, "answer", "questionnaire", id, nil, sa)
	})
}

func (q *Questionnaire) readAnswers(answers []QnAnswer) (*storedAnswer, error) {
	sa := &storedAnswer{Choices: make([][]int, len(q.Questions)), Texts: make([]string, len(q.Questions))}
	fe := FieldErrors{}
	if len(answers) > len(q.Questions) {
		fe.Add("answers", fmt.Sprintf("%d answers to %d questions", len(answers), len(q.Questions)))
	}
	done := map[int]bool{}
	for i, a := range answers {
		f := fmt.Sprintf("answers[%d]", i)
		qi := i
		if a.QuestionID != "" {
			n, err := strconv.Atoi(a.QuestionID)
			if err != nil || n < 1 || n > len(q.Questions) {
				fe.Add(f+".question_id", "no such question")
				continue
			}
			qi = n - 1
		}
		if qi >= len(q.Questions) {
			continue
		}
		if done[qi] {
			fe.Add(f, "question answered twice")
			continue
		}
		done[qi] = true
		qq := q.Questions[qi]
		choices := a.Choices
		if a.Choice != nil {
			choices = append([]QnChoice{*a.Choice}, choices...)
		}
		switch qq.Kind {
		case QnText:
			if len(choices) > 0 {
				fe.Add(f, "a text question takes text")
			}
			vetText(fe, f+".text", a.Text, 4000, false)
			sa.Texts[qi] = strings.TrimSpace(a.Text)
		default:
			if a.Text != "" {
				fe.Add(f, "a choice question takes choice or choices")
			}
			if qq.Kind == QnSingle && len(choices) > 1 {
				fe.Add(f, "one choice only")
			}
			seen := map[int]bool{}
			for _, c := range choices {
				idx := -1
				if c.Index != nil {
					idx = *c.Index
				} else {
					for j, o := range qq.Options {
						if o == strings.TrimSpace(c.Text) {
							idx = j
						}
					}
				}
				if idx < 0 || idx >= len(qq.Options) {
					fe.Add(f, "not one of the question's options")
					continue
				}
				if !seen[idx] {
					seen[idx] = true
					sa.Choices[qi] = append(sa.Choices[qi], idx)
				}
			}
		}
	}
	return sa, fe.Err()
}

// OptionCount is how many respondents chose one option, and what share of
// the respondents that is.
type OptionCount struct {
	Option  string   `json:"option"`
	Count   int      `json:"count"`
	Percent *float64 `json:"percent"`
}

// QnResult is one question's aggregated answers.
type QnResult struct {
	QnQuestion
	Answered int           `json:"answered"`
	Counts   []OptionCount `json:"counts,omitempty"`
	Texts    []string      `json:"texts,omitempty"`
}

// QuestionnaireResults aggregates a questionnaire: respondents, per
// question the count and percentage (of respondents) of each option, and
// the text answers (not attributed).
type QuestionnaireResults struct {
	Questionnaire Questionnaire `json:"questionnaire"`
	Respondents   int           `json:"respondents"`
	Audience      int           `json:"audience"`
	Questions     []QnResult    `json:"questions"`
}

// QuestionnaireResults aggregates the answers.
func (s *Store) QuestionnaireResults(id string) (*QuestionnaireResults, error) {
	var out *QuestionnaireResults
	err := s.view(func(tx *bolt.Tx) error {
		q, key, err := getQuestionnaire(tx, id)
		if err != nil {
			return err
		}
		t, ms, err := loadPeople(tx)
		if err != nil {
			return err
		}
		out = &QuestionnaireResults{Questionnaire: *q}
		today := s.Today()
		for i := range ms {
			if ms[i].ActiveOn(today) && q.InAudience(t, &ms[i]) {
				out.Audience++
			}
		}
		for _, qq := range q.Questions {
			r := QnResult{QnQuestion: qq}
			for _, o := range qq.Options {
				r.Counts = append(r.Counts, OptionCount{Option: o})
			}
			out.Questions = append(out.Questions, r)
		}
		err = eachPrefix(tx.Bucket(bucketQnAnswers), key, func(_, v []byte) error {
			var sa storedAnswer
			if err := json.Unmarshal(v, &sa); err != nil {
				return err
			}
			out.Respondents++
			for i := range out.Questions {
				r := &out.Questions[i]
				if i < len(sa.Texts) && sa.Texts[i] != "" {
					r.Answered++
					r.Texts = append(r.Texts, sa.Texts[i])
				}
				if i < len(sa.Choices) && len(sa.Choices[i]) > 0 {
					r.Answered++
					for _, c := range sa.Choices[i] {
						if c < len(r.Counts) {
							r.Counts[c].Count++
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range out.Questions {
			for j := range out.Questions[i].Counts {
				if out.Respondents > 0 {
					p := float64(out.Questions[i].Counts[j].Count) / float64(out.Respondents)
					out.Questions[i].Counts[j].Percent = &p
				}
			}
		}
		return nil
	})
	return out, err
}

// CloseQuestionnaire stops a questionnaire taking answers.
func (s *Store) CloseQuestionnaire(ctx context.Context, id string) (*Questionnaire, error) {
	var out *Questionnaire
	err := s.update(func(tx *bolt.Tx) error {
		q, key, err := getQuestionnaire(tx, id)
		if err != nil {
			return err
		}
		by, err := actorMember(ctx, tx)
		if err != nil {
			return err
		}
		if !mayInspect(by.Role) {
			return Forbidden("only an inspector, hr or admin closes a questionnaire")
		}
		q.Closed = true
		if err := putJSON(tx.Bucket(bucketQuestionnaires), key, q); err != nil {
			return err
		}
		out = q
		return s.audit(ctx, tx, "close", "questionnaire", id, nil, map[string]bool{"closed": true})
	})
	return out, err
}
