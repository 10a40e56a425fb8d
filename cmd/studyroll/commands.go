package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"studyroll/store"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := sf.open()
	if err != nil {
		return err
	}
	defer s.Close()
	m := &Main{Store: s, Stdout: stdout, Demo: true}
	return m.bootstrap(ctx)
}

// rosterHelp is `studyroll import -h`: the roster format, then the flags.
const rosterHelp = `usage: studyroll import [--data DIR] [--tz ZONE] roster.csv

Imports the roster in one transaction: every line, or nothing (bad lines are
listed by their line number; the header is line 1). An existing username is
updated. The file is CSV (UTF-8 with or without BOM, or GBK/GB18030) or .xlsx,
with a header row; columns in any order, names case-insensitive:

  name       required: the person's name
  username   required: the login (unique, case-insensitive)
  group      required column: a group's name, or its path where names repeat
             (机关党委/第一党支部); empty: no group (hr and admin only)
  role       member (default for a new account), lead, hr, admin, inspector
  joined_on  2023-09-01, 2023-9-1, 2023/9/1 or 2023.9.1; empty: today
  password   at least 8 characters; required for a new account, empty keeps it
  title      职务 (optional column)
  position   place in the group's roster, 1 first (optional column)

Example:
  name,username,group,role,joined_on,password
  张三,zhangsan,第一党支部,member,2023-01-01,ChangeMe123

While the server runs, import on the admin's 导入与备份 page or with
POST /api/v1/members/import instead.

Flags:
`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	var sf storeFlags
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, rosterHelp)
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("name one roster file (CSV in UTF-8 or GBK, or .xlsx): studyroll import --data ./data roster.csv")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	s, err := sf.openOr(store.Options{}, "while the server runs, import through it: the admin's 导入与备份 page, /app/data, or POST /api/v1/members/import with Content-Type: text/csv")
	if err != nil {
		return err
	}
	defer s.Close()
	// CSV in UTF-8 or GBK (detected); an .xlsx file by its name.
	ct := store.ContentTypeCSV
	if strings.EqualFold(filepath.Ext(fs.Arg(0)), ".xlsx") {
		ct = store.ContentTypeXLSX
	}
	res, err := s.ImportRosterFile(store.WithActor(ctx, "system"), data, ct, "")
	if err != nil {
		if e, ok := err.(*store.Error); ok && len(e.Fields) > 0 {
			fmt.Fprintf(stderr, "%s: nothing imported; fix these lines:\n", fs.Arg(0))
			for _, k := range sortedLines(e.Fields) {
				fmt.Fprintf(stderr, "  %s: %s\n", k, e.Fields[k])
			}
			return fmt.Errorf("%d bad line(s)", len(e.Fields))
		}
		return err
	}
	fmt.Fprintf(stdout, "Imported %s: %d created, %d updated.\n", fs.Arg(0), res.Created, res.Updated)
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "file to write the copy to (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("--out FILE is required")
	}
	n, err := backupTo(ctx, sf, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes). To start from it, copy it to NEWDIR/%s, copy the audit key (%s, not in the backup) to NEWDIR/%s, copy the field key (%s, not in the backup; without it the leave reasons, notes and comments in the copy cannot be read) to NEWDIR/%s, and run: studyroll serve --data NEWDIR\n",
		filepath.Join(sf.data, store.FileName), *out, n, store.FileName, auditKeyPath(sf), store.AuditKeyFile, fieldKeyPath(sf), store.FieldKeyFile)
	return nil
}

// backupTo writes a consistent copy of the store to out via a temp file and a
// rename, so a failed backup never leaves a truncated file under that name.
func backupTo(ctx context.Context, sf storeFlags, out string) (int64, error) {
	if _, err := os.Stat(filepath.Join(sf.data, store.FileName)); err != nil {
		return 0, fmt.Errorf("no store in %s: %w", sf.data, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".studyroll-backup-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := writeBackup(ctx, sf, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), out)
}

func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("compact", stderr)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "new file to write the compacted copy to (required; must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("--out FILE is required")
	}
	src := filepath.Join(sf.data, store.FileName)
	before, _ := os.Stat(src)
	t0 := time.Now()
	if err := store.Compact(src, *out); err != nil {
		return err
	}
	after, err := os.Stat(*out)
	if err != nil {
		return err
	}
	var was int64
	if before != nil {
		was = before.Size()
	}
	fmt.Fprintf(stdout, "Compacted %s (%d bytes) to %s (%d bytes) in %.1f s. To use it, stop the server and replace %s with it.\n",
		src, was, *out, after.Size(), time.Since(t0).Seconds(), src)
	return nil
}

// fieldKeyPath is the field key file the store flags name.
func fieldKeyPath(sf storeFlags) string {
	if sf.fieldKey != "" {
		return sf.fieldKey
	}
	return filepath.Join(sf.data, store.FieldKeyFile)
}

// auditKeyPath is the audit key file the store flags name.
func auditKeyPath(sf storeFlags) string {
	if sf.auditKey != "" {
		return sf.auditKey
	}
	return filepath.Join(sf.data, store.AuditKeyFile)
}
