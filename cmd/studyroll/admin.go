package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"studyroll/store"
)

// newPasswordEnv names the environment variable that gives `admin
// reset-password` the new password; without it one is drawn at random.
const newPasswordEnv = "STUDYROLL_NEW_PASSWORD"

// runAdmin is `studyroll admin reset-password --data DIR USERNAME`: a new
// password for an account on a stopped store (store.ResetPassword), the
// way back in when the only administrator's password is lost. While the
// server runs the store is locked and it stops with the usual "in use"
// message and what to do instead.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "studyroll admin reset-password --data ./data USERNAME"
	if len(args) == 0 || args[0] != "reset-password" {
		return usageError("usage: " + use)
	}
	fs := newFlags("admin reset-password", stderr)
	var sf storeFlags
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nSets a new password for the account USERNAME on a stopped store: the password\nfrom $%s, or a random one printed once. Every session of the account\nends and the change is audited.\n\n", use, newPasswordEnv)
		fs.PrintDefaults()
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("name one account: " + use)
	}
	s, err := sf.openOr(store.Options{LockTimeout: 500 * time.Millisecond},
		"stop the server first: a password is reset on the stopped store. While it runs, an account that manages accounts can set a new one on the 人员管理 page, /app/members, or with PATCH /api/v1/members/ID {\"password\": …}")
	if err != nil {
		return err
	}
	defer s.Close()
	user := fs.Arg(0)
	pw, err := s.ResetPassword(store.WithActor(ctx, "system"), user, os.Getenv(newPasswordEnv))
	if err != nil {
		return err
	}
	if os.Getenv(newPasswordEnv) != "" {
		fmt.Fprintf(stdout, "Set the password of %s from $%s. Every session of the account ended (audited).\n", user, newPasswordEnv)
	} else {
		fmt.Fprintf(stdout, "New password of %s: %s (shown once: write it down, then change it after logging in). Every session of the account ended (audited).\n", user, pw)
	}
	return nil
}
