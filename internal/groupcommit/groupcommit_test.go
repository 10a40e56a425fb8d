package groupcommit

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var bucket = []byte("b")

func open(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		t.Fatal(err)
	}
	return db
}

func put(k string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(k), []byte("v")) }
}

func keys(t *testing.T, db *bolt.DB) []string {
	t.Helper()
	var out []string
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	})
	return out
}

// TestWriterSharesCommits: many concurrent writers, some failing or
// panicking; every good write is stored, every bad one gets its own error
// and leaves nothing behind.
func TestWriterSharesCommits(t *testing.T) {
	db := open(t)
	w := New(db, 0)
	defer w.Close()
	const n = 400
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k := fmt.Sprintf("k%03d", i)
			fn := put(k)
			switch i % 50 {
			case 7: // fails after writing: its write must not stay
				fn = func(tx *bolt.Tx) error {
					put(k)(tx)
					return fmt.Errorf("refused %s", k)
				}
			case 9:
				fn = func(tx *bolt.Tx) error { panic("boom " + k) }
			}
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			errs[i] = w.Do(fn)
		}(i)
	}
	wg.Wait()
	got := map[string]bool{}
	for _, k := range keys(t, db) {
		got[k] = true
	}
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%03d", i)
		switch i % 50 {
		case 7:
			if errs[i] == nil || errs[i].Error() != "refused "+k {
				t.Errorf("%s: error %v, want its own", k, errs[i])
			}
			if got[k] {
				t.Errorf("%s: a failed write was stored", k)
			}
		case 9:
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "boom "+k) {
				t.Errorf("%s: error %v, want its own panic", k, errs[i])
			}
		default:
			if errs[i] != nil || !got[k] {
				t.Errorf("%s: err %v, stored %v", k, errs[i], got[k])
			}
		}
	}
}

// TestWriterBatches: writes queued while a commit runs go into one
// commit together.
func TestWriterBatches(t *testing.T) {
	db := open(t)
	w := New(db, 0)
	defer w.Close()
	// Hold the writer inside a commit until every other write is queued.
	release := make(chan struct{})
	inside := make(chan struct{})
	go w.Do(func(tx *bolt.Tx) error {
		select {
		case inside <- struct{}{}:
			<-release
		default:
		}
		return nil
	})
	<-inside
	var wg sync.WaitGroup
	var mu sync.Mutex
	txs := map[int]bool{}
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w.Do(func(tx *bolt.Tx) error {
				mu.Lock()
				txs[tx.ID()] = true
				mu.Unlock()
				return put(fmt.Sprint(i))(tx)
			})
		}(i)
	}
	for len(w.calls) < 100 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if len(txs) != 1 {
		t.Errorf("100 queued writes took %d transactions, want 1", len(txs))
	}
	if n := len(keys(t, db)); n != 100 {
		t.Errorf("%d keys stored, want 100", n)
	}
}

// TestWriterClose: Close commits what is queued; Do after Close fails
// with bbolt's closed-database error.
func TestWriterClose(t *testing.T) {
	db := open(t)
	w := New(db, 0)
	if err := w.Do(put("a")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w.Close()
	if err := w.Do(put("b")); !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		t.Errorf("Do after Close: %v", err)
	}
	if got := keys(t, db); len(got) != 1 || got[0] != "a" {
		t.Errorf("keys %v", got)
	}
}
