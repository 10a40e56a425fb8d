package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestGroupOrder: siblings keep creation order, not character-code order
// (第一, 第二, 第三 — not 第一, 第三, 第二), a position given on create or
// patch moves a group and renumbers its siblings, and Groups walks the tree
// depth first.
func TestGroupOrder(t *testing.T) {
	s, _ := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	office := mustGroup(t, s, "办公室", root)
	hr := mustGroup(t, s, "人事处", root)
	b1 := mustGroup(t, s, "第一党支部", office)
	b2 := mustGroup(t, s, "第二党支部", office)
	b3 := mustGroup(t, s, "第三党支部", office)
	names := func() string {
		gs, err := s.Groups()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range gs {
			out = append(out, g.Name)
		}
		return strings.Join(out, ",")
	}
	if got, want := names(), "机关党委,办公室,第一党支部,第二党支部,第三党支部,人事处"; got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
	// 人事处 first among the units; 第三 to the second place
	one, three := 1, 2
	if g, err := s.UpdateGroup(admin, hr, GroupPatch{Position: &one}); err != nil || g.Position != 1 {
		t.Fatalf("patch: %+v %v", g, err)
	}
	if _, err := s.UpdateGroup(admin, b3, GroupPatch{Position: &three}); err != nil {
		t.Fatal(err)
	}
	if got, want := names(), "机关党委,人事处,办公室,第一党支部,第三党支部,第二党支部"; got != want {
		t.Fatalf("after patch %s, want %s", got, want)
	}
	tr, _ := s.Tree()
	for i, id := range tr.Children(office) {
		g, _ := tr.Group(id)
		if g.Position != i+1 {
			t.Errorf("%s at %d has position %d", g.Name, i+1, g.Position)
		}
	}
	// a new group placed first
	g, err := s.CreateGroup(admin, GroupInput{Name: "第零党支部", ParentID: office, Position: 1})
	if err != nil || g.Position != 1 {
		t.Fatalf("create at 1: %+v %v", g, err)
	}
	if got, want := names(), "机关党委,人事处,办公室,第零党支部,第一党支部,第三党支部,第二党支部"; got != want {
		t.Fatalf("after create %s, want %s", got, want)
	}
	_ = b1
	_ = b2
	zero := 0
	if _, err := s.UpdateGroup(admin, b1, GroupPatch{Position: &zero}); !IsKind(err, KindInvalid) {
		t.Errorf("position 0: %v", err)
	}
	if _, err := s.UpdateGroup(admin, "999", GroupPatch{Position: &one}); !IsKind(err, KindNotFound) {
		t.Errorf("unknown group: %v", err)
	}
}

// TestMemberOrder: members by group in tree order, then roster position
// (those without one after), then name by pinyin — 安 (ān) before 白 (bái)
// before 张 (zhāng), whatever their character codes.
func TestMemberOrder(t *testing.T) {
	s, _ := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	g1 := mustGroup(t, s, "第一党支部", root)
	g2 := mustGroup(t, s, "第二党支部", root)
	mustMember(t, s, "张伟", g2, RoleMember, "2023-01-01")
	mustMember(t, s, "白雪", g1, RoleMember, "2023-01-01")
	mustMember(t, s, "张三", g1, RoleMember, "2023-01-01")
	mustMember(t, s, "安然", g1, RoleMember, "2023-01-01")
	lead := mustMember(t, s, "周书记", g1, RoleLead, "2023-01-01")
	one := 1
	if _, err := s.UpdateMember(admin, lead.ID, MemberPatch{Position: &one}); err != nil {
		t.Fatal(err)
	}
	ms, _ := s.Members()
	tr, _ := s.Tree()
	SortMembers(tr, ms)
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if want := "周书记,安然,白雪,张三,张伟"; strings.Join(got, ",") != want {
		t.Fatalf("order %s, want %s", strings.Join(got, ","), want)
	}
	if !(bytes.Compare(NameKey("安然"), NameKey("白雪")) < 0 && bytes.Compare(NameKey("白雪"), NameKey("张三")) < 0) {
		t.Error("NameKey is not pinyin order")
	}
}

// TestMigration3 opens a version-2 store whose groups have no position:
// siblings are numbered in creation order and nothing else changes.
func TestMigration3(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(dir+"/"+FileName, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := []map[string]string{
		{"id": "1", "name": "机关党委"},
		{"id": "2", "name": "第一党支部", "parent_id": "1"},
		{"id": "3", "name": "第三党支部", "parent_id": "1"},
		{"id": "4", "name": "第二党支部", "parent_id": "1"},
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := initialize(tx); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(keyVersion, itob(2)); err != nil {
			return err
		}
		for i, g := range old {
			v, _ := json.Marshal(g)
			if err := tx.Bucket(bucketGroups).Put(itob(uint64(i+1)), v); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketGroups).SetSequence(4)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	gs, err := s.Groups()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		pos  int
	}{{"机关党委", 1}, {"第一党支部", 1}, {"第三党支部", 2}, {"第二党支部", 3}}
	if len(gs) != len(want) {
		t.Fatalf("%d groups", len(gs))
	}
	for i, w := range want {
		if gs[i].Name != w.name || gs[i].Position != w.pos {
			t.Errorf("group %d: %s at %d, want %s at %d", i, gs[i].Name, gs[i].Position, w.name, w.pos)
		}
	}
	if v, _ := s.Version(); v != SchemaVersion() {
		t.Errorf("version %d", v)
	}
}

// TestRosterTitlePosition: the roster's optional title (职务) and position
// columns create and update members; a file without them leaves both.
func TestRosterTitlePosition(t *testing.T) {
	s, _ := mustOpen(t)
	root := mustGroup(t, s, "机关党委", "")
	mustGroup(t, s, "第一党支部", root)
	csv := "name,username,group,role,joined_on,password,title,position\n" +
		"张伟,zw,第一党支部,member,2023-01-01,password1,副处长,2\n" +
		"李娜,ln,第一党支部,lead,2023-01-01,password1,处长,1\n"
	if _, err := s.ImportRoster(admin, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	m, _ := s.MemberByUsername("zw")
	if m.Title != "副处长" || m.Position != 2 {
		t.Fatalf("created %+v", m)
	}
	if _, err := s.ImportRoster(admin, strings.NewReader("name,username,group\n张伟,zw,第一党支部\n")); err != nil {
		t.Fatal(err)
	}
	if m, _ = s.MemberByUsername("zw"); m.Title != "副处长" || m.Position != 2 {
		t.Fatalf("file without the columns changed them: %+v", m)
	}
	if _, err := s.ImportRoster(admin, strings.NewReader("name,username,group,title,position\n张伟,zw,第一党支部,处长,\n")); err != nil {
		t.Fatal(err)
	}
	if m, _ = s.MemberByUsername("zw"); m.Title != "处长" || m.Position != 0 {
		t.Fatalf("update: %+v", m)
	}
	_, err := s.ImportRoster(admin, strings.NewReader("name,username,group,position\n王五,ww,第一党支部,first\n"))
	if !IsKind(err, KindInvalid) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad position: %v", err)
	}
}
