package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BankQuestion is one question of the question bank (应知应会): what an
// inspector asks at random, the reference answer, tags and, optionally,
// the plan content item it tests. A retired question stays (old draws name
// it) but is never drawn again.
type BankQuestion struct {
	ID        string    `json:"id"`
	Question  string    `json:"question"`
	Answer    string    `json:"answer"`
	Tags      []string  `json:"tags"`
	ItemID    string    `json:"item_id,omitempty"`
	Retired   bool      `json:"retired"`
	CreatedAt time.Time `json:"created_at"`
}

// BankQuestionInput is the body of POST /questions and one line of an
// import.
type BankQuestionInput struct {
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Tags     []string `json:"tags"`
	ItemID   string   `json:"item_id,omitempty"`
}

// BankQuestionPatch is the body of PATCH /questions/{id}; nil fields stay.
type BankQuestionPatch struct {
	Question *string   `json:"question"`
	Answer   *string   `json:"answer"`
	Tags     *[]string `json:"tags"`
	ItemID   *string   `json:"item_id"`
	Retired  *bool     `json:"retired"`
}

const (
	maxQuestionLen = 1000
	maxAnswerLen   = 4000
	maxTags        = 20
)

func (in *BankQuestionInput) vet(fe FieldErrors) {
	in.Question = strings.TrimSpace(in.Question)
	in.Answer = strings.TrimSpace(in.Answer)
	vetText(fe, "question", in.Question, maxQuestionLen, true)
	vetText(fe, "answer", in.Answer, maxAnswerLen, false)
	in.Tags = cleanTags(in.Tags)
	if len(in.Tags) > maxTags {
		fe.Add("tags", fmt.Sprintf("at most %d tags", maxTags))
	}
	for _, t := range in.Tags {
		vetText(fe, "tags", t, 50, false)
	}
}

// Validate checks the input without the store.
func (in *BankQuestionInput) Validate() error {
	fe := FieldErrors{}
	in.vet(fe)
	return fe.Err()
}

func cleanTags(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// splitTags reads the tags cell of an import: separated by ; ； , ， 、 or |.
func splitTags(s string) []string {
	return cleanTags(strings.FieldsFunc(s, func(r rune) bool {
		return r == ';' || r == '；' || r == ',' || r == '，' || r == '、' || r == '|'
	}))
}

func checkItem(tx *bolt.Tx, fe FieldErrors, field, id string) {
	if id == "" {
		return
	}
	if _, err := getItem(tx, id); err != nil {
		fe.Add(field, fmt.Sprintf("no content item %q", id))
	}
}

// CreateBankQuestion adds one question.
func (s *Store) CreateBankQuestion(ctx context.Context, in BankQuestionInput) (*BankQuestion, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *BankQuestion
	err := s.update(func(tx *bolt.Tx) error {
		fe := FieldErrors{}
		checkItem(tx, fe, "item_id", in.ItemID)
		if err := fe.Err(); err != nil {
			return err
		}
		var err error
		out, err = s.putBankQuestion(ctx, tx, in)
		return err
	})
	return out, err
}

func (s *Store) putBankQuestion(ctx context.Context, tx *bolt.Tx, in BankQuestionInput) (*BankQuestion, error) {
	b := tx.Bucket(bucketBankQuestions)
	id, key, err := nextID(b)
	if err != nil {
		return nil, err
	}
	q := &BankQuestion{ID: id, Question: in.Question, Answer: in.Answer, Tags: in.Tags, ItemID: in.ItemID, CreatedAt: s.now().UTC()}
	if err := putJSON(b, key, q); err != nil {
		return nil, err
	}
	return q, s.audit(ctx, tx, "create", "bank_question", id, nil, q)
}

// UpdateBankQuestion edits or retires a question.
func (s *Store) UpdateBankQuestion(ctx context.Context, id string, p BankQuestionPatch) (*BankQuestion, error) {
	var out *BankQuestion
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBankQuestions)
		got, err := getByID[BankQuestion](b, "question", id)
		if err != nil {
			return err
		}
		q, key := *got, keyOrZero(id)
		before := q
		in := BankQuestionInput{Question: q.Question, Answer: q.Answer, Tags: q.Tags, ItemID: q.ItemID}
		if p.Question != nil {
			in.Question = *p.Question
		}
		if p.Answer != nil {
			in.Answer = *p.Answer
		}
		if p.Tags != nil {
			in.Tags = *p.Tags
		}
		if p.ItemID != nil {
			in.ItemID = *p.ItemID
		}
		fe := FieldErrors{}
		in.vet(fe)
		if p.ItemID != nil {
			checkItem(tx, fe, "item_id", in.ItemID)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		q.Question, q.Answer, q.Tags, q.ItemID = in.Question, in.Answer, in.Tags, in.ItemID
		if p.Retired != nil {
			q.Retired = *p.Retired
		}
		if err := putJSON(b, key, &q); err != nil {
			return err
		}
		out = &q
		return s.audit(ctx, tx, "update", "bank_question", id, before, q)
	})
	return out, err
}

