package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Limits on a plan's size, so one request cannot fill the store.
const (
	maxPlanItems = 500
	maxTitleLen  = 200
)

// PlanInput is the body of POST /plans.
type PlanInput struct {
	GroupID string          `json:"group_id"`
	Period  string          `json:"period"`
	Title   string          `json:"title"`
	Items   []PlanItemInput `json:"items"`
}

// PlanItemInput is one content item of a new plan; DueOn makes it
// self-study.
type PlanItemInput struct {
	Title string `json:"title"`
	DueOn string `json:"due_on,omitempty"`
}

// Validate checks the input without touching the store and puts the period
// in its canonical form ("2023q3" → "2023Q3").
func (in *PlanInput) Validate() error {
	fe := FieldErrors{}
	if strings.TrimSpace(in.GroupID) == "" {
		fe.Add("group_id", "required")
	}
	if in.Period == "" {
		fe.Add("period", "required")
	} else if p, err := ParsePeriod(in.Period, time.UTC); err != nil {
		fe.Add("period", "a year like 2023 or a quarter like 2023Q3")
	} else {
		in.Period = p.String()
	}
	in.Title = strings.TrimSpace(in.Title)
	vetTitle(fe, "title", in.Title)
	if len(in.Items) > maxPlanItems {
		fe.Add("items", "at most "+strconv.Itoa(maxPlanItems)+" items")
	}
	for i := range in.Items {
		in.Items[i].vet(fe, "items["+strconv.Itoa(i)+"].")
	}
	return fe.Err()
}

// vet trims the item's title and checks it and its due date, naming the
// fields under prefix f (items[2]. or add_items[0].).
func (it *PlanItemInput) vet(fe FieldErrors, f string) {
	it.Title = strings.TrimSpace(it.Title)
	vetTitle(fe, f+"title", it.Title)
	if it.DueOn != "" && !ValidDate(it.DueOn) {
		fe.Add(f+"due_on", "a date YYYY-MM-DD")
	}
}

// vetTitle checks a required one-line title of at most maxTitleLen
// characters.
func vetTitle(fe FieldErrors, field, s string) {
	vetText(fe, field, s, maxTitleLen, true)
	if strings.ContainsAny(s, "\r\n") {
		fe.Add(field, "one line")
	}
}

// vetText checks free text: at most max characters, no control characters
// other than line breaks and tabs.
func vetText(fe FieldErrors, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		fe.Add(field, "required")
	case !utf8.ValidString(s):
		fe.Add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		fe.Add(field, "at most "+strconv.Itoa(max)+" characters")
	case strings.IndexFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f
	}) >= 0:
		fe.Add(field, "must not contain control characters")
	}
}

