package store

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// TestMigration13 opens a version-12 store (done marks keyed member + item
// only): read-only it gives its figures by scanning the marks; opened for
// writing it gains the by-item index holding every mark, and the rates of
// every period and every plan's done list stay the same.
func TestMigration13(t *testing.T) {
	dir := t.TempDir()
	info, err := BuildSynthetic(dir, 120, 300, SyntheticOptions{GroupSize: 20, BranchesPerDepartment: 3, DepartmentSessionEvery: 10, BcryptCost: bcrypt.MinCost, Years: 2})
	if err != nil {
		t.Fatal(err)
	}
	figures := func(s *Store) map[string]string {
		out := map[string]string{}
		for _, ps := range []string{"2022Q4", "2023Q1", "2023Q3", "2023"} {
			p, _ := ParsePeriod(ps, s.loc)
			for _, g := range []string{"", info.BranchIDs[0]} {
				r, err := s.Rates(p, g, DefaultPolicy())
				if err != nil {
					t.Fatal(err)
				}
				data, _ := json.Marshal([]any{r.Participation, r.Completion, r.Excellence, r.Members})
				out[ps+" "+g] = string(data)
			}
			one, err := s.MemberRates(p, info.MemberIDs[3], DefaultPolicy())
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(one.Members)
			out[ps+" member"] = string(data)
		}
		plans, _ := s.Plans(PlanFilter{})
		for _, pl := range plans {
			_, done, err := s.PlanDone(pl.ID)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(done)
			out["plan "+pl.ID] = string(data)
		}
		return out
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := figures(s)
	s.Close()

	// Back to version 12.
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketDoneByItem); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, itob(12))
	})
	db.Close()

	old, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "read-only version 12", figures(old), want)
	old.Close()

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v < 13 {
		t.Fatalf("version %d", v)
	}
	s.view(func(tx *bolt.Tx) error {
		n := 0
		err := tx.Bucket(bucketItemDone).ForEach(func(k, v []byte) error {
			n++
			if got := tx.Bucket(bucketDoneByItem).Get(pairKey(k[8:], k[:8])); string(got) != string(v) {
				t.Errorf("mark %x: by item %q, by member %q", k, got, v)
			}
			return nil
		})
		if m := tx.Bucket(bucketDoneByItem).Stats().KeyN; n != info.DoneMarks || m != n {
			t.Errorf("%d marks by member, %d by item, %d written", n, m, info.DoneMarks)
		}
		return err
	})
	compare(t, "migrated", figures(s), want)
}

func compare(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s, %s:\n%s\nwas\n%s", what, k, got[k], want[k])
		}
	}
}
