package store

import (
	"context"
	"encoding/json"
	"sort"
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
}

// Tree is the organisation tree, loaded whole (it has tens to hundreds of
// nodes).
type Tree struct {
	byID     map[string]Group
	children map[string][]string
	order    []string
}

func loadTree(tx *bolt.Tx) (*Tree, error) {
	t := &Tree{byID: map[string]Group{}, children: map[string][]string{}}
	err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
		var g Group
		if err := json.Unmarshal(v, &g); err != nil {
			return err
		}
		t.byID[g.ID] = g
		t.order = append(t.order, g.ID)
		t.children[g.ParentID] = append(t.children[g.ParentID], g.ID)
		return nil
	})
	for id, g := range t.byID {
		if g.Type == "" { // written before group types: migration 3 types it
			g.Type = InferGroupType(g.Name, t.Depth(id))
			t.byID[id] = g
		}
	}
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

// Children lists the direct children of id.
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
		g = &Group{ID: id, Name: in.Name, ParentID: in.ParentID, Type: typ}
		if err := putJSON(b, key, g); err != nil {
			return err
		}
		return s.audit(tx, ctx, "create", "group", id, nil, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Groups lists all groups, ordered by path.
func (s *Store) Groups() ([]Group, error) {
	t, err := s.Tree()
	if err != nil {
		return nil, err
	}
	gs := t.Groups()
	sort.SliceStable(gs, func(i, j int) bool { return t.Path(gs[i].ID) < t.Path(gs[j].ID) })
	return gs, nil
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

// GroupPatch is the body of PATCH /groups/{id}; nil fields stay.
type GroupPatch struct {
	Name *string `json:"name"`
	Type *string `json:"type"`
}

// PatchGroup renames a group or changes its type. A type that may not hold
// a kind of session the group already holds (not cancelled) is a conflict
// (kind_in_use): cancel or move those sessions first.
func (s *Store) PatchGroup(ctx context.Context, id string, in GroupPatch) (*Group, error) {
	fe := FieldErrors{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		in.Name = &n
		if n == "" {
			fe.Add("name", "required")
		} else if utf8.RuneCountInString(n) > 100 {
			fe.Add("name", "at most 100 characters")
		}
	}
	if in.Type != nil && !ValidGroupType(*in.Type) {
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
		old, ok := t.Group(id)
		if !ok {
			return NotFound("group", id)
		}
		ng := old
		if in.Name != nil && *in.Name != old.Name {
			for _, sib := range t.Children(old.ParentID) {
				if sib != id && t.byID[sib].Name == *in.Name {
					return Conflict("duplicate", "a group named %q already exists here", *in.Name)
				}
			}
			ng.Name = *in.Name
		}
		if in.Type != nil && *in.Type != old.Type {
			ng.Type = *in.Type
			ss, err := sessionsTx(tx, SessionFilter{GroupIDs: []string{id}})
			if err != nil {
				return err
			}
			for _, sess := range ss {
				if !KindAllowed(ng.Type, sess.Kind) {
					return Conflict("kind_in_use", "the group holds %s sessions (%s), which a %s cannot hold", sess.Kind, sess.ID, ng.Type)
				}
			}
		}
		g = &ng
		if err := putJSON(tx.Bucket(bucketGroups), keyOrZero(id), g); err != nil {
			return err
		}
		return s.audit(tx, ctx, "update", "group", id, &old, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}
