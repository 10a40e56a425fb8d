package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpen(t *testing.T) {
	t.Run("OK creates buckets and version", func(t *testing.T) {
		s, _ := mustOpen(t)
		v, err := s.Version()
		if err != nil || v != SchemaVersion() {
			t.Fatalf("version %d %v, want %d", v, err, SchemaVersion())
		}
		s.db.View(func(tx *bolt.Tx) error {
			for _, b := range allBuckets {
				if tx.Bucket(b) == nil {
					t.Errorf("bucket %s missing", b)
				}
			}
			return nil
		})
	})
	t.Run("ErrInUse", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		start := time.Now()
		_, err = Open(dir, Options{LockTimeout: 200 * time.Millisecond})
		if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "is in use by another studyroll process") {
			t.Fatalf("second open: %v, want ErrInUse with its message", err)
		}
		if err := Compact(filepath.Join(dir, FileName), filepath.Join(t.TempDir(), "c.db")); !errors.Is(err, ErrInUse) {
			t.Errorf("compact of a store in use: %v, want ErrInUse", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("second open took %v", d)
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		dir := t.TempDir()
		s, _ := Open(dir, Options{})
		s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, itob(SchemaVersion()+1)) })
		s.Close()
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("open of a newer store: %v", err)
		}
	})
}

// TestMigration1 checks that a store at version 0 (an empty file) gets every
// bucket.
func TestMigration1(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(dir+"/"+FileName, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v != SchemaVersion() {
		t.Errorf("version %d", v)
	}
}

// TestMigration2 starts from a version-1 store with a mixed-case username
// key and checks it is lower-cased.
func TestMigration2(t *testing.T) {
	dir := t.TempDir()
	db, _ := bolt.Open(dir+"/"+FileName, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		if err := initialize(tx); err != nil {
			return err
		}
		tx.Bucket(bucketMeta).Put(keyVersion, itob(1))
		return tx.Bucket(bucketUsernames).Put([]byte("ZhangSan"), itob(7))
	})
	db.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsernames)
		if b.Get([]byte("ZhangSan")) != nil || !bytes.Equal(b.Get([]byte("zhangsan")), itob(7)) {
			t.Error("username key not lower-cased")
		}
		return nil
	})
}

