// Package testorg builds the small organisation that the handler and
// schedule tests share, on a real store and through the store's own API:
//
//	机关党委 (root)   周组织 (hr)
//	├─ 第一支部       李书记 (lead1, lead), 张三 (m1), 王芳 (m2)
//	└─ 第二支部       赵六 (m3)
//
// with the bootstrap accounts of the store's security profile (admin; in
// level3 sysadmin, secadmin and auditor). Every account has Password and
// joined on 2023-01-01. Only tests import this package.
package testorg

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"studyroll/store"
)

// Password is every fixture account's password.
const Password = "Password1"

// Account is one account the fixture makes.
type Account struct {
	Username, Name string
	Group          string // "root", "g1" or "g2"
	Role           store.Role
}

// Accounts are the fixture's accounts besides the bootstrap ones.
var Accounts = []Account{
	{"hr", "周组织", "root", store.RoleHR},
	{"lead1", "李书记", "g1", store.RoleLead},
	{"m1", "张三", "g1", store.RoleMember},
	{"m2", "王芳", "g1", store.RoleMember},
	{"m3", "赵六", "g2", store.RoleMember},
}

// Org is the built organisation.
type Org struct {
	Root, G1, G2 string // group ids: 机关党委, 第一支部, 第二支部
	// IDs maps username → member id, the bootstrap accounts included.
	IDs map[string]string
	// ByName maps a member's name → member id (the fixture's accounts).
	ByName map[string]string
}

// Build sets the store's security profile, bootstraps it and makes the
// groups and accounts, all as "system".
func Build(s *store.Store, profile store.Profile) (*Org, error) {
	ctx := store.WithActor(context.Background(), "system")
	if err := s.SetupProfile(ctx, profile); err != nil {
		return nil, err
	}
	if _, _, err := s.Bootstrap(ctx, Password); err != nil {
		return nil, err
	}
	o := &Org{IDs: map[string]string{}, ByName: map[string]string{}}
	for _, g := range []struct {
		id           *string
		name, parent string
	}{{&o.Root, "机关党委", ""}, {&o.G1, "第一支部", "root"}, {&o.G2, "第二支部", "root"}} {
		parent := ""
		if g.parent != "" {
			parent = o.Root
		}
		gr, err := s.CreateGroup(ctx, store.GroupInput{Name: g.name, ParentID: parent})
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", g.name, err)
		}
		*g.id = gr.ID
	}
	groups := map[string]string{"root": o.Root, "g1": o.G1, "g2": o.G2}
	for _, a := range Accounts {
		m, err := s.CreateMember(ctx, store.MemberInput{Name: a.Name, Username: a.Username, Password: Password,
			GroupID: groups[a.Group], Role: a.Role, JoinedOn: "2023-01-01"})
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Username, err)
		}
		o.IDs[a.Username], o.ByName[a.Name] = m.ID, m.ID
	}
	for _, a := range store.BootstrapAccounts(profile) {
		m, err := s.MemberByUsername(a.Username)
		if err != nil {
			return nil, err
		}
		o.IDs[a.Username] = m.ID
	}
	return o, nil
}

// EditAuditEntry rewrites audit entry seq in the closed store of folder
// dir with edit, as someone editing the file would: for the tests of the
// tamper checks. The store must be closed (the file is locked while open).
func EditAuditEntry(tb testing.TB, dir string, seq uint64, edit func(v []byte) []byte) {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k := binary.BigEndian.AppendUint64(nil, seq)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("no audit entry %d", seq)
		}
		return b.Put(k, edit(append([]byte(nil), v...)))
	})
	if err != nil {
		tb.Fatal(err)
	}
}
