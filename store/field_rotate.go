package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// RotateFieldKey replaces the field key of the stopped store in dir: a new
// key is written first in the key file (the old one kept after it, so a
// crash at any point leaves a file that opens every value), every sealed
// text of the records and of the period snapshots is sealed again with the
// new key in one audited transaction (a rewritten snapshot's SHA-256 is
// updated in its lock), and the key file is then rewritten with the new key
// alone. The old key is moved to retired (FILE.retired-ID): only the audit
// entries written before the rotation still need it; destroying it makes
// their sealed texts unreadable. It returns the number of texts resealed.
func RotateFieldKey(ctx context.Context, dir string, opt Options) (n int, retired string, err error) {
	path := opt.FieldKeyFile
	if path == "" {
		path = filepath.Join(dir, FieldKeyFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", fmt.Errorf("read field key: %w", err)
	}
	if _, err := readFieldKeys(path); err != nil {
		return 0, "", err
	}
	var old []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			old = append(old, l)
		}
	}
	line, err := newFieldKeyLine()
	if err != nil {
		return 0, "", err
	}
	if err := writeFieldKeys(path, append([]string{line}, old...)); err != nil {
		return 0, "", err
	}
	s, err := Open(dir, opt)
	if err != nil {
		return 0, "", err
	}
	err = s.update(func(tx *bolt.Tx) error {
		before := countSealed(tx, line[:fieldKeyIDLen])
		if err := sealFields(tx); err != nil {
			return err
		}
		snaps, err := s.rewriteSnapshots(tx, func(ps *PeriodSnapshot) bool { return true })
		if err != nil {
			return err
		}
		n = countSealed(tx, line[:fieldKeyIDLen]) - before
		after, _ := json.Marshal(map[string]any{"key_id": line[:fieldKeyIDLen], "resealed": n, "snapshots": snaps})
		e := AuditEntry{At: s.now().UTC(), ActorID: ActorFrom(ctx), Action: "rotate_field_key", Entity: "security", EntityID: "field_key", After: after}
		return s.appendAudit(tx, &e)
	})
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, "", err
	}
	retired = path + ".retired-" + line[:fieldKeyIDLen]
	if err := writeFieldKeys(retired, old); err != nil {
		return 0, "", err
	}
	return n, retired, writeFieldKeys(path, []string{line})
}

// countSealed counts the record texts sealed with key id.
func countSealed(tx *bolt.Tx, id string) int {
	n := 0
	mark := []byte(sealedPrefix + id + ":")
	for _, b := range [][]byte{bucketLeave, bucketReports, bucketAttendance} {
		tx.Bucket(b).ForEach(func(_, v []byte) error {
			n += strings.Count(string(v), string(mark))
			return nil
		})
	}
	return n
}

// rewriteSnapshots decodes every stored period snapshot (every revision),
// lets fn change it (fn returns false to keep it as it is), seals its texts
// with the current key and stores it again; the lock of a rewritten current
// revision gets the new SHA-256. It returns how many were rewritten. It is
// the one way a stored snapshot changes: a key rotation and the erasure of
// closed accounts, both audited by their callers.
func (s *Store) rewriteSnapshots(tx *bolt.Tx, fn func(ps *PeriodSnapshot) bool) (int, error) {
	sb, lb := tx.Bucket(bucketSnapshots), tx.Bucket(bucketLocks)
	type kv struct{ k, v []byte }
	var out []kv
	err := sb.ForEach(func(k, v []byte) error {
		ps := &PeriodSnapshot{}
		if err := json.Unmarshal(v, ps); err != nil {
			return err
		}
		if err := openSnapshot(tx, ps); err != nil {
			return err
		}
		if !fn(ps) {
			return nil
		}
		sealSnapshot(tx, ps)
		data, err := json.Marshal(ps)
		if err != nil {
			return err
		}
		out = append(out, kv{copyBytes(k), data})
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, e := range out {
		if err := sb.Put(e.k, e.v); err != nil {
			return 0, err
		}
		var ps struct {
			Period   string `json:"period"`
			Revision int    `json:"revision"`
		}
		if err := json.Unmarshal(e.v, &ps); err != nil {
			return 0, err
		}
		var l PeriodLock
		found, err := getJSON(lb, []byte(ps.Period), &l)
		if err != nil {
			return 0, err
		}
		if found && l.Revision == ps.Revision && l.SnapshotSHA256 != "" {
			sum := sha256.Sum256(e.v)
			l.SnapshotSHA256 = hex.EncodeToString(sum[:])
			if err := putJSON(lb, []byte(ps.Period), &l); err != nil {
				return 0, err
			}
		}
	}
	if len(out) > 0 {
		s.snapshots.mu.Lock()
		s.snapshots.m = map[string]*PeriodSnapshot{}
		s.snapshots.mu.Unlock()
	}
	return len(out), nil
}

// ErrNoFieldKey is returned by RotateFieldKey when there is no key file.
var ErrNoFieldKey = errors.New("no field key file")