func TestAuditChain(t *testing.T) {
	setup := func(t *testing.T) *Store {
		s, _ := mustOpen(t)
		g := mustGroup(t, s, "第一支部", "")
		mustMember(t, s, "张三", g, RoleMember, "2023-01-01")
		mustMember(t, s, "李四", g, RoleMember, "2023-01-01")
		if n, err := s.VerifyAudit(); err != nil || n != 3 {
			t.Fatalf("fresh chain: %d entries, %v", n, err)
		}
		return s
	}
	t.Run("OK records who, what, before and after", func(t *testing.T) {
		s := setup(t)
		m, _ := s.MemberByUsername(testUsername("张三"))
		name := "张三丰"
		if _, err := s.UpdateMember(admin, m.ID, MemberPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		es, _ := s.Audit(AuditFilter{Limit: 1})
		e := es[0]
		if e.ActorID != "1" || e.Action != "update" || e.Entity != "member" || e.EntityID != m.ID ||
			!strings.Contains(string(e.Before), "张三") || !strings.Contains(string(e.After), "张三丰") {
			t.Errorf("entry %+v", e)
		}
	})
	tamper := map[string]func(tx *bolt.Tx) error{
		"edited": func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketAudit)
			var e AuditEntry
			json.Unmarshal(b.Get(itob(2)), &e)
			e.ActorID = "666"
			data, _ := json.Marshal(e)
			return b.Put(itob(2), data)
		},
		"edited and rehashed without the key": func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketAudit)
			var e AuditEntry
			json.Unmarshal(b.Get(itob(2)), &e)
			e.ActorID = "666"
			e.Hash, _, _ = e.digest(nil)
			data, _ := json.Marshal(e)
			return b.Put(itob(2), data)
		},
		"deleted in the middle": func(tx *bolt.Tx) error { return tx.Bucket(bucketAudit).Delete(itob(2)) },
		"deleted at the end":    func(tx *bolt.Tx) error { return tx.Bucket(bucketAudit).Delete(itob(3)) },
	}
	for name, fn := range tamper {
		t.Run("Err"+name, func(t *testing.T) {
			s := setup(t)
			if err := s.db.Update(fn); err != nil {
				t.Fatal(err)
			}
			if _, err := s.VerifyAudit(); err == nil {
				t.Errorf("%s entry not detected", name)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	s, clock := mustOpen(t)
	g := mustGroup(t, s, "支部", "")
	m := mustMember(t, s, "张三", g, RoleMember, "2023-01-01")
	tok, _, err := s.CreateToken(admin, m.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Authenticate(tok); err != nil || got.ID != m.ID {
		t.Fatalf("authenticate: %v %v", got, err)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketTokens).Get([]byte(tok)) != nil {
			t.Error("token stored in the clear")
		}
		return nil
	})
	clock.Advance(time.Hour)
	if _, err := s.Authenticate(tok); !IsKind(err, KindUnauthorized) {
		t.Errorf("expired token: %v", err)
	}
	if n, _ := s.PruneTokens(); n != 1 {
		t.Errorf("pruned %d", n)
	}
}

func TestParsePeriod(t *testing.T) {
	loc := DefaultLocation()
	cases := []struct {
		in          string
		ok          bool
		first, last string
	}{
		{"2023", true, "2023-01-01", "2023-12-31"},
		{"2023Q1", true, "2023-01-01", "2023-03-31"},
		{"2023Q3", true, "2023-07-01", "2023-09-30"},
		{"2024q4", true, "2024-10-01", "2024-12-31"},
		{"2023Q5", false, "", ""},
		{"2023Q0", false, "", ""},
		{"23Q1", false, "", ""},
		{"", false, "", ""},
		{"２０２３", false, "", ""},
		{"2023-Q1", false, "", ""},
	}
	for _, c := range cases {
		p, err := ParsePeriod(c.in, loc)
		if (err == nil) != c.ok {
			t.Errorf("%q: err %v", c.in, err)
			continue
		}
		if c.ok && (p.FirstDate() != c.first || p.LastDate() != c.last) {
			t.Errorf("%q: %s..%s, want %s..%s", c.in, p.FirstDate(), p.LastDate(), c.first, c.last)
		}
	}
	p, _ := ParsePeriod("2023Q3", loc)
	if !p.Contains(time.Date(2023, 9, 30, 23, 59, 0, 0, loc)) || p.Contains(time.Date(2023, 9, 30, 16, 30, 0, 0, time.UTC)) {
		t.Error("quarter not cut in Asia/Shanghai")
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2023", "2023Q3", "2023q1", "9999Q4", "0000", "2023Q", "Q3", "2023Q33"} {
		f.Add(s)
	}
	loc := DefaultLocation()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s, loc)
		if err != nil {
			return
		}
		if !p.Start.Before(p.End) {
			t.Fatalf("%q: empty period", s)
		}
		q, err := ParsePeriod(p.String(), loc)
		if err != nil || q != p {
			t.Fatalf("%q: round trip %q failed", s, p.String())
		}
	})
}

func FuzzImportRoster(f *testing.F) {
	f.Add("name,username,group,role,joined_on,password\n张三,zs,第一支部,member,2023-01-01,secret123\n")
	f.Add("\ufeffname,username,group\n\"a,b\",x,第一支部\n")
	f.Add("name,username,group\n\"unterminated,x,y\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, csv string) {
		s, _ := mustOpen(t)
		mustGroup(t, s, "第一支部", "")
		before, _ := s.CountMembers()
		res, err := s.ImportRoster(admin, strings.NewReader(csv))
		after, _ := s.CountMembers()
		if err != nil {
			if after != before {
				t.Fatalf("rejected import changed the roster: %d → %d", before, after)
			}
			if !IsKind(err, KindInvalid) {
				t.Fatalf("error of kind %v: %v", ErrorKind(err), err)
			}
			return
		}
		if after != before+res.Created {
			t.Fatalf("created %d but roster grew by %d", res.Created, after-before)
		}
	})
}

