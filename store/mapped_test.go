package store

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// rssFileKB is the process's resident file-backed memory (Linux).
func rssFileKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "RssFile:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseMapped reads 48 MB of the store file (its pages become part of
// the process's RSS), releases them, and reads everything back unchanged.
func TestReleaseMapped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RSS is read from /proc")
	}
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n, size = 3000, 16 << 10
	val := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, size) }
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		for i := 0; err == nil && i < n; i++ {
			err = b.Put(itob(uint64(i)), val(i))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	readAll := func() {
		t.Helper()
		if err := s.view(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("scratch"))
			for i := 0; i < n; i++ {
				if !bytes.Equal(b.Get(itob(uint64(i))), val(i)) {
					t.Fatalf("value %d changed", i)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	before := rssFileKB(t)
	if err := s.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	after := rssFileKB(t)
	if drop := before - after; drop < n*size/1024/2 {
		t.Errorf("RssFile %d kB → %d kB: want at least %d kB released", before, after, n*size/1024/2)
	}
	readAll()
}
