package store

import "syscall"

// releaseMapped drops the page-table entries of [addr, addr+n) of the
// read-only shared mapping; the next read faults the page in again from
// the page cache.
func releaseMapped(addr, n uintptr) error {
	if n == 0 {
		return nil
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, n, syscall.MADV_DONTNEED); e != 0 {
		return e
	}
	return nil
}
