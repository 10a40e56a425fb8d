package main

import (
	"context"
	"fmt"
	"io"
	"os"

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