// TestAuthCache: a cached token check never outlives a logout, a password
// change or a closed account.
func TestAuthCache(t *testing.T) {
	s, _ := mustOpen(t)
	g := mustGroup(t, s, "支部", "")
	m := mustMember(t, s, "张三", g, RoleMember, "2023-01-01")
	cases := []struct {
		name   string
		change func(tok string) error
	}{
		{"logout", func(tok string) error { return s.DeleteToken(admin, tok) }},
		{"password change", func(string) error {
			pw := "another-password"
			_, err := s.UpdateMember(admin, m.ID, MemberPatch{Password: &pw})
			return err
		}},
		{"account closed", func(string) error {
			left := "2023-08-01"
			_, err := s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: &left})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok, _, err := s.CreateToken(admin, m.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ { // the second check is served from the cache
				if _, err := s.Authenticate(tok); err != nil {
					t.Fatalf("before the change: %v", err)
				}
			}
			if err := c.change(tok); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(tok); !IsKind(err, KindUnauthorized) {
				t.Errorf("after %s: %v, want unauthorized", c.name, err)
			}
			empty := ""
			s.UpdateMember(admin, m.ID, MemberPatch{LeftOn: &empty})
		})
	}
}

// TestMigration9 opens a version-8 store whose audit chain is plain
// SHA-256: it gets a key file and a "key" entry that starts the keyed
// chain, the whole chain verifies, and the legacy part edited and
// re-chained without the key is caught (at the key entry, which pins it).
func TestMigration9(t *testing.T) {
	dir := t.TempDir()
	db, _ := bolt.Open(dir+"/"+FileName, 0o600, nil)
	legacy := func(tx *bolt.Tx, actor string) error {
		b, meta := tx.Bucket(bucketAudit), tx.Bucket(bucketMeta)
		seq, _ := b.NextSequence()
		e := AuditEntry{Seq: seq, At: testStart.UTC(), ActorID: actor, Action: "create", Entity: "group", EntityID: "1", PrevHash: string(meta.Get(keyAuditHead))}
		e.Hash, _, _ = e.digest(nil)
		data, _ := json.Marshal(e)
		if err := b.Put(itob(seq), data); err != nil {
			return err
		}
		return meta.Put(keyAuditHead, []byte(e.Hash))
	}
	db.Update(func(tx *bolt.Tx) error {
		if err := initialize(tx); err != nil {
			return err
		}
		tx.Bucket(bucketMeta).Put(keyVersion, itob(8))
		for _, a := range []string{"1", "1", "2"} {
			if err := legacy(tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.CheckAudit(); !r.OK || r.Entries != 4 {
		t.Fatalf("after the migration: %+v", r)
	}
	es, _ := s.Audit(AuditFilter{Limit: 1})
	if es[0].Action != "key" || es[0].Seq != 4 {
		t.Errorf("newest entry %+v, want the key entry 4", es[0])
	}
	if _, err := os.Stat(filepath.Join(dir, AuditKeyFile)); err != nil {
		t.Errorf("no key file: %v", err)
	}
	s.Close()
	// Edit legacy entry 2 and re-chain 2 and 3 with SHA-256.
	db, _ = bolt.Open(dir+"/"+FileName, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		prev := ""
		for seq := uint64(1); seq <= 3; seq++ {
			var e AuditEntry
			json.Unmarshal(b.Get(itob(seq)), &e)
			if seq == 2 {
				e.ActorID = "666"
			}
			e.PrevHash, e.Hash = prev, ""
			e.Hash, _, _ = e.digest(nil)
			prev = e.Hash
			data, _ := json.Marshal(e)
			b.Put(itob(seq), data)
		}
		return nil
	})
	db.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := s.CheckAudit(); r.OK || r.FirstBad == nil || *r.FirstBad != 4 {
		t.Errorf("legacy part re-chained: %+v, want entry 4 (the key entry) named", r)
	}
}

// TestAuthCacheFull: a full cache drops a quarter of its entries, not all
// of them, so a burst of as many members as it holds keeps hitting it.
func TestAuthCacheFull(t *testing.T) {
	var c authCache
	now := testStart
	e := authEntry{expires: now.Add(time.Hour), cached: now}
	for i := 0; i < authCacheMax; i++ {
		c.put(strconv.Itoa(i), 0, e)
	}
	c.put("one more", 0, e)
	if n := len(c.entries); n != authCacheMax-authCacheMax/4+1 {
		t.Fatalf("%d entries after the cache filled, want %d", n, authCacheMax-authCacheMax/4+1)
	}
	if _, ok := c.get("one more", now); !ok {
		t.Error("the newest entry is not cached")
	}
	if authCacheMax < 100000+1000 {
		t.Errorf("authCacheMax %d does not hold a 100,000-member burst", authCacheMax)
	}
}
