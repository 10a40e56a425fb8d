package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Group is a node of the organisation tree (机关党委 / 党支部 / 党小组). Every
// member belongs to exactly one group; a session, plan or exam that targets
// a group reaches its whole subtree.
type Group struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"`
	// Type is committee, branch, party_group or other (meeting.go).
	Type string `json:"type"`
	// Position is the group's place among its siblings, 1 first (creation
	// order until an admin sets it; see docs/ORDER.md).
	Position int `json:"position"`
}

// Tree is the organisation tree, loaded whole (it has tens to hundreds of
// nodes).
type Tree struct {
	byID     map[string]Group
	children map[string][]string
	order    []string
	walk     []string       // depth first, siblings by position
	rank     map[string]int // id → index in walk
}

func loadTree(tx *bolt.Tx) (*Tree, error) {
	t := &Tree{byID: map[string]Group{}, children: map[string][]string{}}
	err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
		var g Group
		if err := json.Unmarshal(v, &g); err != nil {
			return fmt.Errorf("read group %s: %w", keyID(k), err)
		}
		t.byID[g.ID] = g
		t.order = append(t.order, g.ID)
		t.children[g.ParentID] = append(t.children[g.ParentID], g.ID)
		return nil
	})
	for id, g := range t.byID {
		if g.Type == "" { // written before group types: migration 6 types it
			g.Type = InferGroupType(g.Name, t.Depth(id))
			t.byID[id] = g
		}
	}
	t.sortChildren()
	return t, err
}

// Depth is the number of ancestors of g (0 for a root).
func (t *Tree) Depth(g string) int { return len(t.Ancestors(g)) - 1 }

// Tree loads the organisation tree.
func (s *Store) Tree() (*Tree, error) {
	var t *Tree
	err := s.view(func(tx *bolt.Tx) (err error) {
		t, err = loadTree(tx)
		return err
	})
	return t, err
}

// Group returns the group with id.
func (t *Tree) Group(id string) (Group, bool) { g, ok := t.byID[id]; return g, ok }

// Groups lists every group in id order.
func (t *Tree) Groups() []Group {
	out := make([]Group, 0, len(t.order))
	for _, id := range t.order {
		out = append(out, t.byID[id])
	}
	return out
}

// Roots lists the groups without a parent.
func (t *Tree) Roots() []string { return t.children[""] }

// Children lists the direct children of id, by position.
func (t *Tree) Children(id string) []string { return t.children[id] }

// Covers reports whether group ancestor is g itself or one of its ancestors,
// i.e. whether something targeting ancestor reaches members of g.
func (t *Tree) Covers(ancestor, g string) bool {
	for i := 0; g != "" && i <= len(t.byID); i++ {
		if g == ancestor {
			return true
		}
		g = t.byID[g].ParentID
	}
	return false
}

// Ancestors lists g and its ancestors, g first.
func (t *Tree) Ancestors(g string) []string {
	var out []string
	for i := 0; g != "" && i <= len(t.byID); i++ {
		out = append(out, g)
		g = t.byID[g].ParentID
	}
	return out
}

// Subtree lists g and all its descendants, g first.
func (t *Tree) Subtree(g string) []string {
	out := []string{g}
	for i := 0; i < len(out); i++ {
		out = append(out, t.children[out[i]]...)
	}
	return out
}

// Path is the group's names from the root, joined by "/".
func (t *Tree) Path(g string) string {
	anc := t.Ancestors(g)
	names := make([]string, len(anc))
	for i, id := range anc {
		names[len(anc)-1-i] = t.byID[id].Name
	}
	return strings.Join(names, "/")
}

// Resolve finds a group by name, or by a path of names ("单位/支部") where a
// name repeats. ok is false when nothing or more than one group matches.
func (t *Tree) Resolve(ref string) (id string, ambiguous bool, ok bool) {
	ref = strings.TrimSpace(ref)
	var hits []string
	for _, gid := range t.order {
		p := t.Path(gid)
		if t.byID[gid].Name == ref || p == ref || strings.HasSuffix(p, "/"+ref) {
			hits = append(hits, gid)
		}
	}
	if len(hits) == 1 {
		return hits[0], false, true
	}
	return "", len(hits) > 1, false
}

// GroupInput is the body of POST /groups. An empty Type is inferred from
// the name and depth (InferGroupType).
type GroupInput struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"`
	Type     string `json:"type,omitempty"`
	// Position places the new group among its siblings (1 first); 0 or
	// more than the siblings puts it last.
	Position int `json:"position,omitempty"`
}

