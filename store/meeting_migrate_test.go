package store

import (
	"encoding/json"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestMigrationMeetingKinds opens a version-2 store written before group
// types and session kinds, laid out as the demo is (committee, units,
// branches, one party group), and checks every group is typed and every
// session is a study session, with nothing else changed.
func TestMigrationMeetingKinds(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(dir+"/"+FileName, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := []struct{ id, name, parent, want string }{
		{"1", "机关党委", "", GroupCommittee},
		{"2", "办公室", "1", GroupOther},
		{"3", "办公室第一党支部", "2", GroupBranch},
		{"4", "第二组", "2", GroupBranch}, // by depth
		{"5", "第一党小组", "3", GroupPartyGroup},
		{"6", "离退休干部党总支", "1", GroupCommittee},
		{"7", "老干部组", "4", GroupPartyGroup}, // by depth
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := initialize(tx); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(keyVersion, itob(2)); err != nil {
			return err
		}
		gb := tx.Bucket(bucketGroups)
		for _, g := range old {
			v := `{"id":"` + g.id + `","name":"` + g.name + `"`
			if g.parent != "" {
				v += `,"parent_id":"` + g.parent + `"`
			}
			if err := gb.Put(keyOrZero(g.id), []byte(v+"}")); err != nil {
				return err
			}
		}
		gb.SetSequence(7)
		sess := `{"id":"1","group_id":"3","title":"集中学习","starts_at":"2023-07-05T14:00:00+08:00","ends_at":"2023-07-05T16:00:00+08:00","item_ids":[],"lead_id":"9","cancelled":false,"created_at":"2023-07-01T00:00:00Z","created_by":"1"}`
		tx.Bucket(bucketSessions).SetSequence(1)
		return tx.Bucket(bucketSessions).Put(keyOrZero("1"), []byte(sess))
	})
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
		t.Errorf("version %d, want %d", v, SchemaVersion())
	}
	err = s.view(func(tx *bolt.Tx) error {
		for _, g := range old {
			var raw map[string]any
			if err := json.Unmarshal(tx.Bucket(bucketGroups).Get(keyOrZero(g.id)), &raw); err != nil {
				return err
			}
			if raw["type"] != g.want || raw["name"] != g.name {
				t.Errorf("group %s %s: stored %v, want type %s", g.id, g.name, raw, g.want)
			}
		}
		var raw map[string]any
		if err := json.Unmarshal(tx.Bucket(bucketSessions).Get(keyOrZero("1")), &raw); err != nil {
			return err
		}
		if raw["kind"] != KindStudy || raw["lead_id"] != "9" || raw["title"] != "集中学习" {
			t.Errorf("session stored as %v", raw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session("1")
	if err != nil || sess.Kind != KindStudy {
		t.Errorf("session %+v, %v", sess, err)
	}
}
