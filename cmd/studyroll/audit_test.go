package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"studyroll/store"
)

// TestAuditVerifyCommand: `studyroll audit verify` passes an intact chain;
// after one entry of the store file is edited and the chain after it is
// recomputed without the key (as anyone holding only the file could), it
// exits 1 naming that entry. Without the key file it cannot vouch for the
// chain either.
func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(context.Background(), "system")
	if _, _, err := s.Bootstrap(ctx, "password1"); err != nil {
		t.Fatal(err)
	}
	adm := store.WithActor(context.Background(), "1")
	g, err := s.CreateGroup(adm, store.GroupInput{Name: "第一党支部"})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []string{"张三", "李四", "王五"} {
		if _, err := s.CreateMember(adm, store.MemberInput{Name: n, Username: "u" + string(rune('a'+i)), Password: "password1", GroupID: g.ID, Role: store.RoleMember, JoinedOn: "2023-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	verify := func(extra ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"audit", "verify", "--data", dir}, extra...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := verify(); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("intact chain: exit %d %s %s", code, out, errs)
	}

	// Edit entry 3 and re-chain everything after it with plain SHA-256.
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		prev := ""
		c := b.Cursor()
		var puts [][2][]byte
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e store.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if e.Seq < 3 {
				prev = e.Hash
				continue
			}
			if e.Seq == 3 {
				e.ActorID = "666"
			}
			e.PrevHash, e.Hash = prev, ""
			data, _ := json.Marshal(e)
			sum := sha256.Sum256(data)
			e.Hash = hex.EncodeToString(sum[:])
			prev = e.Hash
			data, _ = json.Marshal(e)
			puts = append(puts, [2][]byte{append([]byte(nil), k...), data})
		}
		for _, p := range puts {
			if err := b.Put(p[0], p[1]); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("audit_head"), []byte(prev))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := verify()
	if code != 1 || !strings.Contains(errs, "audit entry 3:") {
		t.Fatalf("edited and re-chained: exit %d, stderr %q; want 1 naming entry 3", code, errs)
	}
	// With another key, the first entry already fails.
	other := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(other, []byte(strings.Repeat("ab", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := verify("--audit-key", other); code != 1 || !strings.Contains(errs, "audit entry 1:") {
		t.Fatalf("without the key: exit %d %q", code, errs)
	}
}
