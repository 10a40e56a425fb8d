package store

import (
	"bytes"
	"sort"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// One order everywhere (docs/ORDER.md): groups by their position among
// their siblings (then creation order), walked depth first; members by
// group in that order, then roster position (members without one after
// those with one), then name by pinyin, then id. Every list, screen, PDF,
// XLSX and sign-in sheet uses it.

// collators are not safe for concurrent use: one per goroutine at a time,
// each with its key buffer.
type collator struct {
	c   *collate.Collator
	buf collate.Buffer
}

var collators = sync.Pool{New: func() any { return &collator{c: collate.New(language.Chinese)} }}

// NameKey is the collation key of a name in Chinese (pinyin) order;
// bytes.Compare of two keys orders the names.
func NameKey(name string) []byte {
	c := collators.Get().(*collator)
	defer collators.Put(c)
	c.buf.Reset()
	k := c.c.KeyFromString(&c.buf, name)
	out := make([]byte, len(k))
	copy(out, k)
	return out
}

// sortChildren orders every sibling list by position, then id.
func (t *Tree) sortChildren() {
	for _, ids := range t.children {
		sort.SliceStable(ids, func(i, j int) bool {
			a, b := t.byID[ids[i]], t.byID[ids[j]]
			if a.Position != b.Position {
				return a.Position < b.Position
			}
			return idLess(a.ID, b.ID)
		})
	}
	t.rank = make(map[string]int, len(t.byID))
	t.walk = t.walk[:0]
	var visit func(id string, depth int)
	visit = func(id string, depth int) {
		if depth > len(t.byID) {
			return
		}
		t.rank[id] = len(t.walk)
		t.walk = append(t.walk, id)
		for _, c := range t.children[id] {
			visit(c, depth+1)
		}
	}
	for _, r := range t.children[""] {
		visit(r, 0)
	}
}

// Ordered lists every group in the one order: depth first, siblings by
// position.
func (t *Tree) Ordered() []Group {
	out := make([]Group, 0, len(t.walk))
	for _, id := range t.walk {
		out = append(out, t.byID[id])
	}
	return out
}

// Rank is the place of group g in Ordered; groups not in the tree (and
// accounts without a group) come after every group.
func (t *Tree) Rank(g string) int {
	if r, ok := t.rank[g]; ok {
		return r
	}
	return len(t.walk)
}

// MemberOrder compares members in the one order. Build it once per list
// (it caches each name's collation key).
type MemberOrder struct {
	t    *Tree
	keys map[string][]byte
}

// NewMemberOrder returns the member order over tree t.
func NewMemberOrder(t *Tree) *MemberOrder {
	return &MemberOrder{t: t, keys: map[string][]byte{}}
}

// prime computes the keys of names now, so that Less on members with these
// names only reads (safe from several goroutines).
func (o *MemberOrder) prime(names []string) {
	for _, n := range names {
		o.key(n)
	}
}

func (o *MemberOrder) key(name string) []byte {
	k, ok := o.keys[name]
	if !ok {
		k = NameKey(name)
		o.keys[name] = k
	}
	return k
}

// Less orders two members given their group, roster position, name and id.
func (o *MemberOrder) Less(ga string, pa int, na, ida string, gb string, pb int, nb, idb string) bool {
	if ra, rb := o.t.Rank(ga), o.t.Rank(gb); ra != rb {
		return ra < rb
	}
	if pa != pb {
		switch {
		case pa == 0:
			return false
		case pb == 0:
			return true
		}
		return pa < pb
	}
	if na != nb {
		if c := bytes.Compare(o.key(na), o.key(nb)); c != 0 {
			return c < 0
		}
		return na < nb
	}
	return idLess(ida, idb)
}

// SortMembers orders members in the one order over tree t.
func SortMembers(t *Tree, ms []Member) {
	o := NewMemberOrder(t)
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := &ms[i], &ms[j]
		return o.Less(a.GroupID, a.Position, a.Name, a.ID, b.GroupID, b.Position, b.Name, b.ID)
	})
}
