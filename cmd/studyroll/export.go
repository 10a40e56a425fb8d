package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"studyroll/export"
	"studyroll/store"
)

// runExport writes a locked period's signed summary for the platform one
// level up, or (--verify) checks such a file against a public key.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	var sf storeFlags
	sf.register(fs)
	period := fs.String("period", "", "locked period to export, e.g. 2023Q3 or 2023 (required)")
	out := fs.String("out", "", "file to write (default studyroll-PERIOD-rREVISION.json in the current folder)")
	verify := fs.String("verify", "", "verify this signed file instead of exporting (with --public-key)")
	pubFile := fs.String("public-key", "", "with --verify: the registered export.pub of the sending instance")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *verify != "" {
		if *pubFile == "" {
			return usageError("--verify needs --public-key FILE (the sender's registered export.pub)")
		}
		pemData, err := os.ReadFile(*pubFile)
		if err != nil {
			return err
		}
		pub, err := export.ParsePublicKeyPEM(pemData)
		if err != nil {
			return fmt.Errorf("%s: %w", *pubFile, err)
		}
		data, err := os.ReadFile(*verify)
		if err != nil {
			return err
		}
		sum, err := export.Verify(data, pub)
		if err != nil {
			return fmt.Errorf("%s: %w", *verify, err)
		}
		fmt.Fprintf(stdout, "%s: signature good (key %s): %s %s revision %d, %d members, %d groups, snapshot %s\n",
			*verify, export.Fingerprint(pub), sum.Organisation, sum.Period, sum.Revision, sum.Members, len(sum.Groups), sum.SnapshotSHA256)
		return nil
	}
	if *period == "" {
		return usageError("--period is required (a locked period, e.g. 2023Q3)")
	}
	s, err := sf.open()
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := store.ParsePeriod(*period, s.Location())
	if err != nil {
		return usageError(fmt.Sprintf("--period %q: %v", *period, err))
	}
	ps, err := s.FrozenPeriod(p)
	if err != nil {
		return err
	}
	lock, err := s.PeriodLock(p.String())
	if err != nil || ps == nil || lock == nil {
		return fmt.Errorf("period %s is not locked: only a locked period's frozen figures are exported (lock it in the web app or POST /api/v1/periods/%s/lock)", p, p)
	}
	sum, err := export.Build(ps, *lock, s.Now())
	if err != nil {
		return err
	}
	key, err := export.LoadOrCreateKey(sf.data)
	if err != nil {
		return fmt.Errorf("export key: %w", err)
	}
	data, err := export.Sign(sum, key)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = fmt.Sprintf("studyroll-%s-r%d.json", p, sum.Revision)
	}
	if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Exported %s revision %d (%d members, %d groups) to %s, signed with key %s.\nThe receiving platform verifies it with %s: studyroll export --verify %s --public-key %s\n",
		p, sum.Revision, sum.Members, len(sum.Groups), *out, export.Fingerprint(key.Public().(ed25519.PublicKey)),
		filepath.Join(sf.data, export.PublicKeyFile), *out, filepath.Join(sf.data, export.PublicKeyFile))
	return nil
}
