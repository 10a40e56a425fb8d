package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestGetByID(t *testing.T) {
	s, _ := mustOpen(t)
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPlans)
		if err := putJSON(b, itob(1), &Plan{ID: "1", Title: "学习计划"}); err != nil {
			return err
		}
		return b.Put(itob(2), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id       string
		title    string
		notFound bool
		syntax   bool
	}{
		{id: "1", title: "学习计划"},
		{id: "3", notFound: true},
		{id: "0", notFound: true},
		{id: "01", notFound: true},
		{id: "x", notFound: true},
		{id: "", notFound: true},
		{id: "2", syntax: true},
	} {
		s.view(func(tx *bolt.Tx) error {
			p, err := getByID[Plan](tx.Bucket(bucketPlans), "plan", tc.id)
			var se *json.SyntaxError
			switch {
			case tc.notFound:
				if !IsKind(err, KindNotFound) || p != nil {
					t.Errorf("%q: %v %v, want not found", tc.id, p, err)
				}
			case tc.syntax:
				if !errors.As(err, &se) || IsKind(err, KindNotFound) {
					t.Errorf("%q: %v, want the JSON error wrapped", tc.id, err)
				}
			case err != nil || p.Title != tc.title:
				t.Errorf("%q: %v %v, want %q", tc.id, p, err, tc.title)
			}
			return nil
		})
	}
}

func TestListPrefix(t *testing.T) {
	s, _ := mustOpen(t)
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketShares)
		for i, k := range [][]byte{pairKey(itob(1), itob(1)), pairKey(itob(2), itob(2)), pairKey(itob(1), itob(3)), pairKey(itob(10), itob(4))} {
			if err := putJSON(b, k, &Share{ID: keyID(k[8:]), Summary: string(rune('a' + i))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.view(func(tx *bolt.Tx) error {
		for prefix, want := range map[uint64][]string{1: {"1", "3"}, 2: {"2"}, 10: {"4"}, 5: {}} {
			got, err := listPrefix[Share](tx.Bucket(bucketShares), itob(prefix))
			if err != nil || got == nil || len(got) != len(want) {
				t.Fatalf("prefix %d: %v %v, want %v", prefix, got, err, want)
			}
			for i := range want {
				if got[i].ID != want[i] {
					t.Errorf("prefix %d: %v, want ids %v", prefix, got, want)
				}
			}
		}
		return nil
	})
}

// TestReadErrorsSayWhat: a record that cannot be read fails with what was
// being read, the cause still reachable with errors.Is/As.
func TestReadErrorsSayWhat(t *testing.T) {
	s, _ := mustOpen(t)
	err := s.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMembers).Put(itob(7), []byte("{")); err != nil {
			return err
		}
		if err := tx.Bucket(bucketGroups).Put(itob(8), []byte("[")); err != nil {
			return err
		}
		return tx.Bucket(bucketAttendance).Put(pairKey(itob(1), itob(2)), []byte{9})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.view(func(tx *bolt.Tx) error {
		var se *json.SyntaxError
		if _, err := loadMembers(tx); err == nil || !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "read member 7") {
			t.Errorf("members: %v", err)
		}
		if _, err := loadTree(tx); err == nil || !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "read group 8") {
			t.Errorf("groups: %v", err)
		}
		if _, err := attendanceTx(tx, "1"); !errors.Is(err, errBadAttendance) || !strings.HasPrefix(err.Error(), "attendance 1/2") {
			t.Errorf("attendance: %v", err)
		}
		return nil
	})
}
