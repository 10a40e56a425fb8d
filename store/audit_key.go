package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// AuditKeyFile is the default name of the audit key inside the data
// folder. The key lives outside the store file, so whoever can edit the
// file cannot recompute the chain; keep it (or the --audit-key file) on
// another disk and back it up apart from the store.
const AuditKeyFile = "audit.key"

// keyAuditKeyedFrom (meta) is the sequence number of the first entry
// chained with the key. Entries before it were written by a version
// without a key (plain SHA-256); the first keyed entry of an upgraded
// store is the "key" entry that pins them (see keyTheChain).
var keyAuditKeyedFrom = []byte("audit_keyed_from")

// loadAuditKey reads the key file; when it is missing and create is true,
// it writes a new random 32-byte key (hex, mode 0600). A missing key of a
// read-only open is nil: the chain cannot be extended nor its keyed part
// checked.
func loadAuditKey(path string, create bool) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return nil, nil
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create audit key %s: %w", path, err)
		}
		_, err = f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write audit key %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read audit key %s: %w", path, err)
	}
	text := strings.TrimSpace(string(data))
	key, err := hex.DecodeString(text)
	if err != nil {
		key = []byte(text)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("audit key %s: too short (want 32 random bytes, hex)", path)
	}
	return key, nil
}

// keyedFrom is the first keyed sequence number; 0 when the store has not
// been migrated to a keyed chain (everything is plain SHA-256).
func keyedFrom(tx *bolt.Tx) uint64 {
	if v := tx.Bucket(bucketMeta).Get(keyAuditKeyedFrom); len(v) == 8 {
		return btoi(v)
	}
	return 0
}

// migrateKeyedAudit marks where the keyed chain starts: after the entries
// already written. The store's Open then appends the "key" entry.
func migrateKeyedAudit(tx *bolt.Tx) error {
	if keyedFrom(tx) > 0 {
		return nil // already keyed
	}
	return tx.Bucket(bucketMeta).Put(keyAuditKeyedFrom, itob(tx.Bucket(bucketAudit).Sequence()+1))
}

// keyTheChain appends, to an upgraded store whose keyed chain has not
// started, the "key" entry: keyed, it names where the keyed chain starts
// and pins every earlier entry through its prev_hash.
func (s *Store) keyTheChain() error {
	return s.update(func(tx *bolt.Tx) error {
		from := keyedFrom(tx)
		seq := tx.Bucket(bucketAudit).Sequence()
		if from <= 1 || seq >= from {
			return nil
		}
		e := AuditEntry{At: s.now().UTC(), ActorID: "system", Action: "key", Entity: "audit", EntityID: "chain"}
		e.After, _ = json.Marshal(map[string]any{"keyed_from": from, "legacy_head": string(tx.Bucket(bucketMeta).Get(keyAuditHead))})
		return s.appendAudit(tx, &e)
	})
}

// mustHaveKey refuses to open a store whose keyed chain exists without its
// key: a new key would make every later entry unverifiable.
func mustHaveKey(tx *bolt.Tx, key []byte, path string) error {
	if key != nil {
		return nil
	}
	if from := keyedFrom(tx); from > 0 && tx.Bucket(bucketAudit).Sequence() >= from {
		return fmt.Errorf("audit key %s is missing but the store's audit chain is keyed: restore the key file (or pass --audit-key FILE)", path)
	}
	return nil
}
