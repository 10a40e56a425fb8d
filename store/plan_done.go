package store

import (
	"sort"

	bolt "go.etcd.io/bbolt"
)

// PlanDone lists every done mark of plan planID's self-study items — who
// marked which item done, and when — in the plan's item order, then by
// time, then by member id: the raw input of the completion rate (GET
// /plans/{id}/done). The plan comes back too, for the caller's scope.
func (s *Store) PlanDone(planID string) (*Plan, []ItemDone, error) {
	var p *Plan
	out := []ItemDone{}
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		if p, err = getPlan(tx, planID); err != nil {
			return err
		}
		order := map[uint64]int{}
		for i, it := range p.Items {
			if it.DueOn != "" {
				order[btoi(keyOrZero(it.ID))] = i
			}
		}
		if len(order) == 0 {
			return nil
		}
		add := func(member, item, v []byte) error {
			at, err := decodeDoneAt(v)
			if err != nil {
				return err
			}
			out = append(out, ItemDone{MemberID: keyID(member), PlanID: p.ID, ItemID: keyID(item), DoneAt: at})
			return nil
		}
		indexed := true
		for num := range order {
			item := itob(num)
			ok, err := eachDoneOfItem(tx, item, func(member, v []byte) error { return add(member, item, v) })
			if err != nil {
				return err
			}
			indexed = indexed && ok
		}
		if indexed {
			return nil
		}
		// A store without the by-item index (read-only, schema 12 or
		// older): one pass over the member-keyed marks.
		return tx.Bucket(bucketItemDone).ForEach(func(k, v []byte) error {
			if len(k) != 16 {
				return nil
			}
			if _, ok := order[btoi(k[8:])]; !ok {
				return nil
			}
			return add(k[:8], k[8:], v)
		})
	})
	if err != nil {
		return nil, nil, err
	}
	pos := map[string]int{}
	for i, it := range p.Items {
		pos[it.ID] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if pos[a.ItemID] != pos[b.ItemID] {
			return pos[a.ItemID] < pos[b.ItemID]
		}
		if !a.DoneAt.Equal(b.DoneAt) {
			return a.DoneAt.Before(b.DoneAt)
		}
		return btoi(keyOrZero(a.MemberID)) < btoi(keyOrZero(b.MemberID))
	})
	return p, out, nil
}
