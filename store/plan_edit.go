package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PlanPatch is the body of PATCH /plans/{id}: every part is optional and
// the parts apply in this order — title, item changes, removals, new
// items (appended to the end).
type PlanPatch struct {
	Title       *string           `json:"title,omitempty"`
	Items       []PlanItemChange  `json:"items,omitempty"`
	RemoveItems []string          `json:"remove_item_ids,omitempty"`
	AddItems    []PlanItemInput   `json:"add_items,omitempty"`
	changed     map[string]string // item id → field prefix, set by Validate
}

// PlanItemChange changes one existing item: a new title, and/or a new
// due_on ("" makes it an item studied at sessions).
type PlanItemChange struct {
	ID    string  `json:"id"`
	Title *string `json:"title,omitempty"`
	DueOn *string `json:"due_on,omitempty"`
}

// Validate checks the patch without touching the store.
func (in *PlanPatch) Validate() error {
	fe := FieldErrors{}
	if in.Title != nil {
		*in.Title = strings.TrimSpace(*in.Title)
		vetTitle(fe, "title", *in.Title)
	}
	if in.Title == nil && len(in.Items) == 0 && len(in.RemoveItems) == 0 && len(in.AddItems) == 0 {
		fe.Add("title", "nothing to change: give title, items, remove_item_ids or add_items")
	}
	if len(in.Items)+len(in.AddItems) > maxPlanItems || len(in.RemoveItems) > maxPlanItems {
		fe.Add("items", "at most "+strconv.Itoa(maxPlanItems)+" items")
	}
	in.changed = map[string]string{}
	for i := range in.Items {
		c := &in.Items[i]
		f := "items[" + strconv.Itoa(i) + "]."
		if _, ok := idKey(c.ID); !ok {
			fe.Add(f+"id", "item "+strconv.Quote(c.ID)+" not found")
		} else if _, dup := in.changed[c.ID]; dup {
			fe.Add(f+"id", "item "+c.ID+" listed twice")
		}
		in.changed[c.ID] = f
		if c.Title != nil {
			*c.Title = strings.TrimSpace(*c.Title)
			vetTitle(fe, f+"title", *c.Title)
		}
		if c.DueOn != nil && *c.DueOn != "" && !ValidDate(*c.DueOn) {
			fe.Add(f+"due_on", "a date YYYY-MM-DD")
		}
	}
	removed := map[string]bool{}
	for i, id := range in.RemoveItems {
		f := "remove_item_ids[" + strconv.Itoa(i) + "]"
		switch _, ok := idKey(id); {
		case !ok:
			fe.Add(f, "item "+strconv.Quote(id)+" not found")
		case removed[id]:
			fe.Add(f, "item "+id+" listed twice")
		case in.changed[id] != "":
			fe.Add(f, "item "+id+" is both changed and removed")
		}
		removed[id] = true
	}
	for i := range in.AddItems {
		in.AddItems[i].vet(fe, "add_items["+strconv.Itoa(i)+"].")
	}
	return fe.Err()
}

