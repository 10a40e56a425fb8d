package store

import (
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Compact writes a compacted copy of the store file src to the new file dst
// with bbolt's compaction: every bucket and key copied into fresh pages, so
// the pages freed by deletions and rewritten values (bbolt files never
// shrink on their own) are left behind. src is opened read-only and must not
// be in use by a server; dst must not exist. On error nothing is left at dst.
func Compact(src, dst string) (err error) {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no store at %s: %w", src, err)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s already exists; name a new file", dst)
	}
	in, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true, Timeout: 1e9})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return inUse("store %s is in use by another studyroll process (the file is locked); stop the server first (a running server's copy: studyroll backup)", src)
		}
		return fmt.Errorf("open store %s: %w", src, err)
	}
	defer in.Close()
	// Map the copy at the original's size from the start: growing the map
	// step by step re-maps the file and copies every node still in memory
	// each time (a third of the compaction's CPU on a 130 MB store).
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	out, err := bolt.Open(dst, 0o600, &bolt.Options{NoSync: true, InitialMmapSize: int(st.Size())})
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	// 64 MiB per transaction keeps the copy's memory bounded on big stores.
	if err := bolt.Compact(out, in, 64<<20); err != nil {
		return fmt.Errorf("compact %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dst, err)
	}
	return nil
}