// CreatePlan adds a plan and its content items. Every item gets its own id
// and is stored in the items bucket too, so it can be found by id alone.
func (s *Store) CreatePlan(ctx context.Context, in PlanInput) (*Plan, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	period, _ := ParsePeriod(in.Period, s.loc)
	var p *Plan
	err := s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketGroups).Get(keyOrZero(in.GroupID)) == nil {
			return Invalid(map[string]string{"group_id": "no such group"})
		}
		if _, err := mayManage(ctx, tx, in.GroupID, "plans"); err != nil {
			return err
		}
		ctx, err := s.lockGuard(ctx, tx, period.Start)
		if err != nil {
			return err
		}
		pb, ib := tx.Bucket(bucketPlans), tx.Bucket(bucketItems)
		id, key, err := nextID(pb)
		if err != nil {
			return err
		}
		p = &Plan{ID: id, GroupID: in.GroupID, Period: in.Period, Title: in.Title,
			Items: make([]ContentItem, 0, len(in.Items)), CreatedAt: s.now().UTC(), CreatedBy: ActorFrom(ctx)}
		for _, it := range in.Items {
			iid, ikey, err := nextID(ib)
			if err != nil {
				return err
			}
			item := ContentItem{ID: iid, PlanID: id, Title: it.Title, DueOn: it.DueOn}
			if err := putJSON(ib, ikey, &item); err != nil {
				return err
			}
			p.Items = append(p.Items, item)
		}
		if err := putJSON(pb, key, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "plan", id, nil, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Plan returns one plan with its items.
func (s *Store) Plan(id string) (*Plan, error) {
	var p *Plan
	err := s.view(func(tx *bolt.Tx) (err error) {
		p, err = getPlan(tx, id)
		return err
	})
	return p, err
}

func getPlan(tx *bolt.Tx, id string) (*Plan, error) {
	return getByID[Plan](tx.Bucket(bucketPlans), "plan", id)
}

// Item returns one content item by its id.
func (s *Store) Item(id string) (*ContentItem, error) {
	var it *ContentItem
	err := s.view(func(tx *bolt.Tx) (err error) {
		it, err = getItem(tx, id)
		return err
	})
	return it, err
}

func getItem(tx *bolt.Tx, id string) (*ContentItem, error) {
	return getByID[ContentItem](tx.Bucket(bucketItems), "item", id)
}

// PlanFilter selects plans; zero fields do not filter.
type PlanFilter struct {
	// GroupIDs keeps plans of these groups.
	GroupIDs []string
	// Period keeps plans whose period overlaps it: "2023" finds the year's
	// plan and its quarters' plans, "2023Q3" finds 2023Q3 and 2023.
	Period string
}

// Plans lists plans in id order.
func (s *Store) Plans(f PlanFilter) ([]Plan, error) {
	var want map[string]bool
	if f.GroupIDs != nil {
		want = make(map[string]bool, len(f.GroupIDs))
		for _, g := range f.GroupIDs {
			want[g] = true
		}
	}
	var period Period
	if f.Period != "" {
		var err error
		if period, err = ParsePeriod(f.Period, s.loc); err != nil {
			return nil, Invalid(map[string]string{"period": "a year like 2023 or a quarter like 2023Q3"})
		}
	}
	out := []Plan{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPlans).ForEach(func(k, v []byte) error {
			var p Plan
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if want != nil && !want[p.GroupID] {
				return nil
			}
			if f.Period != "" {
				pp, err := ParsePeriod(p.Period, s.loc)
				if err != nil || !pp.Start.Before(period.End) || !period.Start.Before(pp.End) {
					return nil
				}
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// ItemDone is a member's mark that a self-study item is done.
type ItemDone struct {
	MemberID string    `json:"member_id"`
	PlanID   string    `json:"plan_id"`
	ItemID   string    `json:"item_id"`
	DoneAt   time.Time `json:"done_at"`
}

// The item_done bucket: key member id (8 bytes) + item id (8 bytes), value
// the instant the member marked the item done, as time.MarshalText (RFC 3339
// with nanoseconds, UTC).
func decodeDoneAt(v []byte) (time.Time, error) {
	var t time.Time
	err := t.UnmarshalText(v)
	return t, err
}

// MarkItemDone records that member memberID studied the self-study item
// itemID of plan planID. Only members whose group the plan's group covers
// may; marking again keeps the first instant and writes nothing.
func (s *Store) MarkItemDone(ctx context.Context, memberID, planID, itemID string) (*ItemDone, error) {
	return s.markItemDone(ctx, memberID, planID, itemID, s.now())
}

// RecordItemDone records, after the fact, that a member finished a
// self-study item at a given time (from a paper study log). No route calls
// it yet; the demo uses it to date its self-study inside each quarter.
func (s *Store) RecordItemDone(ctx context.Context, memberID, planID, itemID string, at time.Time) (*ItemDone, error) {
	if at.After(s.now()) {
		return nil, Invalid(map[string]string{"at": "in the future"})
	}
	return s.markItemDone(ctx, memberID, planID, itemID, at)
}

func (s *Store) markItemDone(ctx context.Context, memberID, planID, itemID string, at time.Time) (*ItemDone, error) {
	var d *ItemDone
	err := s.update(func(tx *bolt.Tx) error {
		p, err := getPlan(tx, planID)
		if err != nil {
			return err
		}
		it, err := getItem(tx, itemID)
		if err != nil {
			return err
		}
		if it.PlanID != p.ID {
			return NotFound("item", itemID)
		}
		m, err := getMember(tx, memberID)
		if err != nil {
			return err
		}
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		if m.GroupID == "" || !t.Covers(p.GroupID, m.GroupID) {
			return Errorf(KindForbidden, "not_covered", "this plan's group does not cover you")
		}
		if it.DueOn == "" {
			return Conflict("not_self_study", "item %s is studied at sessions, not marked done by hand", itemID)
		}
		key := pairKey(keyOrZero(memberID), keyOrZero(itemID))
		b := tx.Bucket(bucketItemDone)
		if v := b.Get(key); v != nil {
			at, err := decodeDoneAt(v)
			if err != nil {
				return err
			}
			d = &ItemDone{MemberID: memberID, PlanID: planID, ItemID: itemID, DoneAt: at}
			return nil
		}
		ctx, err := s.lockGuard(ctx, tx, at)
		if err != nil {
			return err
		}
		d = &ItemDone{MemberID: memberID, PlanID: planID, ItemID: itemID, DoneAt: at.UTC()}
		v, err := d.DoneAt.MarshalText()
		if err != nil {
			return err
		}
		if err := putDoneMark(tx, keyOrZero(memberID), keyOrZero(itemID), v); err != nil {
			return err
		}
		return s.audit(ctx, tx, "done", "item_done", memberID+"/"+itemID, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ItemsDone returns when member memberID marked each self-study item done,
// keyed by item id.
func (s *Store) ItemsDone(memberID string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	key, ok := idKey(memberID)
	if !ok {
		return out, nil
	}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketItemDone).Cursor()
		for k, v := c.Seek(key); len(k) == 16 && string(k[:8]) == string(key); k, v = c.Next() {
			at, err := decodeDoneAt(v)
			if err != nil {
				return err
			}
			out[keyID(k[8:])] = at
		}
		return nil
	})
	return out, err
}
