package store

import (
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the version a fully migrated store has.
var keyVersion = []byte("version")

// migration moves the store from version-1 to version. Migrations run in
// order, each in the same transaction that records its version, so a crash
// leaves the store at the previous version.
type migration struct {
	version uint64
	name    string
	fn      func(tx *bolt.Tx) error
}

var migrations = []migration{
	{1, "create buckets", func(tx *bolt.Tx) error { return nil }}, // initialize does the work
	{2, "lower-case username index", migrateLowerUsernames},
	{3, "group positions", migrateGroupPositions},
	{4, "period locks: locked, revision 1", migrateLockRevisions},
	{5, "reminder buckets: robots, reminder_settings, outbox, outbox_keys, outbox_due", migrateReminderBuckets},
	{6, "group types and session kinds", migrateMeetingKinds},
	{7, "check-in code tries bucket", func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bucketCodeTries); return err }},
	{8, "inspection buckets (督查)", func(tx *bolt.Tx) error { return nil }}, // initialize creates them
	{9, "audit chain keyed from here", migrateKeyedAudit},
	{10, "leave reasons, attendance notes and evaluation comments sealed (AES-GCM, field.key)", sealFields},
	{11, "dated membership: each member's history starts with their group and role since joined_on", migrateMemberships},
	{12, "privacy notice acceptances bucket", func(tx *bolt.Tx) error { return nil }}, // initialize creates it
	{13, "done marks indexed by item as well as by member", migrateDoneByItem},
}

// SchemaVersion is the version this binary writes.
func SchemaVersion() uint64 { return migrations[len(migrations)-1].version }

// initialize creates every bucket; it is idempotent.
func initialize(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) migrate() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := initialize(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		var current uint64
		if v := meta.Get(keyVersion); v != nil {
			current = btoi(v)
		}
		if current > SchemaVersion() {
			return fmt.Errorf("store schema version %d is newer than this binary (%d): upgrade studyroll", current, SchemaVersion())
		}
		for _, m := range migrations {
			if m.version <= current {
				continue
			}
			if err := m.fn(tx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			if err := meta.Put(keyVersion, itob(m.version)); err != nil {
				return fmt.Errorf("record schema version %d: %w", m.version, err)
			}
		}
		return nil
	})
}

// Version returns the schema version recorded in the store.
func (s *Store) Version() (uint64, error) {
	var v uint64
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get(keyVersion); b != nil {
			v = btoi(b)
		}
		return nil
	})
	return v, err
}

// migrateLowerUsernames rewrites the username index with lower-case keys, so
// "ZhangSan" and "zhangsan" are one account name.
func migrateLowerUsernames(tx *bolt.Tx) error {
	b := tx.Bucket(bucketUsernames)
	type kv struct{ k, v []byte }
	var moves []kv
	if err := b.ForEach(func(k, v []byte) error {
		if lk := strings.ToLower(string(k)); lk != string(k) {
			moves = append(moves, kv{copyBytes(k), copyBytes(v)})
		}
		return nil
	}); err != nil {
		return err
	}
	for _, m := range moves {
		if err := b.Delete(m.k); err != nil {
			return err
		}
		lk := []byte(strings.ToLower(string(m.k)))
		if b.Get(lk) != nil {
			return fmt.Errorf("usernames %q and another differ only in case", m.k)
		}
		if err := b.Put(lk, m.v); err != nil {
			return err
		}
	}
	return nil
}

// migrateGroupPositions numbers each group's siblings 1…n in creation (id)
// order, so an upgraded store keeps the order it had and an admin can
// reorder from there.
func migrateGroupPositions(tx *bolt.Tx) error {
	t, err := loadTree(tx) // groups without a position: siblings by id
	if err != nil {
		return err
	}
	b := tx.Bucket(bucketGroups)
	for _, ids := range t.children {
		for i, id := range ids {
			g := t.byID[id]
			if g.Position == i+1 {
				continue
			}
			g.Position = i + 1
			key, ok := idKey(id)
			if !ok {
				return fmt.Errorf("group id %q", id)
			}
			if err := putJSON(b, key, &g); err != nil {
				return err
			}
		}
	}
	return nil
}

// migrateLockRevisions marks every lock an older version wrote as locked
// revision 1. Their snapshots are taken by TakeMissingSnapshots once the
// policy is known; until then their figures are computed as before.
func migrateLockRevisions(tx *bolt.Tx) error {
	b := tx.Bucket(bucketLocks)
	type kv struct{ k, v []byte }
	var puts []kv
	err := b.ForEach(func(k, v []byte) error {
		var l map[string]any
		if err := json.Unmarshal(v, &l); err != nil {
			return err
		}
		if _, ok := l["revision"]; ok {
			return nil
		}
		l["locked"], l["revision"] = true, 1
		data, err := json.Marshal(l)
		if err != nil {
			return err
		}
		puts = append(puts, kv{copyBytes(k), data})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range puts {
		if err := b.Put(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}

// migrateReminderBuckets makes the buckets of the reminders (robots and
// their outbox). An older store has none of them and no record changes:
// every old record reads as before.
func migrateReminderBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketRobots, bucketReminderSettings, bucketOutbox, bucketOutboxKeys, bucketOutboxDue} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// migrateMeetingKinds types every group written before group types (by its
// name, else its depth: InferGroupType) and makes every session written
// before session kinds a study session.
func migrateMeetingKinds(tx *bolt.Tx) error {
	t, err := loadTree(tx) // infers the missing types
	if err != nil {
		return err
	}
	gb := tx.Bucket(bucketGroups)
	for _, g := range t.Groups() {
		var raw map[string]any
		if _, err := getJSON(gb, keyOrZero(g.ID), &raw); err != nil {
			return err
		}
		if typ, _ := raw["type"].(string); typ != "" {
			continue
		}
		if err := putJSON(gb, keyOrZero(g.ID), &g); err != nil {
			return err
		}
	}
	sb := tx.Bucket(bucketSessions)
	type kv struct{ k, v []byte }
	var puts []kv
	if err := sb.ForEach(func(k, v []byte) error {
		var sess Session
		if err := json.Unmarshal(v, &sess); err != nil {
			return err
		}
		if sess.Kind != "" {
			return nil
		}
		sess.Kind = KindStudy
		nv, err := json.Marshal(&sess)
		if err != nil {
			return err
		}
		puts = append(puts, kv{copyBytes(k), nv})
		return nil
	}); err != nil {
		return err
	}
	for _, p := range puts {
		if err := sb.Put(p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}
