package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"studyroll/store"
)

// runGroups is `studyroll groups --data DIR`: every group in the one
// order (depth first, siblings by position) with its id, type and path;
// `report --group` takes either the id or the path.
func runGroups(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("groups", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	s, err := sf.openOr(store.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond},
		"while the server runs, ask it: GET /api/v1/groups, or the 组织管理 page, /app/groups")
	if err != nil {
		return err
	}
	defer s.Close()
	t, err := s.Tree()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTYPE\tPATH")
	for _, g := range t.Ordered() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", g.ID, g.Type, t.Path(g.ID))
	}
	return w.Flush()
}

// resolveGroup reads a --group value: a group id, or a name or path of
// names ("机关党委/办公室第一党支部", or its tail where that is unique) as
// `studyroll groups` prints them. "" is everyone.
func resolveGroup(s *store.Store, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	t, err := s.Tree()
	if err != nil {
		return "", err
	}
	if _, ok := t.Group(ref); ok {
		return ref, nil
	}
	id, ambiguous, ok := t.Resolve(ref)
	switch {
	case ok:
		return id, nil
	case ambiguous:
		return "", fmt.Errorf("--group %q names more than one group: give its whole path or its id (studyroll groups --data DIR lists them)", ref)
	}
	return "", fmt.Errorf("--group %q: no group has this id, name or path (studyroll groups --data DIR lists them)", ref)
}
