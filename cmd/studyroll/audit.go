package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"studyroll/store"
)

// runAudit runs `studyroll audit verify --data DIR [--audit-key FILE]`:
// it opens the store read-only (the server must be stopped, or use GET
// /api/v1/audit/verify), checks the whole audit chain with the key and
// exits 0 when it is intact, 1 naming the first bad entry.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError("usage: studyroll audit verify --data ./data [--audit-key FILE]")
	}
	fs := newFlags("audit verify", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	s, err := sf.openOr(store.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond}, "while the server runs, ask it: GET /api/v1/audit/verify")
	if err != nil {
		return err
	}
	defer s.Close()
	r := s.CheckAudit()
	if !r.OK {
		return fmt.Errorf("audit chain BROKEN after %d good entries: %s", r.Entries, r.Problem)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries, head %s\n", r.Entries, r.Head)
	return nil
}
