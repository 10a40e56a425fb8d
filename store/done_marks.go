package store

import (
	"bytes"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Done marks (a member marked a self-study item done) are kept twice, in
// the same transaction: bucketItemDone keyed member + item (a member's own
// plan reads their prefix) and bucketDoneByItem keyed item + member (the
// rates of a period, a plan's done list and the item_has_done check read
// the prefixes of that period's or plan's items). Without the second, those
// scanned every mark of every year: at 100,000 members and five years, 4.8
// million marks for each org-wide rates request.

// putDoneMark writes one mark under both keys.
func putDoneMark(tx *bolt.Tx, member, item, v []byte) error {
	if err := tx.Bucket(bucketItemDone).Put(pairKey(member, item), v); err != nil {
		return err
	}
	return tx.Bucket(bucketDoneByItem).Put(pairKey(item, member), v)
}

// eachDoneOfItem calls fn with the member key and value of every mark of
// item (an item key). ok is false when the store has no by-item index (a
// store of schema 12 or older opened read-only): the caller scans
// bucketItemDone instead.
func eachDoneOfItem(tx *bolt.Tx, item []byte, fn func(member, v []byte) error) (ok bool, err error) {
	b := tx.Bucket(bucketDoneByItem)
	if b == nil {
		return false, nil
	}
	c := b.Cursor()
	for k, v := c.Seek(item); k != nil && bytes.HasPrefix(k, item); k, v = c.Next() {
		if len(k) != 16 {
			continue
		}
		if err := fn(k[8:], v); err != nil {
			return true, err
		}
	}
	return true, nil
}

// migrateDoneByItem (13) fills the by-item index from the marks, written
// in key order.
func migrateDoneByItem(tx *bolt.Tx) error {
	type mark struct{ key, v []byte }
	var marks []mark
	err := tx.Bucket(bucketItemDone).ForEach(func(k, v []byte) error {
		if len(k) == 16 {
			marks = append(marks, mark{pairKey(k[8:], k[:8]), copyBytes(v)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(marks, func(a, b mark) int { return bytes.Compare(a.key, b.key) })
	b := tx.Bucket(bucketDoneByItem)
	b.FillPercent = 0.9
	for _, m := range marks {
		if err := b.Put(m.key, m.v); err != nil {
			return err
		}
	}
	return nil
}