// BankQuestions lists the bank in id order; retired ones only when asked.
func (s *Store) BankQuestions(withRetired bool) ([]BankQuestion, error) {
	out := []BankQuestion{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBankQuestions).ForEach(func(k, v []byte) error {
			var q BankQuestion
			if err := json.Unmarshal(v, &q); err != nil {
				return err
			}
			if withRetired || !q.Retired {
				out = append(out, q)
			}
			return nil
		})
	})
	return out, err
}

// bankColumns maps the header names an import accepts to the fields.
var bankColumns = map[string]string{
	"question": "question", "问题": "question", "题目": "question",
	"answer": "answer", "参考答案": "answer", "答案": "answer",
	"tags": "tags", "标签": "tags",
	"item_id": "item_id", "学习内容": "item_id", "内容编号": "item_id",
}

// BankLine is one parsed line of an import, with its line number in the
// file (the header is line 1).
type BankLine struct {
	Line int
	In   BankQuestionInput
}

// ParseQuestionBank reads a question bank file: CSV (UTF-8 with or without
// BOM, or GB18030/GBK — detected, or named by charset) or XLSX (the first
// sheet), with a header row naming question, answer, tags and optionally
// item_id (or 问题, 参考答案, 标签, 学习内容). Every bad line is named in
// the returned error's fields ("line 3": reason); blank lines are skipped.
func ParseQuestionBank(data []byte, contentType, charset string) ([]BankLine, error) {
	rows, err := ReadTable(data, contentType, charset)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, Invalid(map[string]string{"file": "empty: want a header row question,answer,tags,item_id and one question per line"})
	}
	cols := map[string]int{}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if f, ok := bankColumns[h]; ok {
			if _, dup := cols[f]; !dup {
				cols[f] = i
			}
		}
	}
	if _, ok := cols["question"]; !ok {
		return nil, Invalid(map[string]string{"line 1": "the header row must name a question column (question,answer,tags,item_id)"})
	}
	get := func(rec []string, f string) string {
		if i, ok := cols[f]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	bad := FieldErrors{}
	var out []BankLine
	seen := map[string]int{}
	for i, rec := range rows[1:] {
		line := i + 2
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		in := BankQuestionInput{Question: get(rec, "question"), Answer: get(rec, "answer"), Tags: splitTags(get(rec, "tags")), ItemID: get(rec, "item_id")}
		fe := FieldErrors{}
		in.vet(fe)
		if in.ItemID != "" {
			if _, ok := idKey(in.ItemID); !ok {
				fe.Add("item_id", fmt.Sprintf("%q is not a content item id", in.ItemID))
			}
		}
		if prev, dup := seen[in.Question]; dup && in.Question != "" {
			fe.Add("question", fmt.Sprintf("the same question as line %d", prev))
		} else {
			seen[in.Question] = line
		}
		if len(fe) > 0 {
			bad.Add(lineKey(line), joinFieldErrors(fe))
			continue
		}
		out = append(out, BankLine{Line: line, In: in})
	}
	if len(bad) > 0 {
		e := Invalid(bad)
		e.Message = fmt.Sprintf("%d bad line(s); nothing imported", len(bad))
		return nil, e
	}
	if len(out) == 0 {
		return nil, Invalid(map[string]string{"file": "no questions below the header row"})
	}
	return out, nil
}

// ImportQuestionBank adds every question of a parsed file in one
// transaction: a line naming an unknown content item fails the whole
// import, each such line named.
func (s *Store) ImportQuestionBank(ctx context.Context, lines []BankLine) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		bad := FieldErrors{}
		for _, l := range lines {
			fe := FieldErrors{}
			checkItem(tx, fe, "item_id", l.In.ItemID)
			if len(fe) > 0 {
				bad.Add(lineKey(l.Line), joinFieldErrors(fe))
			}
		}
		if len(bad) > 0 {
			e := Invalid(bad)
			e.Message = fmt.Sprintf("%d bad line(s); nothing imported", len(bad))
			return e
		}
		for _, l := range lines {
			if _, err := s.putBankQuestion(ctx, tx, l.In); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
