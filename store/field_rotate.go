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
		snaps, err := s.rewriteSnapshots(tx, func(*PeriodSnapshot, *SnapshotRecords) bool { return true })
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

// rewriteSnapshots decodes every stored period snapshot (every revision)
// with its records opened, lets fn change them (fn returns false to keep
// the snapshot as it is), seals the texts with the current key and stores
// it again: the parts' SHA-256 in the snapshot, and the snapshot's in the
// lock of a current revision, are updated. It returns how many were
// rewritten. It is the one way a stored snapshot changes — a key rotation,
// the erasure of closed accounts — and both callers audit it.
func (s *Store) rewriteSnapshots(tx *bolt.Tx, fn func(ps *PeriodSnapshot, recs *SnapshotRecords) bool) (int, error) {
	sb, lb := tx.Bucket(bucketSnapshots), tx.Bucket(bucketLocks)
	var keys [][]byte
	sb.ForEach(func(k, _ []byte) error {
		if !strings.Contains(string(k), "/") {
			keys = append(keys, copyBytes(k))
		}
		return nil
	})
	f := fieldsOf(tx)
	n := 0
	for _, k := range keys {
		ps := &PeriodSnapshot{}
		if err := json.Unmarshal(sb.Get(k), ps); err != nil {
			return n, err
		}
		recs := &SnapshotRecords{Sessions: map[string][]SnapshotSession{}}
		if ps.Format < snapshotFormat {
			recs.Sessions[""] = ps.Sessions
			recs.Exams, recs.Activities, recs.Reports = ps.Exams, ps.Activities, ps.Reports
		} else {
			for part := range ps.Parts {
				data := sb.Get(snapshotPartKey(ps.Period, ps.Revision, part))
				if data == nil {
					return n, fmt.Errorf("period %s revision %d: snapshot part %s missing", ps.Period, ps.Revision, part)
				}
				if g, ok := strings.CutPrefix(part, "s/"); ok {
					var fs []frozenSession
					if err := json.Unmarshal(data, &fs); err != nil {
						return n, err
					}
					for _, x := range fs {
						att, err := unpackAttendance(x.Session.ID, x.Att)
						if err != nil {
							return n, err
						}
						recs.Sessions[g] = append(recs.Sessions[g], SnapshotSession{Session: x.Session, Attendance: att})
					}
				} else if part == "o" {
					var o snapshotOther
					if err := json.Unmarshal(data, &o); err != nil {
						return n, err
					}
					recs.Exams, recs.Activities, recs.Reports = o.Exams, o.Activities, o.Reports
				}
			}
		}
		var openErr error
		withTexts(recs.Sessions, &recs.Activities, &recs.Reports, opener(f, &openErr))
		if openErr != nil {
			return n, fmt.Errorf("period %s revision %d: %w", ps.Period, ps.Revision, openErr)
		}
		if !fn(ps, recs) {
			continue
		}
		withTexts(recs.Sessions, &recs.Activities, &recs.Reports, sealer(f))
		put := func(part string, v any) error {
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			ps.Parts[part] = hex.EncodeToString(sum[:])
			return sb.Put(snapshotPartKey(ps.Period, ps.Revision, part), data)
		}
		if ps.Format < snapshotFormat {
			ps.Sessions = recs.Sessions[""]
			ps.Exams, ps.Activities, ps.Reports = recs.Exams, recs.Activities, recs.Reports
		} else {
			for g, list := range recs.Sessions {
				fs := make([]frozenSession, len(list))
				for i, ss := range list {
					att, err := packAttendance(ss.Attendance)
					if err != nil {
						return n, err
					}
					fs[i] = frozenSession{Session: ss.Session, Att: att}
				}
				if err := put("s/"+g, fs); err != nil {
					return n, err
				}
			}
			if _, ok := ps.Parts["o"]; ok {
				if err := put("o", &snapshotOther{Exams: recs.Exams, Activities: recs.Activities, Reports: recs.Reports}); err != nil {
					return n, err
				}
			}
		}
		data, err := json.Marshal(ps)
		if err != nil {
			return n, err
		}
		if err := sb.Put(k, data); err != nil {
			return n, err
		}
		n++
		var l PeriodLock
		found, err := getJSON(lb, []byte(ps.Period), &l)
		if err != nil {
			return n, err
		}
		if found && l.Revision == ps.Revision && l.SnapshotSHA256 != "" {
			sum := sha256.Sum256(data)
			l.SnapshotSHA256 = hex.EncodeToString(sum[:])
			if err := putJSON(lb, []byte(ps.Period), &l); err != nil {
				return n, err
			}
		}
	}
	if n > 0 {
		s.snapshots.mu.Lock()
		s.snapshots.m = map[string]*PeriodSnapshot{}
		s.snapshots.mu.Unlock()
	}
	return n, nil
}

// ErrNoFieldKey is returned by RotateFieldKey when there is no key file.
var ErrNoFieldKey = errors.New("no field key file")