// CreateGroup adds a group under ParentID (or a root).
func (s *Store) CreateGroup(ctx context.Context, in GroupInput) (*Group, error) {
	in.Name = strings.TrimSpace(in.Name)
	fe := FieldErrors{}
	if in.Name == "" {
		fe.Add("name", "required")
	} else if utf8.RuneCountInString(in.Name) > 100 {
		fe.Add("name", "at most 100 characters")
	}
	if in.Type != "" && !ValidGroupType(in.Type) {
		fe.Add("type", "one of "+strings.Join(GroupTypes, ", "))
	}
	if in.Position < 0 {
		fe.Add("position", "1 or more")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var g *Group
	err := s.update(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		if in.ParentID != "" {
			if _, ok := t.Group(in.ParentID); !ok {
				return Invalid(map[string]string{"parent_id": "no such group"})
			}
		}
		for _, sib := range t.Children(in.ParentID) {
			if t.byID[sib].Name == in.Name {
				return Conflict("duplicate", "a group named %q already exists here", in.Name)
			}
		}
		b := tx.Bucket(bucketGroups)
		id, key, err := nextID(b)
		if err != nil {
			return err
		}
		typ := in.Type
		if typ == "" {
			depth := 0
			if in.ParentID != "" {
				depth = t.Depth(in.ParentID) + 1
			}
			typ = InferGroupType(in.Name, depth)
		}
		g = &Group{ID: id, Name: in.Name, ParentID: in.ParentID, Type: typ, Position: len(t.Children(in.ParentID)) + 1}
		if err := putJSON(b, key, g); err != nil {
			return err
		}
		if in.Position > 0 && in.Position < g.Position {
			if err := placeGroup(tx, t, g, in.Position); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, "create", "group", id, nil, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Groups lists all groups in the one order: depth first, siblings by
// position.
func (s *Store) Groups() ([]Group, error) {
	t, err := s.Tree()
	if err != nil {
		return nil, err
	}
	return t.Ordered(), nil
}

// GroupPatch is the body of PATCH /groups/{id}; nil fields stay.
type GroupPatch struct {
	Name *string `json:"name"`
	// Position moves the group to this place among its siblings (1
	// first; past the last means last); the siblings are renumbered 1…n.
	Position *int `json:"position"`
	// Type changes the group's type (meeting.go); refused while the group
	// holds sessions of a kind the new type may not hold.
	Type *string `json:"type"`
}

// UpdateGroup renames a group or moves it among its siblings.
func (s *Store) UpdateGroup(ctx context.Context, id string, p GroupPatch) (*Group, error) {
	fe := FieldErrors{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		switch {
		case *p.Name == "":
			fe.Add("name", "required")
		case utf8.RuneCountInString(*p.Name) > 100:
			fe.Add("name", "at most 100 characters")
		}
	}
	if p.Position != nil && *p.Position < 1 {
		fe.Add("position", "1 or more")
	}
	if p.Type != nil && !ValidGroupType(*p.Type) {
		fe.Add("type", "one of "+strings.Join(GroupTypes, ", "))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var g *Group
	err := s.update(func(tx *bolt.Tx) error {
		t, err := loadTree(tx)
		if err != nil {
			return err
		}
		cur, ok := t.Group(id)
		if !ok {
			return NotFound("group", id)
		}
		before := cur
		if p.Name != nil && *p.Name != cur.Name {
			for _, sib := range t.Children(cur.ParentID) {
				if sib != id && t.byID[sib].Name == *p.Name {
					return Conflict("duplicate", "a group named %q already exists here", *p.Name)
				}
			}
			cur.Name = *p.Name
		}
		if p.Type != nil && *p.Type != cur.Type {
			ss, err := sessionsTx(tx, SessionFilter{GroupIDs: []string{id}})
			if err != nil {
				return err
			}
			for _, sess := range ss {
				if !KindAllowed(*p.Type, sess.Kind) {
					return Conflict("kind_in_use", "the group holds %s sessions (%s), which a %s cannot hold", sess.Kind, sess.ID, *p.Type)
				}
			}
			cur.Type = *p.Type
		}
		key, _ := idKey(id)
		if err := putJSON(tx.Bucket(bucketGroups), key, &cur); err != nil {
			return err
		}
		t.byID[id] = cur
		if p.Position != nil {
			if err := placeGroup(tx, t, &cur, *p.Position); err != nil {
				return err
			}
		}
		g = &cur
		return s.audit(ctx, tx, "update", "group", id, &before, g)
	})
	return g, err
}

// placeGroup moves g to place pos (1 first) among its siblings and writes
// every sibling whose position changed, numbering them 1…n.
func placeGroup(tx *bolt.Tx, t *Tree, g *Group, pos int) error {
	var sibs []string
	for _, id := range t.Children(g.ParentID) {
		if id != g.ID {
			sibs = append(sibs, id)
		}
	}
	if pos > len(sibs)+1 {
		pos = len(sibs) + 1
	}
	order := append(append(append([]string{}, sibs[:pos-1]...), g.ID), sibs[pos-1:]...)
	b := tx.Bucket(bucketGroups)
	for i, id := range order {
		sg := t.byID[id]
		if id == g.ID {
			sg = *g
		}
		if sg.Position == i+1 && id != g.ID {
			continue
		}
		sg.Position = i + 1
		key, _ := idKey(id)
		if err := putJSON(b, key, &sg); err != nil {
			return err
		}
		t.byID[id] = sg
		if id == g.ID {
			*g = sg
		}
	}
	t.sortChildren()
	return nil
}

// Group returns one group.
func (s *Store) Group(id string) (*Group, error) {
	t, err := s.Tree()
	if err != nil {
		return nil, err
	}
	g, ok := t.Group(id)
	if !ok {
		return nil, NotFound("group", id)
	}
	return &g, nil
}
