package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"studyroll/store"
)

// runSecurityProfile is `studyroll security-profile --data DIR [standard|level3]`:
// without an argument it prints the store's profile; with one it switches,
// the explicit and audited way (see store.SwitchProfile).
func runSecurityProfile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("security-profile", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError("studyroll security-profile --data DIR [standard|level3]")
	}
	s, err := sf.open()
	if err != nil {
		return err
	}
	defer s.Close()
	if fs.NArg() == 0 {
		fmt.Fprintf(stdout, "security profile: %s\n", s.Profile())
		return nil
	}
	to := store.Profile(fs.Arg(0))
	if !to.Valid() {
		return usageError(fmt.Sprintf("profile %q: want standard or level3", to))
	}
	env := map[string]string{}
	for _, a := range store.BootstrapAccounts(to) {
		env[a.Env] = os.Getenv(a.Env)
	}
	from := s.Profile()
	made, err := s.SwitchProfile(store.WithActor(ctx, "system"), to, env)
	if err != nil {
		return err
	}
	printAccounts(stdout, made)
	fmt.Fprintf(stdout, "Switched the security profile from %s to %s (audited). Set \"security_profile\": %q in --config.\n", from, to, to)
	return nil
}

// runPruneAudit is `studyroll prune-audit --data DIR --before YYYY-MM-DD
// [--config FILE]`: removes audit entries older than the date, which must
// lie outside the retention (security.audit_retention_days, at least 180
// days): the store refuses anything younger.
func runPruneAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("prune-audit", stderr)
	var sf storeFlags
	sf.register(fs)
	before := fs.String("before", "", "remove entries before this date (YYYY-MM-DD)")
	cfgFile := fs.String("config", "", "config file (its security.audit_retention_days)")
	if err := parse(fs, args); err != nil {
		return err
	}
	loc, err := sf.location()
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation(store.DateLayout, *before, loc)
	if err != nil {
		return usageError("--before: a date YYYY-MM-DD")
	}
	cfg, err := loadConfig(*cfgFile)
	if err != nil {
		return err
	}
	s, err := sf.open()
	if err != nil {
		return err
	}
	defer s.Close()
	sp, err := cfg.Security.apply(s.Profile())
	if err == nil {
		err = s.SetSecurityPolicy(sp)
	}
	if err != nil {
		return err
	}
	n, err := s.PruneAudit(store.WithActor(ctx, "system"), day)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Removed %d audit entries before %s; the chain still verifies from the first kept entry.\n", n, *before)
	return nil
}
