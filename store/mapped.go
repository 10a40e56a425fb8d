package store

import bolt "go.etcd.io/bbolt"

// ReleaseMapped tells the kernel this process no longer needs the pages of
// the store file it has read so far. The file is memory-mapped, and every
// page a read touches stays mapped into the process — and counts in its
// RSS — until the kernel needs the memory back: a one-off report batch that
// reads a quarter of 100,000 members touches some 200 MB of the file. The
// pages stay in the page cache; a later read maps them again. Nothing is
// written. On systems other than Linux it does nothing.
func (s *Store) ReleaseMapped() error {
	// A read transaction holds the mapping in place (bbolt remaps only
	// with no reader open).
	return s.view(func(tx *bolt.Tx) error {
		return releaseMapped(s.db.Info().Data, uintptr(tx.Size()))
	})
}