// EditPlan changes a saved plan (PATCH /plans/{id}): its title, its items'
// titles and due dates, removes items and adds new ones, in one
// transaction with its scope check (a manager of the plan's group) and its
// audit entry. The period lock rule applies to the plan's period start
// and to every due date an item change touches (old and new). An item
// with done marks can neither be removed nor stop being self-study (409
// item_has_done); an item attached to a held session (ended, not
// cancelled) cannot be removed (409 item_in_held_session); removing an
// item attached to sessions not yet held detaches it from them.
func (s *Store) EditPlan(ctx context.Context, id string, in PlanPatch) (*Plan, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var p *Plan
	var touched []string
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if p, err = getPlan(tx, id); err != nil {
			return err
		}
		if _, err := mayManage(ctx, tx, p.GroupID, "plans"); err != nil {
			return err
		}
		period, err := ParsePeriod(p.Period, s.loc)
		if err != nil {
			return err
		}
		if ctx, err = s.lockGuard(ctx, tx, period.Start); err != nil {
			return err
		}
		guardDay := func(day string) error {
			if day == "" {
				return nil
			}
			d, err := time.ParseInLocation(DateLayout, day, s.loc)
			if err != nil {
				return nil
			}
			ctx, err = s.lockGuard(ctx, tx, d)
			return err
		}
		before := *p
		before.Items = append([]ContentItem(nil), p.Items...)
		pos := map[string]int{}
		for i, it := range p.Items {
			pos[it.ID] = i
		}
		notInPlan := func(field, iid string) error {
			return Invalid(map[string]string{field: "item " + iid + " is not in plan " + p.ID})
		}
		ib := tx.Bucket(bucketItems)
		if in.Title != nil {
			p.Title = *in.Title
		}
		for _, c := range in.Items {
			i, ok := pos[c.ID]
			if !ok {
				return notInPlan(in.changed[c.ID]+"id", c.ID)
			}
			it := &p.Items[i]
			if c.Title != nil {
				it.Title = *c.Title
			}
			if c.DueOn != nil && *c.DueOn != it.DueOn {
				if *c.DueOn == "" {
					if n, err := doneMarks(tx, it.ID); err != nil {
						return err
					} else if n > 0 {
						return Conflict("item_has_done", "item %s has %d done marks: it stays self-study", it.ID, n)
					}
				}
				if err := guardDay(it.DueOn); err != nil {
					return err
				}
				if err := guardDay(*c.DueOn); err != nil {
					return err
				}
				it.DueOn = *c.DueOn
			}
			if err := putJSON(ib, keyOrZero(it.ID), it); err != nil {
				return err
			}
		}
		if len(in.RemoveItems) > 0 {
			gone := map[string]bool{}
			for i, iid := range in.RemoveItems {
				j, ok := pos[iid]
				if !ok {
					return notInPlan("remove_item_ids["+strconv.Itoa(i)+"]", iid)
				}
				if n, err := doneMarks(tx, iid); err != nil {
					return err
				} else if n > 0 {
					return Conflict("item_has_done", "item %s has %d done marks: it cannot be removed", iid, n)
				}
				if err := guardDay(p.Items[j].DueOn); err != nil {
					return err
				}
				gone[iid] = true
			}
			if touched, err = s.detachItems(ctx, tx, gone); err != nil {
				return err
			}
			kept := p.Items[:0:0]
			for _, it := range p.Items {
				if gone[it.ID] {
					if err := ib.Delete(keyOrZero(it.ID)); err != nil {
						return err
					}
					continue
				}
				kept = append(kept, it)
			}
			p.Items = kept
		}
		if len(p.Items)+len(in.AddItems) > maxPlanItems {
			return Invalid(map[string]string{"add_items": "a plan has at most " + strconv.Itoa(maxPlanItems) + " items"})
		}
		for _, a := range in.AddItems {
			if err := guardDay(a.DueOn); err != nil {
				return err
			}
			iid, ikey, err := nextID(ib)
			if err != nil {
				return err
			}
			item := ContentItem{ID: iid, PlanID: p.ID, Title: a.Title, DueOn: a.DueOn}
			if err := putJSON(ib, ikey, &item); err != nil {
				return err
			}
			p.Items = append(p.Items, item)
		}
		if err := putJSON(tx.Bucket(bucketPlans), keyOrZero(p.ID), p); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "plan", p.ID, &before, p)
	})
	for _, sid := range touched {
		s.forgetSession(sid)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// doneMarks counts the members who marked item itemID done.
func doneMarks(tx *bolt.Tx, itemID string) (int, error) {
	key, ok := idKey(itemID)
	if !ok {
		return 0, nil
	}
	n := 0
	ok, err := eachDoneOfItem(tx, key, func(_, _ []byte) error { n++; return nil })
	if ok || err != nil {
		return n, err
	}
	err = tx.Bucket(bucketItemDone).ForEach(func(k, _ []byte) error {
		if len(k) == 16 && string(k[8:]) == string(key) {
			n++
		}
		return nil
	})
	return n, err
}

// sessionHeld reports whether sess has been held: it has ended and was
// not cancelled. Its items then are part of the record.
func (s *Store) sessionHeld(sess *Session) bool {
	return !sess.Cancelled && !sess.EndsAt.After(s.now())
}

// detachItems takes the items in gone off every session that lists them;
// a held session refuses (409 item_in_held_session). It returns the ids
// of the sessions changed, each audited.
func (s *Store) detachItems(ctx context.Context, tx *bolt.Tx, gone map[string]bool) ([]string, error) {
	b := tx.Bucket(bucketSessions)
	var changed []Session
	err := b.ForEach(func(k, v []byte) error {
		var sess Session
		if err := json.Unmarshal(v, &sess); err != nil {
			return err
		}
		for _, iid := range sess.ItemIDs {
			if !gone[iid] {
				continue
			}
			if s.sessionHeld(&sess) {
				return Conflict("item_in_held_session", "item %s was studied at session %s, which has been held: it cannot be removed", iid, sess.ID)
			}
			changed = append(changed, sess)
			break
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(changed))
	for _, sess := range changed {
		before := sess
		var keep []string
		for _, iid := range sess.ItemIDs {
			if !gone[iid] {
				keep = append(keep, iid)
			}
		}
		if keep == nil {
			keep = []string{}
		}
		sess.ItemIDs = keep
		if err := putJSON(b, keyOrZero(sess.ID), &sess); err != nil {
			return nil, err
		}
		if err := s.audit(ctx, tx, "update", "session", sess.ID, &before, &sess); err != nil {
			return nil, err
		}
		ids = append(ids, sess.ID)
	}
	return ids, nil
}

// SessionItemsInput is the body of PUT /sessions/{id}/items: the plan
// items the session studies, replacing its list.
type SessionItemsInput struct {
	ItemIDs []string `json:"item_ids"`
}

// Validate checks item_ids as POST /sessions does.
func (in *SessionItemsInput) Validate() error {
	fe := FieldErrors{}
	if in.ItemIDs == nil {
		in.ItemIDs = []string{}
	}
	vetItemIDs(fe, in.ItemIDs)
	return fe.Err()
}

// vetItemIDs checks a session's item_ids without the store: at most
// maxSessionItems, each an id, none twice.
func vetItemIDs(fe FieldErrors, ids []string) {
	if len(ids) > maxSessionItems {
		fe.Add("item_ids", "at most "+strconv.Itoa(maxSessionItems)+" items")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := idKey(id); !ok {
			fe.Add("item_ids", "item "+strconv.Quote(id)+" not found")
		} else if seen[id] {
			fe.Add("item_ids", "item "+id+" listed twice")
		}
		seen[id] = true
	}
}

// checkSessionItems checks, inside tx, that every item exists and belongs
// to a plan whose group covers the session's group g.
func checkSessionItems(tx *bolt.Tx, t *Tree, g string, ids []string) error {
	for _, iid := range ids {
		it, err := getItem(tx, iid)
		if IsKind(err, KindNotFound) {
			return Invalid(map[string]string{"item_ids": "item " + iid + " not found"})
		} else if err != nil {
			return err
		}
		p, err := getPlan(tx, it.PlanID)
		if err != nil {
			return err
		}
		if !t.Covers(p.GroupID, g) {
			return Invalid(map[string]string{"item_ids": "item " + iid + " belongs to a plan of a group that does not cover this session's group"})
		}
	}
	return nil
}

// SetSessionItems replaces the plan items a session studies (PUT
// /sessions/{id}/items): a manager of its group, in the write's
// transaction; a cancelled session answers 409 session_cancelled, a held
// one 409 session_held; the period lock rule judges its starts_at.
func (s *Store) SetSessionItems(ctx context.Context, id string, in SessionItemsInput) (*Session, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var sess *Session
	err := s.update(func(tx *bolt.Tx) error {
		a, err := actorTx(ctx, tx)
		if err != nil {
			return err
		}
		if sess, err = getSession(tx, id); err != nil {
			return err
		}
		if err := a.manages(sess.GroupID, "sessions"); err != nil {
			return err
		}
		if err := checkSessionItems(tx, a.t, sess.GroupID, in.ItemIDs); err != nil {
			return err
		}
		if sess.Cancelled {
			return Conflict("session_cancelled", "session %s is cancelled", id)
		}
		if s.sessionHeld(sess) {
			return Conflict("session_held", "session %s has been held: its items are part of the record", id)
		}
		ctx, err := s.lockGuard(ctx, tx, sess.StartsAt)
		if err != nil {
			return err
		}
		before := *sess
		sess.ItemIDs = append([]string{}, in.ItemIDs...)
		if err := putJSON(tx.Bucket(bucketSessions), keyOrZero(id), sess); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "session", id, &before, sess)
	})
	s.forgetSession(id)
	if err != nil {
		return nil, err
	}
	return sess, nil
}
