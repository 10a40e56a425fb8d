package main

import (
	"context"
	"fmt"
	"io"

	"studyroll/store"
)

// runFieldKey is `studyroll field-key rotate --data DIR [--field-key FILE]`:
// seals every leave reason, note and comment again with a new key, on a
// stopped store (see store.RotateFieldKey).
func runFieldKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError("usage: studyroll field-key rotate --data ./data [--field-key FILE]")
	}
	fs := newFlags("field-key rotate", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	loc, err := sf.location()
	if err != nil {
		return err
	}
	n, retired, err := store.RotateFieldKey(store.WithActor(ctx, "system"), sf.data,
		store.Options{Location: loc, AuditKeyFile: sf.auditKey, FieldKeyFile: sf.fieldKey})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Rotated the field key %s: %d texts sealed again (audited). The old key is in %s: only audit entries written before now need it; keep it apart, or destroy it to make their sealed texts unreadable. Back up the new key file now.\n",
		fieldKeyPath(sf), n, retired)
	return nil
}
